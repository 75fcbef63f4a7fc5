"""Markdown rendering and sanitising: what reaches a reader's browser from editors' Markdown."""

import gc
import html
import io
import time
from html.parser import HTMLParser
from pathlib import Path

import markdown as markdown_lib
import nh3
import pytest
from django.core.management import call_command
from django.utils.safestring import SafeString

from kb.core import markdown as kb_markdown
from kb.core.markdown import markdown_to_text, neutralise, render_markdown, sanitise_html

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

    assert '<h2 id="section-aims">Aims</h2>' in html
    assert '<h3 id="section-measures">Measures</h3>' in html
    assert '<h4 id="section-detail">Detail</h4>' in html
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


# --- bounded rendering -------------------------------------------------------------------------

ROOT = Path(__file__).resolve().parents[2]
N = 100_000  # the longest text a field may hold (MAX_MARKDOWN_LENGTH)
GENEROUS = 60.0  # seconds: a time limit these tests never reach unless the neutraliser fails


def fill(unit, n=N):
    return (unit * (n // len(unit) + 1))[:n]


def visible_text(html_text):
    return html.unescape(nh3.clean(html_text, tags=set()))


def tags_of(html_text):
    collector = TagCollector()
    collector.in_main = True
    collector.feed(html_text)
    return collector.tags


@pytest.fixture(autouse=True)
def _cold_cache():
    kb_markdown.clear_cache()
    yield
    kb_markdown.clear_cache()


def python_markdown(text):
    """What the site rendered before rendering was bounded: plain Python-Markdown, sanitised."""
    converted = markdown_lib.markdown(
        text,
        extensions=kb_markdown.EXTENSIONS,
        extension_configs={"toc": {"permalink": False}},
        output_format="html",
    )
    return sanitise_html(converted)


DEMO_MARKDOWN = [
    path.read_text(encoding="utf-8").split("---", 2)[2]
    for path in sorted((ROOT / "kb/publishing/demo_content").rglob("*.md"))
]


def test_ordinary_markdown_renders_byte_for_byte_as_before():
    assert len(DEMO_MARKDOWN) >= 30
    everything = "\n\n".join(DEMO_MARKDOWN)[:N]  # a long field of real content, too
    for text in [*DEMO_MARKDOWN, everything]:
        assert neutralise(text) == text
        rendering = kb_markdown._render(text, time_limit=GENEROUS)
        assert rendering.problem == ""
        assert rendering.html == python_markdown(text)


@pytest.mark.parametrize(
    "text",
    [
        "See [note 3 and [the NHS website](https://www.nhs.uk/) [sic.\n\n[a [b] c](https://x.org/)",
        "Arrays: `a[i` and `b[` in code, ```\n[unclosed\n```\n\n[[wiki]], [^1], ![alt](i.png)",
        "Deep: [[[[[[a](b)](c)](d)](e)](f)](g) and (((((parens)))))",
        "- one\n  - two\n    - three\n\n> > > quoted\n\n1. a\n2. b",
        "```\nnever closed fence\n\nbut only one",
    ],
)
def test_unusual_but_ordinary_markdown_is_left_alone(text):
    assert neutralise(text) == text
    assert kb_markdown._render(text, time_limit=GENEROUS).html == python_markdown(text)


# Each of these takes plain Python-Markdown from seconds to minutes at 100,000 characters (see
# bench/markdown_render.py); the neutraliser makes them render in full: (text, what readers see).
NEUTRALISED = {
    "unclosed [": (fill("["), "[[[[[[[["),
    "nested [[[ ]]]": ("[" * (N // 2) + "]" * (N // 2), "[[[[]]]]"),
    "[a]( without )": (fill("[a]("), "[a]([a]("),
    "[]( without )": (fill("[]( "), "[]( []( "),
    "![a]( without )": (fill("![a]("), "![a](![a]("),
    "[a](< without )": (fill("[a](<"), "[a](<[a](<"),
    "[a][": (fill("[a]["), "[a][[a]["),
    "[^": (fill("[^"), "[^[^[^"),
    "*[": (fill("*["), "*[*[*["),
    "[[[a](b)](b)...": ("[" * (N // 5) + "a" + "](b)" * (N // 5), "[[[["),
    "``` never closed": (fill("```a\n"), "```a\n```a"),
    "~~~ never closed": (fill("~~~a\n"), "~~~a\n~~~a"),
    "fence staircase": ("".join("`" * k + "\n" for k in range(3, 3000))[:N], "````\n`````"),
    "- - - -": (fill("- ") + "a", "- - - - a"),
    "1. 1. 1.": (fill("1. ") + "a", "1. 1. 1. 1."),
    ">>>>": (fill(">"), ">>>>>>>>"),
    "> > > >": (fill("> ") + "a", "> > > a"),
}


@pytest.mark.parametrize(("text", "shown"), NEUTRALISED.values(), ids=NEUTRALISED)
def test_pathological_markdown_is_neutralised_and_rendered_in_full(text, shown):
    neutralised = neutralise(text)

    assert neutralised != text
    rendering = kb_markdown._render(text, time_limit=GENEROUS)
    assert rendering.problem == ""
    assert shown in visible_text(rendering.html)


def test_nesting_is_capped_and_the_rest_of_the_line_is_text():
    html_text = kb_markdown._render("- " * 500 + "a").html

    assert html_text.count("<ul>") == kb_markdown.MAX_NESTING
    assert "- - - a" in html_text


def test_links_beside_pathological_brackets_still_work():
    text = (
        "Read [the NHS website](https://www.nhs.uk/) and *this*.\n\n"
        + fill("[a](", N - 200)
        + "\n\nThen [a [nested] link](https://x.org/) and `code[`."
    )
    neutralised = neutralise(text)
    html_text = kb_markdown._render(text, time_limit=GENEROUS).html

    assert (
        '<a href="https://www.nhs.uk/" rel="noopener noreferrer">the NHS website</a>' in html_text
    )
    assert "<em>this</em>" in html_text
    assert '<a href="https://x.org/" rel="noopener noreferrer">a [nested] link</a>' in html_text
    assert "<code>code[</code>" in html_text  # code is never escaped
    assert "[a]([a](" in visible_text(html_text)
    assert neutralised.count("<p>") == 1  # only the pathological paragraph is made literal


def test_a_few_escapes_are_backslashes_not_a_literal_paragraph():
    text = (
        "[" * 30 + " text " + "x" * (kb_markdown.BRACKET_WORK_LIMIT // 29) + " [ok](https://x.org/)"
    )

    neutralised = neutralise(text)

    assert neutralised.startswith("\\[" * 30)
    assert "[ok](https://x.org/)" in neutralised
    html_text = kb_markdown._render(text, time_limit=GENEROUS).html
    assert html_text.startswith("<p>" + "[" * 30 + " text")
    assert '<a href="https://x.org/" rel="noopener noreferrer">ok</a>' in html_text


# Texts that stay slow after neutralising (each takes plain Python-Markdown over a second).
CLOCKED = {
    "*a*a": fill("*a"),
    "**a**a": fill("**a"),
    "`a`a": fill("`a"),
    "<a<a": fill("<a"),
    "<a@": fill("<a@"),
    "table rows": "a|b\n-|-\n" + fill("a|b\n", N - 8),
    "headings": fill("## a\n\n"),
    "setext headings": fill("a\n=\n"),
    "backslashes": fill("\\"),
}


class Ticks:
    """A clock that moves on one tick every time it is read."""

    def __init__(self):
        self.now = 0

    def monotonic(self):
        self.now += 1
        return self.now


@pytest.mark.parametrize("text", CLOCKED.values(), ids=CLOCKED)
def test_the_clock_is_read_throughout_rendering(text, monkeypatch):
    """Every one of these is stopped by the time limit: the clock is read inside each step that
    can take long (inline patterns, block parser, raw HTML, headings), not just between steps."""
    ticks = Ticks()
    monkeypatch.setattr(kb_markdown, "_clock", ticks.monotonic)
    monkeypatch.setattr(kb_markdown, "_wall_clock", ticks.monotonic)

    assert kb_markdown._render("Some *ordinary* text.", time_limit=2000).problem == ""
    rendering = kb_markdown._render(text, time_limit=2000)

    assert rendering.problem == kb_markdown.TOO_SLOW


class Linked:
    """One half of a reference cycle: only the garbage collector frees these."""


def test_a_garbage_collection_during_rendering_does_not_count_against_the_text(monkeypatch):
    """A full collection costs in proportion to everything the process holds, not to the text,
    and lands on whichever step allocates at the time; ordinary text must not be refused for it.
    (CI once refused "Section block *content*." this way on a large test process.)"""
    held = []
    for _ in range(300_000):
        a, b = Linked(), Linked()
        a.other, b.other = b, a
        held.append(a)
    started = time.thread_time()
    gc.collect()
    assert time.thread_time() - started > 0.02  # the collection alone outlasts the limit below

    monkeypatch.setattr(kb_markdown, "TIME_LIMIT", 0.02)
    original = kb_markdown._convert

    def convert_after_a_collection(text, deadline):
        gc.collect()
        return original(text, deadline)

    monkeypatch.setattr(kb_markdown, "_convert", convert_after_a_collection)
    kb_markdown.clear_cache()

    text = "Text saved while the *collector* ran."
    stored, problems = kb_markdown.render_stored_markdown([text], time_limit=0.02)

    assert problems == {}
    assert "<em>collector</em>" in stored[kb_markdown.markdown_key(text)]
    del held


@pytest.mark.parametrize("text", CLOCKED.values(), ids=CLOCKED)
def test_the_real_clocks_stop_a_slow_text(text):
    """The same with the clocks themselves: the CPU clock is read only once the wall clock
    says the limit could have passed, and then the text is stopped."""
    kb_markdown.clear_cache()
    assert kb_markdown._render(text, time_limit=0.05).problem == kb_markdown.TOO_SLOW


@pytest.mark.parametrize("text", CLOCKED.values(), ids=CLOCKED)
def test_text_out_of_time_is_shown_as_plain_paragraphs(text):
    rendering = kb_markdown._render(text, time_limit=0)

    assert rendering.problem == kb_markdown.TOO_SLOW
    assert visible_text(rendering.html).strip() == "\n".join(
        p.strip() for p in text.split("\n\n") if p.strip()
    )
    assert not {"em", "strong", "code", "a", "table", "h2"} & {
        tag for tag, _ in tags_of(rendering.html)
    }


def test_a_rendering_out_of_time_is_served_again_but_retried_when_a_page_is_saved():
    text = fill("*a", 2000)
    assert kb_markdown._render(text, time_limit=0).problem == kb_markdown.TOO_SLOW

    # Readers get the plain text again without waiting for another attempt...
    assert kb_markdown._render(text, time_limit=GENEROUS).problem == kb_markdown.TOO_SLOW
    # ...saving a page tries again (the machine may only have been busy), and caches success.
    stored, problems = kb_markdown.render_stored_markdown([text], time_limit=GENEROUS)
    assert problems == {}
    assert stored[kb_markdown.markdown_key(text)].startswith("<p><em>a</em>")
    assert kb_markdown._render(text, time_limit=0).problem == ""


@pytest.mark.parametrize(
    "text",
    [fill("<div>"), fill("<ul>"), fill("<dl><dd>"), fill("a\n: b\n", 4_000)],
    ids=["<div>", "<ul>", "<dl><dd>", "definitions without blank lines"],
)
def test_markup_nested_too_deep_is_shown_as_plain_text(text):
    rendering = kb_markdown._render(text, time_limit=GENEROUS)

    assert rendering.problem == kb_markdown.TOO_DEEP
    assert "<div" not in rendering.html and "<ul" not in rendering.html


def test_markdown_problem_refuses_text_longer_than_a_field_may_hold():
    assert kb_markdown.markdown_problem("a" * kb_markdown.MAX_MARKDOWN_LENGTH) == ""
    message = kb_markdown.markdown_problem("a" * (kb_markdown.MAX_MARKDOWN_LENGTH + 1))
    assert "100,001 characters" in message and "100,000" in message
    assert kb_markdown.markdown_problem("ok", kb_markdown.TOO_SLOW) == kb_markdown.TOO_SLOW


# --- heading ids -------------------------------------------------------------------------------


def test_heading_ids_are_prefixed_and_links_to_them_follow():
    html_text = render_markdown(
        "## Email\n\nSee [the next part](#email-us) or [the form](#email).\n\n"
        "### Email us {#email-us}\n\n"
        '<h2 id="maincontent">Raw</h2>\n\n## Section-ready {#section-ready}'
    )

    assert '<h2 id="section-email">Email</h2>' in html_text
    assert '<h3 id="section-email-us">Email us</h3>' in html_text
    assert '<h2 id="section-maincontent">Raw</h2>' in html_text
    assert '<h2 id="section-ready">Section-ready</h2>' in html_text
    assert 'href="#section-email-us"' in html_text
    assert 'href="#section-email"' in html_text


def test_stored_markdown_has_unique_heading_ids_across_the_page():
    stored, problems = kb_markdown.render_stored_markdown(
        ["## Background\n\nOne", "## Background\n\nTwo [up](#background)", ""],
        reserved_ids=["section-background"],
    )

    one, two = stored.values()
    assert '<h2 id="section-background_1">' in one
    assert '<h2 id="section-background_2">' in two
    assert 'href="#section-background_2"' in two
    assert problems == {}
    assert set(stored) == {
        kb_markdown.markdown_key("## Background\n\nOne"),
        kb_markdown.markdown_key("## Background\n\nTwo [up](#background)"),
    }


def test_stored_markdown_reports_text_it_could_not_render():
    """Once the page's time is spent, text not rendered before is shown plain and reported."""
    slow = fill("*a", 20_000)
    kb_markdown._render("*fine*")
    stored, problems = kb_markdown.render_stored_markdown(["*fine*", slow], time_limit=0)

    assert problems == {kb_markdown.markdown_key(slow): kb_markdown.TOO_SLOW}
    assert stored[kb_markdown.markdown_key(slow)].startswith("<p>*a*a")
    assert stored[kb_markdown.markdown_key("*fine*")] == "<p><em>fine</em></p>"


def test_no_template_gives_an_element_an_id_with_the_markdown_prefix():
    """Markdown heading ids start with HEADING_ID_PREFIX, so they never meet a template's."""
    prefix = kb_markdown.HEADING_ID_PREFIX
    for path in (ROOT / "templates").rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        assert f'id="{prefix}' not in text, path
        assert f"id='{prefix}" not in text, path
    section_block = (ROOT / "templates/components/section_block.html").read_text()
    assert 'id="{{ value.heading|heading_id }}"' in section_block


def test_the_converter_each_thread_keeps_starts_every_text_afresh():
    """One converter serves a thread's texts: nothing of one text (heading ids taken, a text
    stopped half way by the clock) shows in the next."""
    kb_markdown.clear_cache()
    first = kb_markdown._render("## Aims\n\nOne.", time_limit=GENEROUS).html
    assert kb_markdown._render(fill("*a", 2000), time_limit=0).problem == kb_markdown.TOO_SLOW
    second = kb_markdown._render("## Aims\n\nTwo.", time_limit=GENEROUS).html

    assert 'id="aims"' in first
    assert 'id="aims"' in second
    assert "One" not in second and "<em>" not in second
