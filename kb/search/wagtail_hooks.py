"""Admin: editors maintain the search synonym groups (the words clinicians type)."""

from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from .models import SynonymGroup


class SynonymGroupViewSet(SnippetViewSet):
    model = SynonymGroup
    icon = "search"
    menu_label = "Search synonyms"
    menu_order = 310
    add_to_admin_menu = True
    list_display = ["terms", "note"]
    search_fields = ["terms"]


register_snippet(SynonymGroupViewSet)
