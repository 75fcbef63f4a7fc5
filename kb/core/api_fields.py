"""What each page type shows in the page API (/api/v2/), said once, from the page type itself.

Wagtail's API serialises a page's `api_fields`. Knowledge pages build theirs here from what the
type already declares (`KnowledgePage.api_fields`): the shared fields, one entry for each of
its `classification_fields` and `section_fields`, then the type's own `api_extra_fields`. So a
new page type, a new vocabulary or a new section appears in the API without a list to keep in
step, and only what is named is public: owner and contact emails, the stored HTML, the import
hash and everything about an idea's submitter are never named.

Relations are written out by the fields below rather than by Wagtail's nested serialisers, so
the shapes are stable and plain: a vocabulary term is {"slug", "name"}, an organisation adds its
ODS code and type, a linked page is {"id", "title", "url"} and only live public pages are
linked. Measure series are `kb.measurement.records.SeriesField`, the open-data export's shape.
"""

from rest_framework import serializers
from wagtail.api import APIField


def term_record(term):
    """A vocabulary term or an organisation as plain data (None stays None)."""
    if term is None:
        return None
    record = {"slug": term.slug, "name": term.name}
    if hasattr(term, "ods_code"):
        record |= {"ods_code": term.ods_code or None, "type": term.kind}
    return record


class ReadOnlyField(serializers.Field):
    def __init__(self, **kwargs):
        kwargs.setdefault("read_only", True)
        super().__init__(**kwargs)


class TermField(ReadOnlyField):
    """A foreign key to a vocabulary term or an organisation: {"slug", "name"} or null."""

    def to_representation(self, value):
        return term_record(value)


class TermsField(ReadOnlyField):
    """A page's vocabulary many-to-many, read with the page's other vocabularies in one query
    (`KnowledgePage.classification`): [{"slug", "name"}] in name order."""

    def __init__(self, name, **kwargs):
        self.relation = name
        super().__init__(source="*", **kwargs)

    def to_representation(self, page):
        return [term_record(term) for term in page.classification.get(self.relation, ())]


class TermListField(ReadOnlyField):
    """Any many-to-many of vocabulary terms or organisations: [{"slug", "name", ...}]."""

    def to_representation(self, related):
        return [term_record(term) for term in related.all()]


class PageLinksField(ReadOnlyField):
    """Pages a page links to, as [{"id", "title", "url"}]: only the live ones readers may see."""

    def to_representation(self, related):
        pages = related.live().public().order_by("title")
        return [{"id": page.pk, "title": page.title, "url": page.full_url} for page in pages]


class PageLinkField(ReadOnlyField):
    """One linked page ({"id", "title", "url"}), or null when there is none readers may see."""

    def to_representation(self, page):
        if page is None or not type(page).objects.live().public().filter(pk=page.pk).exists():
            return None
        return {"id": page.pk, "title": page.title, "url": page.full_url}


class RowsField(ReadOnlyField):
    """Child rows (results, cycles) as dicts of the named attributes, in their own order."""

    def __init__(self, attributes, **kwargs):
        self.attributes = attributes
        super().__init__(**kwargs)

    def to_representation(self, rows):
        return [
            {name: _plain(getattr(row, name)) for name in self.attributes} for row in rows.all()
        ]


class DocumentsField(ReadOnlyField):
    """Attached documents: [{"title", "url"}], the URL Wagtail serves the file from."""

    def to_representation(self, attachments):
        return [
            {"title": row.title or row.document.title, "url": row.document.url}
            for row in attachments.select_related("document")
        ]


def _plain(value):
    """Numbers as numbers: a Decimal is written as a JSON number, not as text."""
    from decimal import Decimal

    if isinstance(value, Decimal):
        return float(value)
    return value


def knowledge_api_fields(model):
    """The API fields of a knowledge page type (see the module docstring)."""
    fields = [
        APIField("kind", serializers.CharField(source="content_kind", read_only=True)),
        APIField("summary"),
        APIField("publication_date"),
        APIField("last_modified", serializers.DateTimeField(read_only=True)),
        APIField("owner", serializers.CharField(source="content_owner", read_only=True)),
    ]
    if model.review_dates:
        fields += [APIField("last_reviewed"), APIField("next_review"), APIField("review_status")]
    fields += [APIField(name, TermsField(name)) for name in model.classification_fields]
    fields += [APIField(name) for name, _ in model.section_fields]
    fields += [APIField("body")]
    return fields + list(model.api_extra_fields)
