"""The review-dates report reads `days` from the URL: nonsense there shows the default window
(30 days), in the page and in the CSV, never a server error."""

import pytest
from django.contrib.auth.models import Group

HOSTILE_DAYS = [
    "",
    " ",
    "²",  # str.isdigit() says yes, int() says no
    "①",
    "-1",
    "1e9",
    "3.0",
    "99999999999999999999",
    "9" * 5000,  # longer than int() will convert
    "abc",
    "x" * 5000,
    "<script>alert('x')</script>",
    "1' OR '1'='1",
    "'; DROP TABLE wagtailcore_page; --",
    "\x00",
    "30\x00",
    "%00",
]


@pytest.fixture
def editor(client, django_user_model, site_tree):
    user = django_user_model.objects.create_user("eddie", "eddie@example.nhs.uk", "pw-123456789")
    user.groups.add(Group.objects.get(name="Editors"))
    client.force_login(user)
    return user


@pytest.mark.django_db
@pytest.mark.parametrize("days", HOSTILE_DAYS, ids=lambda days: repr(days[:12]))
def test_a_hostile_days_value_shows_the_default_window(client, editor, days):
    response = client.get("/admin/reports/review-dates/", {"days": days})
    assert response.status_code == 200
    html = response.content.decode()
    assert '<option value="30" selected>' in html
    assert 'href="?days=30&amp;export=csv"' in html
    assert "<script>alert(" not in html
    csv = client.get("/admin/reports/review-dates/", {"days": days, "export": "csv"})
    assert csv.status_code == 200
    assert csv["Content-Type"].startswith("text/csv")


@pytest.mark.django_db
@pytest.mark.parametrize("days", ["0", "60", " 90 "])
def test_a_window_offered_is_shown(client, editor, days):
    html = client.get("/admin/reports/review-dates/", {"days": days}).content.decode()
    assert f'<option value="{days.strip()}" selected>' in html
