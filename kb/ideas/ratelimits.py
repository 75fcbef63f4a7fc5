"""Per-client rate limits for the public idea forms, on django-ratelimit's counters."""

from django.conf import settings
from django_ratelimit.core import is_ratelimited

SUBMIT = "ideas-submit"
ENDORSE = "ideas-endorse"
_RATES = {SUBMIT: "KB_IDEAS_SUBMIT_RATE", ENDORSE: "KB_IDEAS_ENDORSE_RATE"}


def client_ip(request):
    """The client's address: the connection's, or the one the trusted proxies recorded."""
    proxies = settings.KB_TRUSTED_PROXY_COUNT
    if proxies > 0:
        forwarded = [
            part.strip()
            for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if part.strip()
        ]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR") or "0.0.0.0"  # noqa: S104 (a key, not a bind)


def over_limit(request, group):
    """Count this request against the client's limit for `group`; True once it is exceeded."""
    return is_ratelimited(
        request,
        group=group,
        key="ip",
        rate=getattr(settings, _RATES[group]),
        method="POST",
        increment=True,
    )
