"""Search's own data: editable synonym groups and the search index documents.

A SearchDocument is a flat copy of one published page, made for searching: its text and its
facet values ({facet: [slugs]} for every facet in kb/search/facets.py). On SQLite a full-text table
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
    # {facet name: [slugs]} for every registered facet (kb/search/facets.py): one field, so a
    # new facet needs no migration, only a reindex.
    facets = models.JSONField(default=dict, blank=True)
    # What the page's run or SPC charts show: "improvement", "none" (no signal yet) or "".
    signal = models.CharField(max_length=20, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [models.Index(fields=["kind", "publication_date"])]

    def __str__(self):
        return self.title

    def facet_values(self):
        return dict(self.facets or {})


class IndexChange(models.Model):
    """One change to the search index, numbered in commit order.

    Each process keeps its facet sets in memory (kb/search/bitsets.py) and remembers the last
    change they include; on its next search it reads only the changes after that one and
    re-reads just those documents, instead of rebuilding every set. A change with no document
    (a clear or a bulk load) tells every process to rebuild. Old changes are pruned: a process
    that finds the change it last applied gone rebuilds too.
    """

    seq = models.BigIntegerField(primary_key=True)
    # SearchDocument id (no foreign key: the document may be gone); None: everything changed.
    document_id = models.IntegerField(null=True)
    # A fresh random token per write, so a process can tell its history from another's (after
    # a rollback the same numbers can come back with different changes).
    token = models.CharField(max_length=64)

    def __str__(self):
        return f"{self.seq}: {self.document_id or 'everything'}"
