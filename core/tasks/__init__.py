"""Assigned tasks: one unit asks another to do something by a deadline, tracked to closure."""
