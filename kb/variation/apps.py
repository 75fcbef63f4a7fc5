from django.apps import AppConfig


class VariationConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "kb.variation"
    verbose_name = "Variation data"
