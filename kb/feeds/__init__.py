"""Atom feeds (RFC 4287) of published content: latest, per content type, per pathway, per
improvement method and per search, for feed readers and for anyone who would rather be told."""
