#!/usr/bin/env python
"""Open-data export benchmark: the whole export at 10k and 100k live case studies, to show it
runs in constant memory (the issue's aim: peak memory must not grow with the site).

    .venv/bin/python bench/open_data_export.py                  # 10k and 100k (a few minutes)
    .venv/bin/python bench/open_data_export.py --sizes 10000    # quicker
    .venv/bin/python bench/open_data_export.py --heap           # also the Python heap's peak

Each size gets a fresh SQLite database in /tmp/kb-bench-open-data/ ($KB_VAR_DIR/bench/ when
set). The case studies are bulk-inserted as Wagtail itself would store them (a page row with
its tree path, depth, content type, locale and address, then the case study row), each with
its organisation, region, Markdown sections of a few paragraphs, two pathways, a method, two
before-and-after results, and one in five with a 24-point measure series. Inserting rows
directly is what makes 100,000 pages take a minute instead of an hour through the page API;
what the export reads is the same.

The export (`kb.opendata.files.export_all`: every dataset's CSV and JSON, the schemas,
dictionaries and the zip) then runs in a process of its own, so its peak resident memory
(`ru_maxrss`) is the export's and not the bulk insert's. Printed for each size: seconds, the
process's resident memory before the export and its peak, and the files' sizes. With --heap
a second run measures the peak of the Python heap with tracemalloc (slower).
"""

import argparse
import datetime
import json
import os
import random
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SENTENCES = [
    "Patients waited on trolleys in the corridor while beds stood empty until the afternoon.",
    "The team mapped the discharge process with ward staff and found seven hand-offs.",
    "A daily board round at 9am agreed each patient's expected date of discharge.",
    "Pharmacy prepared take-home medicines the evening before, so patients could leave early.",
    "Therapists assessed patients on the day of admission rather than waiting for a referral.",
    "Weekly run charts showed the change held through the winter.",
    "Not every ward adopted the new routine at first: the night staff were not involved.",
    "The trust funded a discharge coordinator for six months from its winter money.",
    "Staff said the huddle was the most useful ten minutes of the day.",
    "Ambulance handovers fell below 15 minutes on most days after the change.",
]
TITLES = [
    "Faster discharge",
    "Same day emergency care",
    "Virtual wards",
    "Criteria led discharge",
    "Frailty at the front door",
    "Validating the waiting list",
    "Theatre utilisation",
]


def bench_dir():
    var = os.environ.get("KB_VAR_DIR")
    folder = Path(var) / "bench" if var else Path(tempfile.gettempdir()) / "kb-bench-open-data"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def setup_django(database, fresh):
    if fresh:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{database}{suffix}").unlink(missing_ok=True)
    os.environ["DATABASE_URL"] = f"sqlite:///{database}"
    os.environ["DJANGO_DEBUG"] = "false"  # DEBUG keeps every query in memory
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kb.settings")
    import django

    django.setup()


def text(rng, sentences):
    return " ".join(rng.choice(SENTENCES) for _ in range(sentences))


def insert_case_studies(size, seed=5):
    """Bulk-insert `size` live case studies under the case study index (see the docstring)."""
    from django.contrib.contenttypes.models import ContentType
    from django.db import connection, transaction
    from django.utils import timezone
    from wagtail.models import Locale, Page

    from kb.cases.models import CaseStudyMeasure, CaseStudyPage, CaseStudySeries
    from kb.publishing.site_structure import ensure_site_structure
    from kb.taxonomy.models import ImprovementMethod, Organisation, Pathway, Region

    rng = random.Random(seed)
    _, _, index, _ = ensure_site_structure()
    regions = list(Region.objects.all())
    organisations = Organisation.objects.bulk_create(
        [
            Organisation(name=f"Bench NHS Trust {n}", slug=f"bench-trust-{n}",
                         ods_code=f"R{n:02d}", region=regions[n % len(regions)])
            for n in range(60)
        ]
    )  # fmt: skip
    pathways = list(Pathway.objects.values_list("id", flat=True))
    methods = list(ImprovementMethod.objects.values_list("id", flat=True))
    content_type = ContentType.objects.get_for_model(CaseStudyPage)
    locale = Locale.get_default()
    now = timezone.now()
    # One series' analysis, run once and stored on every bench series: the export reads the
    # stored judgement, never the statistics.
    months = [f"{m} {y}" for y in (2024, 2025) for m in ("Jan", "Feb", "Mar", "Apr", "May",
              "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")]  # fmt: skip
    template = CaseStudySeries(
        name="Discharges before noon", unit="%", direction="up", target=30, change_at="Jan 2025",
        points=[[m, float(12 + i // 12 * 14 + rng.randint(-3, 3))] for i, m in enumerate(months)],
    )  # fmt: skip
    analysis = template.drawn_analysis

    fields = CaseStudyPage._meta.local_concrete_fields
    table = CaseStudyPage._meta.db_table
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    placeholders = ", ".join(["%s"] * len(fields))
    insert = f"INSERT INTO {table} ({columns}) VALUES ({placeholders})"  # noqa: S608 (our names)
    Pathways = CaseStudyPage.pathways.through
    Methods = CaseStudyPage.methods.through

    batch = 2000
    for start in range(0, size, batch):
        with transaction.atomic():
            numbers = range(start, min(size, start + batch))
            pages = []
            for n in numbers:
                slug = f"bench-case-{n}"
                published = now - datetime.timedelta(minutes=n)
                pages.append(
                    Page(
                        path=Page._get_path(index.path, index.depth + 1, n + 1),
                        depth=index.depth + 1,
                        numchild=0,
                        title=f"{rng.choice(TITLES)} {n}",
                        draft_title=f"{rng.choice(TITLES)} {n}",
                        slug=slug,
                        content_type=content_type,
                        locale=locale,
                        translation_key=uuid.uuid4(),
                        live=True,
                        has_unpublished_changes=False,
                        url_path=f"{index.url_path}{slug}/",
                        first_published_at=published,
                        last_published_at=published,
                    )
                )
            pages = Page.objects.bulk_create(pages)
            rows = []
            for page in pages:
                organisation = rng.choice(organisations)
                case = CaseStudyPage(
                    page_ptr_id=page.pk,
                    summary=text(rng, 2),
                    publication_date=datetime.date(2025, 1, 1) + datetime.timedelta(page.pk % 300),
                    content_owner="Flow improvement team",
                    owner_email="owner.private@example.nhs.uk",
                    organisation_id=organisation.pk,
                    region_id=organisation.region_id,
                    problem=text(rng, 4),
                    what_we_did="\n".join(f"- {text(rng, 1)}" for _ in range(4)),
                    what_did_not_work=text(rng, 2),
                    lessons=text(rng, 3),
                    costs_and_resources=text(rng, 1),
                    contact_name="Bench Contact",
                    contact_email="contact.private@example.nhs.uk",
                )
                rows.append(
                    [f.get_db_prep_save(getattr(case, f.attname), connection) for f in fields]
                )
            with connection.cursor() as cursor:
                cursor.executemany(insert, rows)
            ids = [page.pk for page in pages]
            Pathways.objects.bulk_create(
                Pathways(casestudypage_id=pk, pathway_id=term)
                for pk in ids
                for term in rng.sample(pathways, 2)
            )
            Methods.objects.bulk_create(
                Methods(casestudypage_id=pk, improvementmethod_id=rng.choice(methods)) for pk in ids
            )
            CaseStudyMeasure.objects.bulk_create(
                CaseStudyMeasure(page_id=pk, sort_order=order, name=name, unit=unit,
                                 baseline=baseline, result=result, period="2024 to 2025",
                                 higher_is_better=better)
                for pk in ids
                for order, (name, unit, baseline, result, better) in enumerate(
                    [("Length of stay", "days", 9.4, 7.1, False),
                     ("Discharges before noon", "%", 14, 27.5, True)]
                )
            )  # fmt: skip
            CaseStudySeries.objects.bulk_create(
                CaseStudySeries(page_id=pk, sort_order=0, name=template.name, unit=template.unit,
                                direction=template.direction, target=template.target,
                                change_at=template.change_at, points=template.points,
                                analysis=analysis)
                for pk in ids
                if pk % 5 == 0
            )  # fmt: skip
    Page.objects.filter(pk=index.pk).update(numchild=size)


def build(size, database):
    setup_django(database, fresh=True)
    from django.core.management import call_command
    from django.db import connection

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    insert_case_studies(size)
    connection.close()
    return time.perf_counter() - started


def rss_kib():
    """This process's resident memory now, in KiB (Linux)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def export_only(database, output, heap):
    """Run in a process of its own: the export, and what it cost."""
    import resource
    import tracemalloc

    setup_django(database, fresh=False)
    from kb.cases.models import CaseStudyPage
    from kb.opendata.files import export_all

    CaseStudyPage.objects.exists()  # connect and load the models before measuring
    before = rss_kib()
    if heap:
        tracemalloc.start()
    started = time.perf_counter()
    manifest = export_all(output)
    seconds = time.perf_counter() - started
    heap_peak = tracemalloc.get_traced_memory()[1] if heap else None
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    sizes = {name: (Path(output) / name).stat().st_size for name in
             ("case-studies.csv", "case-studies.json", "kb-open-data.zip")}  # fmt: skip
    print(json.dumps({
        "seconds": seconds, "rss_before_kib": before, "peak_rss_kib": peak,
        "heap_peak_bytes": heap_peak, "sizes": sizes,
        "records": manifest["datasets"]["case-studies"]["records"],
        "results": manifest["datasets"]["case-study-results"]["records"],
        "series_rows": manifest["datasets"]["measure-series"]["csv_rows"],
    }))  # fmt: skip


def run_export(database, output, heap=False):
    command = [sys.executable, __file__, "--export-only", str(database), str(output)]
    if heap:
        command.append("--heap")
    done = subprocess.run(command, check=True, capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def megabytes(n):
    return f"{n / 1_000_000:.1f}"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--heap", action="store_true", help="also measure the Python heap")
    parser.add_argument("--export-only", nargs=2, metavar=("DATABASE", "OUTPUT"),
                        help=argparse.SUPPRESS)  # fmt: skip
    args = parser.parse_args()
    if args.export_only:
        export_only(*args.export_only, heap=args.heap)
        return
    folder = bench_dir()
    print(f"Open-data export benchmark (SQLite, in {folder})")
    print(
        f"{'case studies':>12} {'build s':>8} {'export s':>9} {'pages/s':>8} "
        f"{'RSS before':>11} {'peak RSS':>9} {'heap peak':>10} "
        f"{'CSV MB':>7} {'JSON MB':>8} {'zip MB':>7}"
    )
    for size in args.sizes:
        database = folder / f"open-data-{size}.sqlite3"
        output = folder / f"open-data-{size}"
        built = subprocess.run(
            [sys.executable, "-c", f"import sys; sys.path.insert(0, {str(ROOT)!r}); "
             f"from bench.open_data_export import build; print(build({size}, {str(database)!r}))"],
            check=True, capture_output=True, text=True,
        )  # fmt: skip
        build_seconds = float(built.stdout.strip().splitlines()[-1])
        result = run_export(database, output)
        assert result["records"] == size, result
        heap = run_export(database, output, heap=True)["heap_peak_bytes"] if args.heap else None
        print(
            f"{size:>12,} {build_seconds:>8.1f} {result['seconds']:>9.1f} "
            f"{size / result['seconds']:>8,.0f} "
            f"{result['rss_before_kib'] / 1024:>8.0f} MB {result['peak_rss_kib'] / 1024:>6.0f} MB "
            f"{(f'{heap / 1_048_576:.0f} MB' if heap else '-'):>10} "
            f"{megabytes(result['sizes']['case-studies.csv']):>7} "
            f"{megabytes(result['sizes']['case-studies.json']):>8} "
            f"{megabytes(result['sizes']['kb-open-data.zip']):>7}"
        )
        print(f"{'':>12} ({result['results']:,} results, {result['series_rows']:,} series points)")


if __name__ == "__main__":
    main()
