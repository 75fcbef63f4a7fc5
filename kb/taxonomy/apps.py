from django.apps import AppConfig


class TaxonomyConfig(AppConfig):
    name = "kb.taxonomy"
    label = "taxonomy"
