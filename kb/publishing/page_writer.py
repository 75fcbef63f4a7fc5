"""Writes one parsed Markdown document into a Wagtail page (the database half of the import)."""

import datetime

from django.utils.text import Truncator, slugify

from kb.cases.models import CaseStudyMeasure, CaseStudyPage, CaseStudySeries
from kb.core.markdown import markdown_to_text
from kb.core.models import knowledge_page_models
from kb.guides.models import GirftStandardPage
from kb.ideas.models import IdeaSeries
from kb.taxonomy.models import (
    ImprovementMethod,
    Organisation,
    Pathway,
    Region,
    Specialty,
    WasteType,
)

from .frontmatter import (
    ImportFailure,
    as_date,
    as_list,
    as_text,
    components_of,
    measures_of,
    series_of,
)
from .site_structure import ensure_site_structure


def page_models():

    return {model.content_kind: model for model in knowledge_page_models()}


class PageWriter:
    def __init__(self, document, publish=False, user=None):
        self.document = document
        self.publish = publish
        self.user = user
        self.model = page_models()[document.type]

    def fail(self, message, key=None):
        self.document.fail(message, key)

    # -- vocabulary and page look-ups ------------------------------------------------------
    def terms(self, model, key):
        slugs = as_list(self.document, key)
        found = {term.slug: term for term in model.objects.filter(slug__in=slugs)}
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
        term = model.objects.filter(slug=slug).first()
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
        home, guidance, cases, ideas = ensure_site_structure()
        return {"case-study": cases, "idea": ideas}.get(self.document.type, guidance)

    def run(self):
        document = self.document
        parent = self.parent()
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

        self.fill(page)
        page.import_hash = document.digest
        try:
            page.full_clean(
                exclude=[
                    "path",
                    "depth",
                    "numchild",
                    "url_path",
                    "content_type",
                    "translation_key",
                    "locale",
                ]
            )
        except Exception as error:  # ValidationError: report the fields concerned
            messages = getattr(error, "message_dict", None) or {"": [str(error)]}
            text = "; ".join(
                f"{k}: {' '.join(v)}" if k and k != "__all__" else " ".join(v)
                for k, v in messages.items()
            )
            # Report at the line of the first field's front matter key (line 1 if it has none).
            self.fail(f"the page is not valid ({text})", next(iter(messages), None))

        if existing is None:
            parent.add_child(instance=page)
        revision = page.save_revision(user=self.user, log_action=True)
        if self.publish:
            revision.publish(user=self.user)
        elif existing is None:
            # A new draft: keep it out of public view until a moderator publishes it.
            page.live = False
            page.save(update_fields=["live"])
        return ("updated" if existing is not None else "created"), page

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
        getattr(self, f"fill_{self.model.content_kind.replace('-', '_')}")(page)

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
        organisation = Organisation.objects.filter(name__iexact=name).first()
        if organisation is None:
            slug = slugify(name)[:190] or "organisation"
            base, n = slug, 2
            while Organisation.objects.filter(slug=slug).exists():
                slug, n = f"{base}-{n}", n + 1
            organisation = Organisation.objects.create(
                name=name, slug=slug, kind=kind, ods_code=ods_code, region=region
            )
        else:
            changed = False
            if ods_code and not organisation.ods_code:
                organisation.ods_code, changed = ods_code, True
            if region and organisation.region_id is None:
                organisation.region, changed = region, True
            if changed:
                organisation.save()
        return organisation


__all__ = ["PageWriter", "ImportFailure"]
