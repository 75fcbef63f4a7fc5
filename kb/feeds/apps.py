from django.apps import AppConfig


class FeedsConfig(AppConfig):
    name = "kb.feeds"
    label = "feeds"
    verbose_name = "Feeds"
