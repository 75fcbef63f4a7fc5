#!/usr/bin/env python
"""Project page benchmark: one improvement project with 4 measures of 104 weekly points and 30
PDSA cycles, rendered uncached (the issue's aim: under 100 ms on this machine).

    .venv/bin/python bench/project_page.py               # 50 renders of the shared page
    .venv/bin/python bench/project_page.py --renders 200

Builds a fresh SQLite database in /tmp/kb-bench-project/ ($KB_VAR_DIR/bench/ when set), then
times whole requests through Django's test client (middleware, routing, template, charts with
the cycles marked), for an anonymous reader (the page cache is switched off) and for a lead
(who also gets the team's forms). Prints the median, 90th percentile and the queries a request.
"""

import argparse
import datetime
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def bench_dir():
    var = os.environ.get("KB_VAR_DIR")
    folder = Path(var) / "bench" if var else Path(tempfile.gettempdir()) / "kb-bench-project"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def setup_django():
    database = bench_dir() / "project.sqlite3"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{database}{suffix}").unlink(missing_ok=True)
    os.environ["DATABASE_URL"] = f"sqlite:///{database}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kb.settings")
    import django

    django.setup()
    from django.core.management import call_command

    from kb.publishing.site_structure import ensure_site_structure

    call_command("migrate", verbosity=0)
    ensure_site_structure()


def build_project():
    from django.contrib.auth import get_user_model

    from kb.projects.charts import refresh_marked_charts
    from kb.projects.models import (
        PdsaCycle,
        ProjectIndexPage,
        ProjectMeasure,
        ProjectMember,
        ProjectPage,
    )
    from kb.taxonomy.models import Organisation

    rng = random.Random(42)
    lead = get_user_model().objects.create_user("lead", "lead@nhs.net", "pw")
    organisation = Organisation.objects.create(name="Benchmark Hospitals NHS Trust", slug="bench")
    index = ProjectIndexPage.objects.get()
    project = ProjectPage(
        title="Benchmark project",
        slug="benchmark-project",
        summary="A project the size of a busy two-year programme.",
        aim="Every measure improves by a fifth in two years.",
        organisation=organisation,
        driver_diagram=[
            {"text": f"Primary driver {p}", "children": [
                {"text": f"Secondary driver {p}.{s}", "children": [
                    {"text": f"Change idea {p}.{s}.{c}", "children": []} for c in range(3)
                ]} for s in range(2)
            ]} for p in range(3)
        ],
    )  # fmt: skip
    index.add_child(instance=project)
    project.save_revision().publish()
    ProjectMember.objects.create(page=project, user=lead, is_lead=True)
    start = datetime.date(2024, 1, 1)
    measures = []
    for number in range(4):
        points = [
            [(start + datetime.timedelta(weeks=w)).strftime("%-d %b %Y"),
             round(50 + (8 if w >= 52 else 0) + rng.gauss(0, 3), 1)]
            for w in range(104)
        ]  # fmt: skip
        measure = ProjectMeasure(
            page=project, name=f"Measure {number + 1}", kind="outcome", unit="%",
            direction="up", points=points, change_at=points[52][0], position=number,
        )  # fmt: skip
        measure.save()
        measures.append(measure)
    for number in range(1, 31):
        cycle = PdsaCycle.objects.create(
            page=project, number=number,
            start_date=start + datetime.timedelta(weeks=3 * number),
            change_tested=f"Change tested in cycle {number}", plan="A plan " * 20,
            prediction="A prediction", do="What happened " * 10, study="The result " * 10,
            act="adapt" if number % 3 else "adopt",
        )  # fmt: skip
        cycle.measures.set(measures[: 1 + number % 4])
    refresh_marked_charts(project)  # as the team's views do after every change
    return project, lead


def time_requests(client, url, renders):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(url)  # warm the templates and the code
    times = []
    for _ in range(renders):
        began = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - began) * 1000)
        assert response.status_code == 200, response.status_code
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.9) - 1], len(queries)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--renders", type=int, default=50)
    args = parser.parse_args()
    setup_django()
    from django.conf import settings
    from django.test import Client

    settings.KB_PAGE_CACHE_SECONDS = 0  # every request rendered
    settings.ALLOWED_HOSTS = ["*"]
    project, lead = build_project()
    url = project.url
    print(f"Project page {url}: 4 measures x 104 weekly points, 30 PDSA cycles")
    for who, client in (("anonymous reader", Client()), ("lead (with the team's forms)", None)):
        if client is None:
            client = Client()
            client.force_login(lead)
        median, p90, queries = time_requests(client, url, args.renders)
        print(f"  {who:30} median {median:6.1f} ms  p90 {p90:6.1f} ms  {queries} queries")
    print("Aim: under 100 ms uncached.")


if __name__ == "__main__":
    main()
