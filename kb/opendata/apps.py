from django.apps import AppConfig


class OpenDataConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "kb.opendata"
    verbose_name = "Open data"

    def ready(self):
        from .store import connect_signals

        connect_signals()
