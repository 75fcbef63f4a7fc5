"""A bulk import with helper processes (they parse the files and render their Markdown while
the importer writes) makes exactly the pages, and reports exactly the failures, that an import
without them makes; and a helper that dies costs nothing but its help.
"""

import os

import pytest
from wagtail.models import Page

from kb.core import markdown as kb_markdown
from kb.publishing import markdown_import
from kb.publishing.markdown_import import Helpers, import_paths
from kb.search.models import SearchDocument
from tests.publishing.test_bulk_import import (
    case_study,
    guide,
    md,
    row,
    run_command,
    standard,
    write,
)

pytestmark = pytest.mark.usefixtures("site_tree")

BROKEN = md("type: case-study\nslug: [unclosed\ntitle: Broken")
HEADINGS = (
    "Intro.\n\n## Background\n\n### Detail\n\nText with **bold** and a [link](https://x.org/).\n"
)


def corpus(folder, prefix):
    """Twelve files (three batches of four and more) and one that cannot be parsed."""
    write(folder, "standard.md", standard(f"{prefix}-standard", f"{prefix.upper()}-1"))
    for number in range(8):
        text = case_study(f"{prefix}-case-{number}", f"Case {number}")
        write(folder, f"case-{number}.md", text + f"\n## Results\n\nResult {number}: *better*.\n")
    for number in range(3):
        text = guide(f"{prefix}-guide-{number}", f"Guide {number}")
        write(folder, f"guide-{number}.md", text + HEADINGS)
    write(folder, "zz-broken.md", BROKEN)


class Converts:
    """Counts the texts this process renders (kb.core.markdown._convert)."""

    def __init__(self, monkeypatch):
        self.count = 0
        original = kb_markdown._convert

        def convert(text, deadline):
            self.count += 1
            return original(text, deadline)

        monkeypatch.setattr(kb_markdown, "_convert", convert)


def same(page):
    """The page's row, but for the standards' references (unique to each)."""
    return {name: value for name, value in row(page).items() if name != "reference"}


def searched(page):
    """The page's document in the site's search index, but for its address and time."""
    fields = row(SearchDocument.objects.get(page=page))
    for name in ("url", "updated_at"):
        fields.pop(name)
    fields["body"] = fields["body"].replace(getattr(page, "reference", "") or "\0", "")
    return fields


def pages(prefix):
    found = Page.objects.filter(slug__startswith=f"{prefix}-").specific().order_by("title")
    return {page.slug.removeprefix(f"{prefix}-"): page for page in found}


def test_an_import_with_helpers_makes_the_pages_an_import_without_them_makes(tmp_path, monkeypatch):
    monkeypatch.setattr(Helpers, "wait", True)  # every batch after the first served by a helper
    corpus(tmp_path / "helped", "helped")
    corpus(tmp_path / "alone", "alone")

    kb_markdown.clear_cache()
    converts = Converts(monkeypatch)
    helped = import_paths([tmp_path / "helped"], publish=True, batch_size=4, helpers=2)
    rendered_here_with_helpers = converts.count
    kb_markdown.clear_cache()
    converts.count = 0
    alone = import_paths([tmp_path / "alone"], publish=True, batch_size=4, helpers=0)

    # The helpers rendered the later batches' Markdown: this process rendered only the first
    # batch's (and what the later ones share with it).
    assert 0 < rendered_here_with_helpers < converts.count
    assert len(helped.created) == len(alone.created) == 12
    # The file that cannot be parsed is reported the same, at the same line.
    [helped_failure], [alone_failure] = helped.failed, alone.failed
    assert helped_failure.path.name == alone_failure.path.name == "zz-broken.md"
    assert (helped_failure.message, helped_failure.line) == (
        alone_failure.message,
        alone_failure.line,
    )
    with_helpers, without = pages("helped"), pages("alone")
    assert set(with_helpers) == set(without) and len(with_helpers) == 12
    for name, page in with_helpers.items():
        other = without[name]
        assert same(page) == same(other), name
        assert page.rendered_markdown == other.rendered_markdown
        assert searched(page) == searched(other), name  # its words, from the plain text
        assert page.live and page.live_revision_id
    assert "<strong>bold</strong>" in str(with_helpers["guide-0"].rendered_markdown)


def render_with_no_time(texts_by_page):
    kb_markdown.TIME_LIMIT = 0.0  # in the helper process only: every text is too slow there
    return kb_markdown.render_ahead(texts_by_page)


def test_a_text_too_slow_for_a_helper_is_rendered_by_the_writer(tmp_path, monkeypatch):
    """A helper hands over only what rendered in time; the writer renders the rest under its
    own clock, and the pages come out whole."""
    monkeypatch.setattr(Helpers, "wait", True)
    monkeypatch.setattr(markdown_import, "render_ahead", render_with_no_time)
    corpus(tmp_path, "slow")
    kb_markdown.clear_cache()

    result = import_paths([tmp_path], publish=True, batch_size=4, helpers=1)

    assert len(result.created) == 12
    for page in pages("slow").values():
        assert "<h2" in str(page.rendered_markdown) or "<p>" in str(page.rendered_markdown)
    assert "<strong>bold</strong>" in str(pages("slow")["guide-2"].rendered_markdown)


def die(texts_by_page):
    os._exit(1)  # a helper killed (out of memory, say) in the middle of its work


def test_a_helper_that_dies_leaves_its_work_to_the_writer(tmp_path, monkeypatch):
    monkeypatch.setattr(Helpers, "wait", True)
    monkeypatch.setattr(markdown_import, "render_ahead", die)
    corpus(tmp_path, "orphan")

    result = import_paths([tmp_path], publish=True, batch_size=4, helpers=1)

    assert len(result.created) == 12 and len(result.failed) == 1
    assert "<strong>bold</strong>" in str(pages("orphan")["guide-2"].rendered_markdown)


def test_the_command_takes_a_number_of_helpers(tmp_path):
    corpus(tmp_path, "cmd")
    (tmp_path / "zz-broken.md").unlink()
    ok, out, err = run_command(tmp_path, "--publish", "--helpers", "2", "--batch-size", "3")
    assert ok, err
    assert "12 created, 0 updated, 0 unchanged, 0 failed" in out
    ok, out, err = run_command(tmp_path, "--helpers", "-1")
    assert not ok and "--helpers must be 0 or more" in err
