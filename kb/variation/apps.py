from django.apps import AppConfig


class VariationConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "kb.variation"
    verbose_name = "Variation data"

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from kb.core.page_cache import purge

        from .models import Metric

        # Pages and JSON show a metric's name, definition and links: an edit makes them stale
        # (the importer purges once after loading data).
        post_save.connect(purge, sender=Metric, dispatch_uid="kbcache_save_metric")
        post_delete.connect(purge, sender=Metric, dispatch_uid="kbcache_del_metric")
