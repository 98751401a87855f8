"""The core's own hook implementations, registered like any plugin (STYLE rule 2)."""
