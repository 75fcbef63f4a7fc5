"""The bulk import: files written in batches, each file still atomic and fully checked, and the
indexes, the reference index and the page cache brought up to date once a file or a batch.

What a reader, an editor or an administrator would notice is checked: which pages exist and are
live, what the site's search and Wagtail's admin search find, what the page cache serves, and
that a page the bulk path creates is the page Wagtail's own add_child, save_revision and publish
would have made. No timings here: bench/import.py measures the speed.
"""

import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.db.models.signals import post_save
from modelsearch.signal_handlers import post_save_signal_handler
from wagtail.models import Page, PageLogEntry, ReferenceIndex, Revision
from wagtail.signals import page_published

from kb.cases.models import CaseStudyPage
from kb.core.page_cache import current_token
from kb.guides.models import ImprovementGuidePage
from kb.publishing import markdown_import
from kb.publishing.markdown_import import import_document, import_paths, read_document
from kb.publishing.page_writer import PageWriter
from kb.search.models import SearchDocument
from kb.taxonomy.models import Organisation

pytestmark = pytest.mark.usefixtures("site_tree")


def md(front, body=""):
    return "---\n" + front.strip("\n") + "\n---\n" + body


def write(folder, name, text):
    path = Path(folder) / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def case_study(slug, title, organisation="Bulk Example NHS Trust", extra=""):
    return md(
        f"""
type: case-study
slug: {slug}
title: {title}
summary: The team streamed patients at the front door and cut waits.
pathways: [urgent-and-emergency-care, elective-care]
methods: [statistical-process-control, lean]
specialties: [emergency-medicine]
date: 2025-03-01
organisation: {organisation}
ods_code: rqw
region: east-of-england
measures:
  - name: Time to initial assessment
    unit: minutes
    baseline: 45
    result: 15
    higher_is_better: false
  - name: Patients seen within 4 hours
    unit: "%"
    baseline: 61.5
    result: 72
also_adopted_by: [Bulk Partner Trust]
{extra}""",
        "Crowding every afternoon.\n\n## The problem\n\nPatients waited 45 minutes.\n\n"
        "## What the team did\n\n- Streaming at the door\n- **Rapid** assessment\n\n"
        "## Timeline\n\nTwo years of zebrafinch work.\n",
    )


def standard(slug, reference):
    return md(
        f"""
type: girft-standard
slug: {slug}
title: Standard {reference}
summary: SDEC is open 12 hours a day, 7 days a week.
specialty: emergency-medicine
reference: {reference}
standard: Same day emergency care is open at least 12 hours a day.
pathways: [urgent-and-emergency-care]
date: 2025-06-01
""",
        "## Rationale\n\nFewer admissions.\n",
    )


def guide(slug, title, extra=""):
    return md(
        f"""
type: improvement-guide
slug: {slug}
title: {title}
summary: How to run same day emergency care well.
pathways: [urgent-and-emergency-care]
methods: [model-for-improvement]
date: 2025-06-01
{extra}""",
        "Why it matters.\n\n## What good looks like\n\nOpen all day.\n",
    )


def api_slugs(client, query):
    return {r["slug"] for r in client.get("/api/search/", {"q": query}).json()["results"]}


def run_command(*args):
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("import_markdown", *map(str, args), stdout=out, stderr=err)
    except CommandError as error:
        return False, out.getvalue(), err.getvalue() + str(error)
    return True, out.getvalue(), err.getvalue()


def tree_is_sound():
    return all(not problems for problems in Page.find_problems())


# --- 1. each file is atomic; the batch goes on --------------------------------------------------


def test_a_bad_file_in_a_batch_fails_alone_and_leaves_nothing(tmp_path, client):
    write(tmp_path, "a.md", case_study("bulk-a", "Zebrafinch flow at A"))
    # Fails while writing, after its organisation was made: a name over 200 characters.
    write(tmp_path, "b.md", case_study("bulk-b", "Zebrafinch flow at B", "B" * 201))
    write(tmp_path, "c.md", case_study("bulk-c", "Zebrafinch flow at C", "Other NHS Trust"))
    write(tmp_path, "d.md", guide("bulk-guide", "Zebrafinch guide", "related_standards: [nope]"))
    write(tmp_path, "e.md", standard("bulk-standard", "BULK-1"))

    result = import_paths([tmp_path], publish=True, batch_size=50)

    assert sorted(p.slug for p in result.created) == ["bulk-a", "bulk-c", "bulk-standard"]
    assert sorted(Path(f.path).name for f in result.failed) == ["b.md", "d.md"]
    assert not CaseStudyPage.objects.filter(slug="bulk-b").exists()
    assert not ImprovementGuidePage.objects.exists()
    assert not Organisation.objects.filter(name__startswith="BBBB").exists()
    for slug in ("bulk-a", "bulk-c"):
        page = CaseStudyPage.objects.get(slug=slug)
        assert page.live and not page.has_unpublished_changes
        assert client.get(page.url).status_code == 200
    assert api_slugs(client, "zebrafinch") == {"bulk-a", "bulk-c"}
    assert tree_is_sound()


def test_the_patient_data_guard_on_save_fails_the_file_and_stores_nothing(tmp_path, monkeypatch):
    # Were the front matter check to miss a number, the guard on every save still refuses it.
    monkeypatch.setattr("kb.publishing.frontmatter._check_patient_data", lambda *args: None)
    write(tmp_path, "a.md", case_study("bulk-good", "Good flow"))
    write(tmp_path, "b.md", case_study("bulk-bad", "Patient 943 476 5919 flow"))

    result = import_paths([tmp_path], publish=True)

    assert [p.slug for p in result.created] == ["bulk-good"]
    [failure] = result.failed
    assert "refused to store an NHS number" in failure.message
    assert "943" not in str(failure)
    assert not CaseStudyPage.objects.filter(slug="bulk-bad").exists()
    assert not Revision.objects.filter(object_str__contains="943").exists()


def test_an_unexpected_error_keeps_the_files_before_it_and_stops(tmp_path, monkeypatch):
    create = PageWriter.create

    def create_or_fail(writer, parent, path):
        if writer.document.slug == "bulk-b":
            raise RuntimeError("disk on fire")
        return create(writer, parent, path)

    monkeypatch.setattr(PageWriter, "create", create_or_fail)
    for name in "abc":
        write(tmp_path, f"{name}.md", case_study(f"bulk-{name}", f"Flow {name}"))

    with pytest.raises(RuntimeError, match="disk on fire"):
        import_paths([tmp_path], publish=True)

    assert list(CaseStudyPage.objects.values_list("slug", flat=True)) == ["bulk-a"]
    assert tree_is_sound()


def test_a_bad_file_leaves_nothing_in_the_indexes_and_the_others_are_found(tmp_path, client):
    # A batch's new pages go into Wagtail's search and reference indexes together at its end:
    # the files around a bad one are found, and nothing of the bad one is anywhere.
    write(tmp_path, "a.md", case_study("bulk-a", "Zebrafinch flow at A"))
    write(tmp_path, "b.md", case_study("bulk-b", "Zebrafinch flow at B", "B" * 201))
    write(tmp_path, "c.md", case_study("bulk-c", "Zebrafinch flow at C", "Other NHS Trust"))

    result = import_paths([tmp_path], publish=True, batch_size=3)

    assert [Path(f.path).name for f in result.failed] == ["b.md"]
    assert {p.slug for p in Page.objects.search("zebrafinch")} == {"bulk-a", "bulk-c"}
    assert api_slugs(client, "zebrafinch") == {"bulk-a", "bulk-c"}
    pages = {str(pk) for pk in Page.objects.values_list("pk", flat=True)}
    organisations = {str(pk) for pk in Organisation.objects.values_list("pk", flat=True)}
    referring = set(ReferenceIndex.objects.values_list("object_id", flat=True))
    assert {str(p.pk) for p in result.created} <= referring <= pages | organisations
    for page in result.created:  # the import's hints are not left on the pages it returns
        assert "kb_view_restricted" not in page.__dict__
        assert "_cluster_related_objects" not in page.__dict__
    assert tree_is_sound()


def test_a_bad_file_that_changed_an_organisation_leaves_the_others_indexed_as_saved(tmp_path):
    front = """
type: case-study
slug: {slug}
title: Heron flow {slug}
summary: Streaming at the front door.
date: 2025-03-01
organisation: Heron Valley NHS Trust
{extra}"""
    write(tmp_path, "a.md", md(front.format(slug="heron-a", extra=""), "Text.\n"))
    # Gives the organisation an ODS code, then fails (a partner's name is too long): the
    # code is rolled back, and the page of a.md, indexed at the batch's end, never shows it.
    bad = f"ods_code: zq9x\nalso_adopted_by: [{'B' * 201}]"
    write(tmp_path, "b.md", md(front.format(slug="heron-b", extra=bad), "Text.\n"))

    result = import_paths([tmp_path], publish=True, batch_size=5)

    assert [Path(f.path).name for f in result.failed] == ["b.md"]
    assert Organisation.objects.get(name="Heron Valley NHS Trust").ods_code == ""
    assert [p.slug for p in Page.objects.search("heron")] == ["heron-a"]
    assert not list(Page.objects.search("zq9x"))


def test_pages_under_a_view_restriction_stay_out_of_the_sites_search(tmp_path, client, site_tree):
    from wagtail.models import PageViewRestriction

    PageViewRestriction.objects.create(page=site_tree[2], restriction_type="login")
    write(tmp_path, "a.md", case_study("bulk-a", "Zebrafinch flow at A"))
    write(tmp_path, "s.md", standard("bulk-standard", "BULK-1"))

    result = import_paths([tmp_path], publish=True)

    assert len(result.created) == 2 and not result.failed
    assert list(SearchDocument.objects.values_list("page__slug", flat=True)) == ["bulk-standard"]
    assert api_slugs(client, "zebrafinch") == set()


# --- 2. found everywhere, and the cache emptied --------------------------------------------------


def test_imported_pages_are_live_searchable_in_the_admin_and_the_cache_is_purged(
    tmp_path, client, admin_client
):
    write(tmp_path, "cases/a.md", case_study("bulk-a", "Zebrafinch streaming at A"))
    write(tmp_path, "cases/b.md", case_study("bulk-b", "Zebrafinch streaming at B"))
    write(tmp_path, "standards/s.md", standard("bulk-standard", "BULK-1"))
    write(
        tmp_path,
        "guides/g.md",
        guide("bulk-guide", "Zebrafinch guide", "related_standards: [bulk-standard]"),
    )
    home_html = client.get("/").content.decode()  # cached for anonymous readers
    assert "Zebrafinch streaming" not in home_html
    token = current_token()

    ok, out, err = run_command(tmp_path, "--publish", "--batch-size", "2")

    assert ok, err
    assert "4 created, 0 updated, 0 unchanged, 0 failed (published)" in out
    assert current_token() != token
    assert "Zebrafinch streaming" in client.get("/").content.decode()
    assert api_slugs(client, "zebrafinch") == {"bulk-a", "bulk-b", "bulk-guide"}
    found = {page.slug for page in Page.objects.search("zebrafinch")}
    assert found == {"bulk-a", "bulk-b", "bulk-guide"}
    admin = admin_client.get("/admin/pages/search/", {"q": "zebrafinch"}).content.decode()
    assert "Zebrafinch streaming at A" in admin and "Zebrafinch guide" in admin
    guide_page = ImprovementGuidePage.objects.get(slug="bulk-guide")
    assert [s.slug for s in guide_page.related_standards.all()] == ["bulk-standard"]
    for page in Page.objects.filter(depth__gt=2).specific():
        assert page.live and page.live_revision_id == page.latest_revision_id
        assert page.url_path == page.get_parent().url_path + page.slug + "/"
    assert tree_is_sound()


def test_a_draft_import_is_in_the_admin_search_but_not_the_sites(tmp_path, client):
    write(tmp_path, "a.md", case_study("bulk-a", "Zebrafinch draft"))

    result = import_paths([tmp_path])

    [page] = result.created
    page = CaseStudyPage.objects.get(pk=page.pk)
    assert not page.live and page.has_unpublished_changes and page.live_revision is None
    assert page.latest_revision is not None
    assert client.get("/case-studies/bulk-a/").status_code == 404
    assert api_slugs(client, "zebrafinch") == set()
    assert not SearchDocument.objects.exists()
    assert [p.slug for p in Page.objects.search("zebrafinch")] == ["bulk-a"]
    actions = list(PageLogEntry.objects.filter(page=page).order_by("id").values_list("action"))
    assert actions == [("wagtail.create",), ("wagtail.edit",)]


def test_after_an_import_saving_a_page_updates_the_indexes_at_once(tmp_path, client):
    write(tmp_path, "a.md", case_study("bulk-a", "Zebrafinch flow"))
    import_paths([tmp_path], publish=True)
    live_receivers = post_save._live_receivers(CaseStudyPage)[0]
    assert post_save_signal_handler in live_receivers
    assert not markdown_import._RECEIVERS.swapped

    page = CaseStudyPage.objects.get(slug="bulk-a")
    page.title = "Kingfisher flow"
    page.save_revision().publish()

    assert [p.slug for p in Page.objects.search("kingfisher")] == ["bulk-a"]
    assert api_slugs(client, "kingfisher") == {"bulk-a"}


# --- 3. importing again --------------------------------------------------------------------------


def test_importing_unchanged_files_again_changes_nothing(tmp_path):
    write(tmp_path, "a.md", case_study("bulk-a", "Flow A"))
    write(tmp_path, "b.md", standard("bulk-standard", "BULK-1"))
    assert import_paths([tmp_path], publish=True).ok

    def state():
        with connection.cursor() as cursor:
            cursor.execute("SELECT COUNT(*) FROM wagtailsearch_indexentry")
            entries = cursor.fetchone()[0]
        return (
            list(Page.objects.order_by("path").values_list("path", "numchild", "live")),
            Revision.objects.count(),
            PageLogEntry.objects.count(),
            list(SearchDocument.objects.values_list("page_id", "updated_at")),
            entries,
            ReferenceIndex.objects.count(),
            Organisation.objects.count(),
            current_token(),
        )

    before = state()
    ok, out, err = run_command(tmp_path, "--publish")

    assert ok, err
    assert "0 created, 0 updated, 2 unchanged, 0 failed" in out
    assert state() == before


def test_an_edited_file_in_a_batch_updates_its_page_everywhere(tmp_path, client):
    write(tmp_path, "a.md", case_study("bulk-a", "Heron flow"))
    write(tmp_path, "b.md", case_study("bulk-b", "Another flow"))
    assert import_paths([tmp_path], publish=True).ok
    page = CaseStudyPage.objects.get(slug="bulk-a")
    revisions = page.revisions.count()

    write(tmp_path, "a.md", case_study("bulk-a", "Kingfisher flow"))
    write(tmp_path, "c.md", case_study("bulk-c", "Third flow"))
    result = import_paths([tmp_path], publish=True)

    assert [p.slug for p in result.updated] == ["bulk-a"]
    assert [p.slug for p in result.unchanged] == ["bulk-b"]
    assert [p.slug for p in result.created] == ["bulk-c"]
    page.refresh_from_db()
    assert page.title == "Kingfisher flow" and page.revisions.count() == revisions + 1
    assert api_slugs(client, "kingfisher") == {"bulk-a"}
    assert api_slugs(client, "heron") == set()
    assert [p.slug for p in Page.objects.search("kingfisher")] == ["bulk-a"]
    assert tree_is_sound()


# --- 4. the command's progress -----------------------------------------------------------------


def test_progress_shows_a_bar_with_a_rate_and_the_overall_rate(tmp_path):
    for number in range(3):
        write(tmp_path, f"{number}.md", case_study(f"bulk-{number}", f"Flow {number}"))

    ok, out, err = run_command(tmp_path, "--publish", "--progress")

    assert ok, err
    assert "Importing" in err and "docs/s" in err
    assert "3 files in " in err and "documents a second" in err
    assert "3 created" in out


def test_batch_size_one_is_a_transaction_a_file(tmp_path):
    write(tmp_path, "a.md", case_study("bulk-a", "Flow A"))
    write(tmp_path, "b.md", case_study("bulk-b", "Flow B", "B" * 201))

    ok, out, err = run_command(tmp_path, "--publish", "--batch-size", "1")

    assert not ok
    assert "1 created" in err and "1 failed" in err
    assert list(CaseStudyPage.objects.values_list("slug", flat=True)) == ["bulk-a"]


# --- 5. the page the bulk path makes is the page Wagtail makes ------------------------------------

VOLATILE = {
    "id", "page_ptr", "page_ptr_id", "pk", "path", "slug", "url_path", "translation_key",
    "import_hash", "draft_title", "title", "latest_revision", "latest_revision_id",
    "live_revision", "live_revision_id", "latest_revision_created_at", "first_published_at",
    "last_published_at", "page", "page_id", "created_at",
}  # fmt: skip


def same_but_identity(value):
    """A revision's content, or a row as a dict, without what differs between two pages."""
    if isinstance(value, str) and value.startswith("[{"):
        value = json.loads(value)  # a StreamField in a revision: JSON text
    if isinstance(value, dict):
        return {k: same_but_identity(v) for k, v in value.items() if k not in VOLATILE}
    if isinstance(value, list):
        return [same_but_identity(item) for item in value]
    return value


def row(model_instance):
    def plain(value):  # a StreamField's blocks as stored (their ids differ)
        return value.get_prep_value() if hasattr(value, "get_prep_value") else value

    return same_but_identity(
        {f.attname: plain(getattr(model_instance, f.attname)) for f in model_instance._meta.fields}
    )


def test_a_page_the_bulk_path_creates_is_the_page_wagtail_would(tmp_path):
    write(tmp_path, "standard.md", standard("bulk-standard", "BULK-1"))
    assert import_paths([tmp_path / "standard.md"], publish=True).ok
    for name, make in (("case", case_study), ("guide", guide)):
        extra = "related_standards: [bulk-standard]" if name == "guide" else ""
        bulk_text = make(f"bulk-{name}", f"Same {name}", extra=extra)
        wagtail_text = bulk_text.replace(f"bulk-{name}", f"wagtail-{name}")
        write(tmp_path, f"{name}-bulk.md", bulk_text)
        wagtail_path = write(tmp_path, f"{name}-wagtail.md", wagtail_text)
        # Through Wagtail's own add_child, save_revision and publish:
        import_document(read_document(wagtail_path), publish=True)
        # Through the bulk path:
        assert import_paths([tmp_path / f"{name}-bulk.md"], publish=True).ok

        bulk = Page.objects.get(slug=f"bulk-{name}").specific
        made = Page.objects.get(slug=f"wagtail-{name}").specific
        assert row(bulk) == row(made)
        assert bulk.draft_title == bulk.title == made.title
        assert bulk.live_revision_id == bulk.latest_revision_id
        assert bulk.first_published_at and bulk.last_published_at
        for relation in ("pathways", "methods", "specialties"):
            assert [t.pk for t in getattr(bulk, relation).all()] == [
                t.pk for t in getattr(made, relation).all()
            ]
        if name == "case":
            assert [row(m) for m in bulk.measures.all()] == [row(m) for m in made.measures.all()]
            assert list(bulk.also_adopted_by.all()) == list(made.also_adopted_by.all())
        else:
            assert list(bulk.related_standards.all()) == list(made.related_standards.all())

        [bulk_revision] = bulk.revisions.all()
        [made_revision] = made.revisions.all()
        assert same_but_identity(bulk_revision.content) == same_but_identity(made_revision.content)
        assert bulk_revision.object_str == bulk.title

        def log(page):
            return [
                (e.action, e.label == page.title, e.revision_id, e.content_changed, e.user_id)
                for e in PageLogEntry.objects.filter(page=page).order_by("id")
            ]

        assert (
            [entry[:2] for entry in log(bulk)]
            == [entry[:2] for entry in log(made)]
            == [
                ("wagtail.create", True),
                ("wagtail.edit", True),
                ("wagtail.publish", True),
            ]
        )
        revision_id = bulk.live_revision_id
        assert [entry[2] for entry in log(bulk)] == [None, revision_id, revision_id]

        search = {page.slug: row(SearchDocument.objects.get(page=page)) for page in (bulk, made)}
        for fields in search.values():
            fields.pop("url"), fields.pop("updated_at")
        assert search[bulk.slug] == search[made.slug]

        def admin_entry(page):
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT title, autocomplete, body FROM wagtailsearch_indexentry "
                    "WHERE object_id = %s",
                    [str(page.pk)],
                )
                return cursor.fetchall()

        assert admin_entry(bulk) == admin_entry(made) != []

        def references(page):
            return sorted(
                ReferenceIndex.objects.filter(object_id=str(page.pk)).values_list(
                    "to_content_type_id", "to_object_id", "model_path", "content_path"
                )
            )

        assert references(bulk) == references(made)
        assert references(bulk) or name == "guide"  # a case study refers to its organisation
    parent = Page.objects.get(slug="guidance")
    assert parent.numchild == parent.get_children().count() == 3
    assert tree_is_sound()


def test_the_page_published_receivers_still_hear_of_every_page(tmp_path):
    heard = []

    def receiver(sender, instance, revision, **kwargs):
        heard.append((instance.slug, instance.live, revision.pk == instance.live_revision_id))

    page_published.connect(receiver, weak=False, dispatch_uid="test-bulk-heard")
    try:
        write(tmp_path, "a.md", case_study("bulk-a", "Flow A"))
        write(tmp_path, "b.md", standard("bulk-standard", "BULK-1"))
        assert import_paths([tmp_path], publish=True).ok
    finally:
        page_published.disconnect(dispatch_uid="test-bulk-heard")

    assert sorted(heard) == [("bulk-a", True, True), ("bulk-standard", True, True)]


def test_followers_hear_of_imported_pages_once_and_never_of_a_failed_file(tmp_path):
    """The batch asks once who follows what its pages concern; each follower is told of each
    page it follows through something, once, and a file that failed tells nobody."""
    from django.contrib.auth import get_user_model

    from kb.following.models import Follow, Notification, PublishedState
    from kb.following.services import follow
    from kb.taxonomy.models import Pathway, Specialty

    member = get_user_model().objects.create_user("fol", "fol@nhs.net", "pw")
    follow(member, Pathway.objects.get(slug="elective-care"))
    other = get_user_model().objects.create_user("oth", "oth@nhs.net", "pw")
    follow(other, Specialty.objects.get(slug="stroke"))  # nothing in the files is about it
    write(tmp_path, "a.md", case_study("bulk-a", "Flow A"))
    write(tmp_path, "b.md", case_study("bulk-b", "Flow B", "B" * 201))  # fails after publish
    write(tmp_path, "c.md", standard("bulk-standard", "BULK-1"))  # urgent and emergency care
    idea = "type: idea\nslug: bulk-idea\ntitle: Smaller trays\nsummary: Fewer instruments.\n"
    write(tmp_path, "i.md", md(idea + "waste_type: overprocessing\nstage: tested\n", "Trays."))

    assert not import_paths([tmp_path], publish=True, batch_size=10).ok

    told = {(n.user.username, n.url) for n in Notification.objects.select_related("user")}
    assert told == {("fol", CaseStudyPage.objects.get(slug="bulk-a").url)}
    assert Follow.objects.count() == 2
    # An idea keeps the state its next publish is compared with, followed or not...
    idea_page = Page.objects.get(slug="bulk-idea")
    assert PublishedState.objects.get(page_id=idea_page.pk).values == {
        "stage": "Tested on a small scale"
    }

    # ...and a later import that moves it on keeps the new one.
    write(tmp_path, "i.md", md(idea + "waste_type: overprocessing\nstage: implemented\n", "Trays."))
    (tmp_path / "b.md").unlink()
    assert import_paths([tmp_path], publish=True, batch_size=10).ok
    assert PublishedState.objects.get(page_id=idea_page.pk).values == {
        "stage": "Implemented and in use"
    }
    assert PublishedState.objects.count() == 1
