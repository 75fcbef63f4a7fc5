"""Per-client rate limits for the public idea forms, on django-ratelimit's counters."""

from django.conf import settings
from django_ratelimit.core import is_ratelimited

from kb.core.client_address import client_ip  # noqa: F401 (moved to kb.core; kept for imports)

SUBMIT = "ideas-submit"
ENDORSE = "ideas-endorse"
_RATES = {SUBMIT: "KB_IDEAS_SUBMIT_RATE", ENDORSE: "KB_IDEAS_ENDORSE_RATE"}


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
