"""Attachments: files stored under the instance upload path, checked by content."""
