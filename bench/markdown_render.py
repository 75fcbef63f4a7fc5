#!/usr/bin/env python
"""Markdown rendering benchmark: worst-case inputs at 4k, 40k and 100k characters.

    .venv/bin/python bench/markdown_render.py             # the bounded renderer (under a minute)
    .venv/bin/python bench/markdown_render.py --baseline  # also plain Python-Markdown (slow!)
    .venv/bin/python bench/markdown_render.py --sizes 100000 --only brackets_open,fence_unclosed

Each family is a pathological shape an editor (or an import) could save: runs of unclosed `[`,
`[...](`, `<a`, emphasis, backticks, code fences that never close, lists and quotes nested
hundreds deep, and so on. For each it prints the seconds `kb.core.markdown` takes to render the
text from cold (neutralise, convert against the clock, sanitise, heading ids), whether the
neutraliser changed the text, and whether the text came out as plain paragraphs (TIME_LIMIT
reached or too deep). `--baseline` adds plain Python-Markdown + nh3 as the site used before;
where that would take over --give-up seconds if quadratic, the estimate is printed instead.
"""

import argparse
import glob
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# Replace this script's folder on the path: its name would hide the `markdown` package.
sys.path[0] = str(ROOT)


def fill(unit, n):
    return (unit * (n // len(unit) + 1))[:n]


FAMILIES = {
    # brackets and links
    "brackets_open": lambda n: fill("[", n),
    "brackets_nested": lambda n: "[" * (n // 2) + "]" * (n // 2),
    "link_unclosed_target": lambda n: fill("[a](", n),
    "link_empty_text": lambda n: fill("[]( ", n),
    "image_unclosed": lambda n: fill("![a](", n),
    "image_open": lambda n: fill("![", n),
    "link_angle_target": lambda n: fill("[a](<", n),
    "link_nested_text": lambda n: "[" * (n // 5) + "a" + "](b)" * (n // 5),
    "reference_open": lambda n: fill("[a][", n),
    "footnote_open": lambda n: fill("[^", n),
    "abbreviation_open": lambda n: fill("*[", n),
    "links_valid": lambda n: fill("[a](b) ", n),
    # parentheses
    "parens_open": lambda n: fill("(", n),
    "link_then_parens": lambda n: "[a](" + fill("(", n - 4),
    # emphasis
    "emphasis_star": lambda n: fill("*a", n),
    "emphasis_strong": lambda n: fill("**a", n),
    "emphasis_underscore": lambda n: fill("_a", n),
    "emphasis_mixed": lambda n: fill("*_**__", n) + "a",
    "emphasis_nested": lambda n: fill("*_", n),
    "stars_spaced": lambda n: fill("* ", n) + "a",
    # raw HTML and entities
    "lt_run": lambda n: fill("<", n),
    "tag_open": lambda n: fill("<a", n),
    "tag_open_spaced": lambda n: fill("<a ", n),
    "autolink_open": lambda n: fill("<http:", n),
    "automail_open": lambda n: fill("<a@", n),
    "tags_inline": lambda n: fill("<span>", n),
    "divs": lambda n: fill("<div>", n),
    "comments_open": lambda n: fill("<!--", n),
    "ampersands": lambda n: fill("&", n),
    "entities": lambda n: fill("&a", n),
    # code
    "backticks": lambda n: fill("`", n),
    "code_spans": lambda n: fill("`a", n),
    "backtick_staircase": lambda n: "".join("`" * i + "a" for i in range(1, 2000))[:n],
    "fence_unclosed": lambda n: fill("```a\n", n),
    "fence_tilde_unclosed": lambda n: fill("~~~a\n", n),
    "fence_staircase": lambda n: "".join("`" * k + "\n" for k in range(3, 3000))[:n],
    "fences_empty": lambda n: fill("```\n", n),
    "backslashes": lambda n: fill("\\", n),
    # nesting
    "quote_markers": lambda n: fill(">", n),
    "quote_markers_spaced": lambda n: fill("> ", n) + "a",
    "quotes_deepening": lambda n: "".join(">" * i + " a\n" for i in range(1, 1000))[:n],
    "list_markers": lambda n: fill("- ", n) + "a",
    "ordered_markers": lambda n: fill("1. ", n) + "a",
    "list_quote_markers": lambda n: fill("- > ", n) + "a",
    "lists_indented": lambda n: "".join("    " * i + "- a\n" for i in range(n // 10))[:n],
    "definitions_unbroken": lambda n: fill("a\n: b\n", n),
    # many blocks
    "headings": lambda n: fill("## a\n\n", n),
    "heading_hashes": lambda n: "#" * (n - 1) + "a",
    "setext_headings": lambda n: fill("a\n=\n", n),
    "rules": lambda n: fill("---\n", n),
    "table_rows": lambda n: "a|b\n-|-\n" + fill("a|b\n", n - 8),
    "table_wide": lambda n: fill("|a", n // 2) + "|\n" + fill("|-", n // 2) + "|\n",
    "line_breaks": lambda n: fill("a  \n", n),
    "attribute_lists": lambda n: "## a {" + fill("#a ", n),
    "long_line": lambda n: fill("word ", n),
}


def realistic(n):
    bodies = []
    for path in sorted(glob.glob(str(ROOT / "kb/publishing/demo_content/**/*.md"), recursive=True)):
        bodies.append(Path(path).read_text(encoding="utf-8").split("---", 2)[2])
    return fill("\n\n".join(bodies), n)


FAMILIES["realistic_demo_content"] = realistic


def baseline(text):
    import markdown
    import nh3

    from kb.core.markdown import EXTENSIONS, sanitise_html

    html = markdown.markdown(
        text, extensions=EXTENSIONS, extension_configs={"toc": {"permalink": False}}
    )
    return nh3.clean(sanitise_html(html))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="4000,40000,100000")
    parser.add_argument("--only", default="", help="comma-separated family names")
    parser.add_argument("--baseline", action="store_true", help="also time plain Python-Markdown")
    parser.add_argument("--give-up", type=float, default=30.0, help="baseline seconds cap")
    args = parser.parse_args()

    import os

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kb.settings")
    import logging

    logging.disable(logging.WARNING)  # "took over TIME_LIMIT" is what we are measuring
    from kb.core import markdown as kb_markdown

    sizes = [int(size) for size in args.sizes.split(",")]
    names = [name for name in args.only.split(",") if name] or list(FAMILIES)
    print(
        f"TIME_LIMIT {kb_markdown.TIME_LIMIT}s per text; seconds from cold "
        "(neutralise + render + sanitise + heading ids)"
    )
    header = f"{'family':24s} {'chars':>7s} {'seconds':>8s}  {'neutralised':11s} result"
    if args.baseline:
        header += "      before (plain Python-Markdown)"
    print(header)
    worst = (0.0, "")
    for name in names:
        last = None  # (size, seconds) of the last baseline run
        for size in sizes:
            text = FAMILIES[name](size)
            kb_markdown.clear_cache()
            started = time.perf_counter()
            rendering = kb_markdown._render(text)
            kb_markdown.prefix_heading_ids(rendering.html, set())
            seconds = time.perf_counter() - started
            worst = max(worst, (seconds, f"{name} at {size:,}"))
            changed = "yes" if kb_markdown.neutralise(text) != text else "no"
            result = {
                "": "rendered",
                kb_markdown.TOO_SLOW: "PLAIN: too slow",
                kb_markdown.TOO_DEEP: "PLAIN: too deep",
            }[rendering.problem]
            line = f"{name:24s} {size:7d} {seconds:8.3f}  {changed:11s} {result:16s}"
            if args.baseline:
                estimate = last and last[1] * (size / last[0]) ** 2
                if estimate and estimate > args.give_up:
                    before = f"~{estimate:.0f} if quadratic (not run)"
                else:
                    started = time.perf_counter()
                    try:
                        baseline(text)
                        last = (size, time.perf_counter() - started)
                        before = f"{last[1]:8.3f}"
                    except RecursionError:
                        before = "RecursionError"
                line += f" {before}"
            print(line, flush=True)
    print(f"worst: {worst[0]:.3f}s ({worst[1]})")


if __name__ == "__main__":
    main()
