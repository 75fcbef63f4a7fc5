"""A whole-page cache for anonymous readers, emptied whenever published content changes.

Only GET requests from people without a session are served from it, and only responses that are
safe to share are stored: status 200 HTML with no Set-Cookie and no private or no-store
Cache-Control (pages with forms send those). A token in the database changes on every publish,
unpublish, move or delete and on vocabulary edits; it is part of every cache key, so all server
processes stop using old copies at once even though each keeps its own cache.
"""

import datetime
import hashlib
import uuid

from django.conf import settings
from django.core.cache import caches
from django.db import connection
from django.http import HttpResponse
from django.utils import timezone

HEADER = "X-KB-Cache"
NOT_CACHED_PREFIXES = (
    "/admin/",
    "/documents/",
    "/search/",
    "/api/",
    "/static/",
    "/media/",
    "/accounts/",
    "/following/",
    "/notifications/",
)
UNSHAREABLE = ("private", "no-store", "no-cache", "max-age=0")


def current_token():
    return content_state()[0]


def content_state():
    """(token, when published content last changed): the token names the content as it is now
    (see the module docstring); the time, to the second and None before the first change, is
    what the APIs send as Last-Modified."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT token, changed_at FROM core_pagecachestate WHERE id = 1")
        row = cursor.fetchone()
    if not row:
        return "", None
    token, changed_at = row
    return token, datetime.datetime.fromisoformat(changed_at) if changed_at else None


def purge(**kwargs):
    """Make every cached page stale (all processes see the new token on their next request)."""
    now = timezone.now().replace(microsecond=0).isoformat()
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE core_pagecachestate SET token = %s, changed_at = %s WHERE id = 1",
            [uuid.uuid4().hex, now],
        )


def _cacheable_request(request):
    if request.method not in ("GET", "HEAD"):
        return False
    if request.path.startswith(NOT_CACHED_PREFIXES):
        return False
    if settings.SESSION_COOKIE_NAME in request.COOKIES:
        return False  # signed in, or holding messages or a form in progress
    return not request.user.is_authenticated


def _shareable(response):
    if response.status_code != 200 or response.streaming or response.cookies:
        return False
    if not response.get("Content-Type", "").startswith("text/html"):
        return False
    cache_control = response.get("Cache-Control", "").lower()
    return not any(word in cache_control for word in UNSHAREABLE)


class AnonymousPageCacheMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        seconds = settings.KB_PAGE_CACHE_SECONDS
        if seconds <= 0 or not _cacheable_request(request):
            return self.get_response(request)
        cache = caches[settings.KB_PAGE_CACHE_ALIAS]
        address = f"{request.get_host()}{request.get_full_path()}".encode()
        key = f"kbpage:{current_token()}:{hashlib.sha256(address).hexdigest()}"
        stored = cache.get(key)
        if stored is not None:
            content, headers = stored
            response = HttpResponse(content)
            for name, value in headers:
                response[name] = value
            response[HEADER] = "HIT"
            return response
        response = self.get_response(request)
        if request.method == "GET" and _shareable(response):
            headers = [(k, v) for k, v in response.items() if k.lower() != "set-cookie"]
            cache.set(key, (response.content, headers), seconds)
            response[HEADER] = "MISS"
        return response


def connect_signals():
    from django.db.models.signals import post_delete, post_save
    from wagtail.models import Page, PageViewRestriction, Site
    from wagtail.signals import page_published, page_unpublished, post_page_move

    from kb.taxonomy import models as taxonomy

    page_published.connect(purge, dispatch_uid="kbcache_published")
    page_unpublished.connect(purge, dispatch_uid="kbcache_unpublished")
    post_page_move.connect(purge, dispatch_uid="kbcache_moved")
    post_delete.connect(purge, sender=Page, dispatch_uid="kbcache_page_deleted")
    # A view restriction hides pages without publishing anything: listings, search, the APIs
    # and open data that showed them must stop at once.
    watched = [Site, PageViewRestriction, *taxonomy.vocabularies(), taxonomy.Organisation]
    for model in watched:
        post_save.connect(purge, sender=model, dispatch_uid=f"kbcache_save_{model.__name__}")
        post_delete.connect(purge, sender=model, dispatch_uid=f"kbcache_del_{model.__name__}")
