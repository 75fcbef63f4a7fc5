"""Real app servers for the tests that need more than one process: gunicorn on loopback ports
against the test's own database, a task worker, and a browser-like client that reaches them as
a load balancer would send it (one cookie jar whichever server answers, the client's address in
X-Forwarded-For)."""

import contextlib
import http.cookiejar
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


def database_url():
    """The test database (committed data only: use with transactional_db)."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    return f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def environment(**extra):
    """What a production server gets, pointed at the test's database and caches."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "KB_", "REDIS"))}
    if settings.REDIS_URL:
        env["REDIS_URL"] = settings.CACHES["default"]["LOCATION"]  # this test worker's database
    env.update(
        DATABASE_URL=database_url(),
        KB_VAR_DIR=str(settings.VAR_DIR),
        KB_TRUSTED_PROXY_COUNT="1",  # the "load balancer" names each client in X-Forwarded-For
        KB_LOG_LEVEL="WARNING",
        DJANGO_DEBUG="false",
        DJANGO_SECRET_KEY="the same secret on every server, as in production " * 2,
        DJANGO_EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
    )
    env.update(extra)
    return env


def _wait_for(base, process):
    for _ in range(300):
        if process.poll() is not None:
            raise RuntimeError(f"server at {base} exited with {process.returncode}")
        try:
            urllib.request.urlopen(base + "/robots.txt", timeout=2)
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"server at {base} did not start")


@contextlib.contextmanager
def running(servers=1, workers=2, task_worker=False, **env):
    """Start `servers` gunicorn servers (`workers` processes each, two threads each) and, with
    `task_worker`, a db_worker; yield their base URLs; stop them all."""
    processes, bases = [], []
    try:
        for _ in range(servers):
            port = free_port()
            server_env = environment(
                KB_BIND=f"127.0.0.1:{port}", KB_WORKERS=str(workers), KB_THREADS="2", **env
            )
            processes.append(
                subprocess.Popen(
                    [sys.executable, "-m", "gunicorn", "kb.wsgi", "--access-logfile", "/dev/null"],
                    cwd=ROOT,
                    env=server_env,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )  # fmt: skip
            )
            bases.append(f"http://127.0.0.1:{port}")
        if task_worker:
            processes.append(
                subprocess.Popen(
                    [
                        sys.executable,
                        "manage.py",
                        "db_worker",
                        "--interval",
                        "0.2",
                        "--no-startup-delay",
                        "--no-reload",
                    ],
                    cwd=ROOT,
                    env=environment(**env),
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )  # fmt: skip
            )
        for base, process in zip(bases, processes, strict=False):
            _wait_for(base, process)
        yield bases
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # each redirect is seen as it is


class Browser:
    """One person's browser: one cookie jar, whichever server answers. `address` is the client
    address the load balancer reports; every server is sent the site's one public host name,
    as a load balancer passes it on."""

    host = "localhost"

    def __init__(self, address="203.0.113.10"):
        self.address = address
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), _NoRedirect()
        )

    def get(self, url):
        return self._open(urllib.request.Request(url))

    def post(self, url, form, referer):
        data = urllib.parse.urlencode(form).encode()
        return self._open(urllib.request.Request(url, data=data, headers={"Referer": referer}))

    def _open(self, request):
        """(status, headers, body text)."""
        request.add_header("X-Forwarded-For", self.address)
        request.add_header("Host", self.host)
        try:
            with self.opener.open(request, timeout=30) as response:
                return response.status, dict(response.headers), response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), error.read().decode()


def field(html, name):
    """The value of a form field on a page."""
    return re.search(rf'name="{name}" value="([^"]*)"', html).group(1)


def idea_form(title, form_page):
    """A complete, valid idea submission from the form page it was shown on."""
    return {
        "csrfmiddlewaretoken": field(form_page, "csrfmiddlewaretoken"),
        "form_token": field(form_page, "form_token"),
        "title": title, "problem": "Trays are opened and never used.",
        "proposal": "Make a smaller tray.", "waste_type": "inventory", "stage": "idea",
        "organisation": "Northshire Hospitals NHS Foundation Trust", "role": "Theatre nurse",
        "email": "nurse@example.nhs.uk", "consent_to_publish": "on",
    }  # fmt: skip


def post_until_limited(client, bases, limit):
    """POST refused (empty) idea forms from one client, alternating over `bases`: every one of
    the first `limit` must be answered (200, with its errors); returns the statuses of one more
    to each server."""
    _, _, form_page = client.get(bases[0] + "/ideas/submit/")
    refused = {"csrfmiddlewaretoken": field(form_page, "csrfmiddlewaretoken"), "title": ""}
    for number in range(limit):  # each POST counts, accepted or not
        base = bases[number % len(bases)]
        status, _, _ = client.post(base + "/ideas/submit/", refused, referer=base)
        assert status == 200, f"post {number + 1} of {limit} was refused with {status}"
    return [client.post(base + "/ideas/submit/", refused, referer=base) for base in bases]
