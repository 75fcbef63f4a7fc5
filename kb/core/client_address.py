"""Which address a request came from: one rule for rate limits and the sign-in lockout.

Behind `KB_TRUSTED_PROXY_COUNT` reverse proxies, each proxy appends the address it was
connected from to X-Forwarded-For, so the client is the Nth address from the right; anything
further left is whatever the client chose to send. With 0 proxies the header is ignored and the
connection's own address (REMOTE_ADDR) is used.
"""

import ipaddress

from django.conf import settings

# What to count against when there is no usable address at all (e.g. a Unix socket with no
# proxy header): every such request shares it, so it can only make limits stricter.
NO_ADDRESS = "0.0.0.0"  # noqa: S104 (a key, not a bind)


def address_from(meta, proxies):
    """The client's address from request.META, trusting `proxies` reverse proxies.

    Falls back to REMOTE_ADDR when the header has fewer entries than there are proxies, or when
    the trusted entry is not an IP address (a misconfigured count must not let a client choose
    an arbitrary key, nor break the lockout's address column).
    """
    if proxies > 0:
        forwarded = [
            part.strip() for part in meta.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()
        ]
        if len(forwarded) >= proxies and _is_ip(forwarded[-proxies]):
            return forwarded[-proxies]
    remote = (meta.get("REMOTE_ADDR") or "").strip()
    return remote if _is_ip(remote) else NO_ADDRESS


def client_ip(request):
    """The client's address: the connection's, or the one the trusted proxies recorded.

    Used by django-ratelimit (RATELIMIT_IP_META_KEY) and django-axes (AXES_CLIENT_IP_CALLABLE).
    """
    return address_from(request.META, settings.KB_TRUSTED_PROXY_COUNT)


def _is_ip(value):
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True


def sign_in_name(request, credentials=None):
    """The name a sign-in attempt is counted under by the lockout (AXES_USERNAME_CALLABLE):
    the admin's sign-in sends a username, staff sign-in (django-allauth) an email address.
    Lower case, so that changing the case of an address does not reset the count."""
    credentials = credentials or {}
    name = credentials.get("username") or credentials.get("email")
    if not name and request is not None:
        data = getattr(request, "POST", {})
        name = data.get("username") or data.get("login")
    return str(name).strip().lower() if name else None
