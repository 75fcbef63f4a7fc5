"""Search's own data: editable synonym groups and the search index documents.

A SearchDocument is a flat copy of one published page, made for searching: its text and its
facet values (content type, pathways, methods, specialties, region). On SQLite a full-text table
`kbsearch_fts` (FTS5, Porter stemming) shares its row ids; on PostgreSQL a `search_vector`
tsvector column with a GIN index is added by migration. Neither is a Django field, because each
exists on one database only; kb/search/backends/database.py owns the SQL.
"""

from django.db import models
from wagtail.admin.panels import FieldPanel
from wagtail.search import index


class SynonymGroup(index.Indexed, models.Model):
    """Words and phrases that mean the same to the people searching (A&E, ED, ...)."""

    terms = models.TextField(
        help_text="Words or phrases that mean the same, separated by commas, for example: "
        "A&E, ED, emergency department. A search for any of them finds all of them.",
    )
    note = models.CharField(max_length=255, blank=True, help_text="Why this group exists.")

    panels = [FieldPanel("terms"), FieldPanel("note")]
    search_fields = [index.SearchField("terms")]

    class Meta:
        verbose_name = "search synonym group"
        ordering = ["terms"]

    def __str__(self):
        return self.terms[:80]


class SearchDocument(models.Model):
    """One published page as search sees it."""

    page = models.OneToOneField(
        "wagtailcore.Page", on_delete=models.CASCADE, related_name="search_document"
    )
    kind = models.SlugField(max_length=40, db_index=True)
    slug = models.SlugField(max_length=255)
    url = models.CharField(max_length=1000)
    title = models.TextField()
    summary = models.TextField(blank=True)
    body = models.TextField(blank=True)
    organisation = models.TextField(blank=True)
    measures = models.TextField(blank=True)
    publication_date = models.DateField(null=True, db_index=True)
    # Facet values, space-separated slugs: read together with each match, counted in Python.
    pathways = models.TextField(blank=True)
    methods = models.TextField(blank=True)
    specialties = models.TextField(blank=True)
    region = models.SlugField(max_length=80, blank=True)
    # What the page's run or SPC charts show: "improvement", "none" (no signal yet) or "".
    signal = models.CharField(max_length=20, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [models.Index(fields=["kind", "publication_date"])]

    def __str__(self):
        return self.title

    def facet_values(self):
        return {
            "type": [self.kind],
            "pathway": self.pathways.split(),
            "method": self.methods.split(),
            "specialty": self.specialties.split(),
            "region": [self.region] if self.region else [],
        }
