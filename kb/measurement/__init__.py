"""Measurement for improvement: run charts and XmR statistical process control charts."""
