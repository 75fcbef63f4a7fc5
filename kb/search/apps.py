from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "kb.search"
    label = "kbsearch"
    verbose_name = "Search"

    def ready(self):
        from django.core.signals import setting_changed

        from .breaker import reset_on_setting_change
        from .indexing import connect_signals

        connect_signals()
        setting_changed.connect(reset_on_setting_change, dispatch_uid="kbsearch_breaker_reset")
