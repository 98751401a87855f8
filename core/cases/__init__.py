"""Cases and leads, hand-overs between departments."""
