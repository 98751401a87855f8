"""The emergency department plugin."""
