"""Tests for the measurement-for-improvement core: SPC rules and accessible SVG charts."""
