"""Markdown rendering and sanitising: what reaches a reader's browser from editors' Markdown."""

import io
from html.parser import HTMLParser

import pytest
from django.core.management import call_command
from django.utils.safestring import SafeString

from kb.core.markdown import markdown_to_text, render_markdown, sanitise_html

# --- render_markdown ---------------------------------------------------------------------------


def test_script_elements_are_removed_with_their_content():
    html = render_markdown("Before\n\n<script>alert('owned')</script>\n\nAfter")

    assert "<script" not in html
    assert "alert" not in html
    assert "Before" in html and "After" in html


@pytest.mark.parametrize(
    "source",
    [
        "[click me](javascript:alert(1))",
        "[click me](JaVaScRiPt:alert(1))",
        '<a href="javascript:alert(1)">click me</a>',
        '<a href="java&#x09;script:alert(1)">click me</a>',
        "[click me](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    ],
)
def test_javascript_and_data_links_lose_their_href_but_keep_their_text(source):
    html = render_markdown(source)

    assert "href" not in html
    assert "javascript" not in html.lower()
    assert "data:" not in html
    assert "click me" in html


@pytest.mark.parametrize(
    "source",
    [
        '<p onclick="alert(1)">Paragraph</p>',
        '<a href="https://example.org" onclick="alert(1)" onmouseover="alert(2)">Paragraph</a>',
        '<span onerror="alert(1)">Paragraph</span>',
        '<div onload="alert(1)">Paragraph</div>',
    ],
)
def test_event_handler_attributes_are_removed(source):
    html = render_markdown(source)

    assert " on" not in html
    assert "alert" not in html
    assert "Paragraph" in html


@pytest.mark.parametrize(
    ("source", "removed"),
    [
        ('<iframe src="https://evil.example/"></iframe>', "<iframe"),
        ("<style>body { display: none }</style>", "<style"),
        ("<img src=x onerror=alert(1)>", "<img"),
        ('<svg onload="alert(1)"><circle r="1"/></svg>', "<svg"),
        ('<object data="https://evil.example/x.swf"></object>', "<object"),
        ('<form action="https://evil.example/"><input name="password"></form>', "<form"),
        ('<div style="background: url(https://evil.example/)">Text</div>', "style="),
        ('<meta http-equiv="refresh" content="0; url=https://evil.example/">', "<meta"),
    ],
)
def test_dangerous_elements_and_attributes_are_removed(source, removed):
    html = render_markdown(source)

    assert removed not in html
    assert "evil.example" not in html
    assert "alert" not in html
    assert "display" not in html


def test_allowed_markup_is_kept():
    source = (
        "## Aims\n\n### Measures\n\n#### Detail\n\n"
        "- first\n- second\n\n1. one\n2. two\n\n"
        "| Measure | Before | After |\n|---|---|---|\n| Waits | 45 | 15 |\n\n"
        '*emphasis*, **strong**, `code`, ~~not~~ and <abbr title="Emergency department">ED</abbr>'
        "\n\n> A quotation\n\n"
        "[NHS England](https://www.england.nhs.uk/) or [email us](mailto:kb@example.nhs.uk) "
        "or [ring](tel:+441134567890)"
    )

    html = render_markdown(source)

    assert '<h2 id="aims">Aims</h2>' in html
    assert '<h3 id="measures">Measures</h3>' in html
    assert '<h4 id="detail">Detail</h4>' in html
    assert "<ul>\n<li>first</li>\n<li>second</li>\n</ul>" in html
    assert "<ol>\n<li>one</li>\n<li>two</li>\n</ol>" in html
    assert "<table>" in html and "<th>Measure</th>" in html and "<td>45</td>" in html
    assert "<em>emphasis</em>" in html and "<strong>strong</strong>" in html
    assert "<code>code</code>" in html
    assert '<abbr title="Emergency department">ED</abbr>' in html
    assert "<blockquote>" in html
    assert 'href="https://www.england.nhs.uk/"' in html
    assert 'href="mailto:kb@example.nhs.uk"' in html
    assert 'href="tel:+441134567890"' in html


def test_external_links_get_rel_noopener_noreferrer_and_lose_target():
    html = render_markdown(
        '[NHS](https://www.nhs.uk/) and <a href="https://example.org/" target="_blank" '
        'rel="opener">a raw link</a>'
    )

    assert '<a href="https://www.nhs.uk/" rel="noopener noreferrer">NHS</a>' in html
    assert '<a href="https://example.org/" rel="noopener noreferrer">a raw link</a>' in html
    assert "target" not in html
    assert 'rel="opener"' not in html


def test_markup_inside_code_is_shown_as_text():
    html = render_markdown("```\n<script>alert(1)</script>\n```\n\nInline `<b>bold</b>` code")

    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<code>&lt;b&gt;bold&lt;/b&gt;</code>" in html
    assert "<script" not in html and "<b>" not in html


def test_level_one_headings_are_not_allowed_in_content():
    html = render_markdown("# Page title\n\nText")

    assert "<h1" not in html
    assert "Page title" in html


def test_render_markdown_is_safe_for_templates_and_empty_for_no_text():
    assert isinstance(render_markdown("*hi*"), SafeString)
    assert render_markdown("") == ""
    assert render_markdown(None) == ""


def test_sanitise_html_cleans_html_that_did_not_come_from_markdown():
    html = sanitise_html(
        '<p onclick="x()">Hi <a href="javascript:x()">there</a><script>x()</script></p>'
    )

    assert html == '<p>Hi <a rel="noopener noreferrer">there</a></p>'


# --- markdown_to_text --------------------------------------------------------------------------


def test_markdown_to_text_strips_every_tag_and_keeps_the_words():
    source = (
        "# Title\n\n## Aims\n\nSome *emphasis* and **strong** text with "
        "[a link](https://www.nhs.uk/).\n\n- item\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n"
        "<b>raw html</b> <script>alert(1)</script>"
    )

    text = markdown_to_text(source)

    assert "<" not in text and ">" not in text
    assert "alert" not in text
    assert "https://www.nhs.uk/" not in text
    for words in (
        "Title",
        "Aims",
        "Some emphasis and strong text with a link.",
        "item",
        "raw html",
    ):
        assert words in text


def test_markdown_to_text_is_plain_text_without_html_entities():
    assert markdown_to_text('A&E waits & "quotes" <for> 5 > 3') == ('A&E waits & "quotes"  5 > 3')


def test_markdown_to_text_of_nothing_is_empty():
    assert markdown_to_text("") == ""
    assert markdown_to_text(None) == ""


# --- an imported and published page ------------------------------------------------------------

HOSTILE = """\
Intro <script>alert('intro')</script> [intro link](javascript:alert('intro-link'))

<img src=x onerror=alert('img')> <img src=x onerror=alert(1)>

<iframe src="https://evil.example/frame"></iframe>

<style>body { display: none }</style>

<p onclick="alert('click')">Clickable paragraph</p>

Read [the NHS website](https://www.nhs.uk/) or [write to us](mailto:kb@example.nhs.uk).
"""


@pytest.fixture
def published_hostile_guide(site_tree, tmp_path, client):
    """A guide whose intro, mapped section and other section carry hostile markup, published."""
    text = (
        "---\ntype: improvement-guide\nslug: hostile-guide\ntitle: Hostile guide\n"
        'summary: "<b>Bold</b> & summary"\n---\n'
        f"{HOSTILE}\n## What good looks like\n\n{HOSTILE}\n## Other section\n\n{HOSTILE}"
    )
    (tmp_path / "hostile.md").write_text(text, encoding="utf-8")
    call_command("import_markdown", "--publish", str(tmp_path), stdout=io.StringIO())
    response = client.get("/guidance/hostile-guide/")
    assert response.status_code == 200
    return response.content.decode("utf-8")


class TagCollector(HTMLParser):
    """Every (tag, attributes) inside <main>: what the browser would build from the content."""

    def __init__(self):
        super().__init__()
        self.in_main, self.tags = False, []

    def handle_starttag(self, tag, attrs):
        if tag == "main":
            self.in_main = True
        elif self.in_main:
            self.tags.append((tag, dict(attrs)))

    def handle_endtag(self, tag):
        if tag == "main":
            self.in_main = False


def test_published_page_has_no_scripts_handlers_frames_or_styles_from_markdown(
    published_hostile_guide,
):
    collector = TagCollector()
    collector.feed(published_hostile_guide)
    tags = collector.tags

    assert tags, "the page has content"
    assert not [t for t, _ in tags if t in {"script", "iframe", "style", "img", "object"}]
    assert not [(t, a) for t, a in tags for name in a if name.startswith("on")]
    assert not [(t, a) for t, a in tags if "javascript" in (a.get("href") or "").lower()]
    assert "evil.example" not in published_hostile_guide
    assert "display: none" not in published_hostile_guide


def test_published_page_keeps_safe_links_and_text_from_every_part(published_hostile_guide):
    html = published_hostile_guide

    link = '<a href="https://www.nhs.uk/" rel="noopener noreferrer">the NHS website</a>'
    assert html.count(link) == 3  # intro, mapped section and other section
    assert html.count('href="mailto:kb@example.nhs.uk"') == 3
    assert html.count("Clickable paragraph") == 3
    assert html.count("intro link") == 3
    assert "&lt;b&gt;Bold&lt;/b&gt; &amp; summary" in html  # the summary is plain text
