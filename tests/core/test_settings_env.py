"""Settings come from the environment, with safe laptop defaults when nothing is set."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
KEYS = ("DEBUG", "ALLOWED_HOSTS", "KB_SEARCH_BACKEND", "ELASTICSEARCH_URL", "SECRET_KEY")


def read_settings(tmp_path, **env):
    """Import kb.settings in a fresh interpreter with exactly these variables set."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "KB_"))}
    clean.pop("DATABASE_URL", None)
    clean.pop("ELASTICSEARCH_URL", None)
    clean["KB_VAR_DIR"] = str(tmp_path)
    clean.update(env)
    code = (
        "import json, kb.settings as s; print(json.dumps({"
        "'DEBUG': s.DEBUG, 'ALLOWED_HOSTS': s.ALLOWED_HOSTS, 'DB': s.DATABASES['default'],"
        "'KB_SEARCH_BACKEND': s.KB_SEARCH_BACKEND, 'ELASTICSEARCH_URL': s.ELASTICSEARCH_URL,"
        "'SECRET_KEY': s.SECRET_KEY, 'STATIC': s.STORAGES['staticfiles']['BACKEND']}, default=str))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=clean, capture_output=True, text=True
    )
    return done


def test_defaults_need_no_variables(tmp_path):
    import json

    done = read_settings(tmp_path)
    assert done.returncode == 0, done.stderr
    values = json.loads(done.stdout)
    assert values["DEBUG"] is False
    assert values["KB_SEARCH_BACKEND"] == "database"
    assert values["DB"]["ENGINE"] == "django.db.backends.sqlite3"
    assert values["DB"]["NAME"] == str(tmp_path / "kb.sqlite3")
    assert values["DB"]["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
    assert "journal_mode=WAL" in values["DB"]["OPTIONS"]["init_command"]
    assert values["DB"]["OPTIONS"]["timeout"] >= 5
    assert "127.0.0.1" in values["ALLOWED_HOSTS"]
    # A random key is made once and kept, so sessions survive a restart.
    assert len(values["SECRET_KEY"]) >= 40
    again = json.loads(read_settings(tmp_path).stdout)
    assert again["SECRET_KEY"] == values["SECRET_KEY"]


def test_variables_override_the_defaults(tmp_path):
    import json

    done = read_settings(
        tmp_path,
        DJANGO_DEBUG="true",
        DJANGO_SECRET_KEY="s3cret-from-env",
        DJANGO_ALLOWED_HOSTS="kb.example.nhs.uk, www.kb.example.nhs.uk",
        DATABASE_URL="postgres://kb:pw@db.internal:5432/kb",
        KB_SEARCH_BACKEND="elasticsearch",
        ELASTICSEARCH_URL="http://search.internal:9200",
    )
    assert done.returncode == 0, done.stderr
    values = json.loads(done.stdout)
    assert values["DEBUG"] is True
    assert values["SECRET_KEY"] == "s3cret-from-env"
    assert values["ALLOWED_HOSTS"] == ["kb.example.nhs.uk", "www.kb.example.nhs.uk"]
    assert values["DB"]["ENGINE"] == "django.db.backends.postgresql"
    assert values["DB"]["HOST"] == "db.internal"
    assert values["DB"]["NAME"] == "kb"
    assert values["KB_SEARCH_BACKEND"] == "elasticsearch"
    assert values["ELASTICSEARCH_URL"] == "http://search.internal:9200"
    # Debugging serves plain static files; production uses hashed, compressed ones.
    assert values["STATIC"].endswith("StaticFilesStorage")
    assert "KB" not in values["STATIC"]


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("DJANGO_DEBUG", "maybe", "DJANGO_DEBUG must be true or false"),
        ("KB_SEARCH_BACKEND", "solr", "KB_SEARCH_BACKEND must be"),
    ],
)
def test_bad_values_fail_with_a_clear_message(tmp_path, name, value, message):
    done = read_settings(tmp_path, **{name: value})
    assert done.returncode != 0
    assert message in done.stderr


def test_manage_py_check_runs_with_no_variables(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "KB_"))}
    env.pop("DATABASE_URL", None)
    env["KB_VAR_DIR"] = str(tmp_path)
    done = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert "no issues" in done.stdout
