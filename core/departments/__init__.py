"""Departments: the office and its collaborating units, defined in configuration."""
