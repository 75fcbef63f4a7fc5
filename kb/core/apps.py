from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "kb.core"
    label = "core"

    def ready(self):
        from .page_cache import connect_signals

        connect_signals()
