"""Publishing a knowledge page tells its followers (see services.page_published): a job, done
in the editor's request with the embedded default or by the worker with a queue (kb/jobs)."""

from django_tasks import task
from wagtail.models import Page, Revision

from kb.jobs import defer


@task()
def announce_publish(page_id, revision_id=None):
    """The notifications for a publish, made from the page as it is when the job runs."""
    from kb.core.models import KnowledgePage

    from .services import page_published

    page = Page.objects.filter(pk=page_id).specific().first()
    if isinstance(page, KnowledgePage):
        revision = Revision.objects.filter(pk=revision_id).first() if revision_id else None
        page_published(page, revision)


def _on_published(sender, instance, revision=None, **kwargs):
    from kb.core.models import KnowledgePage

    if isinstance(instance, KnowledgePage):
        defer(announce_publish, instance.pk, getattr(revision, "pk", None))


def connect():
    from wagtail.signals import page_published

    page_published.connect(_on_published, dispatch_uid="kb_following_published")
