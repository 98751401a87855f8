"""Joint meetings (联席会议): bodies, proposals, meetings, minutes, resolutions, duty reports."""
