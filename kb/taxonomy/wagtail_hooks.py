"""Admin menu for the vocabularies: one "Vocabularies" group of snippet editors."""

from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from . import models


def _viewset(term_model, icon, columns=("name", "slug")):
    return type(
        f"{term_model.__name__}ViewSet",
        (SnippetViewSet,),
        {
            "model": term_model,
            "icon": icon,
            "list_display": list(columns),
            "search_fields": ["name"],
        },
    )


class VocabularyGroup(SnippetViewSetGroup):
    menu_label = "Vocabularies"
    menu_icon = "tag"
    menu_order = 300
    items = (
        _viewset(models.Pathway, "site"),
        _viewset(models.ImprovementMethod, "cogs"),
        _viewset(models.ContentKind, "doc-full"),
        _viewset(models.Region, "globe"),
        _viewset(models.Specialty, "user"),
        _viewset(models.WasteType, "bin"),
        _viewset(models.Organisation, "group", ("name", "kind", "ods_code", "region")),
    )


register_snippet(VocabularyGroup)
