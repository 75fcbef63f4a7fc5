from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "kb.accounts"
    label = "accounts"
    verbose_name = "Staff accounts"
    default_auto_field = "django.db.models.BigAutoField"
