"""The pages are valid HTML: the W3C Nu checker (vnu.jar) finds no errors in them.

Home, search, one page of each type, the listings, the idea form (also with its errors) and a
few others; then, signed in, the project forms a team uses.

Every page is rendered by the test client on the demo site, written to a temporary folder and
checked in one run of the checker (the JVM takes seconds to start). The checker comes from the
`vnu-jar` npm package (package.json; `./scripts/bootstrap.sh test` runs `npm ci`) and needs Java.
Without them the test skips, except in CI, where it fails: CI must never skip it silently.
"""

import json
import os
import shutil
import subprocess
from pathlib import Path
from urllib.parse import urlparse

import pytest

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[1]
VNU_JAR = ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"


def checker_command():
    """The command that runs the checker, or a skip (a failure in CI) saying what is missing."""
    java = shutil.which("java")
    missing = []
    if not java:
        missing.append("Java (apt-get install default-jre-headless)")
    if not VNU_JAR.exists():
        missing.append(f"{VNU_JAR.relative_to(ROOT)} (npm ci)")
    if missing:
        needs = " and ".join(missing)
        reason = f"The W3C HTML check needs {needs}: run ./scripts/bootstrap.sh test"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    # The checker's schema needs a deep stack: with less, long pages end in StackOverflowError.
    return [java, "-Xss4m", "-jar", str(VNU_JAR)]


def path_of(page):
    return urlparse(page.full_url).path


def first_live(model, **filters):
    page = model.objects.live().public().filter(**filters).order_by("path").first()
    assert page is not None, f"the demo content has no live {model.__name__}"
    return path_of(page)


def addresses():
    """(name, address) of home, search, one page of each type and the listings."""
    from kb.cases.models import CaseStudyIndexPage, CaseStudyPage
    from kb.guides.models import (
        BlueprintPage,
        GirftStandardPage,
        GuidanceIndexPage,
        ImprovementGuidePage,
    )
    from kb.ideas.models import IdeaIndexPage, IdeaPage
    from kb.networks.models import NetworkIndexPage, NetworkPage
    from kb.projects.models import ProjectIndexPage, ProjectPage
    from kb.taxonomy.models import Organisation
    from kb.variation.models import Metric

    metric = Metric.objects.filter(values__isnull=False).order_by("slug").first()
    organisation = (
        Organisation.objects.filter(metric_values__isnull=False).order_by("ods_code").first()
    )
    return [
        ("home", "/"),
        ("search", "/search/?q=discharge"),
        ("search-empty", "/search/"),
        ("search-nothing-found", "/search/?q=zzqqxxnothing"),
        ("guides", first_live(GuidanceIndexPage)),
        ("guide", first_live(ImprovementGuidePage)),
        ("girft-standard", first_live(GirftStandardPage)),
        ("blueprint", first_live(BlueprintPage)),
        ("case-studies", first_live(CaseStudyIndexPage)),
        # A case study with measured results and a chart: the richest page the type has.
        ("case-study", first_live(CaseStudyPage, series__isnull=False)),
        ("ideas", first_live(IdeaIndexPage)),
        ("idea", first_live(IdeaPage)),
        ("idea-form", "/ideas/submit/"),
        ("projects", first_live(ProjectIndexPage)),
        ("project", first_live(ProjectPage)),
        ("networks", first_live(NetworkIndexPage)),
        ("network", first_live(NetworkPage)),
        ("variation-metrics", "/variation/"),
        ("variation-metric", f"/variation/{metric.slug}/"),
        ("organisation", f"/organisations/{organisation.ods_code}/"),
        ("open-data", "/open-data/"),
        ("api-reference", "/api/"),
        ("sign-in", "/accounts/login/"),
        ("sign-up", "/accounts/signup/"),
        ("sign-in-code", "/accounts/login/code/"),
        ("password-reset", "/accounts/password/reset/"),
        ("not-found", "/there-is-no-such-page/"),
    ]


def test_pages_have_no_html_errors(variation_demo, client, tmp_path):
    command = checker_command()

    files = {}
    for name, address in addresses():
        response = client.get(address)
        expected = 404 if name == "not-found" else 200
        assert response.status_code == expected, f"{name}: {address} gave {response.status_code}"
        files[name] = (address, response.content)
    # The idea form sent back with its errors: the error summary and the fields' messages.
    response = client.post("/ideas/submit/", {"stage": "idea", "title": "", "email": "not-an"})
    assert response.status_code == 200 and b"nhsuk-error-summary" in response.content
    files["idea-form-with-errors"] = ("POST /ideas/submit/", response.content)

    files.update(signed_in_pages(client))

    errors = html_errors(command, files, tmp_path)
    assert not errors, f"{len(errors)} HTML error(s):\n" + "\n".join(errors)


def signed_in_pages(client):
    """A member of staff's own pages: starting a project (and its errors) and the team's forms."""
    from django.contrib.auth import get_user_model

    from kb.accounts.models import StaffProfile
    from kb.projects.models import ProjectPage
    from kb.taxonomy.models import Organisation, Pathway

    user = get_user_model().objects.create_user("w3c", "w3c@nhs.net", "pw")
    StaffProfile.objects.create(user=user, name="Sam Taylor", role="Matron")
    client.force_login(user)
    pages = {}
    response = client.post("/projects/new/", {"title": ""})
    assert response.status_code == 400 and b"nhsuk-error-summary" in response.content
    pages["project-form-with-errors"] = ("POST /projects/new/", response.content)
    started = client.post(
        "/projects/new/",
        {
            "title": "Checking the markup",
            "summary": "A project started to check its forms' markup.",
            "aim": "Every page valid HTML.",
            "organisation": Organisation.objects.order_by("name").first().pk,
            "pathways": [Pathway.objects.order_by("slug").first().pk],
        },
    )
    assert started.status_code == 302, started.content.decode()[:2000]
    slug = ProjectPage.objects.get(title="Checking the markup").slug
    for name, address in [
        ("project-form", "/projects/new/"),
        ("my-projects", "/projects/mine/"),
        ("project-draft", f"/projects/{slug}/"),
        ("project-edit", f"/projects/{slug}/edit/"),
        ("project-team", f"/projects/{slug}/team/"),
        ("project-new-measure", f"/projects/{slug}/measures/new/"),
        ("project-new-cycle", f"/projects/{slug}/cycles/new/"),
        ("following", "/following/"),
        ("notifications", "/notifications/"),
    ]:
        response = client.get(address)
        assert response.status_code == 200, f"{name}: {address} gave {response.status_code}"
        pages[name] = (address, response.content)
    client.logout()
    return pages


def html_errors(command, files, folder):
    """Check every page in one run of the checker; one line per error, with where it is."""
    for name, (_address, content) in files.items():
        (folder / f"{name}.html").write_bytes(content)
    result = subprocess.run(
        [*command, "--errors-only", "--format", "json", *sorted(map(str, folder.glob("*.html")))],
        capture_output=True,
        timeout=300,
        check=False,
    )
    # The checker writes its JSON report to stderr, and exits 1 when it found errors.
    try:
        report = json.loads(result.stderr)
    except ValueError:
        pytest.fail(f"vnu.jar gave no JSON report (exit {result.returncode}):\n{result.stderr!r}")
    errors = []
    for message in report["messages"]:
        if message.get("type") not in ("error", "non-document-error"):
            continue
        name = Path(urlparse(message.get("url", "")).path).stem
        address = files.get(name, ("?",))[0]
        errors.append(
            f"{name}.html ({address}) line {message.get('lastLine', '?')}: "
            f"{message['message']}\n    {message.get('extract', '').strip()}"
        )
    return errors
