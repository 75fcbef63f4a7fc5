"""Keeping the search index current: on publish, unpublish, move and delete, and in bulk."""

import logging

from django.conf import settings
from django.db import transaction
from wagtail.models import Page

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
    documents = []
    for count, page in enumerate(searchable_pages(), start=1):
        documents.append((page, document_fields(page)))
        if progress and count % 500 == 0:
            progress(count)
    with transaction.atomic():
        database.clear()
        database.bulk_index((page.pk, fields) for page, fields in documents)
    database.optimise()
    backend = external_backend()
    if backend is not None:
        backend.rebuild(documents)
    return len(documents)


def _on_published(sender, instance, **kwargs):
    update_page(instance)


def _on_unpublished(sender, instance, **kwargs):
    remove_page(instance.pk)


def _on_moved(sender, instance, **kwargs):
    from .models import SearchDocument

    for page in Page.objects.descendant_of(instance, inclusive=True).live():
        if SearchDocument.objects.filter(page_id=page.pk).exists():
            update_page(page)


def _on_document_deleted(sender, instance, **kwargs):
    # Covers pages deleted in the admin: the document goes by cascade, its text goes here.
    DatabaseBackend().delete_fulltext(instance.id)
    _after_commit(lambda backend: backend.delete(instance.page_id))


def _on_synonyms_changed(sender, **kwargs):
    from .synonyms import forget_synonyms

    forget_synonyms()


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
