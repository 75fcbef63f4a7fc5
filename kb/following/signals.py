"""Publishing a knowledge page tells its followers (see services.page_published)."""

import logging

logger = logging.getLogger(__name__)


def _on_published(sender, instance, revision=None, **kwargs):
    from kb.core.models import KnowledgePage

    from .services import page_published

    if isinstance(instance, KnowledgePage):
        page_published(instance, revision)


def connect():
    from wagtail.signals import page_published

    page_published.connect(_on_published, dispatch_uid="kb_following_published")
