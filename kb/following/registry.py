"""What can be followed: one name each ("pathway", "page"...), the model and how it reads.

Apps that add followable things (networks, projects) register them here; a page's followable
relations (its pathways, methods, organisation...) are found by `targets_of`.
"""

from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType


@dataclass(frozen=True)
class Followable:
    kind: str  # in URLs and forms: /following/follow/ kind=pathway
    model: type
    label: str  # "pathway"


_REGISTRY = {}
_defaults = []  # set once the project's own followable things are registered


def register(kind, model, label):
    _REGISTRY[kind] = Followable(kind, model, label)


def followable(kind):
    """The Followable of that name, or None."""
    _register_defaults()
    return _REGISTRY.get(kind)


def kinds():
    _register_defaults()
    return dict(_REGISTRY)


def kind_of(obj):
    """The name under which an object is followed (a page's specific class counts as a page,
    unless that class is registered under a name of its own)."""
    from wagtail.models import Page

    _register_defaults()
    if isinstance(obj, Page):
        # A page type registered under its own name (a network) is followed as that; any
        # other page as "page".
        for kind, entry in _REGISTRY.items():
            if entry.model is not Page and isinstance(obj, entry.model):
                return kind
        return "page"
    for kind, entry in _REGISTRY.items():
        if isinstance(obj, entry.model):
            return kind
    return None


def content_type_of(obj):
    """Follows of any page point at wagtailcore.Page, whatever its specific class."""
    from wagtail.models import Page

    model = Page if isinstance(obj, Page) else type(obj)
    return ContentType.objects.get_for_model(model)


def targets_of(page):
    """What a change to `page` concerns, most particular first: the page itself, then its
    organisation, specialties, improvement methods and care pathways. [(object, kind)]."""
    found = [(page, "page")]
    organisation = getattr(page, "organisation", None) if hasattr(page, "organisation_id") else None
    if organisation is not None:
        found.append((organisation, "organisation"))
    specialty = getattr(page, "specialty", None) if hasattr(page, "specialty_id") else None
    if specialty is not None:
        found.append((specialty, "specialty"))
    for name, kind in (
        ("specialties", "specialty"),
        ("methods", "method"),
        ("pathways", "pathway"),
    ):
        if hasattr(page, name):
            found += [(term, kind) for term in getattr(page, name).all()]
    return found


def _register_defaults():
    if _defaults:
        return
    _defaults.append(True)
    from wagtail.models import Page

    from kb.taxonomy.models import ImprovementMethod, Organisation, Pathway, Specialty

    register("page", Page, "page")
    register("pathway", Pathway, "care pathway")
    register("method", ImprovementMethod, "improvement method")
    register("specialty", Specialty, "specialty")
    register("organisation", Organisation, "organisation")
