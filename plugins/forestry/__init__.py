"""The forestry department plugin."""
