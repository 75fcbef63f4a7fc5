from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "kb.cases"
    label = "cases"
