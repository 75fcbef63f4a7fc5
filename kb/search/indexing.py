"""Keeping the search index current: on publish, unpublish, move and delete, and in bulk."""

import logging

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, transaction
from django.utils import timezone
from django_tasks import task
from wagtail.models import Page

from kb.jobs import defer

from .backends.database import DatabaseBackend
from .documents import document_fields, is_searchable

logger = logging.getLogger(__name__)


def external_backend():
    """The Elasticsearch backend when it is configured, else None."""
    if settings.KB_SEARCH_BACKEND == "elasticsearch":
        from .backends.elastic import ElasticsearchBackend

        return ElasticsearchBackend.from_settings()
    return None


def update_page(page):
    """Index the page if it should be found, else make sure it is not."""
    page = page.specific
    if is_searchable(page):
        fields = document_fields(page)
        DatabaseBackend().index(page, fields)
        _after_commit(lambda backend: backend.index(page, fields))
    else:
        remove_page(page.pk)


def remove_page(page_id):
    DatabaseBackend().delete(page_id)
    _after_commit(lambda backend: backend.delete(page_id))


def _after_commit(action):
    """Mirror a change to Elasticsearch once the database has committed it.

    The database index is always kept (it is the fallback); a failure to reach Elasticsearch
    is logged, never shown to the editor: `kb_reindex` brings it back in step.
    """
    backend = external_backend()
    if backend is None:
        return

    def run():
        try:
            action(backend)
        except Exception:
            logger.exception("Elasticsearch index update failed; run kb_reindex when it is back")

    transaction.on_commit(run)


def searchable_pages():
    from kb.core.models import knowledge_page_models

    for model in knowledge_page_models():
        yield from model.objects.live().public().specific().iterator(chunk_size=500)


def rebuild(progress=None):
    """Rebuild the whole index from the published pages. Returns the number indexed."""
    database = DatabaseBackend()
    documents, started = [], timezone.now()
    for count, page in enumerate(searchable_pages(), start=1):
        documents.append((page, document_fields(page)))
        if progress and count % 500 == 0:
            progress(count)
    # Synonym phrases first, so that every document is written with their tokens.
    database.sync_phrases(complete=False)
    with transaction.atomic():
        database.clear()
        database.bulk_index((page.pk, fields) for page, fields in documents)
    database.complete_phrases()
    database.optimise()
    backend = external_backend()
    if backend is not None:
        backend.rebuild(documents)
        catch_up(backend, started, {page.pk for page, _ in documents})
    return len(documents)


def catch_up(backend, since, built_ids):
    """After Elasticsearch switched to a freshly built index: what changed while it was being
    built went to the old one, so apply it again. Pages published since are indexed again;
    pages the new index has but the database index no longer does (unpublished, deleted,
    restricted) are removed."""
    from .models import SearchDocument

    current = set(SearchDocument.objects.values_list("page_id", flat=True))
    for page_id in sorted(built_ids - current):
        backend.delete(page_id)
    for page in Page.objects.filter(pk__in=current, last_published_at__gte=since).specific():
        if is_searchable(page):
            backend.index(page, document_fields(page))


# --- Jobs: what a publish, unpublish or move asks of the index (kb/core/tasks.py says when
# they run). Each reads the page as it is when it runs, so a job that runs late, or twice,
# still leaves the index matching the site.


@task()
def index_page(page_id):
    """Index the page as it is now: added if it should be found, removed if not (or gone)."""
    page = Page.objects.filter(pk=page_id).first()
    if page is None:
        remove_page(page_id)
    else:
        update_page(page)


@task()
def unindex_page(page_id):
    remove_page(page_id)


@task()
def reindex_moved(page_id):
    """A moved page and its live descendants that are in the index: their URLs changed."""
    from .models import SearchDocument

    page = Page.objects.filter(pk=page_id).first()
    if page is None:
        return
    for moved in Page.objects.descendant_of(page, inclusive=True).live():
        if SearchDocument.objects.filter(page_id=moved.pk).exists():
            update_page(moved)


def _on_published(sender, instance, **kwargs):
    defer(index_page, instance.pk)


def _on_unpublished(sender, instance, **kwargs):
    defer(unindex_page, instance.pk)


def _on_moved(sender, instance, **kwargs):
    defer(reindex_moved, instance.pk)


def _on_document_deleted(sender, instance, **kwargs):
    # Covers pages deleted in the admin: the document goes by cascade, its text goes here.
    DatabaseBackend().delete_fulltext(instance.id)
    _after_commit(lambda backend: backend.delete(instance.page_id))


@task()
def sync_phrases():
    """PostgreSQL: give documents a token for every synonym phrase (kb/search/backends/
    database.py, PHRASES), so that searches for them need no phrase check."""
    DatabaseBackend().sync_phrases()


def _on_synonyms_changed(sender, **kwargs):
    from .synonyms import forget_synonyms

    forget_synonyms()
    if DatabaseBackend().vendor == "postgresql":
        defer(sync_phrases)


def sync_phrases_after_migrate(sender, using=DEFAULT_DB_ALIAS, **kwargs):
    """After every migrate: phrases of groups added by data migrations, and the tokens of
    documents written before migration 0011."""
    if using == DEFAULT_DB_ALIAS:
        DatabaseBackend().sync_phrases()


def connect_signals():
    from django.db.models.signals import post_delete, post_save
    from wagtail.signals import page_published, page_unpublished, post_page_move

    from kb.taxonomy.models import vocabularies

    from .models import SearchDocument, SynonymGroup

    page_published.connect(_on_published, dispatch_uid="kbsearch_published")
    page_unpublished.connect(_on_unpublished, dispatch_uid="kbsearch_unpublished")
    post_page_move.connect(_on_moved, dispatch_uid="kbsearch_moved")
    post_delete.connect(_on_document_deleted, sender=SearchDocument, dispatch_uid="kbsearch_del")
    for model in (SynonymGroup, *vocabularies()):
        for signal in (post_save, post_delete):
            uid = f"kbsyn_{signal is post_save}_{model.__name__}"
            signal.connect(_on_synonyms_changed, sender=model, dispatch_uid=uid)
