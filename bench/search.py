#!/usr/bin/env python
"""Search benchmark: index time and faceted query latency at 10k and 100k documents.

    .venv/bin/python bench/search.py                 # 10k and 100k (an hour the first time)
    .venv/bin/python bench/search.py --sizes 10000   # quicker
    .venv/bin/python bench/search.py --sizes 10000 --only edits ranking
    .venv/bin/python bench/search.py --demo --only ranking   # on the demo content
    DATABASE_URL=postgres://kb:kb@127.0.0.1:5432/kb_bench_pg \
        .venv/bin/python bench/search.py --sizes 10000 --only queries   # SQLite and PostgreSQL

Each size gets its own SQLite database in var/bench/ ($KB_VAR_DIR/bench/ when that is set). With
DATABASE_URL set to a PostgreSQL URL, each size also runs on PostgreSQL, in a database named
after the URL's with the size appended (kb_bench_pg_10000, created if missing: the role needs
CREATEDB), one database after the other, and the two are printed side by side with
PostgreSQL's p95 as a multiple of SQLite's (docs/search-postgresql.md). The
corpus is synthetic but shaped like ours (bench/import.py writes it as Markdown files: sentences
drawn from the demo content, titles from typical improvement phrases, facet values spread as in
a real library) and is built through `import_markdown --publish`, as editors' files are: the
first run at a size imports it (100k documents take a while), later runs reuse it. Queries go
through the /api/search/ view itself (request parsing, synonym expansion, FTS5, facet counting,
highlighting and JSON), so the figures are what a reader's browser would wait for, less the
network. Prints p50/p95/p99 per query kind.

"edits" times the first search a worker answers after one publish: catching its facet sets up
with the change (what every worker does now) against rebuilding them all (what they did).
"ranking" checks that ORDER BY bm25(kbsearch_fts, weights) gives the same top ten as
ORDER BY rank for every query and filter set, and times both (SQLite only).
"""

import argparse
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# In place of this script's own folder: scripts run from the project root, as the app does.
sys.path[0] = str(ROOT)

# Named by how much of the corpus they match; the benchmark prints the measured shares.
QUERIES = {
    "specific": ["thrombolysis", "cataract lists", "maternity triage", "MRI", "hip fracture"],
    "broad": ["A&E handover", "SDEC", "RTT validation", "frailty", "did not attend"],
    "common": ["discharge", "patients", "improvement", "waiting"],
}
FILTER_SETS = {
    "no filters": {},
    "one filter": {"pathway": ["urgent-and-emergency-care"]},
    "two filters": {"pathway": ["urgent-and-emergency-care", "elective-care"],
                    "method": ["lean"]},
}  # fmt: skip


def postgres_url(url, size):
    """The PostgreSQL database for one size: the URL's database name with the size appended
    (kb_bench_pg -> kb_bench_pg_10000), created when missing (the role needs CREATEDB)."""
    from urllib.parse import urlsplit, urlunsplit

    import psycopg

    parts = urlsplit(url)
    name = f"{parts.path.lstrip('/') or 'kb_bench'}_{size}"
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as connection:
        exists = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if not exists.fetchone():
            connection.execute(f'CREATE DATABASE "{name}"')
    return urlunsplit(parts._replace(path=f"/{name}"))


def setup_django(size, engine="sqlite"):
    """SQLite: one file a size in var/bench/. PostgreSQL: one database a size (postgres_url)."""
    if engine == "postgresql":
        os.environ["DATABASE_URL"] = postgres_url(os.environ["DATABASE_URL"], size)
    else:
        bench_dir = Path(os.environ.get("KB_VAR_DIR") or ROOT / "var") / "bench"
        bench_dir.mkdir(parents=True, exist_ok=True)
        os.environ["DATABASE_URL"] = f"sqlite:///{bench_dir / f'search-{size}.sqlite3'}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kb.settings")
    import django

    django.setup()


def build_corpus(size, seed=7):
    """Import `size` synthetic Markdown documents (bench/import.py writes them) through the
    import itself, as editors' files would come in. Returns (seconds importing, seconds
    optimising), or None when the database already holds the corpus."""
    import importlib
    import shutil
    import tempfile

    from django.core.management import call_command
    from django.db import connection
    from wagtail.models import Page

    from kb.search.backends.database import DatabaseBackend
    from kb.search.models import SearchDocument

    if SearchDocument.objects.count() == size:
        return None
    if Page.objects.filter(slug="bench-root").exists():
        raise SystemExit(
            f"{connection.settings_dict['NAME']} holds a corpus built without the import: "
            "delete it and run again"
        )
    corpus = importlib.import_module("bench.import")  # (a module named like a keyword)
    folder = Path(tempfile.mkdtemp(prefix="kb-search-corpus-"))
    try:
        corpus.write_corpus(folder, size, seed=seed)
        started = time.perf_counter()
        call_command("import_markdown", str(folder), "--publish", "--progress", verbosity=0)
        imported = time.perf_counter() - started
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    started = time.perf_counter()
    DatabaseBackend().optimise()
    optimised = time.perf_counter() - started
    connection.close()
    return imported, optimised


def postgres_settings():
    """What decides PostgreSQL's figures beside the code: its memory and the index's size."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT current_setting('server_version'), current_setting('shared_buffers'), "
            "pg_size_pretty(pg_relation_size('kbsearch_searchdocument')), "
            "pg_size_pretty(pg_total_relation_size('kbsearch_searchdocument'))"
        )
        version, buffers, heap, total = cursor.fetchone()
    return (
        f"PostgreSQL {version}, shared_buffers {buffers}; the search table: {heap} "
        f"({total} with its TOAST table and indexes)"
    )


def percentile(values, share):
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))
    return ordered[index]


def match_shares():
    """The share of documents each query's words match, so the classes can be checked."""
    from urllib.parse import urlencode

    from django.http import QueryDict

    from kb.search.models import SearchDocument
    from kb.search.service import read_params, search_documents

    shares = {}
    everything = SearchDocument.objects.count() or 1
    for kind, queries in QUERIES.items():
        counts = [
            search_documents(read_params(QueryDict(urlencode({"q": q}))))[0].count for q in queries
        ]
        shares[kind] = (min(counts) / everything, max(counts) / everything)
    return shares


def run_queries(repeat):
    from django.test import RequestFactory

    from kb.search.views import api_search

    factory = RequestFactory()
    # One untimed pass first, on both databases: the figures are a running server's, whose
    # caches hold what searches read, not the first search after a restart.
    for queries in QUERIES.values():
        for filters in FILTER_SETS.values():
            for query in queries:
                api_search(factory.get("/api/search/", {"q": query, **filters}))
    results = {}
    for kind, queries in QUERIES.items():
        for filter_name, filters in FILTER_SETS.items():
            timings = []
            for _ in range(repeat):
                for query in queries:
                    params = {"q": query, **filters}
                    request = factory.get("/api/search/", params)
                    started = time.perf_counter()
                    response = api_search(request)
                    timings.append((time.perf_counter() - started) * 1000)
                    assert response.status_code == 200, response.content[:200]
            results[(kind, filter_name)] = timings
    # Browsing with filters and no words (the "everything in elective care" case).
    timings = []
    for _ in range(repeat * 3):
        request = factory.get("/api/search/", {"pathway": "elective-care", "method": "lean"})
        started = time.perf_counter()
        api_search(request)
        timings.append((time.perf_counter() - started) * 1000)
    results[("browse", "two filters")] = timings
    return results


def measure_edits(repeat):
    """ms a worker's first search takes after one publish: catch-up against full rebuild."""
    from django.db import transaction
    from django.test import RequestFactory

    from kb.search.backends import database
    from kb.search.models import SearchDocument
    from kb.search.views import api_search

    factory = RequestFactory()
    backend = database.DatabaseBackend()
    rng = random.Random(11)
    ids = list(SearchDocument.objects.values_list("id", flat=True))
    pathways = ["urgent-and-emergency-care", "elective-care", "primary-care"]

    def publish():
        """What a publish does to the index: the page's document rewritten, one facet moved."""
        document = SearchDocument.objects.get(id=rng.choice(ids))
        fields = {
            name: getattr(document, name)
            for name in ("kind", "slug", "url", "title", "summary", "body", "organisation",
                         "measures", "publication_date")
        }  # fmt: skip
        fields["facets"] = {**document.facets, "pathway": [rng.choice(pathways)]}
        started = time.perf_counter()
        with transaction.atomic():
            backend.index(document.page, fields)
        return (time.perf_counter() - started) * 1000

    def search():
        request = factory.get("/api/search/", {"q": "discharge", "pathway": "elective-care"})
        started = time.perf_counter()
        response = api_search(request)
        assert response.status_code == 200
        return (time.perf_counter() - started) * 1000

    def facet_sets():
        started = time.perf_counter()
        backend.facet_index()
        return (time.perf_counter() - started) * 1000

    search()  # a warm worker
    names = (
        "publish (index write)", "search, nothing changed", "facet sets: catch up",
        "facet sets: full rebuild", "first search: catch up", "first search: full rebuild",
    )  # fmt: skip
    timings = {name: [] for name in names}
    for _ in range(repeat):
        timings["search, nothing changed"].append(search())
        timings["publish (index write)"].append(publish())
        timings["facet sets: catch up"].append(facet_sets())
        publish()
        timings["first search: catch up"].append(search())
        publish()
        database._FACET_INDEXES.clear()  # as every worker did after any edit
        timings["facet sets: full rebuild"].append(facet_sets())
        publish()
        database._FACET_INDEXES.clear()
        timings["first search: full rebuild"].append(search())
    # The catch-up keeps the sets exact: compare them with a fresh build.
    publish()
    caught_up = backend.facet_index()
    database._FACET_INDEXES.clear()
    fresh = backend.facet_index()
    assert caught_up.values == fresh.values and caught_up.everything == fresh.everything
    assert caught_up.newest_first == fresh.newest_first
    print(f"{'after one publish':28} {'n':>4} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
    for name, values in timings.items():
        print(
            f"{name:28} {len(values):4d} {statistics.median(values):8.1f} "
            f"{percentile(values, 0.95):8.1f} {max(values):8.1f}"
        )
    print("catch-up sets checked equal to a fresh build")


RANKING_QUERIES = [
    *[query for queries in QUERIES.values() for query in queries],
    "PDSA", "SPC charts", "corridor care", "emergency department", "sepsis", "theatre",
    "length of stay", "co-design", "virtual wards", "GIRFT",
]  # fmt: skip


def compare_ranking(repeat):
    """Same top ten, ORDER BY rank against ORDER BY bm25(...) with the weights; and speed."""
    from django.db import connection

    from kb.search.backends.database import BM25, fts5_facet_filter
    from kb.search.query import fts5_match, parse_query
    from kb.search.service import synonym_index

    orders = {"rank": "rank", "bm25": BM25}
    same, differ, ties, empty = 0, [], 0, 0
    totals = {"common": {name: [] for name in orders}, "all": {name: [] for name in orders}}
    for query in RANKING_QUERIES:
        parsed = parse_query(query, synonym_index())
        for filter_name, filters in FILTER_SETS.items():
            match = " AND ".join([f"({fts5_match(parsed)})", *fts5_facet_filter(filters)])
            found = {}
            for name, order in orders.items():
                sql = (
                    f"SELECT rowid, {order} FROM kbsearch_fts WHERE kbsearch_fts MATCH %s "  # noqa: S608
                    f"ORDER BY {order} LIMIT 10"
                )
                with connection.cursor() as cursor:
                    cursor.execute(sql, [match])  # warm
                    timings = []
                    for _ in range(repeat):
                        started = time.perf_counter()
                        cursor.execute(sql, [match])
                        rows = cursor.fetchall()
                        timings.append((time.perf_counter() - started) * 1000)
                found[name] = rows
                best = statistics.median(timings)
                totals["all"][name].append(best)
                if query in QUERIES["common"]:
                    totals["common"][name].append(best)
            scores = [score for _, score in found["rank"]]
            empty += not scores
            ties += len(scores) != len(set(scores))
            if [r for r, _ in found["rank"]] == [r for r, _ in found["bm25"]]:
                same += 1
            else:
                differ.append((query, filter_name, found))
    print(f"ranking: top 10 identical for {same} of {same + len(differ)} query and filter sets"
          f" ({empty} of them with no match, {ties} with tied scores in the top 10)")  # fmt: skip
    for query, filter_name, found in differ:
        print(f"  DIFFERENT: {query!r} {filter_name}: {found}")
    for group, by_order in totals.items():
        rank, bm25 = sum(by_order["rank"]), sum(by_order["bm25"])
        print(f"  {group:6} queries: ORDER BY rank {rank:8.1f} ms, ORDER BY bm25() {bm25:8.1f} ms "
              f"(sum of medians): {rank / bm25:.2f} times faster")  # fmt: skip


def setup_demo():
    bench_dir = Path(os.environ.get("KB_VAR_DIR") or ROOT / "var") / "bench"
    bench_dir.mkdir(parents=True, exist_ok=True)
    os.environ["DATABASE_URL"] = f"sqlite:///{bench_dir / 'search-demo.sqlite3'}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kb.settings")
    import django

    django.setup()
    from django.core.management import call_command

    from kb.search.models import SearchDocument

    call_command("migrate", verbosity=0)
    if not SearchDocument.objects.exists():
        call_command("load_demo_content", verbosity=0)
        call_command("kb_reindex", verbosity=0)
    print(f"\n=== demo content: {SearchDocument.objects.count()} documents ===")


def query_report(results):
    """The figures a side-by-side comparison needs: per row and per query kind."""
    rows = {}
    kinds = {}
    for (kind, filters), timings in results.items():
        rows[f"{kind}|{filters}"] = timings
        kinds.setdefault(kind, []).extend(timings)
    rows.update({f"{kind}|all": timings for kind, timings in kinds.items()})
    rows["all|all"] = [t for timings in results.values() for t in timings]
    return {
        key: {"n": len(ts), "p50": statistics.median(ts), "p95": percentile(ts, 0.95),
              "p99": percentile(ts, 0.99)}
        for key, ts in rows.items()
    }  # fmt: skip


def print_side_by_side(size, reports):
    """SQLite and PostgreSQL figures for one size, with PostgreSQL's p95 as a multiple."""
    sqlite, postgres = reports["sqlite"], reports["postgresql"]
    print(f"\n=== {size:,} documents: SQLite against PostgreSQL (whole request, ms) ===")
    for kind, (low, high) in sqlite["shares"].items():
        other_low, other_high = postgres["shares"][kind]
        print(
            f"{kind:8} queries match {low:6.1%} to {high:6.1%} (SQLite), "
            f"{other_low:6.1%} to {other_high:6.1%} (PostgreSQL)"
        )
    header = ("query kind", "filters", "SQLite p50", "p95", "PG p50", "p95", "PG/SQLite p95")
    print("{:10} {:12} {:>10} {:>8} {:>10} {:>8} {:>14}".format(*header))
    for key, left in sqlite["queries"].items():
        right = postgres["queries"].get(key)
        if right is None:
            continue
        kind, filters = key.split("|")
        print(
            f"{kind:10} {filters:12} {left['p50']:10.1f} {left['p95']:8.1f} "
            f"{right['p50']:10.1f} {right['p95']:8.1f} {right['p95'] / left['p95']:13.1f}x"
        )


def run_one(args):
    """One size on one database, in this interpreter; returns the figures for a report."""
    size = args.sizes[0]
    setup_django(size, args.engine)
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    built = build_corpus(size)
    print(f"\n=== {size:,} documents on {connection.vendor} ===")
    if built:
        imported, optimised = built
        rate = size / imported
        print(f"imported through import_markdown {imported:6.1f} s ({rate:,.0f} docs/s)")
        print(f"optimise + ANALYZE {optimised:5.1f} s")
    else:
        print("(corpus already built: reusing it)")
    if connection.vendor == "postgresql":
        print(postgres_settings())
    shares = match_shares()
    for kind, (low, high) in shares.items():
        print(f"{kind:8} queries match {low:6.1%} to {high:6.1%} of documents")
    if "edits" in args.only:
        measure_edits(args.repeat)
    if "ranking" in args.only:
        if connection.vendor == "sqlite":
            compare_ranking(args.repeat)
        else:
            print("ranking: bm25 against rank is an FTS5 comparison: SQLite only")
    report = {"size": size, "engine": connection.vendor, "shares": shares, "queries": {}}
    if "queries" not in args.only:
        return report
    results = run_queries(args.repeat)
    header = ("query kind", "filters", "n", "p50 ms", "p95 ms", "p99 ms")
    print("{:10} {:12} {:>4} {:>8} {:>8} {:>8}".format(*header))
    everything = []
    for (kind, filters), timings in results.items():
        everything.extend(timings)
        print(
            f"{kind:10} {filters:12} {len(timings):4d} {statistics.median(timings):8.1f} "
            f"{percentile(timings, 0.95):8.1f} {percentile(timings, 0.99):8.1f}"
        )
    two = [t for (k, f), ts in results.items() if f == "two filters" for t in ts]
    for label, timings in (("all", everything), ("all with two filters", two)):
        print(
            f"{label:23} {len(timings):4d} {statistics.median(timings):8.1f} "
            f"{percentile(timings, 0.95):8.1f} {percentile(timings, 0.99):8.1f}"
        )
    report["queries"] = query_report(results)
    return report


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument(
        "--only", nargs="+", choices=["queries", "edits", "ranking"],
        default=["queries", "edits", "ranking"], help="which measurements to run",
    )  # fmt: skip
    parser.add_argument("--demo", action="store_true", help="on the demo content, not a corpus")
    # Set by the script itself for each size and database it runs in a fresh interpreter.
    parser.add_argument("--engine", choices=["sqlite", "postgresql"], help=argparse.SUPPRESS)
    parser.add_argument("--report", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.demo:
        setup_demo()
        if "edits" in args.only:
            measure_edits(args.repeat)
        if "ranking" in args.only:
            compare_ranking(args.repeat)
        return
    if args.engine:
        report = run_one(args)
        if args.report:
            Path(args.report).write_text(json.dumps(report))
        return
    url = os.environ.get("DATABASE_URL", "")
    engines = ["sqlite"]
    if url.startswith(("postgres://", "postgresql://")):
        engines.append("postgresql")
    elif url and not url.startswith("sqlite"):
        raise SystemExit("DATABASE_URL must be a PostgreSQL URL (or unset: SQLite only)")
    import subprocess
    import tempfile

    for size in args.sizes:
        # Each size and database runs in a fresh interpreter, so Django is set up for it, and
        # one after the other, so that they never compete for the machine.
        reports = {}
        for engine in engines:
            with tempfile.NamedTemporaryFile(suffix=".json") as report:
                subprocess.run(
                    [sys.executable, __file__, "--sizes", str(size), "--repeat",
                     str(args.repeat), "--only", *args.only, "--engine", engine,
                     "--report", report.name],
                    check=True,
                )  # fmt: skip
                reports[engine] = json.loads(Path(report.name).read_text() or "{}")
        if len(reports) == 2 and "queries" in args.only:
            print_side_by_side(size, reports)


if __name__ == "__main__":
    main()
