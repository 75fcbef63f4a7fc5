"""Who can reach what: one table of roles x views drives one parametrised test.

Roles:
- anonymous: a visitor who is not signed in;
- submitter: someone who sent an idea through the public form; they are not signed in and hold
  only their private status link /ideas/status/<token>/;
- editor, moderator: users in Wagtail's "Editors" and "Moderators" groups;
- admin: a superuser.

Outcomes (asserted precisely):
- OK: 200;
- LOGIN: 302 to the admin sign-in page, with the requested address as ?next=;
- DENIED: Wagtail's refusal for a signed-in user without the permission: 302 to the admin
  dashboard with the error "Sorry, you do not have permission to access this area.";
- NOT_FOUND: 404.

Every row also checks that the request changed nothing in the database. The POST actions that
are allowed (publishing; accepting, declining, asking, merging, promoting and deleting
submissions; adding vocabulary terms and synonyms) are checked by the explicit tests at the end
of the module, against what they store.
"""

import copy
from types import SimpleNamespace
from urllib.parse import quote

import pytest
from django.contrib.auth.models import Group
from django.contrib.messages import get_messages
from django.core.cache import caches
from django.db import transaction
from wagtail.models import Revision
from wagtail.test.utils.form_data import querydict_from_html

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "submitter", "editor", "moderator", "admin")

OK = "200"
LOGIN = "login"
DENIED = "denied"
NOT_FOUND = "404"
# Not a row of the matrix: the allowed POST actions are tested explicitly below.
EXPLICIT = None

DENIED_MESSAGE = "Sorry, you do not have permission to access this area."
QUEUE = "/admin/ideas/submissions/"


# --- The matrix -------------------------------------------------------------------------------
# A URL is a string or a callable of the test's content (guide, case, idea, submission, token).
# POST rows carry the form data the allowed user would send, so a refusal is never just an
# invalid form.


def accept_data(c):
    s = c.submission
    return {
        "title": s.title,
        "summary": "Smaller trays save reprocessing.",
        "problem": s.problem,
        "proposal": s.proposal,
        "waste_type": str(s.waste_type_id),
        "stage": s.stage,
        "pathways": [str(s.pathway_id)],
        "message": "Thank you, this is published.",
    }


def queue(action):
    return lambda c: f"{QUEUE}{action}/{c.submission.pk}/"


def forged(c):
    """The submitter's token with its last character changed: a well-formed, wrong token."""
    last = "B" if c.token[-1] != "B" else "C"
    return f"/ideas/status/{c.token[:-1]}{last}/"


#   view name, method, url, POST data,
#   then the outcome for: anonymous, submitter, editor, moderator, admin
VIEWS = [
    # Public site: everyone.
    ("home", "GET", "/", None, OK, OK, OK, OK, OK),
    ("guidance library", "GET", "/guidance/", None, OK, OK, OK, OK, OK),
    ("guide page", "GET", lambda c: c.guide.url, None, OK, OK, OK, OK, OK),
    ("case study library", "GET", "/case-studies/", None, OK, OK, OK, OK, OK),
    ("case study page", "GET", lambda c: c.case.url, None, OK, OK, OK, OK, OK),
    ("ideas index", "GET", "/ideas/", None, OK, OK, OK, OK, OK),
    ("idea page", "GET", lambda c: c.idea.url, None, OK, OK, OK, OK, OK),
    ("idea form", "GET", "/ideas/submit/", None, OK, OK, OK, OK, OK),
    ("search page", "GET", "/search/?q=handover", None, OK, OK, OK, OK, OK),
    ("search api", "GET", "/api/search/?q=handover", None, OK, OK, OK, OK, OK),
    # The status link is the credential: whoever holds the token sees the page, nobody else.
    ("own status link", "GET", lambda c: f"/ideas/status/{c.token}/", None,
     OK, OK, OK, OK, OK),
    ("forged status link", "GET", forged, None,
     NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND),
    ("made-up status link", "GET", "/ideas/status/not-a-real-token/", None,
     NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND),
    # Wagtail admin: staff only.
    ("admin dashboard", "GET", "/admin/", None, LOGIN, LOGIN, OK, OK, OK),
    ("guide editor", "GET", lambda c: f"/admin/pages/{c.guide.pk}/edit/", None,
     LOGIN, LOGIN, OK, OK, OK),
    ("guide publish", "POST", lambda c: f"/admin/pages/{c.guide.pk}/edit/", "publish",
     LOGIN, LOGIN, EXPLICIT, EXPLICIT, EXPLICIT),
    ("review-date report", "GET", "/admin/reports/review-dates/", None,
     LOGIN, LOGIN, OK, OK, OK),
    ("review-date report csv", "GET", "/admin/reports/review-dates/?export=csv", None,
     LOGIN, LOGIN, OK, OK, OK),
    # Vocabularies and synonyms: editors see them, moderators change them.
    ("pathway list", "GET", "/admin/snippets/taxonomy/pathway/", None,
     LOGIN, LOGIN, OK, OK, OK),
    ("pathway add", "GET", "/admin/snippets/taxonomy/pathway/add/", None,
     LOGIN, LOGIN, DENIED, OK, OK),
    ("pathway add POST", "POST", "/admin/snippets/taxonomy/pathway/add/",
     {"name": "Forged pathway", "slug": "forged-pathway"},
     LOGIN, LOGIN, DENIED, EXPLICIT, EXPLICIT),
    ("synonym list", "GET", "/admin/snippets/kbsearch/synonymgroup/", None,
     LOGIN, LOGIN, OK, OK, OK),
    ("synonym add", "GET", "/admin/snippets/kbsearch/synonymgroup/add/", None,
     LOGIN, LOGIN, DENIED, OK, OK),
    ("synonym add POST", "POST", "/admin/snippets/kbsearch/synonymgroup/add/",
     {"terms": "handover, hand over", "note": ""}, LOGIN, LOGIN, DENIED, EXPLICIT, EXPLICIT),
    # Ideas moderation (kb/ideas/wagtail_hooks.py): moderators and superusers only.
    ("submission queue", "GET", QUEUE, None, LOGIN, LOGIN, DENIED, OK, OK),
    ("submission queue csv", "GET", f"{QUEUE}?export=csv", None, LOGIN, LOGIN, DENIED, OK, OK),
    ("submission queue xlsx", "GET", f"{QUEUE}?export=xlsx", None, LOGIN, LOGIN, DENIED, OK, OK),
    ("submission queue results", "GET", f"{QUEUE}results/", None,
     LOGIN, LOGIN, DENIED, OK, OK),
    ("submission review", "GET", queue("review"), None, LOGIN, LOGIN, DENIED, OK, OK),
    ("submission history", "GET", queue("history"), None, LOGIN, LOGIN, DENIED, OK, OK),
    ("submission usage", "GET", queue("usage"), None, LOGIN, LOGIN, DENIED, OK, OK),
    ("accept form", "GET", queue("accept"), None, LOGIN, LOGIN, DENIED, OK, OK),
    ("request-information form", "GET", queue("request-information"), None,
     LOGIN, LOGIN, DENIED, OK, OK),
    ("decline form", "GET", queue("decline"), None, LOGIN, LOGIN, DENIED, OK, OK),
    ("merge form", "GET", queue("merge"), None, LOGIN, LOGIN, DENIED, OK, OK),
    ("accept POST", "POST", queue("accept"), accept_data,
     LOGIN, LOGIN, DENIED, EXPLICIT, EXPLICIT),
    ("request-information POST", "POST", queue("request-information"),
     {"message": "Which ward?"}, LOGIN, LOGIN, DENIED, EXPLICIT, EXPLICIT),
    ("decline POST", "POST", queue("decline"), {"message": "Already national policy."},
     LOGIN, LOGIN, DENIED, EXPLICIT, EXPLICIT),
    ("merge POST", "POST", queue("merge"),
     lambda c: {"into": str(c.idea.pk), "message": "Back this one."},
     LOGIN, LOGIN, DENIED, EXPLICIT, EXPLICIT),
    # Moderators hold view and change on submissions, not delete: only a superuser deletes.
    ("submission delete form", "GET", queue("delete"), None,
     LOGIN, LOGIN, DENIED, DENIED, OK),
    ("submission delete POST", "POST", queue("delete"), {},
     LOGIN, LOGIN, DENIED, DENIED, EXPLICIT),
    ("endorsement list", "GET", "/admin/ideas/endorsements/", None,
     LOGIN, LOGIN, DENIED, OK, OK),
    ("endorsement csv", "GET", "/admin/ideas/endorsements/?export=csv", None,
     LOGIN, LOGIN, DENIED, OK, OK),
    ("promote form", "GET", lambda c: f"/admin/ideas/promote/{c.idea.pk}/", None,
     LOGIN, LOGIN, DENIED, OK, OK),
    ("promote POST", "POST", lambda c: f"/admin/ideas/promote/{c.idea.pk}/",
     lambda c: {"organisation": str(c.case.organisation_id)},
     LOGIN, LOGIN, DENIED, EXPLICIT, EXPLICIT),
    # django.contrib.admin is in INSTALLED_APPS, but kb/urls.py routes no Django admin.
    ("django admin", "GET", "/django-admin/", None,
     NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND),
    ("django admin login", "GET", "/django-admin/login/", None,
     NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND),
]  # fmt: skip

MATRIX = [
    (role, method, url, data, expected, name)
    for name, method, url, data, *outcomes in VIEWS
    for role, expected in zip(ROLES, outcomes, strict=True)
    if expected is not EXPLICIT
]


def test_the_matrix_covers_every_role_for_every_view():
    assert len({name for name, *_ in VIEWS}) == len(VIEWS)
    for name, _method, _url, _data, *outcomes in VIEWS:
        assert len(outcomes) == len(ROLES), name


# --- Fixtures --------------------------------------------------------------------------------
# The content is built once for the module, inside a transaction rolled back when the module is
# done; each test runs in its own savepoint inside it (pytest-django's `db`), so what a test
# changes is undone before the next. What the tests need from tests/conftest.py (site_tree,
# make_case_study) and tests/ideas/conftest.py (users in the groups, a submission sent through
# the public form), which are function-scoped or not visible here, is repeated in short.


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    """Every test starts with clean rate-limit counters (they live in process memory)."""
    caches["ratelimit"].clear()
    yield
    caches["ratelimit"].clear()


def submit_idea(client):
    """Send an idea through the public form; returns (submission, status token)."""
    from kb.ideas.models import IdeaSubmission
    from kb.ideas.tokens import status_token

    token = client.get("/ideas/submit/").context["form"]["form_token"].value()
    response = client.post(
        "/ideas/submit/",
        {
            "title": "Pre-packed theatre trays for hernia repairs",
            "problem": "We open a full general set for every day case hernia repair and "
            "reprocess instruments we never used.",
            "proposal": "Make a small tray with only the instruments the procedure needs.",
            "waste_type": "overprocessing",
            "pathway": "elective-care",
            "stage": "tested",
            "estimated_saving_hours": "120",
            "estimated_saving_money": "£12,000",
            "organisation": "Example NHS Trust",
            "role": "Theatre practitioner",
            "email": "Sam.Taylor@example.nhs.uk",
            "consent_to_publish": "yes",
            "form_token": token,
            "website": "",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    submission = IdeaSubmission.objects.order_by("-pk").first()
    return submission, status_token(submission.status_token_nonce)


def build_content():
    """Users, a published guide, case study and idea, and one new submission."""
    from django.contrib.auth import get_user_model
    from django.test import Client

    from kb.cases.models import CaseStudyMeasure, CaseStudyPage
    from kb.guides.models import ImprovementGuidePage
    from kb.ideas.models import IdeaPage
    from kb.publishing.site_structure import ensure_site_structure
    from kb.taxonomy.models import ImprovementMethod, Organisation, Pathway, Region, WasteType

    User = get_user_model()  # noqa: N806

    def user(username, group=None, **extra):
        # No password: force_login needs none, and hashing one costs a third of a second.
        made = User.objects.create_user(username, f"{username}@example.nhs.uk", None, **extra)
        if group:
            made.groups.add(Group.objects.get(name=group))
        return made.pk

    users = {
        "editor": user("eddie", "Editors"),
        "moderator": user("mo", "Moderators"),
        "admin": user("root", is_staff=True, is_superuser=True),
    }
    _home, guidance, cases, ideas = ensure_site_structure()

    guide = ImprovementGuidePage(
        title="Reducing ambulance handover delays",
        slug="reducing-ambulance-handover-delays",
        summary="Handover within 15 minutes.",
    )
    guidance.add_child(instance=guide)
    guide.save_revision().publish()

    region = Region.objects.get(slug="london")
    case = CaseStudyPage(
        title="Faster A&E handovers",
        summary="Ambulance crews handed over in 15 minutes.",
        organisation=Organisation.objects.create(
            name="Example NHS Trust", slug="example-nhs-trust", region=region
        ),
        region=region,
    )
    case.pathways = list(Pathway.objects.filter(slug="urgent-and-emergency-care"))
    case.methods = list(ImprovementMethod.objects.filter(slug="model-for-improvement"))
    case.measures = [
        CaseStudyMeasure(
            name="Handover time", unit="minutes", baseline=40, result=15, higher_is_better=False
        )
    ]
    cases.add_child(instance=case)
    case.save_revision().publish()

    idea = IdeaPage(
        title="Reuse theatre trays",
        summary="Smaller trays.",
        problem="Trays are opened and not used.",
        proposal="Make smaller trays.",
        waste_type=WasteType.objects.get(slug="inventory"),
    )
    ideas.add_child(instance=idea)
    idea.save_revision().publish()

    submitter = Client()
    submission, token = submit_idea(submitter)
    return SimpleNamespace(
        users=users,
        guide=guide.pk,
        case=case.pk,
        idea=idea.pk,
        submission=submission.pk,
        token=token,
        submitter_cookies=submitter.cookies,
    )


@pytest.fixture(scope="module")
def _module_content(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        try:
            # Rate-limit counters are database rows by default: they roll back with the rest,
            # and tests/conftest.py empties every cache before each test.
            yield build_content()
        finally:
            transaction.set_rollback(True)


@pytest.fixture
def users(_module_content, db):
    from django.contrib.auth import get_user_model

    User = get_user_model()  # noqa: N806
    return {role: User.objects.get(pk=pk) for role, pk in _module_content.users.items()}


@pytest.fixture
def content(_module_content, db):
    """This test's own copies of the module's objects, fresh from the database."""
    from kb.cases.models import CaseStudyPage
    from kb.guides.models import ImprovementGuidePage
    from kb.ideas.models import IdeaPage, IdeaSubmission

    shared = _module_content
    return SimpleNamespace(
        guide=ImprovementGuidePage.objects.get(pk=shared.guide),
        case=CaseStudyPage.objects.get(pk=shared.case),
        idea=IdeaPage.objects.get(pk=shared.idea),
        submission=IdeaSubmission.objects.get(pk=shared.submission),
        token=shared.token,
        submitter_cookies=shared.submitter_cookies,
    )


def sign_in(client, role, users, content):
    """Anonymous and the submitter stay signed out; the submitter's client carries the cookies
    from sending the idea, and knows only the status link."""
    if role == "submitter":
        client.cookies = copy.deepcopy(content.submitter_cookies)
    elif role in users:
        client.force_login(users[role])


def database_state(c):
    """What a refused or read-only request must leave as it was."""
    from kb.cases.models import CaseStudyPage
    from kb.ideas.models import (
        Endorsement,
        IdeaPage,
        IdeaPromotion,
        IdeaStatusChange,
        IdeaSubmission,
    )
    from kb.search.models import SynonymGroup
    from kb.taxonomy.models import Pathway

    submission = IdeaSubmission.objects.filter(pk=c.submission.pk).first()
    guide = type(c.guide).objects.get(pk=c.guide.pk)
    return {
        "submissions": list(
            IdeaSubmission.objects.order_by("pk").values_list(
                "pk", "status", "idea_page_id", "merged_into_id", "title"
            )
        ),
        "submission exists": submission is not None,
        "status changes": IdeaStatusChange.objects.count(),
        "idea pages": list(IdeaPage.objects.order_by("pk").values_list("pk", "title", "live")),
        "case studies": list(
            CaseStudyPage.objects.order_by("pk").values_list("pk", "title", "live")
        ),
        "promotions": IdeaPromotion.objects.count(),
        "endorsements": Endorsement.objects.count(),
        "guide": (guide.title, guide.live, guide.latest_revision_id),
        "revisions": Revision.objects.count(),
        "pathways": list(Pathway.objects.order_by("pk").values_list("pk", "name", "slug")),
        "synonym groups": list(SynonymGroup.objects.order_by("pk").values_list("pk", "terms")),
    }


def assert_outcome(response, expected, url):
    where = f"expected {expected}, got {response.status_code} {response.get('Location', '')}"
    if expected == OK:
        assert response.status_code == 200, where
    elif expected == NOT_FOUND:
        assert response.status_code == 404, where
    elif expected == LOGIN:
        assert response.status_code == 302, where
        assert response["Location"] == f"/admin/login/?next={quote(url, safe='/')}", where
    elif expected == DENIED:
        assert response.status_code == 302, where
        assert response["Location"] == "/admin/", where
        messages = [str(m).strip() for m in get_messages(response.wsgi_request)]
        assert DENIED_MESSAGE in messages, messages
    else:  # pragma: no cover
        raise AssertionError(f"unknown outcome {expected!r}")


@pytest.mark.parametrize(
    "role, method, url, data, expected",
    [
        pytest.param(role, method, url, data, expected, id=f"{role}-{method}-{name}")
        for role, method, url, data, expected, name in MATRIX
    ],
)
def test_permission_matrix(client, content, users, role, method, url, data, expected):
    url = url(content) if callable(url) else url
    if callable(data):
        data = data(content)
    if data == "publish":
        data = publish_data(client, users["moderator"], content.guide)
    sign_in(client, role, users, content)
    before = database_state(content)
    response = client.get(url) if method == "GET" else client.post(url, data)
    assert_outcome(response, expected, url)
    assert database_state(content) == before


# --- The allowed POST actions, checked by what they store ---------------------------------


def edit_form(client, page):
    response = client.get(f"/admin/pages/{page.pk}/edit/")
    assert response.status_code == 200
    data = querydict_from_html(response.content.decode(), form_id="page-edit-form")
    # StreamFields are built by the admin's JavaScript; this page's body is empty.
    data.setdefault("body-count", "0")
    return data


def publish_data(client, user, page, title="Reducing ambulance handover delays (revised)"):
    """The page editor's form as `user` sees it, with a new title and the publish button."""
    client.force_login(user)
    data = edit_form(client, page)
    client.logout()
    data["title"] = title
    data["action-publish"] = "action-publish"
    return data


def test_an_editor_saves_a_draft_but_cannot_publish(client, content, users):
    guide = content.guide
    client.force_login(users["editor"])
    data = edit_form(client, guide)
    data["title"] = "Reducing ambulance handover delays (revised)"
    data["action-publish"] = "action-publish"
    response = client.post(f"/admin/pages/{guide.pk}/edit/", data)
    # Wagtail treats the publish button from someone who may not publish as "save draft".
    assert response.status_code == 302, response.content.decode()[:2000]
    guide.refresh_from_db()
    assert guide.live
    assert guide.title == "Reducing ambulance handover delays"
    assert guide.has_unpublished_changes
    assert guide.get_latest_revision_as_object().title.endswith("(revised)")
    client.logout()
    html = client.get(guide.url).content.decode()
    assert "(revised)" not in html
    assert not guide.permissions_for_user(users["editor"]).can_publish()


@pytest.mark.parametrize("role", ["moderator", "admin"])
def test_moderators_and_admins_publish(client, content, users, role):
    guide = content.guide
    client.force_login(users[role])
    data = edit_form(client, guide)
    data["title"] = "Reducing ambulance handover delays (revised)"
    data["action-publish"] = "action-publish"
    response = client.post(f"/admin/pages/{guide.pk}/edit/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    guide.refresh_from_db()
    assert guide.live and not guide.has_unpublished_changes
    assert guide.title == "Reducing ambulance handover delays (revised)"
    client.logout()
    assert "(revised)" in client.get(guide.url).content.decode()


@pytest.mark.parametrize("role", ["moderator", "admin"])
def test_moderators_and_admins_accept(client, content, users, role):
    from kb.ideas.models import IdeaPage

    submission = content.submission
    client.force_login(users[role])
    response = client.post(queue("accept")(content), accept_data(content))
    assert response.status_code == 302, response.content.decode()[:3000]
    assert response["Location"] == queue("review")(content)
    submission.refresh_from_db()
    assert submission.status == "accepted"
    page = submission.idea_page.specific
    assert isinstance(page, IdeaPage) and page.live
    change = submission.changes.last()
    assert (change.from_status, change.to_status, change.actor) == ("new", "accepted", users[role])


@pytest.mark.parametrize("role", ["moderator", "admin"])
@pytest.mark.parametrize(
    "action, data, status",
    [
        ("decline", {"message": "Already national policy."}, "declined"),
        ("request-information", {"message": "Which ward?"}, "more-info-requested"),
    ],
)
def test_moderators_and_admins_decline_or_ask(client, content, users, role, action, data, status):
    submission = content.submission
    client.force_login(users[role])
    response = client.post(queue(action)(content), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    submission.refresh_from_db()
    assert submission.status == status
    change = submission.changes.last()
    assert (change.to_status, change.actor, change.message) == (
        status,
        users[role],
        data["message"],
    )
    # The submitter's link now shows the outcome.
    client.logout()
    assert data["message"] in client.get(f"/ideas/status/{content.token}/").content.decode()


@pytest.mark.parametrize("role", ["moderator", "admin"])
def test_moderators_and_admins_merge(client, content, users, role):
    submission = content.submission
    client.force_login(users[role])
    response = client.post(
        queue("merge")(content), {"into": str(content.idea.pk), "message": "Back this one."}
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    submission.refresh_from_db()
    assert submission.status == "merged" and submission.merged_into_id == content.idea.pk


@pytest.mark.parametrize("role", ["moderator", "admin"])
def test_moderators_and_admins_promote(client, content, users, role):
    from kb.cases.models import CaseStudyPage

    client.force_login(users[role])
    response = client.post(
        f"/admin/ideas/promote/{content.idea.pk}/",
        {"organisation": str(content.case.organisation_id)},
    )
    draft = CaseStudyPage.objects.exclude(pk=content.case.pk).get()
    assert response.status_code == 302
    assert response["Location"] == f"/admin/pages/{draft.pk}/edit/"
    assert not draft.live and draft.title == content.idea.title


def test_a_status_link_opens_only_its_own_submission(client, content):
    other, other_token = submit_idea(client)
    client.cookies.clear()
    own = client.get(f"/ideas/status/{content.token}/")
    assert own.status_code == 200
    assert own["Referrer-Policy"] == "no-referrer"
    html = own.content.decode()
    assert content.submission.reference in html and other.reference not in html
    html = client.get(f"/ideas/status/{other_token}/").content.decode()
    assert other.reference in html and content.submission.reference not in html


def test_only_a_superuser_deletes_a_submission(client, content, users):
    from kb.ideas.models import IdeaSubmission

    client.force_login(users["admin"])
    response = client.post(queue("delete")(content))
    assert response.status_code == 302
    assert not IdeaSubmission.objects.filter(pk=content.submission.pk).exists()


@pytest.mark.parametrize("role", ["moderator", "admin"])
def test_moderators_and_admins_change_vocabularies_and_synonyms(client, content, users, role):
    from kb.search.models import SynonymGroup
    from kb.taxonomy.models import Pathway

    client.force_login(users[role])
    response = client.post(
        "/admin/snippets/taxonomy/pathway/add/", {"name": "New pathway", "slug": "new-pathway"}
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    assert Pathway.objects.filter(slug="new-pathway").exists()
    response = client.post(
        "/admin/snippets/kbsearch/synonymgroup/add/", {"terms": "handover, hand over", "note": ""}
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    assert SynonymGroup.objects.filter(terms="handover, hand over").exists()
