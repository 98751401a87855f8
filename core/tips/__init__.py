"""Public tips (举报) and rewards."""
