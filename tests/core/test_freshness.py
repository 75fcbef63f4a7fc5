"""Content freshness: the review-date report and the owners' reminder emails."""

import datetime

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

TODAY = timezone.localdate()


@pytest.fixture
def pages(make_case_study):
    overdue = make_case_study(
        title="Overdue handover case",
        next_review=TODAY - datetime.timedelta(days=3),
        owner_email="Owner.A@example.nhs.uk",
    )
    soon = make_case_study(
        title='=HYPERLINK("http://evil") soon case',
        next_review=TODAY + datetime.timedelta(days=10),
        owner_email="owner.a@example.nhs.uk",
    )
    later = make_case_study(
        title="Fresh case", next_review=TODAY + datetime.timedelta(days=200),
        owner_email="owner.b@example.nhs.uk",
    )  # fmt: skip
    unowned = make_case_study(title="Nobody's case", next_review=TODAY - datetime.timedelta(days=1))
    return overdue, soon, later, unowned


@pytest.fixture
def editor(django_user_model):
    user = django_user_model.objects.create_user("eddie", "eddie@example.nhs.uk", "pw-123456789")
    user.groups.add(Group.objects.get(name="Editors"))
    return user


@pytest.mark.django_db
def test_report_lists_overdue_and_due_soon_pages_soonest_first(client, editor, pages):
    client.force_login(editor)
    html = client.get("/admin/reports/review-dates/").content.decode()
    assert html.index("Overdue handover case") < html.index("soon case")
    assert "Nobody&#x27;s case" in html or "Nobody's case" in html
    assert "Fresh case" not in html
    assert "Overdue" in html


@pytest.mark.django_db
def test_report_window_can_be_narrowed_to_overdue_only(client, editor, pages):
    client.force_login(editor)
    html = client.get("/admin/reports/review-dates/?days=0").content.decode()
    assert "Overdue handover case" in html
    assert "soon case" not in html
    # Nonsense in the query string falls back to the default window, never an error.
    assert client.get("/admin/reports/review-dates/?days=%27%3B--").status_code == 200


@pytest.mark.django_db
def test_report_csv_escapes_formulas(client, editor, pages):
    client.force_login(editor)
    response = client.get("/admin/reports/review-dates/?export=csv")
    assert response["Content-Type"].startswith("text/csv")
    body = response.content.decode()
    assert "'=HYPERLINK" in body
    assert "\n=HYPERLINK" not in body


@pytest.mark.django_db
def test_report_is_not_for_the_public(client, pages):
    response = client.get("/admin/reports/review-dates/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


@pytest.mark.django_db
def test_reminders_email_each_owner_once_with_their_pages(pages, django_user_model):
    moderator = django_user_model.objects.create_user("mo", "mo@example.nhs.uk", "pw-12345678")
    moderator.groups.add(Group.objects.get(name="Moderators"))
    call_command("review_reminders", verbosity=0)
    by_recipient = {message.to[0]: message for message in mail.outbox}
    assert set(by_recipient) == {"owner.a@example.nhs.uk", "mo@example.nhs.uk"}
    owner_mail = by_recipient["owner.a@example.nhs.uk"]
    assert owner_mail.subject == "2 knowledge base pages due for review"
    assert "Overdue handover case" in owner_mail.body and "OVERDUE" in owner_mail.body
    assert f"/admin/pages/{pages[0].id}/edit/" in owner_mail.body
    assert "Fresh case" not in owner_mail.body
    # Pages with no owner email go to the moderators.
    assert "Nobody's case" in by_recipient["mo@example.nhs.uk"].body


@pytest.mark.django_db
def test_reminders_dry_run_sends_nothing(pages, capsys):
    call_command("review_reminders", "--dry-run")
    assert mail.outbox == []
    assert "Would email owner.a@example.nhs.uk" in capsys.readouterr().out


@pytest.mark.django_db
def test_readers_see_review_dates_and_an_overdue_flag(client, pages):
    html = client.get(pages[0].url).content.decode()
    assert "Last reviewed" in html and "Next review due" in html
    assert "Review overdue" in html
    assert "Review overdue" not in client.get(pages[2].url).content.decode()
