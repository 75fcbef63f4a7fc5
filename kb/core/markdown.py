"""Markdown to safe HTML: the one place where user-written Markdown becomes markup.

Rendered with the `markdown` package, then sanitised by nh3 (the Ammonia sanitiser) to an
allow-list of tags and attributes: scripts, styles, event handlers and `javascript:` links never
survive. Headings get ids so long pages can link to their sections.

Rendered once. Knowledge pages render their Markdown when they are saved and keep the HTML
(`render_stored_markdown`, keyed by `markdown_key`); `render_markdown(text, page)` serves it from
there and renders only what a page has not stored (previews, pages without the field).

Bounded work. Python-Markdown takes quadratic time (or overflows the stack) on some inputs: long
runs of unclosed `[`, `[...](`, `<a`, unclosed code fences, lists and quotes nested hundreds deep.
So, before rendering, `neutralise` escapes the constructs that cannot be rendered cheaply (or
shows their paragraph as typed), which leaves ordinary Markdown byte for byte as it was: its
rules only act on what no real page contains. Then rendering runs against a clock (`TIME_LIMIT`),
read at every step of the parser: text that still takes too long, or nests too deep, is shown as
plain paragraphs and reported, and page validation refuses it with a message (see
`KnowledgePage.clean`), as it refuses text over MAX_MARKDOWN_LENGTH. bench/markdown_render.py
measures the worst cases.

Heading ids from Markdown all start with `HEADING_ID_PREFIX`, which no template id uses, and are
unique across a page, so an editor's "## Email" can never take the id of a form field.
"""

import contextlib
import contextvars
import dataclasses
import gc
import hashlib
import html
import logging
import re
import threading
import time
from bisect import bisect_right
from collections import OrderedDict
from dataclasses import dataclass

import markdown as markdown_lib
import nh3
from django.utils.safestring import mark_safe
from django.utils.text import slugify
from markdown.extensions import md_in_html
from markdown.extensions.toc import unique

logger = logging.getLogger(__name__)

ALLOWED_TAGS = {
    "a",
    "abbr",
    "b",
    "blockquote",
    "br",
    "caption",
    "code",
    "dd",
    "del",
    "div",
    "dl",
    "dt",
    "em",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "i",
    "li",
    "ol",
    "p",
    "pre",
    "s",
    "span",
    "strong",
    "sub",
    "sup",
    "table",
    "tbody",
    "td",
    "tfoot",
    "th",
    "thead",
    "tr",
    "ul",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "abbr": {"title"},
    "h2": {"id"},
    "h3": {"id"},
    "h4": {"id"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan", "scope"},
}
ALLOWED_URL_SCHEMES = {"http", "https", "mailto", "tel"}
EXTENSIONS = ["extra", "sane_lists", "toc"]

# The longest Markdown text a page may save (characters); longer text is refused at validation.
MAX_MARKDOWN_LENGTH = 100_000
# Seconds one text may take to render, and all the Markdown of one page when it is saved.
TIME_LIMIT = 0.4
PAGE_TIME_LIMIT = 1.0


class _CollectorTime(threading.local):
    """CPU seconds the garbage collector has taken in this thread (it runs in the thread whose
    allocation set it off)."""

    spent = 0.0
    started = 0.0


_collector_time = _CollectorTime()


def _on_collection(phase, info):
    if phase == "start":
        _collector_time.started = time.thread_time()
    else:
        _collector_time.spent += time.thread_time() - _collector_time.started


gc.callbacks.append(_on_collection)


_wall_clock = time.perf_counter


def _clock():
    """CPU time of the rendering thread, not the wall clock, less what the garbage collector took.

    A busy machine (other workers, other processes) must never make ordinary text look too slow
    and refuse a page's save; nor must a full collection, whose cost grows with everything the
    process holds, not with the text, and which lands on whichever step allocates at the time.
    """
    return time.thread_time() - _collector_time.spent


# Every heading id that comes from Markdown starts with this; no template id does.
HEADING_ID_PREFIX = "section-"

# Neutraliser limits: far beyond anything a real page contains.
MAX_NESTING = 16  # list and block quote markers opening on one line
MAX_BRACKET_DEPTH = 6  # [ nested in [
MAX_LINK_SPAN = 1_000  # characters from [ to its ], and from ]( to its )
BRACKET_WORK_LIMIT = 250_000  # characters the link parser would scan before neutralising
FENCE_WORK_LIMIT = 1_000_000  # characters the code fence search would scan before neutralising
MAX_ESCAPES = 32  # escapes in one paragraph; past this it is made literal
MAX_HTML_DEPTH = 1_000  # elements nested in the HTML; deeper is shown as plain text

TOO_SLOW = (
    "This text takes too long to format (it has, for example, very many brackets, emphasis "
    "marks or nested lists). Simplify it or split it into smaller parts."
)
TOO_DEEP = (
    "This text is nested too deeply to format (lists or quotations inside one another). "
    "Simplify it."
)


def sanitise_html(html):
    """Strip everything outside the allow-list; external links get rel=noopener noreferrer."""
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel="noopener noreferrer",
        strip_comments=True,
    )


# --- neutralising pathological constructs --------------------------------------------------------

# An opening code fence as the fenced_code extension accepts it (FENCED_BLOCK_RE's first line),
# and a closing one.
_FENCE_OPENING = re.compile(
    r"""(?P<fence>`{3,}|~{3,})[ ]*
    (?:\{[^\n]*\}|\.?[\w#.+-]*[ ]*(?:hl_lines=(?P<quote>"|').*?(?P=quote)[ ]*)?)""",
    re.VERBOSE,
)
_FENCE_CLOSING = re.compile(r"(`{3,}|~{3,})[ ]*")
# A list item or block quote marker, as the block parser finds them at the start of a line.
_CONTAINER_MARKER = re.compile(r"[ \t]*(?:>[ ]?|(?:[*+-]|\d+\.)[ \t]+)")
_HORIZONTAL_RULE = re.compile(r"[ ]{0,3}([-*_])(?:[ ]*\1){2,}[ ]*")
# What the link parser sees: escapes (which hide the next character), code span delimiters,
# brackets and parentheses.
_INLINE_TOKEN = re.compile(r"\\[\\`\[\]()]|`+|[\[\]()]")
# Characters a literal paragraph spells as references, so that no later step reads them as
# markup (raw HTML, code fences).
_LITERAL = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "`": "&#96;", "~": "&#126;"})


def neutralise(text):
    """Make the constructs Python-Markdown cannot render in linear time harmless.

    Ordinary Markdown comes back unchanged: each rule acts only past a limit no real page
    reaches.

    - More than MAX_NESTING list or quote markers opening on one line: the rest are escaped.
    - When the link parser would scan more than BRACKET_WORK_LIMIT characters, every `[` that
      cannot make a link cheaply is escaped with its `]`: unclosed, nested deeper than
      MAX_BRACKET_DEPTH, or with more than MAX_LINK_SPAN characters of text or of (target).
    - When the code fence search would scan more than FENCE_WORK_LIMIT characters looking for
      the ends of fences that never close, the paragraphs holding those fences are made literal.

    A paragraph that would need more than MAX_ESCAPES escapes is made literal instead (every
    escape costs the inline parser a pass over the paragraph): raw HTML showing its text as it
    was typed, with no Markdown formatting.
    """
    if not text:
        return text
    lines = _lines(text)
    fenced, unclosed_fences = _fences(text, lines)
    blocks = list(_blocks(lines, fenced))
    literal = set()  # indexes into blocks
    escapes = {}  # position -> "\\" to insert before it
    if unclosed_fences:
        starts = [first for first, _ in blocks]
        for line in unclosed_fences:
            literal.add(bisect_right(starts, line) - 1)
    _cap_nesting(lines, fenced, escapes)
    if "[" in text:
        _neutralise_brackets(text, lines, blocks, literal, escapes)
    if not escapes and not literal:
        return text
    edits = []
    for index in literal:
        first, last = blocks[index]
        start, end = lines[first][0], lines[last][0] + len(lines[last][1])
        edits.append((start, end, f"<p>{text[start:end].translate(_LITERAL)}</p>"))
    starts = sorted(start for start, _, _ in edits)
    ends = {start: end for start, end, _ in edits}
    for position in escapes:  # those inside a literal paragraph are not needed
        i = bisect_right(starts, position) - 1
        if i < 0 or position >= ends[starts[i]]:
            edits.append((position, position, "\\"))
    parts, last_end = [], 0
    for start, end, replacement in sorted(edits):
        parts += [text[last_end:start], replacement]
        last_end = end
    parts.append(text[last_end:])
    return "".join(parts)


def _lines(text):
    """(offset, line) for every line of the text, without the newlines."""
    lines, offset = [], 0
    for line in text.split("\n"):
        lines.append((offset, line))
        offset += len(line) + 1
    return lines


def _fences(text, lines):
    """(indexes of the lines inside closed code fences, indexes of unclosed fences to defuse).

    Simulates the fenced_code extension's search: from each opening fence it looks for the next
    closing line with the same fence, through to the end of the text if there is none. Unclosed
    fences are only returned when those fruitless searches add up past FENCE_WORK_LIMIT.
    """
    closings = {}
    for index, (_, line) in enumerate(lines):
        if line[:1] in ("`", "~") and (match := _FENCE_CLOSING.fullmatch(line)):
            closings.setdefault(match.group(1), []).append(index)
    fenced, unclosed, wasted = set(), [], 0
    index = 0
    while index < len(lines):
        offset, line = lines[index]
        match = _FENCE_OPENING.fullmatch(line) if line[:1] in ("`", "~") else None
        if match:
            candidates = closings.get(match.group("fence"), [])
            position = bisect_right(candidates, index)
            if position < len(candidates):
                end = candidates[position]
                fenced.update(range(index, end + 1))
                index = end + 1
                continue
            unclosed.append(index)
            wasted += len(text) - offset
        index += 1
    return fenced, (unclosed if wasted > FENCE_WORK_LIMIT else [])


def _blocks(lines, fenced):
    """(first, last) line indexes of each run of non-blank lines outside code fences: Markdown's
    paragraphs, roughly. No link, emphasis or code span reaches from one to another."""
    first = last = None
    for index, (_, line) in enumerate(lines):
        if index in fenced or not line.strip():
            if first is not None:
                yield first, last
                first = None
            continue
        if first is None:
            first = index
        last = index
    if first is not None:
        yield first, last


def _cap_nesting(lines, fenced, escapes):
    for index, (offset, line) in enumerate(lines):
        if index in fenced or len(line) <= MAX_NESTING:
            continue
        position, count = 0, 0
        while match := _CONTAINER_MARKER.match(line, position):
            count += 1
            if count > MAX_NESTING:
                if not _HORIZONTAL_RULE.fullmatch(line):
                    marker = match.group().lstrip(" \t")
                    start = match.end() - len(marker)
                    if marker[0].isdigit():
                        start += marker.index(".")
                    escapes[offset + start] = "\\"  # \> \- \* \+ or 1\. : text, not a marker
                break
            position = match.end()


def _code_spans(tokens):
    """Indexes of the tokens inside `code spans` (delimiters included), which links ignore: a
    run of backticks opens one that the next run of the same length closes."""
    runs = [i for i, (_, token) in enumerate(tokens) if token[0] == "`"]
    by_length = {}
    for i in runs:
        by_length.setdefault(len(tokens[i][1]), []).append(i)
    inside, k = set(), 0
    while k < len(runs):
        opening = runs[k]
        same = by_length[len(tokens[opening][1])]
        position = bisect_right(same, opening)
        if position < len(same):
            closing = same[position]
            inside.update(range(opening, closing + 1))
            k = bisect_right(runs, closing)
        else:
            k += 1
    return inside


def _neutralise_brackets(text, lines, blocks, literal, escapes):
    plans, work = {}, 0  # plans: block index -> [(opening, closing or None)] to escape
    for index, (first, last) in enumerate(blocks):
        start, end = lines[first][0], lines[last][0] + len(lines[last][1])
        if index in literal or "[" not in text[start:end]:
            continue
        tokens = [(m.start(), m.group()) for m in _INLINE_TOKEN.finditer(text, start, end)]
        code = _code_spans(tokens)
        marks = [token for i, token in enumerate(tokens) if i not in code]
        # Match brackets and parentheses as the link parser counts them.
        openings, brackets, parens, closes, paren_closes = [], [], [], {}, {}
        for position, mark in marks:
            if mark == "[":
                openings.append(position)
                brackets.append(position)
            elif mark == "]" and brackets:
                closes[brackets.pop()] = position
            elif mark == "(":
                parens.append(position)
            elif mark == ")" and parens:
                paren_closes[parens.pop()] = position
        # Depth counts only the matched brackets around a bracket: those nest properly.
        depths, stack, closings = {}, [], set(closes.values())
        for position, mark in marks:
            if mark == "[" and position in closes:
                stack.append(position)
                depths[position] = len(stack)
            elif mark == "]" and position in closings:
                stack.pop()
        plan = plans[index] = []
        for opening in openings:
            closing = closes.get(opening)
            if closing is None:  # the parser scans to the end of the paragraph, for nothing
                work += end - opening
                plan.append((opening, None))
                continue
            work += closing - opening
            escape = depths[opening] > MAX_BRACKET_DEPTH or closing - opening > MAX_LINK_SPAN
            if text.startswith("(", closing + 1):  # [text](target): the target is scanned too
                target_end = paren_closes.get(closing + 1)
                work += (end if target_end is None else target_end) - closing
                escape = escape or target_end is None or target_end - closing > MAX_LINK_SPAN
            if escape:
                plan.append((opening, closing))
    if work <= BRACKET_WORK_LIMIT:
        return
    for index, plan in plans.items():
        if len(plan) > MAX_ESCAPES:
            literal.add(index)
            continue
        for opening, closing in plan:
            escapes[opening] = "\\"
            if closing is not None:
                escapes[closing] = "\\"


# --- rendering against the clock ----------------------------------------------------------------


class MarkdownTooComplex(Exception):
    """Rendering a text would take longer than its time limit."""


class _Deadline:
    """When the text being converted must be done by (the clock's reading): set for each text,
    read by every checked step of the converter made for this thread.

    Reading the CPU clock costs over ten times what reading the wall clock does, and a step
    asks hundreds of thousands of times in a bulk import. A thread's CPU time (less the
    collector's) cannot grow faster than the wall clock, so the CPU clock is read only once
    the wall clock shows that enough time has gone by for the deadline to be possible.
    """

    at = 0.0  # the CPU clock's reading the text must be done by
    recheck = 0.0  # the wall clock's reading before which `at` cannot have passed

    def set(self, at):
        self.at = at
        self.recheck = _wall_clock() + max(0.0, at - _clock())

    def passed(self):
        if _wall_clock() < self.recheck:
            return False
        left = self.at - _clock()
        if left < 0:
            return True
        self.recheck = _wall_clock() + left
        return False


def _checked(function, deadline):
    def checked(*args, **kwargs):
        if deadline.passed():
            raise MarkdownTooComplex
        return function(*args, **kwargs)

    return checked


class _CheckedPattern:
    """A compiled pattern whose search looks at the clock first (the code fence search loop)."""

    def __init__(self, pattern, deadline):
        self.pattern, self.deadline = pattern, deadline

    def search(self, *args, **kwargs):
        if self.deadline.passed():
            raise MarkdownTooComplex
        return self.pattern.search(*args, **kwargs)

    def __getattr__(self, name):
        return getattr(self.pattern, name)


class _CheckedHtmlBlockPreprocessor(md_in_html.HtmlBlockPreprocessor):
    """md_in_html's raw HTML preprocessor, looking at the clock at every tag and run of text."""

    PARSER_STEPS = (
        "parse_starttag",
        "parse_endtag",
        "parse_comment",
        "parse_html_declaration",
        "parse_pi",
        "handle_data",
        "updatepos",
    )

    def __init__(self, md, deadline):
        super().__init__(md)
        self.deadline = deadline

    def run(self, lines):
        parser = md_in_html.HTMLExtractorExtra(self.md)
        for name in self.PARSER_STEPS:
            setattr(parser, name, _checked(getattr(parser, name), self.deadline))
        parser.feed("\n".join(lines))
        parser.close()
        return "".join(parser.cleandoc).split("\n")


_converters = threading.local()


def _convert(text, deadline):
    """Python-Markdown's HTML for a text; MarkdownTooComplex once the deadline (a clock
    reading) has passed.

    The clock is checked before every processor, block parser step, inline pattern match, raw
    HTML token, code fence search and heading id: one step of the parser takes milliseconds
    even on 100,000 characters, so the overrun is small. Each thread keeps one converter
    (building one costs more than converting a short text), reset before each text and
    dropped after a text that stopped it half way.
    """
    converter = getattr(_converters, "converter", None)
    if converter is None:
        converter = _converters.converter = _new_converter()
    md, checked_deadline = converter
    checked_deadline.set(deadline)
    md.reset()
    try:
        return md.convert(text)
    except BaseException:
        _converters.converter = None
        raise


def _new_converter():
    """(Markdown instance, its _Deadline): Python-Markdown with the project's extensions, each
    step looking at the deadline first."""
    deadline = _Deadline()
    md = markdown_lib.Markdown(
        extensions=EXTENSIONS,
        extension_configs={"toc": {"permalink": False}},
        output_format="html",
    )
    md.preprocessors.register(_CheckedHtmlBlockPreprocessor(md, deadline), "html_block", 20)
    fenced = md.preprocessors["fenced_code_block"]
    fenced.FENCED_BLOCK_RE = _CheckedPattern(fenced.FENCED_BLOCK_RE, deadline)
    toc = md.treeprocessors["toc"]
    toc.slugify = _checked(toc.slugify, deadline)
    for registry in (md.preprocessors, md.treeprocessors, md.postprocessors):
        for processor in registry:
            processor.run = _checked(processor.run, deadline)
    for processor in md.parser.blockprocessors:
        processor.test = _checked(processor.test, deadline)
        processor.run = _checked(processor.run, deadline)
    for pattern in md.inlinePatterns:
        pattern.handleMatch = _checked(pattern.handleMatch, deadline)
    inline = md.treeprocessors["inline"]  # and at every text it parses, matched or not
    for name in ("_InlineProcessor__handleInline", "_InlineProcessor__applyPattern"):
        setattr(inline, name, _checked(getattr(inline, name), deadline))
    return md, deadline


# Elements that close themselves or need no end tag: they add no depth.
_SHALLOW_ELEMENTS = frozenset(
    {"area", "base", "br", "col", "dd", "dt", "embed", "hr", "img", "input", "li", "link"}
    | {"meta", "option", "p", "source", "td", "th", "tr", "track", "wbr"}
)
_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9]*)[^<>]*?(/?)>")  # [^<>]: linear on "<a<a<a"


def _nesting_depth(html_text):
    """How deep elements nest in an HTML text (at most; what the sanitiser's parser would
    build). Its tree builder takes quadratic time on thousands of nested <div>, <ul> or <dl>."""
    depth = deepest = 0
    for match in _TAG.finditer(html_text):
        closing, name, self_closing = match.groups()
        if self_closing or name.lower() in _SHALLOW_ELEMENTS:
            continue
        if closing:
            depth = max(depth - 1, 0)
        else:
            depth += 1
            deepest = max(deepest, depth)
    return deepest


def _plain_html(text):
    """The text as escaped paragraphs: what readers see of Markdown that could not render."""
    paragraphs = (p.strip() for p in re.split(r"\n[ \t]*\n", text))
    return "\n".join(f"<p>{html.escape(p, quote=False)}</p>" for p in paragraphs if p)


@dataclass(frozen=True)
class Rendering:
    """Sanitised HTML of one text, heading ids as Python-Markdown made them."""

    html: str
    problem: str = ""  # why the text is shown as plain paragraphs; "" when it rendered
    plain: str | None = None  # its plain text (`markdown_to_text`), when worked out ahead


class _RenderingCache:
    """Least recently used renderings by text."""

    def __init__(self, size):
        self.size, self.items, self.lock = size, OrderedDict(), threading.Lock()

    def get(self, text):
        with self.lock:
            rendering = self.items.get(text)
            if rendering is not None:
                self.items.move_to_end(text)
            return rendering

    def put(self, text, rendering):
        with self.lock:
            self.items[text] = rendering
            self.items.move_to_end(text)
            while len(self.items) > self.size:
                self.items.popitem(last=False)

    def clear(self):
        with self.lock:
            self.items.clear()


_cache = _RenderingCache(256)


def _render(text, time_limit=None, retry=False):
    """Rendering of one text: neutralised, converted against the clock (TIME_LIMIT seconds
    unless given), sanitised; cached.

    A text that ran out of time is cached too, so that readers' requests do not spend the time
    again; `retry` (saving a page) tries it once more, as the machine may only have been busy.
    """
    rendering = _cache.get(text)
    if rendering is None:
        rendering = (_rendered_ahead.get() or {}).get(text)
        if rendering is not None:
            _cache.put(text, rendering)
    if rendering is not None and not (retry and rendering.problem == TOO_SLOW):
        return rendering
    time_limit = TIME_LIMIT if time_limit is None else time_limit
    started = _clock()
    try:
        converted = _convert(neutralise(text), started + time_limit)
    except MarkdownTooComplex:
        logger.warning(
            "Markdown of %d characters took over %.2fs: shown as plain text", len(text), time_limit
        )
        rendering = Rendering(sanitise_html(_plain_html(text)), TOO_SLOW)
    except RecursionError:
        rendering = Rendering(sanitise_html(_plain_html(text)), TOO_DEEP)
    else:
        if _nesting_depth(converted) > MAX_HTML_DEPTH:
            rendering = Rendering(sanitise_html(_plain_html(text)), TOO_DEEP)
        else:
            rendering = Rendering(sanitise_html(converted))
    _cache.put(text, rendering)
    return rendering


def clear_cache():
    _cache.clear()


# Renderings made in another process (`render_ahead`), served while `rendered_ahead` is open.
_rendered_ahead = contextvars.ContextVar("kb_markdown_rendered_ahead", default=None)


def render_ahead(texts_by_page):
    """{text: Rendering} of the texts (a list of each page's, in reading order) that render
    in time, each against TIME_LIMIT and each page's together against PAGE_TIME_LIMIT, as
    saving the page would render them, each with its plain text (`markdown_to_text`). For a
    bulk import's helper process: the writer serves these through `rendered_ahead`, and
    renders itself any text left out (too slow here, or past its page's time), under its own
    clock."""
    renderings = {}
    for texts in texts_by_page:
        deadline = _clock() + PAGE_TIME_LIMIT
        for text in texts:
            if not text or text in renderings:
                continue
            time_left = max(0.0, min(TIME_LIMIT, deadline - _clock()))
            rendering = _render(str(text), time_left)
            if not rendering.problem:
                plain = _plain_text(rendering.html)  # for the search index and summaries
                renderings[text] = dataclasses.replace(rendering, plain=plain)
    return renderings


@contextlib.contextmanager
def rendered_ahead(renderings):
    """Within: `renderings` (from `render_ahead`) serve as if this process had rendered them."""
    token = _rendered_ahead.set(renderings)
    try:
        yield
    finally:
        _rendered_ahead.reset(token)


# --- heading ids ---------------------------------------------------------------------------------

# nh3's output: attributes are double-quoted with `"` escaped, and `id` is the only attribute
# headings keep, so these find exactly the headings' ids and the links' fragment hrefs.
_HEADING_ID = re.compile(r'<(h[2-6]) id="([^"]*)"')
_LINK_TAG = re.compile(r"<a\s[^<>]*>")
_FRAGMENT_HREF = re.compile(r'href="#([^"]*)"')


def heading_id(heading):
    """The id of a heading an editor typed outside Markdown (a section block's), for templates."""
    return HEADING_ID_PREFIX + slugify(heading)


def prefix_heading_ids(html_text, used_ids):
    """Give every heading id HEADING_ID_PREFIX and make it unique among `used_ids` (updated);
    links to those headings from the same text follow them."""
    renamed = {}

    def rename(match):
        old = match.group(2)
        new = old if old.startswith(HEADING_ID_PREFIX) else HEADING_ID_PREFIX + old
        new = unique(new, used_ids)  # adds it to used_ids
        renamed.setdefault(old, new)
        return f'<{match.group(1)} id="{new}"'

    html_text = _HEADING_ID.sub(rename, html_text)
    if not renamed:
        return html_text

    def follow(match):
        return f'href="#{renamed.get(match.group(1), match.group(1))}"'

    return _LINK_TAG.sub(lambda tag: _FRAGMENT_HREF.sub(follow, tag.group()), html_text)


# --- public API ----------------------------------------------------------------------------------


def markdown_key(text):
    """The key a page stores the HTML of a Markdown text under: SHA-256 of the text."""
    return hashlib.sha256(str(text).encode("utf-8")).hexdigest()


def render_markdown(text, page=None):
    """Markdown source to sanitised HTML, marked safe for templates.

    The HTML `page` stored when it was saved if it has it; otherwise rendered now (bounded by
    TIME_LIMIT, and cached).
    """
    if not text:
        return mark_safe("")
    text = str(text)
    stored = getattr(page, "rendered_markdown", None)
    if stored:
        found = stored.get(markdown_key(text))
        if found is not None:
            return mark_safe(found)  # noqa: S308 (sanitised by nh3 when the page was saved)
    html_text = prefix_heading_ids(_render(text).html, set())
    return mark_safe(html_text)  # noqa: S308 (sanitised by nh3 in _render)


def markdown_to_text(text):
    """Markdown source to plain text, for search indexes and summaries.

    Plain text, not HTML: entities are decoded ("A&E", not "A&amp;E"), so escape it on output.
    """
    if not text:
        return ""
    rendering = _render(str(text))
    return _plain_text(rendering.html) if rendering.plain is None else rendering.plain


def _plain_text(html_text):
    return html.unescape(nh3.clean(html_text, tags=set())).strip()


def render_stored_markdown(texts, reserved_ids=(), time_limit=PAGE_TIME_LIMIT):
    """HTML of a page's Markdown texts (in reading order), to store on the page.

    Returns ({markdown_key: html}, {markdown_key: problem}) where problems name texts that
    could not be rendered (shown as plain paragraphs). Heading ids are unique across the page
    and never one of `reserved_ids`. All the texts share `time_limit`; each has at most
    TIME_LIMIT, and once the page's time is spent the rest that are not cached are shown plain.
    """
    used_ids = set(reserved_ids)
    stored, problems = {}, {}
    deadline = _clock() + time_limit
    for text in texts:
        if not text:
            continue
        text = str(text)
        key = markdown_key(text)
        if key in stored:
            continue
        time_left = max(0.0, min(TIME_LIMIT, deadline - _clock()))
        rendering = _render(text, time_left, retry=True)
        stored[key] = prefix_heading_ids(rendering.html, used_ids)
        if rendering.problem:
            problems[key] = rendering.problem
    return stored, problems


def markdown_problem(text, problem=""):
    """Why a page may not save this Markdown text ("" if it may)."""
    if len(text) > MAX_MARKDOWN_LENGTH:
        return (
            f"This text is {len(text):,} characters long; the most one field can hold is "
            f"{MAX_MARKDOWN_LENGTH:,}. Split it into smaller parts."
        )
    return problem
