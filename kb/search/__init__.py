"""Search across published content."""
