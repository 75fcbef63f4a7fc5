"""Writes one parsed Markdown document into a Wagtail page (the database half of the import).

`PageWriter.run` creates or updates the page through Wagtail's own calls (add_child,
save_revision, publish). A bulk import (markdown_import.py) creates new pages with
`PageWriter.create` instead: the same validation and the same rows, written without the steps a
new page does not need (see its docstring). A `WriteContext` holds what many documents share:
the site's sections, the vocabularies and the organisations looked up so far.
"""

import datetime
import decimal
import json

from django.db import models
from django.db.models.signals import m2m_changed, post_save
from django.utils import timezone
from django.utils.text import Truncator, slugify
from modelcluster.models import get_all_child_m2m_relations, get_all_child_relations
from wagtail.models import Locale, Page, Revision
from wagtail.signals import page_published, published

from kb.cases.models import CaseStudyMeasure, CaseStudyPage, CaseStudySeries
from kb.core.markdown import markdown_to_text
from kb.core.models import knowledge_page_models
from kb.guides.models import GirftStandardPage, ImprovementGuidePage
from kb.ideas.models import IdeaPage, IdeaSeries
from kb.projects.models import ProjectPage
from kb.taxonomy.models import (
    ImprovementMethod,
    Organisation,
    Pathway,
    Region,
    Specialty,
    WasteType,
)

from . import project_import
from .frontmatter import (
    ImportFailure,
    as_date,
    as_list,
    as_text,
    components_of,
    measures_of,
    series_of,
)
from .site_structure import ensure_project_index, ensure_site_structure


def page_models():

    return {model.import_type or model.content_kind: model for model in knowledge_page_models()}


# The fields a full_clean before the page has a place in the tree cannot check (Wagtail sets them).
TREE_FIELDS = ["path", "depth", "numchild", "url_path", "content_type", "translation_key", "locale"]
NOT_LOOKED_UP = object()


def log_entry(page, action, user=None, revision=None):
    """The entry `wagtail.log_actions.log(page, action, user=user, revision=revision,
    content_changed=True)` saves, unsaved, for a bulk insert. It is checked as its save()
    checks it, but for its foreign keys, which are the rows just written."""
    from django.contrib.contenttypes.models import ContentType
    from wagtail.log_actions import get_active_log_context
    from wagtail.log_actions import registry as log_registry

    log_registry.scan_for_actions()
    model = log_registry.get_log_model_for_instance(page)
    context = get_active_log_context()
    entry = model(
        content_type=ContentType.objects.get_for_model(page, for_concrete_model=False),
        label=model.objects.get_instance_title(page),
        action=action,
        timestamp=timezone.now(),
        data={},
        user=user or context.user,
        uuid=context.uuid,
        revision=revision,
        content_changed=True,
        page=page,
    )
    entry.full_clean(exclude=["content_type", "user", "revision", "page"])
    return entry


def quietly_added_relations(page):
    """{name: field} of the page's many-to-many relations whose rows Django adds in one bulk
    insert and with no signal (an automatic through table that no m2m_changed receiver
    watches): a new page's can be inserted with its batch's."""
    return {
        field.name: field
        for field in get_all_child_m2m_relations(page)
        if field.remote_field.through._meta.auto_created
        and not m2m_changed.has_listeners(field.remote_field.through)
    }


def relation_rows(page, field, items):
    """The through-table rows that adding `items` to the page's relation `field` inserts."""
    through = field.remote_field.through
    source, target = field.m2m_field_name(), field.m2m_reverse_field_name()
    return [through(**{f"{source}_id": page.pk, f"{target}_id": item.pk}) for item in items or ()]


# What a bulk import may tell a page it creates, for the receivers of its signals to read
# rather than ask the database: whether a view restriction covers it (RoutedPageMixin), and the
# sites' root paths (Wagtail's Page._get_site_root_paths).
PAGE_HINTS = ("kb_view_restricted", "_wagtail_cached_site_root_paths")


def forget_relations(page):
    """Back to reading a page's relations from the database (see WriteContext.keep_relations),
    and to asking it what the import's hints answered (PAGE_HINTS)."""
    page.__dict__.pop("_cluster_related_objects", None)
    for name in PAGE_HINTS:
        page.__dict__.pop(name, None)


def as_stored(instance):
    """A child object just saved, with its values as reading it back would give them: decimals
    with their field's places, JSON as its text decodes. (Its revision, indexes and receivers
    then see what they would see in the database, without one query a relation a page.)"""
    for field in instance._meta.concrete_fields:
        value = field.value_from_object(instance)
        if value is None:
            continue
        if isinstance(field, models.DecimalField):
            value = field.to_python(value).quantize(
                decimal.Decimal(1).scaleb(-field.decimal_places)
            )
        elif isinstance(field, models.JSONField):
            value = json.loads(json.dumps(value, cls=field.encoder))
        else:
            continue
        setattr(instance, field.attname, value)
    return instance


class WriteContext:
    """What the documents of one import share, looked up once: the site's sections (parent
    pages), the default locale, the vocabularies, and the organisations seen so far.

    Organisations are created or changed inside a file's transaction: `file_done(ok)` keeps
    those of a file that was saved and forgets those of a file that was rolled back.
    """

    def __init__(self):
        self.page_models = page_models()
        self._structure = None
        self._locale = None
        self._terms = {}
        self._rank = {}  # vocabulary -> {id: position in the database's order}
        self._organisations = {}  # name as written -> Organisation, of files saved
        self._pending = {}  # the same, for the file being written
        self._touched = set()  # ids of organisations the file being written has saved
        # (foreign key, id) of the rows pages' foreign keys were checked to point at, this batch.
        self.rows_checked = set()

    def structure(self):
        if self._structure is None:
            self._structure = ensure_site_structure()
        return self._structure

    def parent_of(self, type_):
        home, guidance, cases, ideas = self.structure()
        if type_ == ProjectPage.import_type:
            return ensure_project_index(home)
        return {"case-study": cases, "idea": ideas}.get(type_, guidance)

    def locale(self):
        if self._locale is None:
            self._locale = Locale.get_default()
        return self._locale

    def terms(self, model):
        """{slug: term} of a vocabulary (a small table, read once, in the database's order)."""
        if model not in self._terms:
            terms = list(model.objects.all())
            self._terms[model] = {term.slug: term for term in terms}
            self._rank[model] = {term.pk: rank for rank, term in enumerate(terms)}
        return self._terms[model]

    def ranked_vocabularies(self):
        return self._rank.keys()

    def keep_relations(self, page, assigned):
        """After a new page's first save: keep its child objects and many-to-many relations
        in memory (as modelcluster keeps unsaved ones), as the database returns them, so that
        its revision, the search indexes and the reference index read them without asking the
        database each time. `assigned` is what the import gave it: an empty relation needs no
        reading back, nor does a vocabulary (whose order is known)."""
        kept = {}
        for relation in get_all_child_relations(page):
            name = relation.get_accessor_name()
            # The objects the import gave it, just saved in that order (so with their ids and
            # sort order): given the values reading them back would give.
            kept[name] = [as_stored(item) for item in assigned.get(name) or ()]
        for field in get_all_child_m2m_relations(page):
            items = list(assigned.get(field.name) or [])
            rank = self._rank.get(field.related_model)
            if items and rank is not None:  # a vocabulary, whose order is known
                items.sort(key=lambda term: rank[term.pk])
            elif items:
                items = list(getattr(page, field.name).all())  # read back once
            kept[field.name] = items
        page.__dict__["_cluster_related_objects"] = kept

    def organisation(self, name):
        found = self._pending.get(name) or self._organisations.get(name)
        if found is None:
            found = Organisation.objects.filter(name__iexact=name).select_related("region").first()
            if found is not None:
                self._pending[name] = found
        return found

    def organisation_saved(self, name, organisation):
        self._pending[name] = organisation
        self._touched.add(organisation.pk)

    def _forget_touched(self):
        """After a file failed: the organisations it saved went back to what they were. Read
        them again when next needed, and put back what the pages of earlier files (indexed at
        the end of their batch) hold of those that were there before."""
        if not self._touched:
            return
        for organisation in {o.pk: o for o in self._organisations.values()}.values():
            if organisation.pk in self._touched:
                organisation.refresh_from_db()
        self._organisations = {
            name: organisation
            for name, organisation in self._organisations.items()
            if organisation.pk not in self._touched
        }

    def batch_begins(self):
        self.rows_checked = set()  # another transaction: rows may have gone meanwhile

    def file_done(self, ok):
        if ok:
            self._organisations.update(self._pending)
        else:
            self.rows_checked = set()  # a row the file made went with its savepoint
            self._forget_touched()
        self._pending, self._touched = {}, set()


class PageWriter:
    def __init__(self, document, publish=False, user=None, context=None):
        self.document = document
        self.publish = publish
        self.user = user
        self.context = context or WriteContext()
        self.model = self.context.page_models[document.type]
        self.log_entries = []  # what create() leaves for its caller to insert
        self.relation_rows = []
        self.hints = {}  # see create()

    def fail(self, message, key=None):
        self.document.fail(message, key)

    # -- vocabulary and page look-ups ------------------------------------------------------
    def terms(self, model, key):
        slugs = as_list(self.document, key)
        found = self.context.terms(model) if slugs else {}
        unknown = [slug for slug in slugs if slug not in found]
        if unknown:
            label = model._meta.verbose_name
            self.fail(
                f"unknown {label} slug{'s' if len(unknown) > 1 else ''}: {', '.join(unknown)}", key
            )
        return [found[slug] for slug in slugs]

    def term(self, model, key, required=False):
        slug = as_text(self.document, key, required=required)
        if not slug:
            return None
        term = self.context.terms(model).get(slug)
        if term is None:
            self.fail(f"unknown {model._meta.verbose_name} slug: {slug}", key)
        return term

    def pages(self, model, key):
        slugs = as_list(self.document, key)
        found = {page.slug: page for page in model.objects.filter(slug__in=slugs)}
        unknown = [slug for slug in slugs if slug not in found]
        if unknown:
            self.fail(f"no {model._meta.verbose_name} with slug {', '.join(unknown)}", key)
        return [found[slug] for slug in slugs]

    # -- the page ---------------------------------------------------------------------------
    def parent(self):
        return self.context.parent_of(self.document.type)

    def run(self, existing=NOT_LOOKED_UP):
        """Create or update the page through Wagtail's own calls. Returns (outcome, page).

        `existing` is the page already at this slug under the parent (None if there is none),
        when the caller has looked it up.
        """
        document = self.document
        parent = self.parent()
        if existing is NOT_LOOKED_UP:
            existing = parent.get_children().filter(slug=document.slug).first()
        if existing is not None and existing.specific_class is not self.model:
            kind = existing.specific_class._meta.verbose_name
            self.fail(
                f"slug {document.slug!r} is already used by a {kind} ({existing.title!r}) "
                f"in {parent.title}",
                "slug",
            )
        if existing is not None:
            existing = existing.specific
            # Compare with the latest revision: a draft update leaves the live row's hash as it was.
            page = existing.get_latest_revision_as_object()
            published = existing.live and not existing.has_unpublished_changes
            if page.import_hash == document.digest and (not self.publish or published):
                return "unchanged", existing
        else:
            page = self.model(slug=document.slug, live=False)

        self.build(page)
        if existing is None:
            parent.add_child(instance=page)
        # clean=False: build() has just validated the page.
        revision = page.save_revision(user=self.user, log_action=True, clean=False)
        if self.publish:
            revision.publish(user=self.user)
        elif existing is None:
            # A new draft: keep it out of public view until a moderator publishes it.
            page.live = False
            page.save(update_fields=["live"])
        return ("updated" if existing is not None else "created"), page

    def create(self, parent, path):
        """Create the page for a document that has none, at tree position `path` under
        `parent`, as `run` would: the same validation, and the same rows and signals as
        add_child, save_revision and (with publish) publish leave for a new page.

        What it leaves out is what a new page does not need: the second and third full_clean
        (and the Markdown they render again), the reload of the page from its revision and the
        full save that follows, the look-ups for what a new page cannot have yet (newer
        revisions, scheduled publishing, comments, workflows, aliases, related objects to
        delete), and reading its relations back from the database for each index.

        Some rows are left for the caller to insert with the rest of its batch, in one
        statement each kind: its log entries (`self.log_entries`) and the rows of its many-to-
        many relations (`self.relation_rows`), where Django would add them without a signal.
        Wagtail's bookkeeping after the revision (which revision is latest and live, and
        when it was published) is one UPDATE of those columns: the page's text was checked by
        the patient data guard when it was inserted, a moment before. The caller keeps `path`
        free and adds one to the parent's numchild (see markdown_import.py).

        `self.hints` ({name: value}, names from PAGE_HINTS) are put on the page for the
        receivers of its signals; the caller takes them off again with `forget_relations`.
        """
        page = self.model(slug=self.document.slug, live=False)
        for name, value in self.hints.items():
            if name in PAGE_HINTS and value is not None:
                page.__dict__[name] = value
        page.locale = self.context.locale()  # what full_clean would set: the default locale
        self.build(page)
        page.depth, page.path, page.numchild = parent.depth + 1, path, 0
        page._cached_parent_obj = parent  # for url_path, as add_child does
        page._is_site_root = False  # no site can have a page made this moment as its root
        relations = page.__dict__.setdefault("_cluster_related_objects", {})
        assigned = dict(relations)
        added_later = {  # vocabularies: their rows in memory are in the database's order
            name: field
            for name, field in quietly_added_relations(page).items()
            if field.related_model in self.context.ranked_vocabularies()
        }
        for name in [name for name, items in relations.items() if not items or name in added_later]:
            del relations[name]  # nothing to commit for a new page, or added with the batch
        # Its child objects are saved here, each as modelcluster's commit saves it, less its
        # look-up of the children already stored (a new page has none).
        children = [
            (relation.field.name, relations.pop(relation.get_accessor_name()))
            for relation in get_all_child_relations(page)
            if relation.get_accessor_name() in relations
        ]
        page.save(clean=False, log_action=None)
        for parental_key, items in children:
            for item in items:
                setattr(item, parental_key, page)
                item.save()
        # As add_child's save logs it: by the page's owner (none), whoever imports.
        self.log_entries = [log_entry(page, "wagtail.create", page.owner)]
        self.relation_rows = [
            row
            for name, field in added_later.items()
            for row in relation_rows(page, field, assigned.get(name))
        ]
        self.context.keep_relations(page, assigned)
        revision = Revision.objects.create(
            content_object=page,
            base_content_type=page.get_base_content_type(),
            user=self.user,
            approved_go_live_at=None,
            content=page.serializable_data(),
            object_str=str(page),
        )
        page.latest_revision_created_at = revision.created_at
        page.draft_title = page.title
        page.latest_revision = revision
        fields = ["latest_revision_created_at", "draft_title", "latest_revision"]
        fields += ["has_unpublished_changes"]
        if self.publish:
            now = timezone.now()
            page.live, page.has_unpublished_changes, page.expired = True, False, False
            page.first_published_at = page.last_published_at = now
            page.live_revision = revision
            fields += ["live", "expired", "first_published_at", "last_published_at"]
            fields += ["live_revision"]
        else:
            page.has_unpublished_changes = True
        Page._default_manager.filter(pk=page.pk).update(
            **{name: getattr(page, name) for name in fields}
        )
        self.log_entries.append(log_entry(page, "wagtail.edit", self.user, revision))
        if self.publish:
            page_published.send(sender=self.model, instance=page, revision=revision)
            published.send(sender=self.model, instance=page, revision=revision)
            self.log_entries.append(log_entry(page, "wagtail.publish", self.user, revision))
        return "created", page

    def build(self, page):
        """Fill the page from the document and validate it; ImportFailure if it is not valid."""
        self.fill(page)
        page.import_hash = self.document.digest
        # A foreign key already checked this batch (the region most pages share) points at a
        # row that is still there: full_clean's query for it would only repeat the answer.
        keys = [
            (field, getattr(page, field.attname))
            for field in page._meta.concrete_fields
            if field.many_to_one and field.name not in TREE_FIELDS
        ]
        checked = self.context.rows_checked
        known = [field.name for field, value in keys if (field, value) in checked]
        try:
            page.full_clean(exclude=[*TREE_FIELDS, *known])
        except Exception as error:  # ValidationError: report the fields concerned
            messages = getattr(error, "message_dict", None) or {"": [str(error)]}
            text = "; ".join(
                f"{k}: {' '.join(v)}" if k and k != "__all__" else " ".join(v)
                for k, v in messages.items()
            )
            # Report at the line of the first field's front matter key (line 1 if it has none).
            self.fail(f"the page is not valid ({text})", next(iter(messages), None))
        checked.update(key for key in keys if key[1] is not None)

    def fill(self, page):

        document, meta = self.document, self.document.meta
        page.title = meta["title"].strip()
        summary = as_text(document, "summary", max_length=600)
        if not summary:
            source = document.intro or next((text for _, text in document.sections if text), "")
            summary = Truncator(markdown_to_text(source)).chars(300)
        page.summary = summary or page.title
        page.publication_date = as_date(document, "date", datetime.date.today())
        page.last_reviewed = as_date(document, "last_reviewed", page.publication_date)
        page.next_review = as_date(
            document, "next_review", page.last_reviewed + datetime.timedelta(days=365)
        )
        page.content_owner = as_text(document, "owner", max_length=200)
        page.owner_email = as_text(document, "owner_email", max_length=254)
        page.pathways = self.terms(Pathway, "pathways")
        page.methods = self.terms(ImprovementMethod, "methods")
        page.specialties = self.terms(Specialty, "specialties")

        section_fields = {heading.lower(): name for name, heading in self.model.section_fields}
        for name, _ in self.model.section_fields:
            setattr(page, name, "")
        body = []
        if document.intro:
            body.append(("markdown", document.intro))
        for heading, text in document.sections:
            field_name = section_fields.get(heading.strip().lower())
            if field_name:
                setattr(page, field_name, text)
            else:
                body.append(("section", {"heading": heading[:120], "content": text}))
        page.body = body
        type_ = self.model.import_type or self.model.content_kind
        getattr(self, f"fill_{type_.replace('-', '_')}")(page)

    def fill_improvement_guide(self, page):

        page.related_standards = self.pages(GirftStandardPage, "related_standards")
        page.related_cases = self.pages(CaseStudyPage, "related_cases")

    def fill_girft_standard(self, page):

        document = self.document
        page.specialty = self.term(Specialty, "specialty", required=True)
        reference = as_text(document, "reference", required=True, max_length=40)
        clash = (
            GirftStandardPage.objects.filter(reference=reference)
            .exclude(slug=document.slug)
            .first()
        )
        if clash is not None:
            self.fail(f"reference {reference} is already used by {clash.title!r}", "reference")
        page.reference = reference
        page.standard = as_text(document, "standard", required=True, max_length=1000)
        page.source_report = as_text(document, "source_report", max_length=255)
        page.source_url = as_text(document, "source_url", max_length=200)

    def fill_blueprint(self, page):

        page.components = components_of(self.document)
        page.standards = self.pages(GirftStandardPage, "standards")

    def fill_case_study(self, page):

        document = self.document
        region = self.term(Region, "region")
        page.organisation = self.organisation(
            as_text(document, "organisation", required=True, max_length=200),
            kind=as_text(document, "organisation_type") or "trust",
            ods_code=as_text(document, "ods_code", max_length=10).upper(),
            region=region,
        )
        page.region = region or page.organisation.region
        page.evidence_strength = as_text(document, "evidence") or "before-and-after"
        page.contact_name = as_text(document, "contact_name", max_length=200)
        page.contact_email = as_text(document, "contact_email", max_length=254)
        page.measures = [CaseStudyMeasure(**values) for values in measures_of(document)]
        page.series = [CaseStudySeries(**values) for values in series_of(document)]
        page.also_adopted_by = [
            self.organisation(name, key="also_adopted_by")
            for name in as_list(document, "also_adopted_by")
            if name
        ]

    def fill_improvement_project(self, page):

        document = self.document
        page.aim = as_text(document, "aim", required=True, max_length=1000)
        region = self.term(Region, "region")
        page.organisation = self.organisation(
            as_text(document, "organisation", required=True, max_length=200),
            kind=as_text(document, "organisation_type") or "trust",
            ods_code=as_text(document, "ods_code", max_length=10).upper(),
            region=region,
        )
        page.region = region or page.organisation.region
        page.status, page.progress_score = project_import.status_and_progress(document)
        idea = as_text(document, "idea", max_length=255)
        page.idea = self.pages(IdeaPage, "idea")[0] if idea else None
        page.guides = self.pages(ImprovementGuidePage, "guides")
        page.standards = self.pages(GirftStandardPage, "standards")
        page.driver_diagram = project_import.drivers_of(document)
        # The case study the project was written up as (a write-up made on the site links
        # itself).
        case = as_text(document, "case_study", max_length=255)
        page.case_study = self.pages(CaseStudyPage, "case_study")[0] if case else None
        measures = project_import.measures_of(document)
        page.kb_import_parts = {
            "team": project_import.team_of(document),
            "measures": measures,
            "cycles": project_import.cycles_of(document, {m["name"] for m in measures}),
        }

    def fill_idea(self, page):

        document = self.document
        page.waste_type = self.term(WasteType, "waste_type", required=True)
        page.stage = as_text(document, "stage") or "idea"
        region = self.term(Region, "region")
        name = as_text(document, "organisation", max_length=200)
        page.organisation = self.organisation(name, region=region) if name else None
        page.region = region or (page.organisation.region if page.organisation else None)
        page.estimated_saving_hours = document.meta.get("estimated_saving_hours")
        page.estimated_saving_money = document.meta.get("estimated_saving_money")
        page.series = [IdeaSeries(**values) for values in series_of(document)]

    def organisation(self, name, kind="trust", ods_code="", region=None, key="organisation"):
        """The organisation with this name (any case), created if unknown."""

        if len(name) > 200:
            self.fail(f"organisation name is longer than 200 characters: {name[:40]}...", key)
        organisation = self.context.organisation(name)
        if organisation is None:
            slug = slugify(name)[:190] or "organisation"
            base, n = slug, 2
            while Organisation.objects.filter(slug=slug).exists():
                slug, n = f"{base}-{n}", n + 1
            organisation = Organisation.objects.create(
                name=name, slug=slug, kind=kind, ods_code=ods_code, region=region
            )
            self.context.organisation_saved(name, organisation)
        else:
            changed = False
            if ods_code and not organisation.ods_code:
                organisation.ods_code, changed = ods_code, True
            if region and organisation.region_id is None:
                organisation.region, changed = region, True
            if changed:
                organisation.save()
                self.context.organisation_saved(name, organisation)
        return organisation


__all__ = ["PageWriter", "WriteContext", "ImportFailure", "forget_relations"]


def _write_project_parts(sender, instance, **kwargs):
    # An imported project's team, measures and cycles are rows of their own (not page
    # content): written once the page is saved and has its id.
    parts = instance.__dict__.pop("kb_import_parts", None)
    if parts is not None:
        project_import.write_parts(instance, parts)


post_save.connect(_write_project_parts, sender=ProjectPage, dispatch_uid="kb_project_parts")
