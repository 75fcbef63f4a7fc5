"""Security headers, production settings and sign-in brute-force protection."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.django_db
def test_public_pages_send_a_strict_content_security_policy(client, site_tree):
    response = client.get("/")
    policy = response["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";") if part.strip())
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert directives["object-src"] == "'none'"
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    # The NHS fonts the NHS.UK stylesheet asks for, from NHS England's asset server only.
    assert directives["font-src"] == "'self' https://assets.nhs.uk"
    import wagtailnhsukfrontend

    css = Path(wagtailnhsukfrontend.__file__).parent / "static" / "wagtailnhsukfrontend" / "css"
    stylesheet = next(css.glob("nhsuk-frontend-*.min.css"))
    assert "https://assets.nhs.uk/fonts/" in stylesheet.read_text()


@pytest.mark.django_db
def test_public_pages_send_the_other_security_headers(client, site_tree):
    response = client.get("/")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert response["X-Frame-Options"] == "DENY"


@pytest.mark.django_db
def test_the_admin_is_left_to_its_own_scripts(client):
    response = client.get("/admin/login/")
    assert "Content-Security-Policy" not in response
    assert response["X-Frame-Options"] == "DENY"


def production_env(tmp_path, **extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "KB_"))}
    env.pop("DATABASE_URL", None)
    env.update(
        KB_VAR_DIR=str(tmp_path),
        KB_HTTPS="true",
        DJANGO_SECRET_KEY="x" * 20 + "-a-long-and-random-production-secret-key-value-1234567890",
        DJANGO_ALLOWED_HOSTS="kb.example.nhs.uk",
        **extra,
    )
    return env


def test_check_deploy_is_clean_for_production_settings(tmp_path):
    done = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT, env=production_env(tmp_path), capture_output=True, text=True,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert "no issues" in done.stdout


def test_https_settings_turn_on_hsts_and_secure_cookies(tmp_path):
    code = (
        "import json, kb.settings as s; print(json.dumps([s.SECURE_HSTS_SECONDS, "
        "s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SESSION_COOKIE_HTTPONLY, "
        "s.SECURE_SSL_REDIRECT]))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=production_env(tmp_path),
        capture_output=True, text=True,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[31536000, true, true, true, true]"


@pytest.mark.django_db
def test_repeated_wrong_passwords_lock_the_account_out(client, django_user_model, axes_enabled):
    django_user_model.objects.create_user("editor", "e@example.nhs.uk", "right-password-123")
    statuses = [
        client.post(
            "/admin/login/", {"username": "editor", "password": "wrong"}, REMOTE_ADDR="10.1.1.1"
        ).status_code
        for _ in range(5)
    ]
    assert statuses == [200, 200, 200, 200, 429]  # the fifth failure locks the account
    locked = client.post(
        "/admin/login/",
        {"username": "editor", "password": "right-password-123"},
        REMOTE_ADDR="10.1.1.1",
    )
    assert locked.status_code == 429
    assert "Too many sign-in attempts" in locked.content.decode()
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_a_correct_password_before_the_limit_signs_in(client, django_user_model, axes_enabled):
    django_user_model.objects.create_superuser("admin2", "a@example.nhs.uk", "right-password-123")
    for _ in range(3):
        client.post("/admin/login/", {"username": "admin2", "password": "wrong"})
    response = client.post(
        "/admin/login/", {"username": "admin2", "password": "right-password-123"}
    )
    assert response.status_code == 302
    assert client.get("/admin/").status_code == 200
