from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "kb.search"
    label = "kbsearch"
    verbose_name = "Search"

    def ready(self):
        from django.core.signals import setting_changed
        from django.db.models.signals import post_migrate

        from .breaker import reset_on_setting_change
        from .indexing import connect_signals, sync_phrases_after_migrate

        connect_signals()
        post_migrate.connect(sync_phrases_after_migrate, sender=self, dispatch_uid="kbsearch_phr")
        setting_changed.connect(reset_on_setting_change, dispatch_uid="kbsearch_breaker_reset")
