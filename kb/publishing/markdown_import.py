"""Markdown import: turn editors' offline Markdown files into guidance and case study pages.

Parsing and validation of a file's text are pure (`frontmatter.parse_document`); `import_paths`
then writes pages (page_writer.py), one database transaction per file, so a bad file leaves
nothing half-imported and the other files still import.
"""

from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction

from .frontmatter import MAX_FILE_BYTES, TYPE_ORDER, ImportFailure, ParsedDocument, parse_document
from .page_writer import PageWriter

__all__ = ["ImportFailure", "ImportResult", "ParsedDocument", "import_document", "import_paths"]


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


def import_paths(paths, publish=False, user=None, on_result=None):
    """Import every file; each in its own transaction. Returns an ImportResult."""
    result = ImportResult()
    documents = []
    seen = {}
    for path in collect_files(paths):
        try:
            document = read_document(path)
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
            result.failed.append(failure)
            if on_result:
                on_result("failed", failure)
    documents.sort(key=lambda d: TYPE_ORDER[d.type])
    for document in documents:
        try:
            with transaction.atomic():
                outcome, page = import_document(document, publish=publish, user=user)
        except ImportFailure as failure:
            result.failed.append(failure)
            if on_result:
                on_result("failed", failure)
            continue
        getattr(result, outcome).append(page)
        if on_result:
            on_result(outcome, page)
    return result


def import_document(document, publish=False, user=None):
    """Create or update the page for one parsed document. Returns (outcome, page)."""
    return PageWriter(document, publish=publish, user=user).run()
