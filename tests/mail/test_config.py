"""EMAIL_URL: one variable says how email leaves the site; console: when it is not set."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from kb.mail.config import email_settings

ROOT = Path(__file__).resolve().parents[2]
SMTP = "django.core.mail.backends.smtp.EmailBackend"


def test_an_smtp_server_with_starttls():
    found = email_settings("smtp://kb-mailer:s3cret@smtp.example.nhs.uk:587?tls=true")
    assert found == {
        "EMAIL_BACKEND": SMTP,
        "EMAIL_HOST": "smtp.example.nhs.uk",
        "EMAIL_PORT": 587,
        "EMAIL_HOST_USER": "kb-mailer",
        "EMAIL_HOST_PASSWORD": "s3cret",
        "EMAIL_USE_TLS": True,
        "EMAIL_USE_SSL": False,
        # A silent server never hangs a request or the sender.
        "EMAIL_TIMEOUT": 10,
    }


def test_a_password_with_reserved_characters_is_percent_encoded():
    found = email_settings("smtp://kb%40trust:p%40ss%2Fw%3Ard@relay:25?ssl=1&timeout=3")
    assert (found["EMAIL_HOST_USER"], found["EMAIL_HOST_PASSWORD"]) == ("kb@trust", "p@ss/w:rd")
    assert (found["EMAIL_USE_SSL"], found["EMAIL_USE_TLS"], found["EMAIL_TIMEOUT"]) == (
        True,
        False,
        3,
    )


@pytest.mark.parametrize("url", ["", "   ", "console:"])
def test_console_is_the_default(url):
    assert email_settings(url)["EMAIL_BACKEND"] == "django.core.mail.backends.console.EmailBackend"


def test_a_folder_of_files_keeps_its_absolute_path():
    found = email_settings("file:///tmp/x")
    assert found["EMAIL_BACKEND"] == "django.core.mail.backends.filebased.EmailBackend"
    assert found["EMAIL_FILE_PATH"] == "/tmp/x"


def test_a_file_url_without_a_folder_is_refused():
    with pytest.raises(ImproperlyConfigured, match="needs a folder"):
        email_settings("file://")


def test_an_unknown_scheme_is_refused_without_repeating_the_password():
    with pytest.raises(ImproperlyConfigured) as refused:
        email_settings("smpt://kb:hunter2secret@smtp.example.nhs.uk:25")
    assert "'smpt'" in str(refused.value)
    assert "hunter2secret" not in str(refused.value)


def test_an_explicit_backend_class_still_wins():
    found = email_settings("console:", backend="django.core.mail.backends.locmem.EmailBackend")
    assert found["EMAIL_BACKEND"] == "django.core.mail.backends.locmem.EmailBackend"


def test_the_site_sends_to_the_folder_email_url_names(tmp_path):
    """Through settings, as deployed: `EMAIL_URL=file:///...` and Django's sendtestemail."""
    folder = tmp_path / "mail"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "EMAIL_"))}
    env.update(
        EMAIL_URL=f"file://{folder}",
        DJANGO_DEFAULT_FROM_EMAIL="improvement@example.nhs.uk",
        KB_VAR_DIR=str(tmp_path / "var"),
    )
    env.pop("DATABASE_URL", None)
    done = subprocess.run(
        [sys.executable, "manage.py", "sendtestemail", "sam.taylor@example.nhs.uk"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    [written] = folder.iterdir()
    text = written.read_text()
    assert "To: sam.taylor@example.nhs.uk" in text
    assert "From: improvement@example.nhs.uk" in text
