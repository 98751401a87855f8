"""Information sharing (lianzhou art. 5-6): items departments publish, with sensitivity."""
