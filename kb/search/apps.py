from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "kb.search"
    label = "kbsearch"
