"""forestchief: collaboration platform for the township forest-chief office (林长办)."""

__version__ = "0.1.0"
