"""What search knows about a page: its text, weighted fields and facet values."""

from kb.core.markdown import markdown_to_text
from kb.core.models import KnowledgePage

from .facets import page_facet_values


def is_searchable(page):
    """Published, public guidance, case studies and ideas: every KnowledgePage type."""
    page = page.specific
    return (
        isinstance(page, KnowledgePage)
        and page.live
        and not page.get_view_restrictions().exists()
        and not any(p.get_view_restrictions().exists() for p in page.get_ancestors())
    )


def _body_text(page):
    parts = []
    # Fields particular to a page type, in the order a reader meets them.
    for name in ("reference", "standard", "source_report"):
        value = getattr(page, name, "")
        if value:
            parts.append(str(value))
    parts.append(page.sections_text)
    parts.append(page.body_text)
    # The names of the page's pathways, methods and specialties, so that a search for a method
    # (or its synonym: PDSA) finds pages filed under it even when their text never names it.
    for related in (page.pathways, page.methods, page.specialties):
        parts.extend(term.name for term in related.all())
    components = getattr(page, "components", None)
    if components is not None:
        for block in components:
            parts.append(block.value.get("name", ""))
            parts.append(markdown_to_text(block.value.get("description", "")))
    return " ".join(part for part in parts if part).strip()


def _measures_text(page):
    measures = getattr(page, "measures", None)
    if measures is None or not hasattr(measures, "all"):
        return ""
    return " ".join(
        " ".join(filter(None, [m.name, m.unit, m.period])) for m in measures.all()
    ).strip()


def document_fields(page):
    """Field values for the page's SearchDocument (and the Elasticsearch document)."""
    page = page.specific
    organisation = getattr(page, "organisation", None)
    return {
        "kind": page.content_kind,
        "slug": page.slug,
        "url": page.url or "",
        "title": page.title,
        "summary": page.summary or "",
        "body": _body_text(page),
        # Its name and ODS code: people search for "RQW" as often as for the trust's name.
        "organisation": " ".join(filter(None, [organisation.name, organisation.ods_code]))
        if organisation is not None
        else "",  # fmt: skip
        "measures": _measures_text(page),
        "publication_date": page.publication_date,
        "facets": page_facet_values(page),
        "signal": getattr(page, "signal", "") or "",
    }
