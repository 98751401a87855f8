"""The environment department plugin."""
