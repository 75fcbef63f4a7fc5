"""Django settings for KB, read from the environment (twelve-factor).

Every variable has a safe default for a laptop, so `python manage.py ...` works with none set:
SQLite in var/, the project's own search index in the database (FTS5), DEBUG off. Production
sets DATABASE_URL, DJANGO_SECRET_KEY, DJANGO_ALLOWED_HOSTS and, for search at scale,
KB_SEARCH_BACKEND and ELASTICSEARCH_URL.
"""

import os
import secrets
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from kb.accounts.config import openid_connect_providers
from kb.accounts.domains import DEFAULT_DOMAINS, parse_domains

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("KB_VAR_DIR", BASE_DIR / "var"))


def env_bool(name, default=False):
    """Read a yes/no environment variable; anything unrecognised is an error, not a guess."""
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    value = value.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}")


def env_list(name, default):
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return list(default)
    return [item.strip() for item in value.split(",") if item.strip()]


def _secret_key():
    """DJANGO_SECRET_KEY, or a random key kept in var/ so a laptop needs no set-up."""
    key = os.environ.get("DJANGO_SECRET_KEY", "").strip()
    if key:
        return key
    path = VAR_DIR / "secret_key"
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(50)
        path.write_text(key)
        path.chmod(0o600)
        return key


# --- Core -----------------------------------------------------------------------------------
DEBUG = env_bool("DJANGO_DEBUG", False)
SECRET_KEY = _secret_key()
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "kb.core",
    "kb.taxonomy",
    "kb.guides",
    "kb.cases",
    "kb.ideas",
    "kb.search",
    "kb.publishing",
    "kb.feeds",
    "kb.mail",
    "kb.accounts",
    "kb.following",
    "kb.networks",
    "kb.projects",
    "kb.opendata",
    "kb.variation",
    "kb.api",
    "wagtailnhsukfrontend",
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.settings",
    "wagtail.contrib.table_block",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "rest_framework",
    "wagtail.api.v2",
    "corsheaders",
    "axes",
    # The task queue (KB_TASK_QUEUE): django-tasks, which Wagtail uses too, and its database
    # backend's job table (made by migrate whichever queue is chosen, so switching needs no step).
    "django_tasks",
    "django_tasks_db",
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # CORS for GET on the public APIs (CORS_* below), then the APIs' shared manners: read-only,
    # rate limits, JSON errors, ETags (kb/core/api_conventions.py).
    "corsheaders.middleware.CorsMiddleware",
    "kb.core.api_conventions.ApiConventionsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    # Serves anonymous readers whole pages from cache; below the CSP middleware's response
    # phase, so cached copies keep their security headers.
    "kb.core.page_cache.AnonymousPageCacheMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last, as django-axes asks: it turns a locked-out sign-in into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "kb.urls"
WSGI_APPLICATION = "kb.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "wagtail.contrib.settings.context_processors.settings",
                "kb.core.context_processors.site_navigation",
                "kb.following.context_processors.notifications",
            ],
        },
    },
]

# wagtail-nhsuk-frontend's migrations were made with AutoField; BigAutoField would make Django
# ask for a migration inside site-packages.
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"

# --- Database -------------------------------------------------------------------------------
# Default: a SQLite file in var/ with WAL, IMMEDIATE transactions (writers queue for the lock
# instead of failing half-way) and a busy timeout. PostgreSQL via DATABASE_URL in production.
SQLITE_PATH = VAR_DIR / "kb.sqlite3"
DATABASE_URL = os.environ.get("DATABASE_URL", "").strip() or f"sqlite:///{SQLITE_PATH}"
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Keep connections open: each new SQLite connection costs a file open and three PRAGMAs.
    DATABASES["default"]["CONN_MAX_AGE"] = 60
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
        ),
    }
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test_kb.sqlite3")}
    if DATABASES["default"]["NAME"] == str(SQLITE_PATH):
        VAR_DIR.mkdir(parents=True, exist_ok=True)

# --- Search ---------------------------------------------------------------------------------
KB_SEARCH_BACKEND = os.environ.get("KB_SEARCH_BACKEND", "database").strip() or "database"
if KB_SEARCH_BACKEND not in {"database", "elasticsearch"}:
    raise ImproperlyConfigured(
        f"KB_SEARCH_BACKEND must be 'database' or 'elasticsearch', not {KB_SEARCH_BACKEND!r}"
    )
ELASTICSEARCH_URL = os.environ.get("ELASTICSEARCH_URL", "http://localhost:9200").strip()
ELASTICSEARCH_TIMEOUT = float(os.environ.get("ELASTICSEARCH_TIMEOUT", "2"))
# The alias searches and writes go through; kb_reindex builds `<alias>-<timestamp>` indexes
# behind it and switches it atomically (docs/elasticsearch.md).
KB_ELASTICSEARCH_INDEX = os.environ.get("KB_ELASTICSEARCH_INDEX", "").strip() or "kb-content"
if set(KB_ELASTICSEARCH_INDEX) - set("abcdefghijklmnopqrstuvwxyz0123456789-_.") or (
    KB_ELASTICSEARCH_INDEX.startswith(("-", "_", "."))
):
    raise ImproperlyConfigured(
        "KB_ELASTICSEARCH_INDEX must be lowercase letters, digits, '-', '_' or '.', not "
        f"{KB_ELASTICSEARCH_INDEX!r}"
    )


def _elasticsearch_count(name, default, minimum):
    """Shards or replicas: a whole number, at least minimum; anything else stops start-up."""
    raw = os.environ.get(name, "").strip() or str(default)
    try:
        value = int(raw)
    except ValueError:
        value = None
    if value is None or value < minimum:
        raise ImproperlyConfigured(f"{name} must be a whole number >= {minimum}, not {raw!r}")
    return value


# Shards and replicas of each new index (kb_reindex): one shard and no replica suit one node;
# a cluster sets replicas to 1 or more so losing a node loses no shard.
KB_ELASTICSEARCH_SHARDS = _elasticsearch_count("KB_ELASTICSEARCH_SHARDS", 1, minimum=1)
KB_ELASTICSEARCH_REPLICAS = _elasticsearch_count("KB_ELASTICSEARCH_REPLICAS", 0, minimum=0)
# After a failure or timeout, search answers from the database index for this many seconds
# without asking Elasticsearch, then lets one search through to try it again (kb/search/breaker.py).
KB_ELASTICSEARCH_COOLOFF = float(os.environ.get("KB_ELASTICSEARCH_COOLOFF", "30"))
# Wagtail's own index stays on the database backend: it serves the admin's search and is the
# fallback when Elasticsearch is unavailable.
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}

# --- Internationalisation -------------------------------------------------------------------
LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

# --- Static and media files -----------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("DJANGO_STATIC_ROOT", VAR_DIR / "static"))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("DJANGO_MEDIA_ROOT", VAR_DIR / "media"))
# Hashed, compressed files (served by WhiteNoise) unless debugging; needs collectstatic.
KB_STATIC_MANIFEST = env_bool("KB_STATIC_MANIFEST", not DEBUG)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "kb.core.staticfiles.KBStaticFilesStorage"
            if KB_STATIC_MANIFEST
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

# --- Email ----------------------------------------------------------------------------------
# EMAIL_URL says how email leaves the site (kb/mail/config.py): smtp://user:password@host:port
# (?tls=true for STARTTLS), console: (the default, printed on the terminal) or file:///folder.
# DJANGO_EMAIL_BACKEND, the older way, still wins over the URL's backend when it is set: existing
# deployments and test set-ups name the backend class with it. Every email goes through the
# outbox (kb/mail): run `python manage.py send_outbox --forever` beside the web server.
from kb.mail.config import email_settings  # noqa: E402 (kept beside the settings it makes)

_email = email_settings(
    os.environ.get("EMAIL_URL", ""), backend=os.environ.get("DJANGO_EMAIL_BACKEND")
)
# EMAIL_BACKEND, EMAIL_HOST, EMAIL_PORT, EMAIL_HOST_USER, EMAIL_HOST_PASSWORD, EMAIL_USE_TLS,
# EMAIL_USE_SSL, EMAIL_TIMEOUT and, for file:, EMAIL_FILE_PATH.
globals().update(_email)
# The URL may name a sender too (?_default_from_email=...); DJANGO_DEFAULT_FROM_EMAIL wins.
DEFAULT_FROM_EMAIL = os.environ.get(
    "DJANGO_DEFAULT_FROM_EMAIL", _email.get("DEFAULT_FROM_EMAIL", "kb@example.nhs.uk")
)

# --- Security -------------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
X_FRAME_OPTIONS = "DENY"
# A form posted without a valid token: the site's own page (or the form's own view, re-shown
# with the person's text, when it offers one) instead of Django's unstyled page.
CSRF_FAILURE_VIEW = "kb.core.views.csrf_failure"
KB_HTTPS = env_bool("KB_HTTPS", False)
if KB_HTTPS:
    SECURE_SSL_REDIRECT = env_bool("KB_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("KB_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

# Content Security Policy for the public site: scripts, styles and everything else from our own
# origin only (fonts also from assets.nhs.uk), no inline script or style. The Wagtail admin
# relies on inline scripts and is excluded; it is for signed-in editors only.
CONTENT_SECURITY_POLICY = {
    "EXCLUDE_URL_PREFIXES": ["/admin/"],
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        # NHS.UK frontend's stylesheet loads the Frutiger fonts from NHS England's asset server
        # (their licence does not let us host them); nothing else may come from there.
        "font-src": ["'self'", "https://assets.nhs.uk"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

# Sign-in brute-force protection (django-axes): after 5 failures for a username from one address,
# that pair is locked out for 15 minutes; a successful sign-in resets the count. The address is
# the client's, by the same rule as the rate limits (KB_TRUSTED_PROXY_COUNT, below): behind a
# proxy, REMOTE_ADDR is the proxy's, and counting it would lock a username out for everyone.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AXES_FAILURE_LIMIT = int(os.environ.get("KB_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = float(os.environ.get("KB_LOGIN_COOLOFF_HOURS", "0.25"))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "core/lockout.html"
AXES_CLIENT_IP_CALLABLE = "kb.core.client_address.client_ip"
# Staff sign in with their email address (allauth sends it as "email"): count failures by it.
AXES_USERNAME_CALLABLE = "kb.core.client_address.sign_in_name"

# --- Staff accounts (django-allauth) ---------------------------------------------------------
# Reading needs no account; accounts are for NHS staff, who sign up with an address at one of
# these domains (or below one: x.nhs.uk), confirm it by email, and sign in with their password
# or a code sent to that address. Editors keep signing in at /admin/; one user table.
KB_ACCOUNT_EMAIL_DOMAINS = parse_domains(
    os.environ.get("KB_ACCOUNT_EMAIL_DOMAINS", ",".join(DEFAULT_DOMAINS))
)
ACCOUNT_ADAPTER = "kb.accounts.adapter.AccountAdapter"
SOCIALACCOUNT_ADAPTER = "kb.accounts.adapter.SocialAccountAdapter"
ACCOUNT_FORMS = {"signup": "kb.accounts.forms.SignupForm"}
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_CONFIRM_EMAIL_ON_GET = False  # a link scanner opening the link must not confirm it
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_LOGIN_BY_CODE_ENABLED = True
# Long enough for an email that waits a minute or two in the outbox, short enough to be of
# little use to anyone who finds it later (allauth: 180 s).
ACCOUNT_LOGIN_BY_CODE_TIMEOUT = 600
ACCOUNT_PASSWORD_RESET_BY_CODE_ENABLED = False
# Never email an address that has no account (anyone could make us send mail to anyone).
ACCOUNT_EMAIL_UNKNOWN_ACCOUNTS = False
ACCOUNT_SESSION_REMEMBER = None  # the person chooses ("Remember me")
ACCOUNT_EMAIL_SUBJECT_PREFIX = "NHS Improvement Knowledge Base: "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https" if KB_HTTPS else "http"
ACCOUNT_LOGOUT_REDIRECT_URL = "/"
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "staff_profile"
# allauth's own limits (per address and per email, in the default cache) are kept as they are:
# sign-in failures, codes and confirmation emails are all limited. Its admin sign-in wrapper is
# not used: Wagtail's sign-in has django-axes.
SOCIALACCOUNT_ONLY = False
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False
SOCIALACCOUNT_PROVIDERS = openid_connect_providers(os.environ)

# Whole-page cache for anonymous readers (kb/core/page_cache.py), emptied on every publish.
KB_PAGE_CACHE_SECONDS = int(os.environ.get("KB_PAGE_CACHE_SECONDS", "600"))
KB_PAGE_CACHE_ALIAS = "pages"

# --- Shared state: caches, sessions, the task queue (kb/core/shared_state.py) ---------------
# Nothing set: rate-limit counters in Django's database cache (shared by the machine's worker
# processes), sessions in the database, and work after a change done in its request.
# REDIS_URL: cache, rate-limit counters, page cache and signed-in sessions in Redis, shared by
# every app server.
# KB_TASK_QUEUE=database: search indexing, emails, notifications and open-data files are
# jobs for `python manage.py db_worker` (docs/deployment.md).
from kb.core.shared_state import (  # noqa: E402 (kept beside the settings it makes)
    cache_settings,
    redis_url,
    session_engine,
    task_settings,
)

REDIS_URL = redis_url(os.environ.get("REDIS_URL"))
CACHES = cache_settings(REDIS_URL, key_prefix=os.environ.get("KB_CACHE_KEY_PREFIX", "").strip())
SESSION_ENGINE = session_engine(REDIS_URL)
KB_TASK_QUEUE = os.environ.get("KB_TASK_QUEUE", "").strip() or "immediate"
TASKS = task_settings(KB_TASK_QUEUE)

# --- Logging --------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("KB_LOG_LEVEL", "INFO")},
    "loggers": {
        "django.request": {"level": "ERROR"},
        # Page-by-page task and audit lines drown out what matters when loading content.
        "django_tasks": {"level": "WARNING"},
        "wagtail": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
    },
}

# --- Wagtail --------------------------------------------------------------------------------
WAGTAIL_SITE_NAME = "NHS Improvement Knowledge Base"
WAGTAILADMIN_BASE_URL = os.environ.get("KB_BASE_URL", "http://127.0.0.1:8000")
WAGTAIL_I18N_ENABLED = False
WAGTAILDOCS_EXTENSIONS = ["pdf", "docx", "xlsx", "pptx", "csv", "txt", "odt", "ods"]
# No SVG: an SVG is a document that can carry script, served from our own origin.
WAGTAILIMAGES_EXTENSIONS = ["gif", "jpg", "jpeg", "png", "webp"]
WAGTAILIMAGES_MAX_UPLOAD_SIZE = 10 * 1024 * 1024
KB_DOCUMENT_MAX_UPLOAD_SIZE = int(os.environ.get("KB_DOCUMENT_MAX_UPLOAD_MB", "20")) * 1024 * 1024
WAGTAILDOCS_DOCUMENT_FORM_BASE = "kb.core.documents.LimitedDocumentForm"
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
WAGTAIL_ENABLE_UPDATE_CHECK = False
WAGTAILADMIN_COMMENTS_ENABLED = True

# --- The APIs (kb.api, kb.core.api_conventions) ------------------------------------------
# Requests one client (IP address) may make to /api/ in a window, django-ratelimit's syntax.
KB_API_RATE = os.environ.get("KB_API_RATE", "").strip() or "300/m"
# The page API is Wagtail's API v2 on Django REST framework: JSON only, anonymous only (what it
# shows is what anyone may read), numbers as numbers, no ?format= switch.
REST_FRAMEWORK = {
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [],
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": [],
    "UNAUTHENTICATED_USER": None,
    "COERCE_DECIMAL_TO_STRING": False,
    "URL_FORMAT_OVERRIDE": None,
}
WAGTAILAPI_LIMIT_MAX = 100
WAGTAILAPI_BASE_URL = os.environ.get("KB_BASE_URL", "").rstrip("/") or None
# Cross-origin reads of the public APIs and open data, from any site; no credentials, so a
# signed-in person's cookies never travel with another site's request.
CORS_URLS_REGEX = r"^/(api|open-data)/.*$"
CORS_ALLOW_ALL_ORIGINS = True
CORS_ALLOW_METHODS = ("GET", "HEAD", "OPTIONS")
CORS_ALLOW_CREDENTIALS = False
# Link: an open-data file's licence and data dictionary; Content-Disposition: its file name.
CORS_EXPOSE_HEADERS = ("ETag", "Last-Modified", "Retry-After", "Link", "Content-Disposition")
CORS_PREFLIGHT_MAX_AGE = 86400

# --- Variation data (kb.variation) ----------------------------------------------------------
# The metric whose latest denominator sizes organisations into small, medium and large within
# their type (peer groups: same type, and same region or size band). docs/variation.md.
KB_VARIATION_SIZE_METRIC = os.environ.get("KB_VARIATION_SIZE_METRIC", "").strip() or "ed-four-hour"

# --- Frontline ideas (kb.ideas) -------------------------------------------------------------
# Requests a client may make in a window, per IP address (django-ratelimit's syntax: "60/h" is
# sixty an hour). Over the limit the form is shown again with the person's text and a 429.
# Generous on purpose: a whole trust's staff can reach us from one NAT address.
KB_IDEAS_SUBMIT_RATE = os.environ.get("KB_IDEAS_SUBMIT_RATE", "").strip() or "60/h"
KB_IDEAS_ENDORSE_RATE = os.environ.get("KB_IDEAS_ENDORSE_RATE", "").strip() or "120/h"
# Behind N reverse proxies, the client is the Nth address from the right of X-Forwarded-For
# (entries further left are whatever the client claims). 0: use the connection's address.
# The sign-in lockout (AXES_CLIENT_IP_CALLABLE) uses the same rule.
KB_TRUSTED_PROXY_COUNT = int(os.environ.get("KB_TRUSTED_PROXY_COUNT", "0"))
RATELIMIT_IP_META_KEY = "kb.core.client_address.client_ip"
# The counters get a cache of their own ("ratelimit"): the database cache by default, shared by
# every worker process on the machine; Redis, shared by every server, when REDIS_URL is set (see
# "Shared state" below). django_ratelimit is deliberately not in INSTALLED_APPS: its system
# check refuses a local-memory cache, which tests may use.
RATELIMIT_USE_CACHE = "ratelimit"
