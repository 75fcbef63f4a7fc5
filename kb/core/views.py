"""Branded error pages. They never show a traceback: Django's debug page only runs with DEBUG.

Each page says what happened and what to do next, and links home: no dead ends. None of them
repeats anything the person sent (a posted form may hold patient details).
"""

from django.shortcuts import render
from django.urls import Resolver404, resolve
from django_ratelimit.exceptions import Ratelimited


def page_not_found(request, exception=None):
    return render(request, "404.html", status=404)


def server_error(request):
    # Rendered without a RequestContext on purpose: the failure may be in a context processor.
    from django.http import HttpResponseServerError
    from django.template import loader

    return HttpResponseServerError(loader.get_template("500.html").render())


def bad_request(request, exception=None):
    """handler400: a malformed request, e.g. an unknown Host header or a broken upload."""
    return render(request, "400.html", status=400)


def permission_denied(request, exception=None):
    """handler403. django-ratelimit's Ratelimited is a PermissionDenied: that one is a 429."""
    if isinstance(exception, Ratelimited):
        return too_many_requests(request, exception)
    return render(request, "403.html", status=403)


def too_many_requests(request, exception=None):
    return render(request, "429.html", status=429)


def csrf_failure(request, reason=""):
    """CSRF_FAILURE_VIEW: a form posted without a valid token (expired, or cookies blocked).

    A view may offer its own answer (for instance its form shown again with the person's text)
    by carrying a callable `csrf_failure_response(request, reason)` attribute; otherwise this is
    the site's own 403 page. Looking the attribute up keeps core free of content-app imports.
    `reason` is for logs and is never shown: it can name the failed check, not help the reader.
    """
    handler = _csrf_failure_handler(request)
    if handler is not None:
        return handler(request, reason)
    return render(request, "403_csrf.html", status=403)


def _csrf_failure_handler(request):
    try:
        match = resolve(request.path_info, getattr(request, "urlconf", None))
    except Resolver404:
        return None
    handler = getattr(match.func, "csrf_failure_response", None)
    return handler if callable(handler) else None
