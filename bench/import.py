#!/usr/bin/env python
"""Import benchmark: `import_markdown --publish` of a synthetic corpus, documents a second.

    .venv/bin/python bench/import.py --docs 1000 10000       # each on a fresh SQLite database
    .venv/bin/python bench/import.py --docs 2000 --queries   # also SQL statements a document
    .venv/bin/python bench/import.py --docs 1000 --profile   # also where the time goes
    .venv/bin/python bench/import.py --docs 2000 --helpers 0 # without helper processes
    .venv/bin/python bench/import.py --write-only /tmp/corpus --docs 500   # just the files

The corpus is written as Markdown files (the format of docs/markdown-import.md) and imported by
the command itself, with its progress bar on stderr. Each size gets a fresh SQLite database in
/tmp/kb-bench-import/ ($KB_VAR_DIR/bench/ when that is set); nothing under var/ is touched.

The files are shaped like the library: case studies (most of them), GIRFT standards, ideas,
guides and a few blueprints, with valid vocabulary slugs, measures, some run charts, lists and
cross references. Their words are sentences from the demo content and a long tail of
pseudo-words with Zipf-like weights, so that the search benchmark (bench/search.py builds its
corpus with `write_corpus` and the import) sees realistic match shares.
"""

import argparse
import datetime
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# In place of this script's own folder, whose modules (bench/markdown.py) would shadow packages.
if __name__ == "__main__":
    sys.path[0] = str(ROOT)

# Vocabulary slugs as the migrations seed them (docs/markdown-import.md lists them).
PATHWAYS = [
    "urgent-and-emergency-care", "elective-care", "cancer", "maternity-and-neonatal",
    "mental-health", "primary-care", "community-and-neighbourhood-care", "diagnostics",
    "end-of-life-care", "learning-disability-and-autism",
]  # fmt: skip
METHODS = [
    "model-for-improvement", "lean", "six-sigma", "statistical-process-control",
    "experience-based-co-design", "theory-of-constraints", "total-quality-management",
    "business-process-reengineering",
]  # fmt: skip
SPECIALTIES = [
    "emergency-medicine", "acute-and-general-medicine", "trauma-and-orthopaedics",
    "ophthalmology", "general-surgery", "urology", "cardiology", "respiratory-medicine",
    "geriatric-medicine", "maternity", "mental-health", "radiology", "outpatients", "stroke",
    "gastroenterology", "diabetes", "dermatology", "neurology",
]  # fmt: skip
REGIONS = [
    "london", "south-east", "south-west", "east-of-england", "midlands",
    "north-east-and-yorkshire", "north-west",
]  # fmt: skip
WASTES = [
    "transport", "inventory", "motion", "waiting", "overproduction", "overprocessing", "defects",
    "skills",
]  # fmt: skip
EVIDENCE = ["anecdotal", "before-and-after", "sustained", "independently-evaluated"]

TITLE_PARTS = [
    ("Reducing", "Improving", "Faster", "Safer", "Redesigning", "Streamlining", "Cutting"),
    ("ambulance handover", "discharge", "same day emergency care", "RTT validation",
     "outpatient follow-up", "theatre utilisation", "cancer diagnosis", "frailty assessment",
     "maternity triage", "mental health crisis care", "virtual wards", "MRI capacity",
     "did not attend rates", "A&E waiting times", "patient flow", "stroke thrombolysis",
     "hip fracture surgery", "cataract lists", "GP access", "community nursing"),
    ("in a district general hospital", "across an ICB", "on medical wards", "in primary care",
     "with PDSA cycles", "using Lean", "with SPC charts", "at the front door", "at scale", ""),
]  # fmt: skip
# Shares of the library by type (what the search benchmark has always assumed).
KIND_WEIGHTS = {
    "case-study": 60, "idea": 14, "girft-standard": 15, "improvement-guide": 10, "blueprint": 1
}  # fmt: skip
MEASURES = [
    ("Four-hour performance", "%"), ("Length of stay", "days"),
    ("RTT 18-week performance", "%"), ("Ambulance handover time", "minutes"),
    ("Did not attend rate", "%"), ("Theatre utilisation", "%"),
]  # fmt: skip
SECTIONS = {
    "case-study": ["The problem", "What the team did", "What did not work", "Lessons"],
    "idea": ["The problem", "The idea"],
    "girft-standard": ["Rationale", "How it is measured", "Evidence"],
    "improvement-guide": ["What good looks like", "Measures", "Changes to test", "Resources"],
    "blueprint": ["Why a model service", "How the parts fit"],
}
SYLLABLES = ["ka", "lo", "mi", "ne", "ru", "ta", "vo", "shi", "pra", "den", "gul", "mor",
             "sel", "tin", "bar", "fen", "wic", "ost", "lam", "por"]  # fmt: skip


def filler_vocabulary(rng, size=8000):
    """Pseudo-words with Zipf-like weights: the long tail of ordinary prose, so that clinical
    terms land at realistic shares (a specific term in a few per cent of documents)."""
    words = sorted({
        "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4))) for _ in range(size)
    })  # fmt: skip
    weights = [1 / (rank + 1) for rank in range(len(words))]
    return words, weights


def sentences_from_demo():
    text = " ".join(p.read_text() for p in (ROOT / "kb/publishing/demo_content").rglob("*.md"))
    text = re.sub(r"^---.*?^---", " ", text, flags=re.S | re.M)
    text = re.sub(r"[#*`>|_\[\]()]", " ", text)
    found = [" ".join(s.split()) for s in re.split(r"(?<=[.!?])\s+", text)]
    # No digits: a run of them in a pasted sentence must never look like an NHS number.
    return [s for s in found if 40 <= len(s) <= 300 and not re.search(r"\d{4,}", s)]


def _quoted(text):
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _slugs(values):
    return "[" + ", ".join(values) + "]"


class CorpusWriter:
    """Writes the n-th document of a seeded corpus; the same seed gives the same files."""

    def __init__(self, seed=7):
        self.rng = random.Random(seed)
        self.sentences = sentences_from_demo()
        self.filler, self.filler_weights = filler_vocabulary(self.rng)
        self.kinds = list(KIND_WEIGHTS)
        self.kind_weights = list(KIND_WEIGHTS.values())
        self.standards = []  # slugs written so far, for cross references
        self.cases = []

    def words(self, low, high):
        return self.rng.choices(self.filler, self.filler_weights, k=self.rng.randint(low, high))

    def paragraph(self, filler_words):
        """A demo sentence or two among sentences of pseudo-words."""
        rng = self.rng
        words = self.words(*filler_words)
        parts = [rng.choice(self.sentences)]
        while words:
            chunk, words = words[: rng.randint(8, 20)], words[20:]
            parts.append(" ".join(chunk).capitalize() + ".")
        rng.shuffle(parts)
        return " ".join(parts)

    def section_text(self, heading):
        rng = self.rng
        if heading in ("What the team did", "What good looks like", "Changes to test"):
            items = [
                f"- **{rng.choice(self.sentences)[:40].strip()}.** {self.paragraph((5, 15))}"
                for _ in range(rng.randint(2, 4))
            ]
            return "\n".join(items)
        if heading in ("How it is measured", "Measures") and rng.random() < 0.3:
            rows = [
                f"| {name} | {unit} | {rng.choice(['monthly', 'weekly', 'quarterly'])} |"
                for name, unit in rng.sample(MEASURES, 3)
            ]
            return "| Measure | Unit | How often |\n|---|---|---|\n" + "\n".join(rows)
        return "\n\n".join(self.paragraph((15, 45)) for _ in range(rng.randint(1, 2)))

    def document(self, n):
        """(relative path, text) of the n-th document."""
        rng = self.rng
        kind = rng.choices(self.kinds, self.kind_weights)[0]
        title = " ".join(p for p in (rng.choice(part) for part in TITLE_PARTS) if p)
        slug = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")[:80] + f"-{n}"
        published = datetime.date(2022, 1, 1) + datetime.timedelta(days=rng.randint(0, 1500))
        front = [
            f"type: {kind}",
            f"slug: {slug}",
            f"title: {_quoted(title)}",
            f"summary: {_quoted(rng.choice(self.sentences))}",
            f"pathways: {_slugs(rng.sample(PATHWAYS, rng.randint(1, 2)))}",
            f"methods: {_slugs(rng.sample(METHODS, rng.randint(1, 3)))}",
            f"specialties: {_slugs(rng.sample(SPECIALTIES, rng.randint(0, 2)))}",
            f"date: {published.isoformat()}",
            "owner: Bench improvement team",
            "owner_email: bench.improvement@example.nhs.uk",
        ]
        front += getattr(self, "front_" + kind.replace("-", "_"))(n, slug)
        body = [self.paragraph((10, 30))]
        for heading in SECTIONS[kind]:
            body += [f"## {heading}", self.section_text(heading)]
        text = "---\n" + "\n".join(front) + "\n---\n" + "\n\n".join(body) + "\n"
        return f"{kind}/{slug}.md", text

    def organisation(self):
        return f"Bench NHS Trust {self.rng.randint(1, 400)}"

    def series(self, direction):
        rng = self.rng
        points = rng.randint(12, 24)
        change = rng.randint(6, points - 4)
        level = rng.uniform(20, 80)
        step = rng.uniform(-0.3, 0.3) * level
        values = [
            level + (step if week > change else 0) + rng.gauss(0, level * 0.05)
            for week in range(1, points + 1)
        ]
        rows = [f"      - [Week {week}, {value:.1f}]" for week, value in enumerate(values, 1)]
        return [
            "series:",
            f"  - name: {rng.choice(MEASURES)[0]}",
            "    unit: minutes",
            f"    direction: {direction}",
            f"    change_at: Week {change + 1}",
            "    data:",
            *rows,
        ]

    def front_case_study(self, n, slug):
        rng = self.rng
        self.cases.append(slug)
        name, unit = rng.choice(MEASURES)
        baseline = round(rng.uniform(10, 90), 1)
        front = [
            f"organisation: {self.organisation()}",
            "organisation_type: trust",
            f"region: {rng.choice(REGIONS)}",
            f"evidence: {rng.choice(EVIDENCE)}",
            "contact_name: Bench improvement lead",
            "contact_email: bench.lead@example.nhs.uk",
            "measures:",
            f"  - name: {name}",
            f"    unit: {_quoted(unit)}",
            f"    baseline: {baseline}",
            f"    result: {round(baseline * rng.uniform(0.6, 1.4), 1)}",
            "    period: Six months before and after",
        ]
        if rng.random() < 0.2:
            front += self.series(rng.choice(["up", "down"]))
        return front

    def front_idea(self, n, slug):
        rng = self.rng
        stage = rng.choice(["idea", "tested", "implemented"])
        front = [
            f"waste_type: {rng.choice(WASTES)}",
            f"stage: {stage}",
            f"region: {rng.choice(REGIONS)}",
            f"estimated_saving_hours: {rng.randint(10, 900)}",
        ]
        if rng.random() < 0.7:
            front.append(f"organisation: {self.organisation()}")
        if stage != "idea" and rng.random() < 0.4:
            front += self.series("down")
        return front

    def front_girft_standard(self, n, slug):
        rng = self.rng
        self.standards.append(slug)
        return [
            f"specialty: {rng.choice(SPECIALTIES)}",
            f"reference: BENCH-{n}",
            f"standard: {_quoted(rng.choice(self.sentences))}",
            "source_report: GIRFT national specialty report",
        ]

    def front_improvement_guide(self, n, slug):
        rng = self.rng
        front = []
        if self.standards:
            standards = rng.sample(self.standards, min(len(self.standards), rng.randint(0, 3)))
            front.append(f"related_standards: {_slugs(standards)}")
        if self.cases:
            cases = rng.sample(self.cases, min(len(self.cases), rng.randint(0, 3)))
            front.append(f"related_cases: {_slugs(cases)}")
        return front

    def front_blueprint(self, n, slug):
        rng = self.rng
        front = []
        if self.standards:
            standards = rng.sample(self.standards, min(len(self.standards), rng.randint(1, 3)))
            front.append(f"standards: {_slugs(standards)}")
        front.append("components:")
        for _ in range(rng.randint(3, 5)):
            front += [
                f"  - name: {_quoted(rng.choice(self.sentences)[:50].strip())}",
                f"    description: {_quoted(rng.choice(self.sentences))}",
            ]
        return front


def write_corpus(folder, docs, seed=7):
    """Write `docs` Markdown files under `folder` (emptied first). Returns the folder."""
    folder = Path(folder)
    if folder.exists():
        shutil.rmtree(folder)
    writer = CorpusWriter(seed)
    for n in range(docs):
        name, text = writer.document(n)
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return folder


# --- the benchmark --------------------------------------------------------------------------


def bench_dir():
    var = os.environ.get("KB_VAR_DIR")
    folder = Path(var) / "bench" if var else Path(tempfile.gettempdir()) / "kb-bench-import"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def setup_django(database):
    if database.exists():
        database.unlink()
    os.environ["DATABASE_URL"] = f"sqlite:///{database}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kb.settings")
    os.environ.setdefault("KB_LOG_LEVEL", "WARNING")
    import django

    django.setup()
    from django.core.management import call_command

    from kb.publishing.site_structure import ensure_site_structure

    call_command("migrate", verbosity=0)
    ensure_site_structure()


def count_queries(folder, sample):
    """SQL statements per document, importing `sample` files (of the types that refer to no
    other page) before the rest."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from kb.publishing.markdown_import import import_paths

    kinds = {"case-study": 0.6, "girft-standard": 0.25, "idea": 0.15}
    files = [
        path
        for kind, share in kinds.items()
        for path in sorted((folder / kind).glob("*.md"))[: max(1, round(sample * share))]
    ]
    with CaptureQueriesContext(connection) as captured:
        result = import_paths(files, publish=True)
    assert result.ok, result.failed[:3]
    counts = {}
    for query in captured.captured_queries:
        sql = query["sql"]
        key = re.sub(r"\s+", " ", sql.split(" WHERE ")[0])[:90]
        counts[key] = counts.get(key, 0) + 1
    total = len(captured.captured_queries)
    print(f"SQL statements: {total} for {len(files)} documents, {total / len(files):.1f} each")
    for key, count in sorted(counts.items(), key=lambda item: -item[1])[:25]:
        print(f"  {count / len(files):7.2f}  {key}")


def run_one(args, docs):
    folder = bench_dir() / f"corpus-{docs}"
    database = bench_dir() / f"import-{docs}.sqlite3"
    started = time.perf_counter()
    write_corpus(folder, docs, seed=args.seed)
    print(f"\n=== {docs:,} documents ===")
    print(f"corpus written to {folder} in {time.perf_counter() - started:.1f} s")
    setup_django(database)
    from django.core.management import call_command

    if args.queries:
        # These files are then unchanged for the timed run below, which skips them.
        count_queries(folder, args.queries)
    options = ["--publish", "--progress"] if not args.no_progress else ["--publish"]
    if args.batch_size:
        options += ["--batch-size", str(args.batch_size)]
    if args.helpers is not None:
        options += ["--helpers", str(args.helpers)]
    call = lambda: call_command("import_markdown", str(folder), *options, verbosity=0)  # noqa: E731
    started, cpu, helped = time.perf_counter(), time.process_time(), helpers_cpu()
    if args.profile:
        import cProfile
        import pstats

        profiler = cProfile.Profile(time.process_time)
        profiler.runcall(call)
        elapsed = time.perf_counter() - started
        profile_file = folder.parent / f"import-{docs}.prof"
        profiler.dump_stats(profile_file)
        print(f"profile (CPU time) saved to {profile_file}")
        stats = pstats.Stats(profiler).strip_dirs().sort_stats("cumulative")
        stats.print_stats(45)
        stats.sort_stats("tottime").print_stats(25)
    else:
        call()
        elapsed = time.perf_counter() - started
    cpu, helped = time.process_time() - cpu, helpers_cpu() - helped
    print(
        f"import --publish: {docs:,} documents in {elapsed:.1f} s: {docs / elapsed:,.1f} docs/s"
        f" (CPU {cpu:.1f} s; its helper processes {helped:.1f} s)"
    )
    started, cpu = time.perf_counter(), time.process_time()
    call()
    again, cpu = time.perf_counter() - started, time.process_time() - cpu
    print(f"again, unchanged: {again:.1f} s: {docs / again:,.1f} docs/s (CPU {cpu:.1f} s)")


def helpers_cpu():
    """CPU seconds of the import's helper processes so far (once they have ended)."""
    import resource

    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, nargs="+", default=[1000])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--batch-size", type=int, default=0, help="passed to the command")
    parser.add_argument("--helpers", type=int, default=None, help="passed to the command")
    parser.add_argument("--queries", type=int, default=0, metavar="N",
                        help="first import N files and count their SQL statements")  # fmt: skip
    parser.add_argument("--profile", action="store_true", help="cProfile the import")
    parser.add_argument("--no-progress", action="store_true")
    parser.add_argument("--write-only", metavar="FOLDER", help="write the corpus there and stop")
    args = parser.parse_args()
    if args.write_only:
        for docs in args.docs:
            write_corpus(args.write_only, docs, seed=args.seed)
            print(f"{docs} documents written to {args.write_only}")
        return
    for docs in args.docs:
        if len(args.docs) > 1:
            # Each size runs in a fresh interpreter so Django is set up for its own database.
            argv = ["--docs", str(docs), "--seed", str(args.seed)]
            argv += ["--batch-size", str(args.batch_size), "--queries", str(args.queries)]
            argv += ["--helpers", str(args.helpers)] if args.helpers is not None else []
            argv += ["--profile"] * args.profile + ["--no-progress"] * args.no_progress
            subprocess.run([sys.executable, __file__, *argv], check=True)
            continue
        run_one(args, docs)


if __name__ == "__main__":
    main()
