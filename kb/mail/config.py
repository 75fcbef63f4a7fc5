"""Email settings from one environment variable, EMAIL_URL, parsed by dj-email-url.

    smtp://user:password@host:port    a mail server (add ?tls=true for STARTTLS, ?ssl=true for
                                      SMTP over TLS, ?timeout=N for seconds; percent-encode any
                                      @ : / in the password)
    console:                          printed on the terminal: the default, for a laptop
    file:///folder                    one file per email in that folder

kb/settings.py imports this module, so it imports nothing from Django's apps, only
django.core.exceptions.
"""

from urllib.parse import urlparse

import dj_email_url
from django.core.exceptions import ImproperlyConfigured

DEFAULT_EMAIL_URL = "console:"
# The sender waits this long for a silent mail server before trying again later; Django's own
# default is to wait for ever, which would hang a request (the first attempt runs in it) or the
# sender's loop.
DEFAULT_TIMEOUT_SECONDS = 10
FILE_BACKEND = "django.core.mail.backends.filebased.EmailBackend"


def email_settings(url="", *, backend=None):
    """The EMAIL_* settings for `url` (console: when empty).

    `backend`, when given, replaces the URL's backend class: DJANGO_EMAIL_BACKEND from older
    deployments and test set-ups still names it directly. The URL is never quoted in an error,
    since it may hold the mail server's password.
    """
    url = (url or "").strip() or DEFAULT_EMAIL_URL
    parsed = dj_email_url.parse(url)
    if "EMAIL_BACKEND" not in parsed:
        scheme = urlparse(url).scheme or "(none)"
        raise ImproperlyConfigured(
            f"EMAIL_URL has an unknown scheme {scheme!r}: use smtp://user:password@host:port, "
            "console: or file:///folder."
        )
    found = {name: value for name, value in parsed.items() if value is not None}
    if found["EMAIL_BACKEND"] == FILE_BACKEND:
        found["EMAIL_FILE_PATH"] = _file_folder(url)
    else:
        found.pop("EMAIL_FILE_PATH", None)
    found.setdefault("EMAIL_TIMEOUT", DEFAULT_TIMEOUT_SECONDS)
    if backend and backend.strip():
        found["EMAIL_BACKEND"] = backend.strip()
    return found


def _file_folder(url):
    # dj-email-url drops the path's leading slash, turning file:///var/mail into the relative
    # "var/mail"; the folder in a file URL is absolute.
    path = urlparse(url).path
    if not path or path == "/":
        raise ImproperlyConfigured("EMAIL_URL file: needs a folder, as in file:///var/mail/kb.")
    return path
