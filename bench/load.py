#!/usr/bin/env python
"""Load benchmark: gunicorn on loopback, measured with wrk and a burst of real idea submissions.

    .venv/bin/python bench/load.py              # about 3 minutes
    .venv/bin/python bench/load.py --seconds 5  # quicker
    .venv/bin/python bench/load.py --uncached-only --var /tmp/kb-bench  # one figure, own files

Needs Debian's wrk (`apt-get install wrk`). Builds its own SQLite database with the demo content
in var/bench/, starts gunicorn (the production configuration, DEBUG off) twice on loopback, once
with the anonymous page cache and once without, and prints requests per second and p50/p95
latency for: a case study page served as a static file by the same server (the ceiling), the
same page from the page cache, the same page rendered every time, and the search API. Then it
sends idea submissions from 50 concurrent clients for 30 s and checks that every acknowledged
reference is in the database exactly once. Traffic goes to 127.0.0.1 only and stops by itself.
`--uncached-only` measures just the case study rendered every time (the page cache off);
`--var` puts the database and files elsewhere, so that two runs never share them.

    .venv/bin/python bench/load.py --servers 2 --seconds 10   # one server, then two

`--servers N` runs the same figures with 1 to N servers on one PostgreSQL and one Redis (started
by scripts/postgres.sh and scripts/redis.sh, database kb_bench_load, Redis database 15), wrk
against every server at once, and the submission burst spread over all N, with a task worker.
"""

import argparse
import http.cookiejar
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VAR = ROOT / "var" / "bench" / "load"
CASE_STUDY = "/case-studies/northumbria-direct-streaming-to-sdec/"
load_before = ""  # the machine's load average when measuring starts (set in main)
SEARCH = "/api/search/?q=handover&pathway=urgent-and-emergency-care&method=lean"
WRK_SCRIPT = """
done = function(summary, latency, requests)
  io.write(string.format("RESULT %.1f %.2f %.2f %d %d\\n",
    summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    summary.errors.status, summary.errors.connect + summary.errors.read + summary.errors.timeout))
end
"""


SHARED = {}  # --servers: DATABASE_URL, REDIS_URL and the task queue every process shares


def environment(cache_seconds):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "KB_", "REDIS"))}
    env.update(
        DATABASE_URL=f"sqlite:///{VAR / 'load.sqlite3'}",
        KB_VAR_DIR=str(VAR),
        DJANGO_DEBUG="false",
        KB_PAGE_CACHE_SECONDS=str(cache_seconds),
        KB_IDEAS_SUBMIT_RATE="100000/m",
        KB_API_RATE="10000000/m",  # wrk is one client: the API's per-client limit would answer 429
        KB_LOG_LEVEL="WARNING",
        DJANGO_EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
        DJANGO_SECRET_KEY="one secret for every server in the benchmark " * 2,
    )
    env.update(SHARED)
    return env


def manage(*args):
    subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=environment(0), check=True,
        stdout=subprocess.DEVNULL,
    )  # fmt: skip


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def prepare():
    VAR.mkdir(parents=True, exist_ok=True)
    manage("migrate", "--noinput")
    manage("load_demo_content")
    manage("collectstatic", "--noinput")


def start_gunicorn(cache_seconds, workers):
    port = free_port()
    env = environment(cache_seconds) | {"KB_BIND": f"127.0.0.1:{port}",
                                        "KB_WORKERS": str(workers), "KB_THREADS": "2"}  # fmt: skip
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "kb.wsgi", "--access-logfile", "/dev/null"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            urllib.request.urlopen(base + "/", timeout=1)
            return process, base
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise SystemExit("gunicorn did not start")


def save_static_copy(base):
    """The rendered case study as a static file, served by WhiteNoise in the same server."""
    html = urllib.request.urlopen(base + CASE_STUDY).read()
    target = VAR / "static" / "bench"
    target.mkdir(parents=True, exist_ok=True)
    (target / "case-study.html").write_bytes(html)


def wrk(url, seconds, connections=16):
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(WRK_SCRIPT)
    done = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s",
         "-s", script.name, url],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    os.unlink(script.name)
    match = re.search(r"RESULT (\S+) (\S+) (\S+) (\d+) (\d+)", done.stdout)
    rate, p50, p95, bad_status, failures = match.groups()
    return float(rate), float(p50), float(p95), int(bad_status) + int(failures)


def submission_burst(bases, clients, seconds):
    """Each client submits ideas as a browser would, client n to server n mod len(bases);
    returns the acknowledged references."""
    bases = [bases] if isinstance(bases, str) else bases
    stop_at = time.monotonic() + seconds
    acknowledged, errors, latencies = [], [], []
    lock = threading.Lock()

    def client(number):
        base = bases[number % len(bases)]
        jar = http.cookiejar.CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        sent = 0
        while time.monotonic() < stop_at:
            try:
                started = time.perf_counter()
                page = opener.open(base + "/ideas/submit/", timeout=30).read().decode()
                csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
                token = re.search(r'name="form_token" value="([^"]+)"', page).group(1)
                sent += 1
                form = {
                    "csrfmiddlewaretoken": csrf, "form_token": token,
                    "title": f"Load test idea {number}-{sent}",
                    "problem": "Trays are opened and not used.",
                    "proposal": "Make smaller trays.", "waste_type": "inventory",
                    "organisation": "Bench NHS Trust", "role": "Theatre nurse",
                    "email": f"bench{number}@example.nhs.uk", "consent_to_publish": "on",
                    "stage": "idea",
                }  # fmt: skip
                request = urllib.request.Request(
                    base + "/ideas/submit/", data=urllib.parse.urlencode(form).encode(),
                    headers={"Referer": base + "/ideas/submit/"},
                )  # fmt: skip
                answer = opener.open(request, timeout=30).read().decode()
                reference = re.search(r"IDEA-[A-Z0-9]{6}", answer)
                with lock:
                    latencies.append(time.perf_counter() - started)
                    if reference:
                        acknowledged.append(reference.group(0))
                    else:
                        errors.append("no reference on the confirmation page")
            except Exception as error:  # a refused or failed request: counted, not fatal
                with lock:
                    errors.append(repr(error)[:120])

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return acknowledged, errors, latencies


def stored_references(references):
    code = (
        "import json,sys; from kb.ideas.models import IdeaSubmission as S; "
        "refs=json.load(sys.stdin); "
        "print(S.objects.filter(reference__in=refs).count(), "
        "S.objects.filter(title__startswith='Load test idea').count())"
    )
    import json

    done = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code], cwd=ROOT, env=environment(0),
        input=json.dumps(references), capture_output=True, text=True, check=True,
    )  # fmt: skip
    found, total = done.stdout.split()[-2:]
    return int(found), int(total)


def uncached_only(args):
    """Just the case study rendered on every request: the figure page rendering work aims at."""
    server, base = start_gunicorn(0, args.workers)
    try:
        rate, p50, p95, failures = wrk(base + CASE_STUDY, args.seconds)
    finally:
        server.terminate()
        server.wait()
    print(f"\ngunicorn, {args.workers} workers x 2 threads, on {os.cpu_count()} cores; "
          f"wrk 16 connections, {args.seconds} s; load average before: {load_before}")  # fmt: skip
    print(f"{'what':26} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'errors':>7}")
    print(f"{'case study, uncached':26} {rate:8.0f} {p50:8.1f} {p95:8.1f} {failures:7d}")
    print(f"page: {CASE_STUDY}")


def shared_services():
    """A fresh PostgreSQL database and Redis database for the run (scripts/postgres.sh and
    scripts/redis.sh start them as `make test` does), with the database task queue."""
    import psycopg

    base = subprocess.run([str(ROOT / "scripts" / "postgres.sh")], capture_output=True,
                          text=True, check=True).stdout.strip()  # fmt: skip
    with psycopg.connect(base, autocommit=True) as connection:
        connection.execute("DROP DATABASE IF EXISTS kb_bench_load")
        connection.execute("CREATE DATABASE kb_bench_load")
    redis = subprocess.run([str(ROOT / "scripts" / "redis.sh")], capture_output=True,
                           text=True, check=True).stdout.strip()  # fmt: skip
    redis = redis.rsplit("/", 1)[0] + "/15"
    subprocess.run(["redis-cli", "-u", redis, "flushdb"], check=True, stdout=subprocess.DEVNULL)
    SHARED.update(DATABASE_URL=base.rsplit("/", 1)[0] + "/kb_bench_load", REDIS_URL=redis,
                  KB_TASK_QUEUE="database")  # fmt: skip


def wrk_over(urls, seconds):
    """wrk against each server at once (16 connections each, as a balancer would spread them):
    total requests per second, the worst p50 and p95, and all errors."""
    results, threads = [], []
    for url in urls:
        thread = threading.Thread(target=lambda u=url: results.append(wrk(u, seconds)))
        thread.start()
        threads.append(thread)
    for thread in threads:
        thread.join()
    return (sum(r[0] for r in results), max(r[1] for r in results), max(r[2] for r in results),
            sum(r[3] for r in results))  # fmt: skip


def several_servers(args):
    """One server, then two, on one PostgreSQL and one Redis, with a task worker."""
    worker = subprocess.Popen(
        [sys.executable, "manage.py", "db_worker", "--queue-name", "*", "--no-reload"],
        cwd=ROOT, env=environment(0), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    rows, burst = [], None
    try:
        for count in range(1, args.servers + 1):
            cached = [start_gunicorn(600, args.workers) for _ in range(count)]
            plain = [start_gunicorn(0, args.workers) for _ in range(count)]
            try:
                for _, base in cached:
                    urllib.request.urlopen(base + CASE_STUDY).read()  # warm the shared cache
                for label, servers, path in [
                    ("case study, cached", cached, CASE_STUDY),
                    ("case study, uncached", plain, CASE_STUDY),
                    ("search API", plain, SEARCH),
                ]:
                    urls = [base + path for _, base in servers]
                    rows.append((f"{label}, {count} server{'s' * (count > 1)}",
                                 *wrk_over(urls, args.seconds)))  # fmt: skip
                if count == args.servers:
                    burst = submission_burst([base for _, base in cached], args.burst_clients,
                                             args.burst_seconds)  # fmt: skip
            finally:
                for server, _ in cached + plain:
                    server.terminate()
                    server.wait()
    finally:
        worker.terminate()
        worker.wait()
    print(f"\n{args.servers} servers at most, gunicorn {args.workers} workers each, on "
          f"{os.cpu_count()} cores (all servers share them); PostgreSQL, Redis, a db_worker; "
          f"wrk 16 connections a server; load average before: {load_before}")  # fmt: skip
    print(f"{'what':34} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'errors':>7}")
    for label, rate, p50, p95, failures in rows:
        print(f"{label:34} {rate:8.0f} {p50:8.1f} {p95:8.1f} {failures:7d}")
    report_burst(args, *burst, servers=args.servers)


def report_burst(args, acknowledged, errors, latencies, servers=1):
    found, total = stored_references(acknowledged)
    latencies.sort()
    p95 = latencies[int(0.95 * (len(latencies) - 1))] * 1000 if latencies else 0
    print(f"\nSubmission burst: {args.burst_clients} clients for {args.burst_seconds} s, "
          f"spread over {servers} server{'s' * (servers > 1)}")  # fmt: skip
    print(f"acknowledged {len(acknowledged)} ({len(acknowledged) / args.burst_seconds:.1f}/s, "
          f"p95 {p95:.0f} ms for form + submit), failed requests {len(errors)}")  # fmt: skip
    doubled = len(acknowledged) - len(set(acknowledged))
    print(f"in the database: {found} of {len(acknowledged)} acknowledged references; "
          f"{total} load-test ideas in all; duplicates {doubled}")  # fmt: skip
    if errors:
        print("first errors:", errors[:3])
    if found != len(acknowledged) or len(set(acknowledged)) != len(acknowledged):
        raise SystemExit("FAILED: an acknowledged idea is missing or doubled")


def main():
    global VAR, CASE_STUDY, load_before
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=15, help="wrk run length")
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--burst-clients", type=int, default=50)
    parser.add_argument("--burst-seconds", type=int, default=30)
    parser.add_argument(
        "--uncached-only", action="store_true",
        help="measure only the case study rendered every time (no cache, search or burst)",
    )  # fmt: skip
    parser.add_argument("--var", type=Path, default=VAR, help=f"working files (default {VAR})")
    parser.add_argument("--page", default=CASE_STUDY, help="the case study's path")
    parser.add_argument(
        "--servers", type=int, default=0,
        help="measure 1 to N servers on one PostgreSQL and one Redis (started as make test does)",
    )  # fmt: skip
    args = parser.parse_args()
    VAR, CASE_STUDY = args.var.resolve(), args.page
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed: apt-get install wrk")
    if args.servers:
        shared_services()
    prepare()
    load_before = " ".join(f"{value:.2f}" for value in os.getloadavg())
    if args.uncached_only:
        return uncached_only(args)
    if args.servers:
        return several_servers(args)
    cached_server, cached = start_gunicorn(600, args.workers)
    rows = []
    try:
        save_static_copy(cached)
        cached_server.terminate()
        cached_server.wait()
        cached_server, cached = start_gunicorn(600, args.workers)  # sees the static copy
        plain_server, plain = start_gunicorn(0, args.workers)
        try:
            urllib.request.urlopen(cached + CASE_STUDY).read()  # warm the cache
            runs = [
                ("static file (ceiling)", cached + "/static/bench/case-study.html"),
                ("case study, cached", cached + CASE_STUDY),
                ("case study, uncached", plain + CASE_STUDY),
                ("search API", plain + SEARCH),
            ]
            for label, url in runs:
                rows.append((label, *wrk(url, args.seconds)))
        finally:
            plain_server.terminate()
            plain_server.wait()
        acknowledged, errors, latencies = submission_burst(
            cached, args.burst_clients, args.burst_seconds
        )
    finally:
        cached_server.terminate()
        cached_server.wait()

    print(f"\ngunicorn, {args.workers} workers, on {os.cpu_count()} cores; wrk 16 connections; "
          f"load average before: {load_before}")  # fmt: skip
    print(f"{'what':26} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'errors':>7}")
    for label, rate, p50, p95, failures in rows:
        print(f"{label:26} {rate:8.0f} {p50:8.1f} {p95:8.1f} {failures:7d}")
    ceiling = rows[0][1]
    print(f"cached page / static ceiling: {rows[1][1] / ceiling:.2f} of the ceiling "
          f"({ceiling / rows[1][1]:.2f}x slower)")  # fmt: skip
    print(f"uncached page / static ceiling: {rows[2][1] / ceiling:.2f}")

    report_burst(args, acknowledged, errors, latencies)


if __name__ == "__main__":
    main()
