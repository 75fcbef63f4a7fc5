from django.apps import AppConfig


class NetworksConfig(AppConfig):
    """Learning and Improvement Networks and improvement collaboratives."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "kb.networks"
    verbose_name = "Networks"

    def ready(self):
        # A network is followed under its own name, not as any page (kb.following.registry).
        from kb.following.registry import register

        from .models import NetworkPage

        register("network", NetworkPage, "network")
