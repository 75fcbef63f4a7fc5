from django.apps import AppConfig


class IdeasConfig(AppConfig):
    name = "kb.ideas"
    label = "ideas"
    verbose_name = "Frontline ideas"
