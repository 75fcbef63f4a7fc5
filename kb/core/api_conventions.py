"""One set of manners for every machine-readable address under /api/.

`ApiConventionsMiddleware` gives every JSON endpoint (the page API, search, projects, the
OpenAPI description; not the HTML reference page at /api/ itself) the same behaviour, so no
view has to remember it:

- **Read-only**: anything but GET, HEAD or OPTIONS is answered 405 with `Allow`.
- **Rate limit per client** (`KB_API_RATE`, django-ratelimit's syntax, per IP address as the
  idea forms count it): over it, 429 with `Retry-After` in seconds (the whole window: the
  counter's window is fixed, so the wait is at most that).
- **Errors as JSON** of one shape, `{"error": {"code": "not_found", "message": "..."}}`, for
  every status from 400 up, whoever raised it (a view, Django's 404, a crash): a client never
  has to parse an HTML error page.
- **Conditional requests**: an `ETag` on every 200, and 304 for a matching `If-None-Match`.
  Addresses whose answer depends only on published content (`CONTENT_PREFIXES`) take their
  ETag and `Last-Modified` from the content token (kb.core.page_cache), which changes on every
  publish, so a client's revalidation is answered before the view runs. Others hash the body.
- **Cache-Control** where the view set none: shared caches may keep a 200 for a minute (a
  publish is visible within that); errors are not stored.

CORS (GET, HEAD and OPTIONS from any origin, no credentials) is django-cors-headers, configured
in settings for /api/ and /open-data/ only.
"""

import datetime
import hashlib
import re

from django.conf import settings
from django.http import JsonResponse
from django.utils import timezone
from django.utils.cache import get_conditional_response, patch_vary_headers, set_response_etag
from django.utils.http import http_date, quote_etag
from django_ratelimit.core import is_ratelimited

from .page_cache import content_state

API_PREFIX = "/api/"
REFERENCE_PATH = "/api/"  # the HTML reference page: a page for people, not an endpoint
CONTENT_PREFIXES = (
    "/api/v2/pages/",
    "/api/search/",
    "/api/variation/",
    "/api/organisations/",
)
READ_METHODS = ("GET", "HEAD", "OPTIONS")
DEFAULT_CACHE_CONTROL = "public, max-age=60"
ERROR_CACHE_CONTROL = "no-store"

ERROR_CODES = {
    400: "bad_request",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    410: "gone",
    413: "too_large",
    429: "rate_limited",
    500: "server_error",
    502: "bad_gateway",
    503: "unavailable",
}
DEFAULT_MESSAGES = {
    400: "The request could not be read. The API reference at /api/ lists what each address "
    "accepts.",
    403: "This is not available to you.",
    404: "Nothing is published at this address. The API reference at /api/ lists the addresses.",
    405: "The API is read-only: use GET.",
    500: "Something went wrong on our side. Please try again later.",
}
_PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def is_api_path(path):
    return path.startswith(API_PREFIX) and path != REFERENCE_PATH


def json_error(status, message="", code=""):
    """The site's API error: {"error": {"code", "message"}} with the status, never cached."""
    code = code or ERROR_CODES.get(status, "client_error" if status < 500 else "server_error")
    message = message or DEFAULT_MESSAGES.get(status, "The request failed.")
    response = JsonResponse({"error": {"code": code, "message": message}}, status=status)
    response["Cache-Control"] = ERROR_CACHE_CONTROL
    return response


def window_seconds(rate):
    """The length of a django-ratelimit rate's window: "300/m" -> 60, "10/5m" -> 300."""
    match = re.fullmatch(r"\s*\d+\s*/\s*(\d*)\s*([smhd])\w*\s*", rate)
    if not match:
        raise ValueError(f"not a rate: {rate!r} (for example 300/m)")
    return int(match.group(1) or 1) * _PERIODS[match.group(2)]


def content_validators(request):
    """(ETag, Last-Modified) of an answer that depends only on published content and the day.

    The ETag names the content token, the address asked for and today's date (a page's review
    status turns at midnight); Last-Modified is the last change, or midnight if that is later.
    """
    token, changed = content_state()
    today = timezone.localdate()
    seed = f"{token}|{today.isoformat()}|{request.get_full_path()}"
    etag = quote_etag(hashlib.sha256(seed.encode()).hexdigest()[:32])
    midnight = datetime.datetime.combine(
        today, datetime.time.min, tzinfo=timezone.get_current_timezone()
    )
    return etag, max(changed, midnight) if changed else midnight


class ApiConventionsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not is_api_path(request.path_info):
            return self.get_response(request)
        if request.method not in READ_METHODS:
            response = json_error(405)
            response["Allow"] = ", ".join(READ_METHODS)
            return response
        rate = settings.KB_API_RATE
        if is_ratelimited(request, group="api", key="ip", rate=rate, method=is_ratelimited.ALL,
                          increment=True):  # fmt: skip
            wait = window_seconds(rate)
            response = json_error(
                429, f"Too many requests from your address (at most {rate}). "
                f"Try again in {wait} seconds."
            )  # fmt: skip
            response["Retry-After"] = str(wait)
            return response

        validators = None
        if request.path_info.startswith(CONTENT_PREFIXES) and request.method != "OPTIONS":
            validators = content_validators(request)
            etag, modified = validators
            early = get_conditional_response(
                request, etag=etag, last_modified=int(modified.timestamp())
            )
            if early is not None:
                return self._finish(early, validators)

        response = self.get_response(request)
        if response.status_code >= 400 and not _is_json(response):
            response = json_error(response.status_code)
        return self._finish(response, validators, request)

    def _finish(self, response, validators, request=None):
        if response.status_code == 200 and not response.streaming:
            if validators:
                response["ETag"], modified = validators[0], validators[1]
                response["Last-Modified"] = http_date(modified.timestamp())
            elif not response.has_header("ETag"):
                set_response_etag(response)
                if request is not None:
                    response = (
                        get_conditional_response(request, etag=response["ETag"], response=response)
                        or response
                    )
        if not response.has_header("Cache-Control"):
            ok = response.status_code in (200, 304)
            response["Cache-Control"] = DEFAULT_CACHE_CONTROL if ok else ERROR_CACHE_CONTROL
        patch_vary_headers(response, ("Accept-Encoding",))
        return response


def _is_json(response):
    return response.get("Content-Type", "").split(";")[0].strip() == "application/json"
