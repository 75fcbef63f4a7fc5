from django.apps import AppConfig, apps
from django.core.management import call_command
from django.db.models.signals import post_migrate, pre_save

from .shared_state import DATABASE_CACHE_TABLE


def create_cache_table(sender, using="default", verbosity=1, **kwargs):
    """`migrate` makes the database cache's table (the embedded default's shared cache) too,
    so no deployment needs to remember `createcachetable`, and a site that drops REDIS_URL
    finds it ready. Does nothing when it exists."""
    call_command(
        "createcachetable", DATABASE_CACHE_TABLE, database=using, verbosity=max(0, verbosity - 1)
    )


class CoreConfig(AppConfig):
    name = "kb.core"
    label = "core"

    def ready(self):
        from wagtail.models import Page

        from .editor_forms import GuardedModelForm, GuardedPageForm
        from .page_cache import connect_signals
        from .stored_text import refuse_stored_nhs_numbers

        connect_signals()
        post_migrate.connect(create_cache_table, sender=self, dispatch_uid="kb-cache-table")
        # The patient data guard at the editor's door and, as a backstop, on every save.
        pre_save.connect(refuse_stored_nhs_numbers, dispatch_uid="kb-refuse-nhs-numbers")
        for model in apps.get_models():
            if not model._meta.app_config.name.startswith("kb."):
                continue
            if "base_form_class" in vars(model):
                continue
            model.base_form_class = GuardedPageForm if issubclass(model, Page) else GuardedModelForm
