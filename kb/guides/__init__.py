"""National guidance: improvement guides, GIRFT standards and blueprints."""
