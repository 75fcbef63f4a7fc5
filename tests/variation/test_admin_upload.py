"""The admin upload of variation data and the metric snippet, through the test client."""

import pytest
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile

from kb.taxonomy.models import Organisation
from kb.variation import importer
from kb.variation.importer import COLUMNS
from kb.variation.models import Metric, MetricValue

pytestmark = pytest.mark.django_db
URL = "/admin/variation/upload/"
ROW = "ed-four-hour,A&E within 4 hours,proportion,higher,ZZA01,<b>Northshire</b> Trust"
GOOD = f"{','.join(COLUMNS)}\n{ROW},2025-04,70,100\n{ROW},2025-05,72,100\n"


@pytest.fixture
def admin_client(client, django_user_model):
    user = django_user_model.objects.create_superuser("root", "root@example.nhs.uk", "pw-123456789")
    client.force_login(user)
    return client


def upload(client, text, name="data.csv", **extra):
    data = text.encode("utf-8") if isinstance(text, str) else text
    return client.post(URL, {"file": SimpleUploadedFile(name, data, "text/csv"),
                             "new_organisation_type": "trust", **extra})  # fmt: skip


def test_the_form_is_shown_in_the_admin_menu(admin_client):
    response = admin_client.get(URL)
    assert response.status_code == 200
    assert 'enctype="multipart/form-data"' in response.content.decode()
    assert URL in admin_client.get("/admin/").content.decode()


def test_an_upload_loads_and_reports_counts_then_nothing_changes(admin_client):
    response = upload(admin_client, GOOD)
    page = response.content.decode()
    assert response.status_code == 200
    assert "2 rows: 2 created, 0 updated, 0 unchanged" in page
    assert "&lt;b&gt;Northshire&lt;/b&gt; Trust" in page and "<b>Northshire</b>" not in page
    org = Organisation.objects.get(ods_code="ZZA01")
    assert org.name == "<b>Northshire</b> Trust" and org.kind == "trust"
    page = upload(admin_client, GOOD).content.decode()
    assert "0 created, 0 updated, 2 unchanged" in page
    assert MetricValue.objects.count() == 2


def test_a_refused_upload_lists_every_error_and_stores_nothing(admin_client):
    bad = GOOD + "other,Other,proportion,up,ZZA02,X,2025-13,5,1\n"
    response = upload(admin_client, bad, name="monthly.csv")
    page = response.content.decode()
    assert response.status_code == 400
    assert "monthly.csv was not loaded: nothing has changed" in page
    assert "monthly.csv:4: direction &#x27;up&#x27; is not one of higher, lower" in page
    assert "monthly.csv:4: period &#x27;2025-13&#x27;" in page
    assert not MetricValue.objects.exists() and not Metric.objects.exists()


def test_an_nhs_number_is_refused_and_never_shown(admin_client):
    text = GOOD.replace("<b>Northshire</b> Trust", "Trust 943 476 5919")
    response = upload(admin_client, text, name="9434765919.csv")
    page = response.content.decode()
    assert response.status_code == 400
    assert "upload.csv:2: the organisation cell holds an NHS number" in page
    assert "5919" not in page
    assert not Organisation.objects.exists()


def test_a_file_that_is_not_utf8_is_refused(admin_client):
    response = upload(admin_client, GOOD.replace("A&E", "A&É").encode("cp1252"))
    assert response.status_code == 400
    assert "data.csv:2: the file is not UTF-8 text" in response.content.decode()


def test_a_file_over_the_size_limit_is_refused(admin_client, monkeypatch):
    monkeypatch.setattr(importer, "MAX_UPLOAD_BYTES", 100)
    monkeypatch.setattr("kb.variation.admin_views.MAX_UPLOAD_BYTES", 100)
    response = upload(admin_client, GOOD)
    assert response.status_code == 200
    assert "the upload takes at most" in response.content.decode()
    assert not MetricValue.objects.exists()


def test_an_empty_upload_is_refused(admin_client):
    response = upload(admin_client, "")
    assert response.status_code == 200  # Django's own "The submitted file is empty."
    assert "The submitted file is empty" in response.content.decode()


def test_only_those_allowed_may_upload(client, django_user_model):
    editor = django_user_model.objects.create_user("ed", "ed@example.nhs.uk", "pw-123456789")
    editor.groups.add(Group.objects.get(name="Editors"))
    client.force_login(editor)
    response = upload(client, GOOD)
    assert response.status_code in (302, 403)
    assert not MetricValue.objects.exists()
    assert URL not in client.get("/admin/").content.decode()
    moderator = django_user_model.objects.create_user("mo", "mo@example.nhs.uk", "pw-123456789")
    moderator.groups.add(Group.objects.get(name="Moderators"))
    client.force_login(moderator)
    assert upload(client, GOOD).status_code == 200
    assert MetricValue.objects.count() == 2
    client.logout()
    response = client.get(URL)
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_a_metric_snippet_is_edited_with_links_and_guarded(admin_client):
    upload(admin_client, GOOD)
    metric = Metric.objects.get()
    url = f"/admin/snippets/variation/metric/edit/{metric.pk}/"
    assert admin_client.get(url).status_code == 200
    form = {
        "name": "A&E within 4 hours",
        "slug": "ed-four-hour",
        "numerator_definition": "Seen within 4 hours of 943 476 5919",
        "denominator_definition": "All attendances",
        "data_type": "proportion",
        "unit": "%",
        "per": "1000",
        "direction": "higher",
        "source": "",
        "source_url": "",
        "licence": "OGL",
    }
    response = admin_client.post(url, form)
    assert response.status_code == 200 and "Remove the NHS number" in response.content.decode()
    form["numerator_definition"] = "Seen within 4 hours"
    response = admin_client.post(url, form)
    assert response.status_code == 302
    metric.refresh_from_db()
    assert metric.numerator_definition == "Seen within 4 hours" and metric.licence == "OGL"
