"""Notifications: an in-app inbox per user, deadline reminders, optional e-mail."""
