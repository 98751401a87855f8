"""Special campaigns (专项行动)."""
