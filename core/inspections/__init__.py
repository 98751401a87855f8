"""Joint inspections and rectification."""
