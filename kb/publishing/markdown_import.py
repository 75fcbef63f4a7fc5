"""Markdown import: turn editors' offline Markdown files into guidance and case study pages.

Parsing and validation of a file's text are pure (`frontmatter.parse_document`); `import_paths`
then writes pages (page_writer.py) in batches: one database transaction per batch and a
savepoint per file, so a bad file leaves nothing half-imported and the other files still import
(`batch_size=1` is one transaction per file).

Each file goes through every check of a single import (front matter, vocabularies, Markdown
limits, the patient data guard on every save) and its page ends as a single import leaves it:
live (with --publish) with a live revision, its log entries, its place in the tree and its
search documents. What a bulk import does differently is the bookkeeping that Wagtail and the
site otherwise repeat at every save of every page (see `BulkImport`):

- Wagtail's own search index (the admin's search) is written once a batch for the pages the
  batch creates (once a file for what else a file saved), not at each of the page's saves, and
  its title norms (a scan of the whole index each time, which made an import slow down as the
  site grew) are brought up to date once, at the end;
- Wagtail's reference index likewise, once a batch for the pages it creates, in one insert;
- our search index (kb/search) is written once a batch, in bulk;
- the page cache is emptied once, at the end;
- vocabularies, organisations and the site's sections are looked up once, and pages that exist
  already, whether a view restriction covers each section and the sites' root paths are looked
  up once a batch (a new page carries the last two as hints for its receivers: see PAGE_HINTS
  in page_writer.py).

Only the files that were saved reach the batch's indexing: a file that fails (its savepoint
rolled back) leaves nothing in any index, and organisations it changed are read back as they
were, for the pages of the files before it that hold them.

All of these are written inside the batch's transaction (the page cache token at the end), so a
page is never committed without its search documents. Receivers of Wagtail's signals that this
module does not defer still run for every page.

Every file is parsed first (so a file with broken front matter is reported before any page is
written), then the files are written in TYPE_ORDER. From Helpers.MIN_FILES files up, helper
processes (`Helpers`) parse the files and render the next batch's Markdown while this one
writes: the same pages, sooner.
"""

import contextvars
import logging
import multiprocessing
import os
import threading
from collections import defaultdict
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction
from django.db.models import F
from django.db.models.signals import post_save

from kb.core.markdown import render_ahead, rendered_ahead
from kb.core.stored_text import PatientDataError

from .frontmatter import MAX_FILE_BYTES, TYPE_ORDER, ImportFailure, ParsedDocument, parse_document
from .page_writer import PageWriter, WriteContext, forget_relations

__all__ = [
    "BATCH_SIZE",
    "Helpers",
    "ImportFailure",
    "ImportResult",
    "ParsedDocument",
    "import_document",
    "import_paths",
]

logger = logging.getLogger(__name__)

# Files a transaction. Large enough to spread each batch's fixed costs (its look-ups, the search
# index's bulk write, the commit) thinly; small enough that a batch's Markdown stays in the
# renderer's cache (kb/core/markdown.py) while its pages are indexed.
BATCH_SIZE = 40


@dataclass
class ImportResult:
    created: list = field(default_factory=list)
    updated: list = field(default_factory=list)
    unchanged: list = field(default_factory=list)
    failed: list = field(default_factory=list)  # ImportFailure

    @property
    def ok(self):
        return not self.failed


def collect_files(paths):
    """The .md files named, and those found (recursively, sorted) in folders named."""
    files = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            files.extend(sorted(p for p in path.rglob("*.md") if p.is_file()))
        else:
            files.append(path)
    return files


def read_document(path):
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise ImportFailure(f"the file is larger than {MAX_FILE_BYTES // 1000} kB", None, path)
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ImportFailure("no such file", None, path) from None
    except UnicodeDecodeError as error:
        line = error.object.count(b"\n", 0, error.start) + 1
        raise ImportFailure("the file is not UTF-8 text", line, path) from None
    except OSError as error:
        raise ImportFailure(f"cannot read the file ({error.strerror})", None, path) from None
    return parse_document(text, path)


def import_paths(
    paths,
    publish=False,
    user=None,
    on_result=None,
    batch_size=BATCH_SIZE,
    progress=None,
    keep_pages=True,
    helpers=None,
):
    """Import every file; a savepoint each, a transaction each batch. Returns an ImportResult.

    `on_result(outcome, page or ImportFailure)` is called for each file: at once for a failure,
    once its batch is committed for the others. `progress(stage, done, total)` is called as
    files are read ("reading") and written ("importing"). Without `keep_pages`, the result's
    lists hold the pages' ids rather than the pages (which, with their revisions and stored
    HTML, fill a lot of memory at tens of thousands). `helpers`: how many processes parse the
    files and render their Markdown ahead of the writer (see `Helpers`); None chooses.
    """
    result = ImportResult()

    def failed(failure):
        result.failed.append(failure)
        if on_result:
            on_result("failed", failure)

    files = collect_files(paths)
    with Helpers.for_import(len(files), helpers) as pool:
        documents = read_all(files, failed, progress, pool)
        batches = [
            documents[start : start + max(1, batch_size)]
            for start in range(0, len(documents), max(1, batch_size))
        ]
        done = 0
        with BulkImport(publish=publish, user=user) as bulk:
            for batch, renderings in zip(batches, pool.rendered_ahead(batches), strict=True):
                with rendered_ahead(renderings):
                    outcomes, error = bulk.write_batch(batch, failed)
                for outcome, page in outcomes:
                    getattr(result, outcome).append(page if keep_pages else page.pk)
                    if on_result:
                        on_result(outcome, page)
                done += len(batch)
                if progress:
                    progress("importing", done, len(documents))
                if error is not None:
                    raise error
    return result


def read_all(files, failed, progress=None, helpers=None):
    """The files parsed, in the order to write them: pages that others refer to first
    (TYPE_ORDER), so that one import can hold both ends of a link; otherwise as named. A file
    that cannot be parsed, or repeats another's type and slug, is reported to `failed`.
    (`helpers`: a Helpers whose processes parse the files.)"""
    documents, seen = [], {}
    parsed = helpers.read(files) if helpers else map(_parse, files)
    for number, (path, (document, problem)) in enumerate(zip(files, parsed, strict=True), start=1):
        try:
            if problem is not None:
                raise ImportFailure(*problem, path)
            key = (document.type, document.slug)
            if key in seen:
                raise ImportFailure(
                    f"{document.type} slug {document.slug!r} is also used by {seen[key]}",
                    document.line_of("slug"),
                    path,
                )
            seen[key] = path
            documents.append(document)
        except ImportFailure as failure:
            failed(failure)
        if progress:
            progress("reading", number, len(files))
    documents.sort(key=lambda d: TYPE_ORDER[d.type])  # stable: as named within a type
    return documents


def _parse(path):
    """read_document, as a helper process returns it: (document, None), or (None, (message,
    line)) for an ImportFailure (which would lose its line and path on the way back)."""
    try:
        return read_document(path), None
    except ImportFailure as failure:
        return None, (failure.message, failure.line)


def _markdown_texts(documents):
    """Each document's Markdown texts (its introduction and sections) in reading order."""
    return [[document.intro, *(text for _, text in document.sections)] for document in documents]


class Helpers:
    """Processes forked from the importing one, which parse the files and render their Markdown
    (`render_ahead`) while it writes: work that needs no database, about a quarter of an
    import's, on the machine's other cores. Writing stays in the importing process (its one
    connection, a transaction a batch).

    What is imported is the same with helpers or without: the files are parsed by the same
    code; the writer validates every page as before and serves a helper's rendering only of a
    text that rendered in time there, rendering any other itself under its own clock.

    Helpers are used when the machine has more than one core, processes can be forked (Linux)
    and there are at least MIN_FILES files (fewer do not repay starting them). A helper that
    dies leaves its batches to the writer, which renders them itself.
    """

    MIN_FILES = 200
    PARSE_CHUNK = 16  # files a helper parses per hand-over
    wait = False  # True: the writer waits for each batch's renderings (tests, to be certain)

    def __init__(self, count=0):
        self.pool = None
        if count:
            context = multiprocessing.get_context("fork")
            self.pool = ProcessPoolExecutor(count, mp_context=context)

    @classmethod
    def for_import(cls, files, count=None):
        """Helpers for an import of `files` files: `count` of them, or (None) as many as the
        machine has cores if it has more than one and there are MIN_FILES files or more."""
        if count is None:
            count = cls.available() if files >= cls.MIN_FILES else 0
        return cls(count)

    @staticmethod
    def available():
        if "fork" not in multiprocessing.get_all_start_methods():
            return 0
        try:
            cores = len(os.sched_getaffinity(0))
        except AttributeError:
            cores = os.cpu_count() or 1
        return cores if cores > 1 else 0

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)

    def __bool__(self):
        return self.pool is not None

    def read(self, files):
        """`_parse` of each file, in order."""
        done = 0
        try:
            for outcome in self.pool.map(_parse, files, chunksize=self.PARSE_CHUNK):
                yield outcome
                done += 1
        except BrokenProcessPool:
            self._stopped()
            yield from map(_parse, files[done:])

    def rendered_ahead(self, batches):
        """For each batch in turn, {text: Rendering} of its documents' Markdown (`render_ahead`):
        the next batch's is rendered while the caller writes this one. The writer never waits
        for a helper: what is not ready when its batch starts (the first batch's; a batch of
        files that are unchanged goes faster than rendering) it renders itself if it needs it."""
        upcoming = None
        for number in range(len(batches)):
            current = upcoming
            following = batches[number + 1] if number + 1 < len(batches) else None
            upcoming = self._render(following) if following and self.pool else None
            renderings = {}
            if current is not None and (self.wait or current.done()):
                try:
                    renderings = current.result()
                except BrokenProcessPool:
                    self._stopped()
                    upcoming = None
            elif current is not None:
                current.cancel()  # not begun: no use now; begun: its result is dropped
            yield renderings

    def _render(self, batch):
        try:
            return self.pool.submit(render_ahead, _markdown_texts(batch))
        except BrokenProcessPool:
            return None

    def _stopped(self):
        logger.warning("An import helper stopped: the importer does the rest of its work itself")
        self.pool.shutdown(wait=False, cancel_futures=True)
        self.pool = None


def import_document(document, publish=False, user=None):
    """Create or update the page for one parsed document through Wagtail's own calls (no
    batching and nothing deferred). Returns (outcome, page)."""
    return PageWriter(document, publish=publish, user=user).run()


# --- the bulk import ----------------------------------------------------------------------------


class BulkImport:
    """Writes batches of parsed documents, deferring the indexes' and the page cache's work.

    Used as a context manager: while it is open, in this thread (or task) only, the receivers
    in `_Receivers` hand their work to it instead of doing it at every save; it does that work
    once a file (Wagtail's search and reference indexes for what a file changed but the page it
    created), once a batch (those indexes for the pages the batch created, while their Markdown
    is still in the renderer's cache; our search index) or once at the end (Wagtail's title
    norms, the page cache).
    """

    def __init__(self, publish=False, user=None):
        self.publish, self.user = publish, user
        self.context = WriteContext()
        self.work = _DeferredWork()
        self.last_child = {}  # parent id -> path of its last child
        self.new_children = defaultdict(int)  # parent id -> pages created this batch
        self.new_documents = []  # (page, fields) for our search index, this batch
        self.log_entries = []  # of the pages created this batch
        self.relation_rows = []  # their many-to-many relations' rows
        self.searchable_under = {}  # parent id -> whether its new pages are searchable
        self.restricted_under = {}  # parent id -> whether a view restriction covers its pages
        self.site_root_paths = None  # Site.get_site_root_paths(), read once a batch
        self.new_pages = []  # pages created this batch, indexed (Wagtail, references) at its end
        self.wagtail_indexes = {}  # (backend name, model) -> index, its title norms held back
        self.published = False
        self.announcements = []  # (page, revision) published this batch, for their followers
        self.file_announcements = []  # the same, of the file being written

    def __enter__(self):
        self.context.structure()  # committed before the first batch, which may roll back
        _RECEIVERS.install()
        self._token = _ACTIVE.set(self.work)
        return self

    def __exit__(self, exc_type, exc, traceback):
        try:
            self.finish()
        except Exception:
            if exc is None:
                raise
            logger.exception("Could not finish the import after an error")  # report the first
        finally:
            _ACTIVE.reset(self._token)
            _RECEIVERS.uninstall()

    # -- batches and files ------------------------------------------------------------------
    def write_batch(self, batch, failed):
        """Write the documents in one transaction, a savepoint each. Returns
        ([(outcome, page)] of the files written, and the unexpected exception that stopped the
        batch or None)."""
        outcomes, error = [], None
        with transaction.atomic():
            self.context.batch_begins()
            existing = self.look_up(batch)
            for document in batch:
                self.work.clear()
                try:
                    with transaction.atomic():
                        outcome, page, parent, writer = self.write(document, existing)
                        documents = self.index_file(outcome, page, parent)
                except (ImportFailure, PatientDataError) as problem:
                    self.context.file_done(False)
                    if isinstance(problem, PatientDataError):  # the guard on save: a backstop
                        problem = ImportFailure(str(problem), None, document.path)
                    failed(problem)
                except Exception as unexpected:
                    # Keep the files before it, as one transaction per file would, then stop.
                    self.context.file_done(False)
                    error = unexpected
                    break
                else:
                    self.context.file_done(True)
                    self.new_documents.extend(documents)
                    self.announcements.extend(self.file_announcements)
                    if outcome == "created":
                        self.new_pages.append(page)
                        self.last_child[parent.pk] = page.path
                        self.new_children[parent.pk] += 1
                        existing[(parent.pk, page.slug)] = page
                        self.log_entries.extend(writer.log_entries)
                        self.relation_rows.extend(writer.relation_rows)
                    outcomes.append((outcome, page))
            self.work.clear()
            self.flush_batch()
        return outcomes, error

    def look_up(self, documents):
        """{(parent id, slug): specific page} of the pages already at the documents' slugs; and
        each parent's last child, read under the parent's lock as add_child does."""
        from wagtail.models import Page, Site

        slugs = defaultdict(set)
        parents = {}
        for document in documents:
            parent = self.context.parent_of(document.type)
            parents[parent.pk] = parent
            slugs[parent.pk].add(document.slug)
        list(Page.objects.select_for_update().filter(pk__in=list(parents)).values_list("pk"))
        existing = {}
        self.searchable_under = {}
        # A new page has no view restriction of its own and is no alias: what covers it is
        # what covers its parent (Wagtail's get_view_restrictions is the parent's and its
        # ancestors'), asked once a batch rather than by each receiver of each page.
        self.restricted_under = {
            parent_id: parent.get_view_restrictions().exists()
            for parent_id, parent in parents.items()
        }
        self.site_root_paths = Site.get_site_root_paths()
        for parent_id, parent in parents.items():
            # child_of() as a range of paths, which the path's index answers (child_of's LIKE
            # scans every page on SQLite: once a batch, that grew with the site).
            interval = Page._get_children_path_interval(parent.path)
            children = Page.objects.filter(path__range=interval, depth=parent.depth + 1)
            for page in children.filter(slug__in=sorted(slugs[parent_id])).specific():
                existing[(parent_id, page.slug)] = page
            self.last_child[parent_id] = (
                children.order_by("-path").values_list("path", flat=True).first()
            )
        return existing

    def next_path(self, parent):
        """The tree path of the parent's next child (treebeard's encoding, as add_child)."""
        from wagtail.models import Page

        last = self.last_child.get(parent.pk)
        step = 1 if last is None else Page._str2int(last[-Page.steplen :]) + 1
        path = Page._get_path(parent.path, parent.depth + 1, step)
        if len(path) != len(parent.path) + Page.steplen:
            raise RuntimeError(f"no room for another page under {parent.url_path}")
        return path

    def write(self, document, existing):
        writer = PageWriter(document, self.publish, self.user, self.context)
        parent = writer.parent()
        page = existing.get((parent.pk, document.slug))
        if page is None:
            writer.hints = {"_wagtail_cached_site_root_paths": self.site_root_paths}
            if not self.restricted_under.get(parent.pk, True):
                writer.hints["kb_view_restricted"] = False  # read by RoutedPageMixin
            outcome, page = writer.create(parent, self.next_path(parent))
        else:
            outcome, page = writer.run(existing=page)
        return outcome, page, parent, writer

    # -- the deferred work ------------------------------------------------------------------
    def index_file(self, outcome, page, parent):
        """A file's share of the deferred work, inside its savepoint: Wagtail's search and
        reference indexes now for what the file changed, but for a page it created, which
        its batch indexes with the others it created (`flush_batch`). Returns [(page,
        fields)] of the new search documents for the batch's bulk write, once the file is
        saved."""
        from kb.search.documents import document_fields, is_searchable
        from kb.search.indexing import update_page

        work, documents = self.work, []
        created = page.pk if outcome == "created" else None
        self.add_to_wagtail_index(
            instance
            for instance in work.saved_for_search.values()
            if not (created is not None and instance is page)
        )
        self.update_references(work.saved_for_references.values(), skip=page if created else None)
        for published in work.published.values():
            self.published = True
            if published.pk != created:
                update_page(published)  # a page that may have a document already
                continue
            # A page this import created has no view restriction of its own (nothing here
            # makes one): whether it is searchable is its parent's answer, asked once a batch.
            searchable = self.searchable_under.get(parent.pk)
            if searchable is None:
                searchable = self.searchable_under[parent.pk] = is_searchable(published)
            if searchable:
                documents.append((published, document_fields(published)))
        if work.purge:
            self.published = True
        self.file_announcements = list(work.announced)
        work.clear()
        if created is None:
            forget_relations(page)  # a new page keeps them until its batch has indexed it
        return documents

    def add_to_wagtail_index(self, instances, created=()):
        """What modelsearch's insert_or_update_object does for each instance, a model at a
        time, with the index's title norm refresh left for the end. (`created`: the ids of
        pages just created, known to be among their model's indexed objects.)"""
        from modelsearch.backends import get_search_backends_with_name

        by_model = defaultdict(dict)
        for instance in instances:
            indexed = instance.get_indexed_instance()
            if indexed is not None:
                by_model[type(indexed)][indexed.pk] = indexed
        for model, objects in by_model.items():
            if created and set(objects) <= set(created):
                present = set(objects)
            else:
                present = set(
                    model.get_indexed_objects()
                    .filter(pk__in=list(objects))
                    .prefetch_related(None)
                    .order_by()
                    .values_list("pk", flat=True)
                )
            objects = [obj for pk, obj in objects.items() if pk in present]
            if not objects:
                continue
            for name, backend in get_search_backends_with_name(with_auto_update=True):
                try:
                    self.wagtail_index(name, backend, model).add_items(model, objects)
                except Exception:
                    logger.exception("Could not add %s to the '%s' search backend", model, name)
                    if not backend.catch_indexing_errors:
                        raise

    def wagtail_index(self, name, backend, model):
        index = self.wagtail_indexes.get((name, model))
        if index is None:
            index = backend.get_index_for_model(model)
            # The SQLite index rescans every entry after each write to keep its title norms;
            # this one instance leaves that for finish().
            if hasattr(index, "_refresh_title_norms"):
                index._refresh_title_norms = _no_title_norms
            self.wagtail_indexes[(name, model)] = index
        return index

    def update_references(self, instances, skip=None):
        """What wagtail.tasks.update_reference_index_task does for each instance saved (but
        `skip`, a page created, and its child objects: see update_references_in_bulk)."""
        from modelcluster.fields import ParentalKey
        from wagtail.models import ReferenceIndex

        seen = {}
        for instance in instances:
            while instance is not None:
                keys = [f for f in instance._meta.get_fields() if isinstance(f, ParentalKey)]
                if not keys:
                    break
                instance = getattr(instance, keys[0].name)
            if instance is skip:
                continue
            if instance is not None and ReferenceIndex.is_indexed(instance._meta.model):
                seen[(type(instance), instance.pk)] = instance
        for instance in seen.values():
            ReferenceIndex.create_or_update_for_object(instance)

    def update_references_in_bulk(self, pages):
        """ReferenceIndex.create_or_update_for_object for each page, with one query for the
        rows they have already (none, for pages just created, unless the database reuses a
        deleted page's id) and one insert for all of them."""
        from django.contrib.contenttypes.models import ContentType
        from django.db import connection
        from wagtail.models import ReferenceIndex

        get_for_model = ContentType.objects.get_for_model
        wanted = defaultdict(dict)  # base content type -> {str(id): (page, content types)}
        for page in pages:
            if not ReferenceIndex.is_indexed(page._meta.model):
                continue
            models = [page, *page._meta.get_parent_list()]
            types = [get_for_model(model, for_concrete_model=False) for model in models]
            wanted[types[-1]][str(page.pk)] = (page, types)
        new_rows, stale = [], []
        for base, found in wanted.items():
            existing = defaultdict(dict)
            rows = ReferenceIndex.objects.filter(base_content_type=base, object_id__in=list(found))
            for id_, object_id, type_id, *record in rows.values_list(
                "id", "object_id", "content_type_id", "to_content_type", "to_object_id",
                "model_path", "content_path",
            ):  # fmt: skip
                existing[object_id][tuple(record)] = (type_id, id_)
            for object_id, (page, types) in found.items():
                references = set(ReferenceIndex._extract_references_from_object(page))
                before = existing.get(object_id, {})
                added = references - set(before)
                new_rows += [
                    ReferenceIndex(
                        content_type=types[0],
                        base_content_type=base,
                        object_id=page.pk,
                        to_content_type_id=to_type_id,
                        to_object_id=to_object_id,
                        model_path=model_path,
                        content_path=content_path,
                        content_path_hash=ReferenceIndex._get_content_path_hash(content_path),
                    )
                    for to_type_id, to_object_id, model_path, content_path in added
                ]
                known = {t.pk for t in types}
                stale += [
                    id_
                    for record, (type_id, id_) in before.items()
                    if record not in references and type_id in known
                ]
        ignore = {"ignore_conflicts": True} if connection.features.supports_ignore_conflicts else {}
        ReferenceIndex.objects.bulk_create(new_rows, **ignore)
        if stale:
            ReferenceIndex.objects.filter(id__in=stale).delete()

    def flush_batch(self):
        """The batch's share, inside its transaction: the parents' child counts and our search
        index's new documents."""
        from wagtail.models import Page

        from kb.following.signals import announce_batch
        from kb.search.backends.database import DatabaseBackend

        for parent_id, count in self.new_children.items():
            Page.objects.filter(pk=parent_id).update(numchild=F("numchild") + count)
            for parent in self.context.structure():
                if parent.pk == parent_id:
                    parent.numchild += count
        self.new_children.clear()
        for rows, ignore_conflicts in ((self.log_entries, False), (self.relation_rows, True)):
            # As Django's many-to-many add() does: rows already there are left alone.
            for model in {type(row) for row in rows}:
                model._default_manager.bulk_create(
                    [row for row in rows if type(row) is model], ignore_conflicts=ignore_conflicts
                )
        self.log_entries, self.relation_rows = [], []
        if self.announcements:
            # Before the new pages forget their relations: what they concern is read from them.
            announcements, self.announcements = self.announcements, []
            announce_batch(announcements)
        if self.new_pages:
            pages, self.new_pages = self.new_pages, []
            try:
                self.add_to_wagtail_index(pages, created={page.pk for page in pages})
                self.update_references_in_bulk(pages)
            finally:
                for page in pages:
                    forget_relations(page)
        if self.new_documents:
            documents, self.new_documents = self.new_documents, []
            DatabaseBackend().bulk_index((page.pk, fields) for page, fields in documents)
            _mirror_to_external_search(documents)

    def finish(self):
        """Wagtail's title norms and the page cache, once."""
        from kb.core.page_cache import purge

        refreshed = set()
        for (name, _model), index in self.wagtail_indexes.items():
            key = (name, index.get_key() if hasattr(index, "get_key") else type(index))
            if key in refreshed or "_refresh_title_norms" not in vars(index):
                continue
            refreshed.add(key)
            with transaction.atomic():
                type(index)._refresh_title_norms(index)
        if self.published:
            purge()


def _no_title_norms(full=False):
    """Stands in for SQLiteIndex._refresh_title_norms during a bulk import."""


def _mirror_to_external_search(documents):
    """Send new documents to Elasticsearch once the batch is committed (as update_page does
    for one page); a failure is logged, and kb_reindex brings it back in step."""
    from kb.search.indexing import external_backend

    backend = external_backend()
    if backend is None:
        return

    def run():
        try:
            for page, fields in documents:
                backend.index(page, fields)
        except Exception:
            logger.exception("Elasticsearch index update failed; run kb_reindex when it is back")

    transaction.on_commit(run)


# --- receivers deferred during a bulk import ---------------------------------------------------

_ACTIVE = contextvars.ContextVar("kb_bulk_import", default=None)


class _DeferredWork:
    """What the receivers handed over while one file was written."""

    def __init__(self):
        self.clear()

    def clear(self):
        self.saved_for_search = {}  # (model, pk) -> instance last saved
        self.saved_for_references = {}
        self.published = {}  # page id -> page
        self.announced = []  # (page, revision) of each publish, for the followers
        self.purge = False


class _Receivers:
    """Stands in for four receivers while bulk imports run, handing their work to the import
    that runs in the same thread (`_ACTIVE`), and calling them as before everywhere else:

    - modelsearch's post_save handler (Wagtail's search index, a table scan at every save);
    - Wagtail's reference index post_save handler;
    - our search index's page_published receiver (kb/search/indexing.py);
    - the page cache's page_published receiver (kb/core/page_cache.py).

    The stand-ins are connected before the originals are disconnected (and the other way
    round afterwards), so no save anywhere goes unhandled; the originals come back as they
    were when the last import ends.
    """

    def __init__(self):
        self.lock = threading.Lock()
        self.users = 0
        self.swapped = []  # (signal, original, sender, original dispatch_uid, stand-in)

    def plan(self):
        from modelsearch import index as modelsearch_index
        from modelsearch.signal_handlers import post_save_signal_handler
        from wagtail.models import ReferenceIndex
        from wagtail.signal_handlers import update_reference_index_on_save
        from wagtail.signals import page_published

        from kb.core import page_cache
        from kb.following import signals as following
        from kb.search import indexing

        for model in modelsearch_index.get_indexed_models():
            yield post_save, post_save_signal_handler, model, None, _save_for_search
        for model in ReferenceIndex.tracked_models:
            yield post_save, update_reference_index_on_save, model, None, _save_for_references
        yield page_published, indexing._on_published, None, "kbsearch_published", _published
        yield page_published, page_cache.purge, None, "kbcache_published", _published_purge
        yield (
            page_published, following._on_published, None, following.DISPATCH_UID,
            _published_announce,
        )  # fmt: skip

    def install(self):
        with self.lock:
            self.users += 1
            if self.users > 1:
                return
            for signal, original, sender, uid, stand_in in self.plan():
                stand_in_uid = ("kb-bulk-import", uid or id(original), id(sender))
                signal.connect(stand_in, sender=sender, weak=False, dispatch_uid=stand_in_uid)
                if signal.disconnect(original, sender=sender, dispatch_uid=uid):
                    self.swapped.append((signal, original, sender, uid, stand_in_uid))
                else:  # not connected (for example turned off): leave it so
                    signal.disconnect(sender=sender, dispatch_uid=stand_in_uid)

    def uninstall(self):
        with self.lock:
            self.users -= 1
            if self.users > 0:
                return
            for signal, original, sender, uid, stand_in_uid in self.swapped:
                signal.connect(original, sender=sender, dispatch_uid=uid)
                signal.disconnect(sender=sender, dispatch_uid=stand_in_uid)
            self.swapped = []


_RECEIVERS = _Receivers()


def _save_for_search(sender, instance, **kwargs):
    from modelsearch.signal_handlers import post_save_signal_handler

    work = _ACTIVE.get()
    if work is None or kwargs.get("raw", False):
        return post_save_signal_handler(instance=instance, sender=sender, **kwargs)
    work.saved_for_search[(type(instance), instance.pk)] = instance


def _save_for_references(sender, instance, **kwargs):
    from wagtail.signal_handlers import update_reference_index_on_save

    work = _ACTIVE.get()
    if work is None or kwargs.get("raw", False):
        return update_reference_index_on_save(instance=instance, sender=sender, **kwargs)
    work.saved_for_references[(type(instance), instance.pk)] = instance


def _published(sender, instance, **kwargs):
    from kb.search import indexing

    work = _ACTIVE.get()
    if work is None:
        return indexing._on_published(sender=sender, instance=instance, **kwargs)
    work.published[instance.pk] = instance


def _published_announce(sender, instance, revision=None, **kwargs):
    """Followers are told a batch at a time (`pages_published`): whether anyone follows what
    the batch's pages concern is one query, not one a page."""
    from kb.following import signals as following

    work = _ACTIVE.get()
    if work is None:
        return following._on_published(sender=sender, instance=instance, revision=revision)
    work.announced.append((instance, revision))


def _published_purge(sender, **kwargs):
    from kb.core import page_cache

    work = _ACTIVE.get()
    if work is None:
        return page_cache.purge(sender=sender, **kwargs)
    work.purge = True
