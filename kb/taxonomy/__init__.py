"""Controlled vocabularies: pathways, methods, content kinds, regions, specialties, wastes."""
