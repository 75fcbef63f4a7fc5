from django.apps import AppConfig


class GuidesConfig(AppConfig):
    name = "kb.guides"
    label = "guides"
