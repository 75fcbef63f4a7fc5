from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "kb.search"
    label = "kbsearch"
    verbose_name = "Search"

    def ready(self):
        from .indexing import connect_signals

        connect_signals()
