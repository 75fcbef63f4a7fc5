from django.apps import AppConfig, apps
from django.db.models.signals import pre_save


class CoreConfig(AppConfig):
    name = "kb.core"
    label = "core"

    def ready(self):
        from wagtail.models import Page

        from .editor_forms import GuardedModelForm, GuardedPageForm
        from .page_cache import connect_signals
        from .stored_text import refuse_stored_nhs_numbers

        connect_signals()
        # The patient data guard at the editor's door and, as a backstop, on every save.
        pre_save.connect(refuse_stored_nhs_numbers, dispatch_uid="kb-refuse-nhs-numbers")
        for model in apps.get_models():
            if not model._meta.app_config.name.startswith("kb."):
                continue
            if "base_form_class" in vars(model):
                continue
            model.base_form_class = GuardedPageForm if issubclass(model, Page) else GuardedModelForm
