"""Where state shared by the site's processes lives: caches, sessions and the task queue.

Two set-ups, chosen by environment variables (never by editing code):

    nothing set       the embedded default: the rate-limit counters in Django's database cache
                      (one table in the site's own database, `kb_cache`), so every worker
                      process on the machine counts the same requests; the default cache in
                      each process's memory (what it holds is read many times a page and
                      cheap to lose); sessions in the database; work that follows a change
                      done in the request that made it (no worker to run)
    REDIS_URL         redis://host:6379/0 (rediss:// for TLS): the cache, the rate-limit
                      counters and signed-in sessions in Redis, shared by every app server

The task queue is chosen on its own by KB_TASK_QUEUE: `immediate` (the default: no worker,
the work runs in the request, as it always has) or `database` (django-tasks' database
backend: jobs are rows written in the same transaction as the change that causes them, and
`python manage.py db_worker` runs them). kb/jobs says how callers hand work over;
docs/deployment.md why the queue is the database and not Redis.

The page cache has a cache of its own ("pages"): each process's memory by default (the
content token in the database keeps every process's copies honest, see kb/core/page_cache.py,
and a page served from memory costs no database read for its body), Redis when configured so
that one server's rendering serves the others.

kb/settings.py imports this module, so it imports nothing from Django's apps.
"""

from urllib.parse import urlparse

from django.core.exceptions import ImproperlyConfigured

DATABASE_CACHE_TABLE = "kb_cache"
TASK_QUEUES = {
    "immediate": "django_tasks.backends.immediate.ImmediateBackend",
    "database": "django_tasks_db.backend.DatabaseBackend",
}
# A database cache culls a third of its rows when it holds more than this; rate-limit counters
# for a busy day fit many times over.
DATABASE_CACHE_MAX_ENTRIES = 50_000


def redis_url(value):
    """The Redis URL, checked, or "" when Redis is not configured. The URL (which may hold a
    password) is never quoted in an error."""
    value = (value or "").strip()
    if not value:
        return ""
    parsed = urlparse(value)
    if parsed.scheme not in {"redis", "rediss", "unix"} or not (parsed.hostname or parsed.path):
        raise ImproperlyConfigured(
            "REDIS_URL must look like redis://host:6379/0 (rediss:// for TLS, unix:///path)."
        )
    return value


def cache_settings(redis="", key_prefix=""):
    """CACHES for the embedded default, or for Redis when `redis` is a URL."""
    if redis:
        shared = {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": redis,
            # A Redis that is down must not take the site with it for longer than this.
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
        return {
            "default": {**shared, "KEY_PREFIX": f"{key_prefix}kb"},
            "ratelimit": {**shared, "KEY_PREFIX": f"{key_prefix}kb-ratelimit"},
            "pages": {**shared, "KEY_PREFIX": f"{key_prefix}kb-pages"},
        }
    # "default" holds what is cheap to keep per process and read many times a page (Wagtail's
    # site root paths, about eight reads a page: eight queries each from a database cache).
    return {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "kb"},
        "ratelimit": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": DATABASE_CACHE_TABLE,
            "KEY_PREFIX": f"{key_prefix}kb-ratelimit",
            "OPTIONS": {"MAX_ENTRIES": DATABASE_CACHE_MAX_ENTRIES},
        },
        "pages": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "kb-pages",
        },
    }


def session_engine(redis=""):
    """Signed-in sessions: written through to Redis and the database when Redis is configured
    (read from Redis, never lost when it restarts), else in the database."""
    if redis:
        return "django.contrib.sessions.backends.cached_db"
    return "django.contrib.sessions.backends.db"


def task_settings(queue=""):
    """TASKS for KB_TASK_QUEUE (`immediate` when empty)."""
    queue = (queue or "").strip() or "immediate"
    if queue not in TASK_QUEUES:
        raise ImproperlyConfigured(
            f"KB_TASK_QUEUE must be one of {', '.join(sorted(TASK_QUEUES))}, not {queue!r}."
        )
    return {"default": {"BACKEND": TASK_QUEUES[queue]}}
