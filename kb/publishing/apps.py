from django.apps import AppConfig


class PublishingConfig(AppConfig):
    """Getting content into the site: Markdown import, page writing, the site's fixed top
    pages and the demo content. It stands on every content app; none imports it."""

    name = "kb.publishing"
    label = "publishing"
