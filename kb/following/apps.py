from django.apps import AppConfig


class FollowingConfig(AppConfig):
    name = "kb.following"
    label = "following"
    verbose_name = "Following and notifications"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from kb.accounts.views import register_member_data

        from .services import member_data
        from .signals import connect

        connect()
        register_member_data("following", member_data)
