#!/usr/bin/env python
"""Variation data import benchmark: `import_metric_data` of a synthetic CSV, rows a second.

    .venv/bin/python bench/variation_import.py                    # 1,000,000 rows (50 x 200 x 100)
    .venv/bin/python bench/variation_import.py --metrics 5        # 100,000 rows, quicker
    .venv/bin/python bench/variation_import.py --profile          # also where the time goes

Writes a CSV of `metrics x organisations x months` rows (fictional "ZZ" ODS codes), then on a
fresh SQLite database in /tmp/kb-bench-variation/ ($KB_VAR_DIR/bench/ when that is set; set
DATABASE_URL to a postgres:// URL to run on PostgreSQL instead: its tables are emptied first)
times a first load, a re-load of the same file (everything unchanged) and a load with one
value in ten changed. Prints rows a second and the process's peak RSS. Nothing under var/ is
touched. The target (docs/variation.md): a million rows in under 60 s.
"""

import argparse
import csv
import os
import random
import resource
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
DATA_TYPES = ("proportion", "rate", "standardised-ratio")


def bench_dir():
    var = os.environ.get("KB_VAR_DIR")
    folder = Path(var) / "bench" if var else Path(tempfile.gettempdir()) / "kb-bench-variation"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def write_csv(path, metrics, organisations, months, seed=7, change_every=0):
    """The synthetic file; with `change_every` N, every Nth row's numerator is one higher."""
    rng = random.Random(seed)
    sizes = [rng.randint(500, 20000) for _ in range(organisations)]
    with open(path, "w", newline="", encoding="utf-8") as handle:
        handle.write(COLUMNS + "\n")
        writer = csv.writer(handle, lineterminator="\n")
        n = 0
        for m in range(metrics):
            data_type = DATA_TYPES[m % 3]
            direction = "higher" if m % 2 else "lower"
            name = f"Synthetic metric {m} ({data_type})"
            level = rng.uniform(0.05, 0.9)
            for o in range(organisations):
                org = (f"ZZ{o:04d}", f"Benchmark Trust {o} NHS Foundation Trust")
                for i in range(months):
                    year, month = divmod(3 + i, 12)
                    den = sizes[o] // 10 + (i * 7 + m) % 50
                    num = int(den * level * rng.uniform(0.8, 1.2))
                    if data_type == "proportion":
                        num = min(num, den)
                    if data_type == "standardised-ratio":
                        den = f"{den * level:.2f}"
                    n += 1
                    if change_every and n % change_every == 0:
                        num += 1 if data_type != "proportion" or num < int(den) else -1
                    period = f"{2015 + year}-{month + 1:02d}"
                    writer.writerow([f"metric-{m}", name, data_type, direction, *org, period,
                                     num, den])  # fmt: skip


def setup_django():
    if "DATABASE_URL" not in os.environ:
        database = bench_dir() / "variation.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{database}{suffix}").unlink(missing_ok=True)
        os.environ["DATABASE_URL"] = f"sqlite:///{database}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kb.settings")
    os.environ.setdefault("KB_LOG_LEVEL", "WARNING")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from kb.taxonomy.models import Organisation
    from kb.variation.models import Metric

    Metric.objects.all().delete()
    Organisation.objects.filter(ods_code__startswith="ZZ").delete()


def peak_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed(label, path, rows, profile=False):
    from kb.variation.importer import import_file

    started, cpu = time.perf_counter(), time.process_time()
    if profile:
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        result = profiler.runcall(import_file, path)
        pstats.Stats(profiler).strip_dirs().sort_stats("tottime").print_stats(20)
    else:
        result = import_file(path)
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    print(
        f"{label}: {rows:,} rows in {elapsed:.1f} s: {rows / elapsed:,.0f} rows/s "
        f"(CPU {cpu:.1f} s; {result.summary()}); peak RSS {peak_rss_mb():,.0f} MB"
    )
    return elapsed


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--metrics", type=int, default=50)
    parser.add_argument("--organisations", type=int, default=200)
    parser.add_argument("--months", type=int, default=100)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--profile", action="store_true", help="cProfile the first load")
    args = parser.parse_args()
    rows = args.metrics * args.organisations * args.months
    folder = bench_dir()
    path, changed = folder / "variation.csv", folder / "variation-changed.csv"
    started = time.perf_counter()
    write_csv(path, args.metrics, args.organisations, args.months, args.seed)
    write_csv(changed, args.metrics, args.organisations, args.months, args.seed, change_every=10)
    size = path.stat().st_size / 1024 / 1024
    print(f"{rows:,} rows ({size:.0f} MB) written in {time.perf_counter() - started:.1f} s")
    setup_django()
    from django.db import connection

    print(f"database: {connection.vendor}")
    first = timed("first load", path, rows, args.profile)
    timed("re-load, unchanged", path, rows)
    timed("one value in ten changed", changed, rows)
    verdict = "under" if first < 60 else "OVER"
    print(f"first load {verdict} the 60 s target")


if __name__ == "__main__":
    main()
