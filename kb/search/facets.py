"""The search facets: the one list everything about a facet is derived from.

A facet is a way to narrow search results by a vocabulary: its URL parameter and JSON key
(`pathway`), its label on the search page, the vocabulary its values come from (for names, known
values and synonyms) and how to read a page's values. From this list come the search document's
`facets` (one JSON field: no column per facet), the hidden full-text tokens and the in-memory
facet sets of the database backend, Elasticsearch's keyword fields and aggregations, the
parameters `/search/` and `/api/search/` accept, their facet panels and counts, and the
vocabularies whose edits reach synonyms and the index.

Adding a facet is one `register(Facet(...))` (here, or in an app's `AppConfig.ready()`), then
`python manage.py kb_reindex`. Nothing else changes, and no migration is needed.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.apps import apps


@dataclass(frozen=True)
class Facet:
    name: str  # URL parameter and JSON key: stable, never renamed once shipped
    label: str  # what readers see on the search page
    vocabulary: str  # "app_label.Model" of the vocabulary its slugs and names come from
    values: Callable[[object], Iterable[str]]  # a (specific) page -> its slugs for this facet
    open_by_default: bool = False  # the search page's panel starts open

    def vocabulary_model(self):
        return apps.get_model(self.vocabulary)

    def page_values(self, page):
        return sorted({slug for slug in self.values(page) if slug})


_REGISTRY = {}


def register(facet):
    """Add a facet (or replace the one with its name); facets keep the order they came in."""
    _REGISTRY[facet.name] = facet
    return facet


def unregister(name):
    _REGISTRY.pop(name, None)


def facets():
    return tuple(_REGISTRY.values())


def facet_names():
    return tuple(_REGISTRY)


def get(name):
    return _REGISTRY[name]


def page_facet_values(page):
    """{facet name: [slugs]} of a page, for every registered facet."""
    return {facet.name: facet.page_values(page) for facet in facets()}


def _slugs(related):
    return [term.slug for term in related.all()]


def _specialties(page):
    specialty = getattr(page, "specialty", None)  # a GIRFT standard names one specialty
    return [*_slugs(page.specialties), *([specialty.slug] if specialty is not None else [])]


def _region(page):
    organisation = getattr(page, "organisation", None)
    region = getattr(page, "region", None) or getattr(organisation, "region", None)
    return [region.slug] if region is not None else []


def _organisations(page):
    """The organisation a case study, idea or project is from, and those that adopted it."""
    organisation = getattr(page, "organisation", None)
    adopters = getattr(page, "also_adopted_by", None)
    return [
        *([organisation.slug] if organisation is not None else []),
        *(_slugs(adopters) if adopters is not None else []),
    ]


register(Facet("type", "Content type", "taxonomy.ContentKind", lambda page: [page.content_kind],
               open_by_default=True))  # fmt: skip
register(Facet("pathway", "Care pathway", "taxonomy.Pathway", lambda page: _slugs(page.pathways),
               open_by_default=True))  # fmt: skip
register(Facet("method", "Improvement method", "taxonomy.ImprovementMethod",
               lambda page: _slugs(page.methods), open_by_default=True))  # fmt: skip
register(Facet("specialty", "Specialty", "taxonomy.Specialty", _specialties))
register(Facet("region", "Region", "taxonomy.Region", _region))
register(Facet("organisation", "Organisation", "taxonomy.Organisation", _organisations))
