#!/usr/bin/env python
"""Variation pages benchmark: the funnel JSON and page, and an organisation's page and JSON,
on 10 metrics x 200 organisations x 36 months, every request uncached.

    .venv/bin/python bench/variation_pages.py                  # 30 timed runs after 3 warm-ups
    .venv/bin/python bench/variation_pages.py --runs 100
    .venv/bin/python bench/variation_pages.py --no-profile     # figures only
    .venv/bin/python bench/variation_pages.py --no-demo        # site structure only (quicker)

Builds a fresh SQLite database in /tmp/kb-bench-variation-pages/ ($KB_VAR_DIR/bench/ when set):
migrations, the demo content (guides, standards, case studies and projects: the "what could
help" of an organisation's page), 200 fictional trusts ("ZZ" ODS codes, spread over the seven
regions, a few of them the demo's organisations that share work) and a synthetic CSV loaded
through the real importer (`kb.variation.importer.import_file`). One trust in ten is worse than
the rest on most metrics, so "worse side" sections appear; the organisations that share work
improve half-way, so "what helped others" has something to find.

Then times whole requests through Django's test client (middleware, routing, templates) with
the page cache off (KB_PAGE_CACHE_SECONDS=0), the API rate limit out of the way and every cache
cleared before each timed request. Prints median, 95th percentile, queries and their SQL time
for each request, then (unless --no-profile) cProfile's top functions by cumulative time for
the organisation page and the funnel JSON. Nothing under var/ is touched.

The issue's targets: the funnel JSON for a metric over 200 organisations under 50 ms; an
organisation's page with 10 metrics under 150 ms uncached.
"""

import argparse
import csv
import io
import math
import os
import pstats
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if __name__ == "__main__":
    sys.path[0] = str(ROOT)

COLUMNS = (
    "metric,metric_name,data_type,direction,ods_code,organisation,period,numerator,denominator"
)
ORGANISATIONS = 200
MONTHS = 36
FEATURED = "ZZ0007"  # the organisation whose page is timed: one of the worse ones
SIZE_METRIC = "bench-ed-four-hour"
# (slug, name, data type, direction, unit, per, national level, spread between organisations)
METRICS = [
    (SIZE_METRIC, "A&E patients seen within 4 hours (bench)", "proportion", "higher", "%", 1000,
     0.72, 0.05),
    ("bench-hip-36h", "Hip fracture surgery within 36 hours (bench)", "proportion", "higher", "%",
     1000, 0.62, 0.06),
    ("bench-cancer-62d", "Cancer treatment within 62 days (bench)", "proportion", "higher", "%",
     1000, 0.70, 0.05),
    ("bench-cancelled-ops", "Operations cancelled on the day (bench)", "proportion", "lower", "%",
     1000, 0.04, 0.15),
    ("bench-readmissions", "Emergency readmissions within 30 days (bench)", "rate", "lower",
     "per 1,000 discharges", 1000, 0.065, 0.12),
    ("bench-falls", "Inpatient falls with harm (bench)", "rate", "lower",
     "per 1,000 bed days", 1000, 0.004, 0.15),
    ("bench-pressure-ulcers", "Hospital-acquired pressure ulcers (bench)", "rate", "lower",
     "per 1,000 admissions", 1000, 0.012, 0.15),
    ("bench-mortality", "Hospital mortality ratio (bench, SHMI-style)", "standardised-ratio",
     "lower", "", 1000, 1.0, 0.07),
    ("bench-stroke-mortality", "Stroke mortality ratio (bench)", "standardised-ratio", "lower",
     "", 1000, 1.0, 0.08),
    ("bench-sepsis-mortality", "Sepsis mortality ratio (bench)", "standardised-ratio", "lower",
     "", 1000, 1.0, 0.08),
]  # fmt: skip
# Activity per month as a share of the organisation's size, per metric (the size metric: 1).
SHARES = [1.0, 0.004, 0.01, 0.08, 0.25, 3.0, 0.3, 0.006, 0.002, 0.003]


def bench_dir():
    var = os.environ.get("KB_VAR_DIR")
    folder = (
        Path(var) / "bench" if var else Path(tempfile.gettempdir()) / "kb-bench-variation-pages"
    )
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def setup_django():
    database = bench_dir() / "variation-pages.sqlite3"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{database}{suffix}").unlink(missing_ok=True)
    os.environ["DATABASE_URL"] = f"sqlite:///{database}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kb.settings")
    os.environ.setdefault("KB_LOG_LEVEL", "WARNING")
    os.environ["KB_PAGE_CACHE_SECONDS"] = "0"  # every page rendered
    os.environ["KB_API_RATE"] = "100000000/s"  # the API's limit never answers 429
    os.environ["KB_VARIATION_SIZE_METRIC"] = SIZE_METRIC  # size bands: peer groups
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    settings.KB_PAGE_CACHE_SECONDS = 0
    settings.KB_API_RATE = "100000000/s"
    settings.ALLOWED_HOSTS = ["*"]
    call_command("migrate", verbosity=0)


def load_content(demo):
    from django.core.management import call_command

    from kb.publishing.site_structure import ensure_site_structure

    if demo:
        call_command("load_demo_content", stdout=io.StringIO())
    else:
        ensure_site_structure()


def sharing_organisations():
    """The stored organisations with a live case study or project (the demo's), by name."""
    from kb.cases.models import CaseStudyPage
    from kb.projects.models import ProjectPage
    from kb.taxonomy.models import Organisation

    ids = set(CaseStudyPage.objects.live().values_list("organisation_id", flat=True))
    ids |= set(ProjectPage.objects.live().values_list("organisation_id", flat=True))
    return list(Organisation.objects.filter(pk__in=ids).order_by("name"))


def ensure_organisations(sharing):
    """200 trusts over the seven regions: the sharing ones first (given ZZ codes, a region and
    the trust type), then invented ones. Returns [(ods, name)] in index order."""
    from kb.taxonomy.models import Organisation, Region

    regions = list(Region.objects.order_by("slug"))
    assert len(regions) >= 7, f"expected the seven NHS England regions, found {len(regions)}"
    out, new, waiting = [], [], list(sharing)
    for o in range(ORGANISATIONS):
        ods, region = f"ZZ{o:04d}", regions[o % len(regions)]
        if waiting and ods != FEATURED:
            org = waiting.pop(0)
            org.ods_code, org.kind = ods, Organisation.Kind.TRUST
            org.region = org.region or region
            org.save()
            out.append((ods, org.name))
            continue
        name = f"Benchmark Hospitals {o:03d} NHS Trust"
        new.append(
            Organisation(name=name, slug=f"benchmark-hospitals-{o:03d}", ods_code=ods,
                         kind=Organisation.Kind.TRUST, region=region)
        )  # fmt: skip
        out.append((ods, name))
    Organisation.objects.bulk_create(new)
    return out


def ensure_metrics():
    """The metrics, each linked to the demo's pathways, guides and standards (what could help)."""
    from kb.guides.models import GirftStandardPage, ImprovementGuidePage
    from kb.taxonomy.models import Pathway
    from kb.variation.models import Metric

    guides = list(ImprovementGuidePage.objects.live().order_by("pk"))
    standards = list(GirftStandardPage.objects.live().order_by("pk"))
    pathways = list(Pathway.objects.order_by("pk"))
    for m, (slug, name, data_type, direction, unit, per, *_levels) in enumerate(METRICS):
        metric = Metric.objects.create(
            slug=slug, name=name, data_type=data_type, direction=direction, unit=unit, per=per,
            numerator_definition="What is counted", denominator_definition="Out of what",
            source="Synthetic benchmark data",
        )  # fmt: skip
        if guides:
            metric.guides.add(*[guides[(m + i) % len(guides)] for i in range(2)])
        if standards:
            metric.standards.add(*[standards[(m + i) % len(standards)] for i in range(2)])
        if pathways and m % 2:  # half name pathways (improvers filter by them), half do not
            metric.pathways.add(pathways[m % len(pathways)])


def month(i):
    year, m = divmod(3 + i, 12)
    return f"{2022 + year}-{m + 1:02d}"


def write_csv(path, organisations, improvers, seed=11):
    """10 metrics x the organisations x 36 months. One organisation in ten (FEATURED among
    them) is worse on about two metrics in three; the `improvers` step towards the better side
    from month 18 (a sustained shift on their SPC charts)."""
    rng = random.Random(seed)
    sizes = [int(math.exp(rng.uniform(math.log(2500), math.log(16000)))) for _ in organisations]
    with open(path, "w", newline="", encoding="utf-8") as handle:
        handle.write(COLUMNS + "\n")
        writer = csv.writer(handle, lineterminator="\n")
        for m, (slug, name, data_type, direction, _u, _p, level, spread) in enumerate(METRICS):
            worse_sign = -1 if direction == "higher" else 1
            for o, (ods, org_name) in enumerate(organisations):
                own = rng.gauss(0, spread)
                if o % 10 == 7 and (m + o // 10) % 3 != 0:
                    own += worse_sign * 4 * spread
                for i in range(MONTHS):
                    effect = own
                    if ods in improvers and i >= 18:
                        effect -= worse_sign * 4 * spread
                    activity = max(5, round(sizes[o] * SHARES[m] * (1 + 0.08 * math.sin(i / 1.9))))
                    if data_type == "proportion":
                        p = min(0.99, max(0.01, level * (1 + effect)))
                        mean, sd = activity * p, math.sqrt(activity * p * (1 - p))
                        num, den = min(activity, max(0, round(rng.gauss(mean, sd)))), activity
                    elif data_type == "rate":
                        mean = activity * level * math.exp(effect)
                        num, den = max(0, round(rng.gauss(mean, math.sqrt(mean)))), activity
                    else:
                        expected = activity * 0.5 * (1 + rng.random() * 0.05)
                        mean = expected * level * math.exp(effect)
                        num = max(0, round(rng.gauss(mean, math.sqrt(mean))))
                        den = f"{expected:.2f}"
                    writer.writerow([slug, name, data_type, direction, ods, org_name, month(i),
                                     num, den])  # fmt: skip


def clear_caches():
    from django.core.cache import caches

    for cache in caches.all():
        cache.clear()


def time_requests(client, url, runs, warmups):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(warmups):
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
    times = []
    for _ in range(runs):
        clear_caches()
        began = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - began) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    clear_caches()
    sql = []

    def timed_sql(execute, query, params, many, context):
        began = time.perf_counter()
        try:
            return execute(query, params, many, context)
        finally:
            sql.append(time.perf_counter() - began)

    # CaptureQueriesContext counts; the wrapper times (SQLite's captured times are rounded to
    # the millisecond, and the rows are read outside execute: fetching is not counted here).
    with CaptureQueriesContext(connection) as queries, connection.execute_wrapper(timed_sql):
        response = client.get(url)
    sql_ms = sum(sql) * 1000
    times.sort()
    p95 = times[min(len(times) - 1, math.ceil(len(times) * 0.95) - 1)]
    return {
        "median": statistics.median(times),
        "p95": p95,
        "queries": len(queries),
        "sql_ms": sql_ms,
        "bytes": len(response.content),
        "response": response,
    }


def short(filename):
    text = str(filename)
    for prefix, name in ((str(ROOT) + "/", ""), ("site-packages/", "")):
        at = text.find(prefix)
        if at >= 0:
            text = name + text[at + len(prefix) :]
    return text


def profile(client, url, label, runs, top=25):
    """cProfile `runs` uncached requests together; prints the top functions by cumulative
    time, a request's share of each (calls and milliseconds are per request)."""
    import cProfile

    client.get(url)
    profiler = cProfile.Profile()
    for _ in range(runs):
        clear_caches()
        profiler.enable()
        client.get(url)
        profiler.disable()
    stats = pstats.Stats(profiler)
    entries = []
    for (filename, line, function), (_cc, calls, tottime, cumtime, _callers) in stats.stats.items():
        entries.append((cumtime, tottime, calls, f"{short(filename)}:{line}({function})"))
    total = stats.total_tt
    print(f"\nProfile of {label} ({url}), {runs} requests; per request: "
          f"{total / runs * 1000:.1f} ms under the profiler")  # fmt: skip
    print(f"  {'cum ms':>8} {'own ms':>8} {'calls':>8}  function")
    shown = 0
    for cumtime, tottime, calls, where in sorted(entries, reverse=True):
        if where.startswith("~:0(<built-in method builtins.exec>") or "cProfile" in where:
            continue
        print(f"  {cumtime / runs * 1000:8.2f} {tottime / runs * 1000:8.2f} "
              f"{calls / runs:8.0f}  {where}")  # fmt: skip
        shown += 1
        if shown >= top:
            break
    print("  -- top 12 by own time --")
    for cumtime, tottime, calls, where in sorted(entries, key=lambda e: -e[1])[:12]:
        print(f"  {cumtime / runs * 1000:8.2f} {tottime / runs * 1000:8.2f} "
              f"{calls / runs:8.0f}  {where}")  # fmt: skip


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--warmups", type=int, default=3)
    parser.add_argument("--profile-runs", type=int, default=10)
    parser.add_argument("--no-profile", action="store_true")
    parser.add_argument("--no-demo", action="store_true", help="site structure only")
    args = parser.parse_args()

    started = time.perf_counter()
    setup_django()
    load_content(demo=not args.no_demo)
    sharing = sharing_organisations()
    organisations = ensure_organisations(sharing)
    ensure_metrics()
    improvers = {ods for ods, name in organisations if name in {o.name for o in sharing}}
    path = bench_dir() / "variation-pages.csv"
    write_csv(path, organisations, improvers)

    from django.test import Client

    from kb.taxonomy.models import Organisation
    from kb.variation.importer import import_file
    from kb.variation.pages import organisation_view

    result = import_file(path)
    print(f"Set up in {time.perf_counter() - started:.1f} s: {result.summary()}")
    featured = Organisation.objects.get(ods_code=FEATURED)
    view = organisation_view(featured)
    worse = [s.metric.slug for s in view.standings if s.worse]
    helps = sum(len(s.guides) + len(s.standards) for s in view.standings)
    improving = sum(len(s.improvers) for s in view.standings)
    print(f"{len(METRICS)} metrics x {ORGANISATIONS} trusts x {MONTHS} months; "
          f"{len(sharing)} of the trusts share work (improvers)")  # fmt: skip
    print(f"{featured.name} ({FEATURED}): {len(view.standings)} metrics, {len(view.peers)} "
          f"peers, worse side on {len(worse)}, {helps} guides/standards and {improving} "
          "improvers shown")  # fmt: skip

    metric, ratio = METRICS[0][0], METRICS[7][0]
    requests = [
        ("funnel JSON, latest period", f"/api/variation/{metric}/funnel.json", 50),
        ("funnel JSON, overdispersion=off",
         f"/api/variation/{metric}/funnel.json?overdispersion=off", 50),
        # A standardised ratio without overdispersion adjustment: exact Poisson limits.
        ("funnel JSON, ratio, overdisp.=off",
         f"/api/variation/{ratio}/funnel.json?overdispersion=off", 50),
        ("funnel page (HTML)", f"/variation/{metric}/", None),
        ("organisation page (10 metrics)", f"/organisations/{FEATURED}/", 150),
        ("organisation JSON", f"/api/organisations/{FEATURED}/", None),
    ]  # fmt: skip
    client = Client(HTTP_HOST="127.0.0.1")
    print(f"\n{args.runs} uncached runs each after {args.warmups} warm-ups (SQLite); funnels are "
          f"of {metric} (proportion) and {ratio} (standardised ratio)")  # fmt: skip
    print(
        f"  {'request':34} {'median':>9} {'p95':>9} {'queries':>8} {'SQL':>8} {'size':>8}  target"
    )
    figures = {}
    for label, url, target in requests:
        f = time_requests(client, url, args.runs, args.warmups)
        figures[url] = f
        verdict = ""
        if target:
            verdict = f"{target} ms: {'met' if f['median'] < target else 'OVER'}"
        print(f"  {label:34} {f['median']:6.1f} ms {f['p95']:6.1f} ms {f['queries']:8d} "
              f"{f['sql_ms']:5.1f} ms {f['bytes'] / 1024:5.0f} kB  {verdict}")  # fmt: skip
    page = figures[f"/organisations/{FEATURED}/"]["response"].content.decode()
    print(f'  (the organisation page says "worse side" {page.count("worse side")} times)')

    if not args.no_profile:
        profile(client, f"/organisations/{FEATURED}/", "the organisation page",
                args.profile_runs)  # fmt: skip
        profile(client, f"/api/variation/{metric}/funnel.json", "the funnel JSON",
                args.profile_runs)  # fmt: skip


if __name__ == "__main__":
    main()
