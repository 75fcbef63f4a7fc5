"""Site-wide pieces: the home page, shared blocks and fields, Markdown rendering, error pages."""
