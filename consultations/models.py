"""Models arrive with this stream's issue."""
