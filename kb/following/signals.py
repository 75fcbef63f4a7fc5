"""Publishing a knowledge page tells its followers (see services.page_published): done in the
editor's request with the embedded default, or by the worker as a job with a queue (kb/jobs)."""

from django_tasks import task
from wagtail.models import Page, Revision

from kb.jobs import defer, queued


@task()
def announce_publish(page_id, revision_id=None):
    """The worker's job for a publish: the page (and revision) read again by id, as they are
    when the job runs."""
    from kb.core.models import KnowledgePage

    from .services import page_published

    page = Page.objects.filter(pk=page_id).specific().first()
    if isinstance(page, KnowledgePage):
        revision = Revision.objects.filter(pk=revision_id).first() if revision_id else None
        page_published(page, revision)


def _on_published(sender, instance, revision=None, **kwargs):
    from kb.core.models import KnowledgePage

    from .services import page_published

    if not isinstance(instance, KnowledgePage):
        return
    if queued():
        # A job carries ids, not objects: the worker reads the page again.
        defer(announce_publish, instance.pk, getattr(revision, "pk", None))
    else:
        # No queue: now, in the publish, with the page just published (no need to read it again).
        page_published(instance, revision)


def announce_batch(published):
    """`_on_published` for each (page, revision) of a batch (a bulk import's), with one query
    for whether anyone follows what the pages concern."""
    from kb.core.models import KnowledgePage

    from .services import pages_published

    published = [(page, rev) for page, rev in published if isinstance(page, KnowledgePage)]
    if not queued():
        pages_published(published)
        return
    for page, revision in published:
        defer(announce_publish, page.pk, getattr(revision, "pk", None))


DISPATCH_UID = "kb_following_published"


def connect():
    from wagtail.signals import page_published

    page_published.connect(_on_published, dispatch_uid=DISPATCH_UID)
