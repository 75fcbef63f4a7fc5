"""The open-data files the site serves: generated when published content changes, then kept.

The files live in `VAR_DIR/open-data/<key>/`, one folder a generation. The key names the
content as it is: the site's content token (`kb.core.page_cache.current_token`, which changes
on every publish, unpublish, move, delete and vocabulary edit), the view restrictions (adding
one publishes nothing, yet takes pages out of the data) and the database (tests and a
developer's site may share a var folder). The first request after the key changes generates
the set; every later one is served from disk.

Generating is guarded by a lock file, so one process generates while the others carry on: a
request that finds the lock taken is served the previous complete set if there is one (a few
seconds stale, rather than a worker blocked for the length of an export), and waits only when
there is none. A generation is written into a temporary folder and renamed into place whole,
so a folder with a manifest is always complete. Older generations are removed once a new one
is in place; the one before is kept for requests that looked it up a moment ago.
"""

import fcntl
import hashlib
import json
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import connection
from django_tasks import task
from wagtail.models import PageViewRestriction

from kb.core.page_cache import current_token
from kb.jobs import defer, queued

from .files import MANIFEST_NAME, export_all

BUILDING_PREFIX = ".building-"
KEEP_GENERATIONS = 2


@dataclass(frozen=True)
class Generation:
    """A complete set of files: its folder and its manifest (when generated, the counts)."""

    directory: Path
    manifest: dict


def store_directory():
    return Path(settings.VAR_DIR) / "open-data"


def content_key():
    """The name of the published content as it is now (see the module docstring)."""
    restrictions = sorted(
        PageViewRestriction.objects.values_list("pk", "page__path", "restriction_type")
    )
    database = connection.settings_dict
    parts = [
        current_token(),
        [list(row) for row in restrictions],
        [connection.vendor, str(database["NAME"]), database["HOST"], str(database["PORT"])],
    ]
    return hashlib.sha256(json.dumps(parts).encode()).hexdigest()[:32]


def _read(directory):
    """The generation in `directory`, or None when it is not a complete one."""
    try:
        manifest = json.loads((directory / MANIFEST_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return Generation(directory, manifest)


def _complete_generations(base):
    """Every complete generation, newest first."""
    found = []
    for directory in base.iterdir():
        if directory.is_dir() and not directory.name.startswith("."):
            generation = _read(directory)
            if generation is not None:
                found.append(generation)
    return sorted(found, key=lambda g: (g.directory / MANIFEST_NAME).stat().st_mtime, reverse=True)


def current_generation():
    """The files for the content as it is now, generated first if need be (see the module
    docstring for who generates and who waits)."""
    key = content_key()
    base = store_directory()
    base.mkdir(parents=True, exist_ok=True)
    found = _read(base / key)
    if found is not None:
        return found
    with open(base / "generate.lock", "a") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            # Another process is generating. Serve the newest set while it does, if any.
            earlier = _complete_generations(base)
            if earlier:
                return earlier[0]
            fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            # Whoever held the lock may have just generated this very set.
            return _read(base / key) or _generate(base, key)
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _generate(base, key):
    """Generate the set for `key` (the caller holds the lock) and tidy up older ones."""
    building = Path(tempfile.mkdtemp(prefix=BUILDING_PREFIX, dir=base))
    target = base / key
    try:
        export_all(building)
        if target.exists():  # an incomplete folder left by hand: _read found no manifest
            shutil.rmtree(target)
        building.rename(target)
    finally:
        shutil.rmtree(building, ignore_errors=True)
    _remove_old(base, keep=key)
    return _read(target)


def _remove_old(base, keep):
    """Remove all but the newest generations, and whatever a failed generation left (no
    other is in progress: the caller holds the lock)."""
    complete = _complete_generations(base)
    kept = {keep} | {g.directory.name for g in complete[:KEEP_GENERATIONS]}
    for directory in base.iterdir():
        if directory.is_dir() and directory.name not in kept:
            shutil.rmtree(directory, ignore_errors=True)


@task()
def refresh_open_data():
    """The job a publish leaves when a worker is configured: generate the files for the
    content as it now is, so the first download after a publish does not wait for them."""
    current_generation()


def _on_content_changed(sender, **kwargs):
    if queued():  # with no worker, the first request after a change generates them, as before
        defer(refresh_open_data)


def connect_signals():
    from wagtail.signals import page_published, page_unpublished

    page_published.connect(_on_content_changed, dispatch_uid="kb_opendata_published")
    page_unpublished.connect(_on_content_changed, dispatch_uid="kb_opendata_unpublished")
