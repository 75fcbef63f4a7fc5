"""The open datasets: what each holds and how its records are read from the database.

Only what readers can already see is exported: live pages that no view restriction covers
(`kb.core.models.public_pages`), and of those only the fields their pages show. Nothing that
reaches or names a person is read at all: owners' and contacts' email addresses, contact names
(personal data is outside the Open Government Licence), import hashes, revisions, and anything
from idea submissions or endorsements. Each page query lists the fields it reads (`only`):
what is read is what is published, and a field read without being listed would cost a query a
page, which tests/opendata notices (as it notices any private detail in any file).

Records are read with `.iterator(chunk_size=CHUNK_SIZE)`: the database hands over a chunk of
rows at a time and Django runs each prefetch (pathways, methods...) once per chunk, so exporting
100,000 pages holds about one chunk in memory and runs a handful of queries a chunk, never one
a page. Every record is a dict of JSON-ready values (text, numbers, true/false, null, lists),
keyed by the dataset's field names, in the dataset's order.
"""

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.db.models import F, Prefetch
from django.urls import reverse
from wagtail.models import Site

from kb.cases.choices import EvidenceStrength
from kb.cases.models import CaseStudyMeasure, CaseStudyPage, CaseStudySeries
from kb.core.models import public_pages
from kb.guides.models import BlueprintPage, GirftStandardPage, ImprovementGuidePage
from kb.ideas.choices import Stage
from kb.ideas.models import IdeaPage, IdeaSeries
from kb.measurement import spc
from kb.measurement.records import series_record

from .fields import CSV_ONLY, JSON_ONLY, Field

# Pages (or rows) a query hands over at a time: big enough that the per-chunk prefetch queries
# cost little, small enough that a chunk of full pages stays a few megabytes.
CHUNK_SIZE = 1000

# Fields every page of the site has, on every page dataset.
PAGE_READS = ("id", "slug", "url_path", "title", "first_published_at", "last_published_at")
KNOWLEDGE_READS = (
    *PAGE_READS,
    "summary",
    "content_owner",
    "publication_date",
    "last_reviewed",
    "next_review",
)
TERM_VOCABULARIES = ("pathways", "methods", "specialties")


@dataclass(frozen=True)
class Dataset:
    """One dataset: its address (`slug`), how it is introduced, its fields, and `read`, which
    gives its records. `csv_rows` turns a record into the CSV's rows: one row a record, except
    where a record holds a list the CSV spreads over several rows (a series' points)."""

    slug: str
    title: str
    description: str
    fields: tuple[Field, ...]
    read: Callable[["Addresses"], Iterable[dict]]
    csv_rows: Callable[[dict], Iterable[dict]] = lambda record: (record,)

    @property
    def csv_fields(self):
        return [field for field in self.fields if field.in_csv]

    @property
    def json_fields(self):
        return [field for field in self.fields if field.in_json]


class Addresses:
    """Pages' full web addresses, worked out as Wagtail's Page.get_url_parts does (the first
    site whose root the page is under, most specific first) from the sites read once, rather
    than page by page."""

    def __init__(self):
        self.roots = list(Site.get_site_root_paths())

    def url(self, url_path):
        """The address of the page at `url_path`, or None for a page outside every site."""
        for root in self.roots:
            if url_path.startswith(root.root_path):
                rest = url_path[len(root.root_path) :]
                return root.root_url + reverse("wagtail_serve", args=(rest,))
        return None


def public_live(model):
    """The pages of `model` readers can see: live, and under no view restriction."""
    return public_pages(model.objects.live())


def _date(value):
    return value.isoformat() if value else None


def _moment(value):
    """A stored date and time, in UTC, as ISO 8601."""
    return value.astimezone(datetime.UTC).isoformat() if value else None


def _slugs(related):
    """The slugs of a prefetched many-to-many relation, in the order it was read."""
    return [item.slug for item in related.all()]


def _number(value):
    """A stored decimal as a JSON number (14 digits at most: a float holds it exactly enough
    to print back the same digits)."""
    return None if value is None else float(value)


# --- Fields shared by the page datasets ----------------------------------------------------


def page_fields(noun):
    return (
        Field(
            "id",
            "integer",
            f"The {noun}'s page number on the site. It stays the same while the page exists, "
            "and is how other datasets refer to the page.",
        ),
        Field("slug", "slug", f"The last part of the {noun}'s web address."),
        Field(
            "url",
            "url",
            f"The {noun}'s web address. Empty for a page no site serves.",
            nullable=True,
        ),
        Field("title", "text", f"The {noun}'s title."),
        Field("summary", "text", "One or two sentences, as shown in listings and search results."),
    )


CLASSIFICATION_FIELDS = (
    Field("pathways", "slugs", "The care pathways it is filed under, by slug."),
    Field("methods", "slugs", "The improvement methods it is filed under, by slug."),
    Field("specialties", "slugs", "The clinical specialties it is filed under, by slug."),
)
OWNER_FIELD = Field(
    "owner", "text", "The team responsible for the page, as the page names it (may be empty)."
)
PUBLISHED_FIELDS = (
    Field("first_published_at", "datetime", "When the page was first published.", nullable=True),
    Field(
        "last_published_at",
        "datetime",
        "When the page was last published: its latest change.",
        nullable=True,
    ),
)
DATE_FIELDS = (
    Field("publication_date", "date", "The publication date the page shows."),
    Field("last_reviewed", "date", "When the page was last reviewed.", nullable=True),
    Field("next_review", "date", "When the page is next due for review."),
    *PUBLISHED_FIELDS,
)


def page_values(page, addresses):
    return {
        "id": page.pk,
        "slug": page.slug,
        "url": addresses.url(page.url_path),
        "title": page.title,
        "summary": page.summary,
    }


def classification_values(page):
    return {name: _slugs(getattr(page, name)) for name in TERM_VOCABULARIES}


def date_values(page):
    return {
        "publication_date": _date(page.publication_date),
        "last_reviewed": _date(page.last_reviewed),
        "next_review": _date(page.next_review),
        "first_published_at": _moment(page.first_published_at),
        "last_published_at": _moment(page.last_published_at),
    }


def _in_chunks(queryset):
    return queryset.order_by("pk").iterator(chunk_size=CHUNK_SIZE)


# --- Case studies ----------------------------------------------------------------------------

CASE_STUDY_SIGNALS = ("improvement", "none", "")


def read_case_studies(addresses):
    pages = (
        public_live(CaseStudyPage)
        .select_related("organisation", "region")
        .only(
            *KNOWLEDGE_READS,
            *(name for name, _ in CaseStudyPage.section_fields),
            "evidence_strength",
            "organisation__name",
            "organisation__ods_code",
            "region__slug",
        )
        .prefetch_related(
            *TERM_VOCABULARIES,
            "also_adopted_by",
            # The stored judgement of each chart, for the page's signal: no points, no chart.
            Prefetch("series", CaseStudySeries.objects.only("id", "page_id", "analysis")),
        )
    )
    for page in _in_chunks(pages):
        yield {
            **page_values(page, addresses),
            "organisation": page.organisation.name,
            "organisation_ods_code": page.organisation.ods_code,
            "region": page.region.slug if page.region else None,
            "also_adopted_by": _slugs(page.also_adopted_by),
            "evidence_strength": page.evidence_strength,
            **{name: getattr(page, name) for name, _ in CaseStudyPage.section_fields},
            "signal": page.signal,
            **classification_values(page),
            "owner": page.content_owner,
            **date_values(page),
        }


CASE_STUDIES = Dataset(
    slug="case-studies",
    title="Case studies",
    description="What NHS teams changed, how they did it, what they learnt and the strength of "
    "their evidence: one record for each published case study. Their measured results are in "
    "“Case study results” and their charts' data in “Measures over time”.",
    fields=(
        *page_fields("case study"),
        Field("organisation", "text", "The organisation whose team made the change."),
        Field(
            "organisation_ods_code",
            "text",
            "The organisation's Organisation Data Service (ODS) code, where known (may be empty).",
        ),
        Field("region", "slug", "The NHS England region, by slug.", nullable=True),
        Field("also_adopted_by", "slugs", "Other organisations that adopted the change, by slug."),
        Field(
            "evidence_strength",
            "slug",
            "How far readers can rely on the result, weakest first: anecdotal, before and after, "
            "sustained over time, independently evaluated.",
            choices=tuple(EvidenceStrength.values),
        ),
        Field("problem", "markdown", "The problem the team set out to solve."),
        Field("what_we_did", "markdown", "What the team did."),
        Field("what_did_not_work", "markdown", "What did not work."),
        Field("lessons", "markdown", "The lessons the team would pass on."),
        Field("costs_and_resources", "markdown", "What the change cost and needed."),
        Field(
            "signal",
            "slug",
            "What the case study's SPC and run charts show: improvement when any shows "
            "improvement, none when none does yet, empty when it has no measures over time.",
            choices=CASE_STUDY_SIGNALS,
        ),
        *CLASSIFICATION_FIELDS,
        OWNER_FIELD,
        *DATE_FIELDS,
    ),
    read=read_case_studies,
)


# --- Case study results (before and after) -------------------------------------------------


def read_case_study_results(addresses):
    measures = (
        CaseStudyMeasure.objects.filter(page__in=public_live(CaseStudyPage))
        .annotate(page_slug=F("page__slug"))
        .order_by("page_id", "sort_order", "pk")
    )
    for measure in measures.iterator(chunk_size=CHUNK_SIZE):
        yield {
            "page_id": measure.page_id,
            "page_slug": measure.page_slug,
            "name": measure.name,
            "unit": measure.unit,
            "baseline": _number(measure.baseline),
            "result": _number(measure.result),
            "change": _number(measure.change),
            "period": measure.period,
            "higher_is_better": measure.higher_is_better,
            "improved": measure.improved,
        }


CASE_STUDY_RESULTS = Dataset(
    slug="case-study-results",
    title="Case study results",
    description="The results case studies report, as a measure taken before and after the "
    "change: one record for each measure, with the case study it belongs to.",
    fields=(
        Field("page_id", "integer", "The case study's id (the id in “Case studies”)."),
        Field("page_slug", "slug", "The case study's slug."),
        Field("name", "text", "What was measured."),
        Field("unit", "text", "The unit of the values, such as % or minutes (may be empty)."),
        Field("baseline", "number", "The value before the change."),
        Field("result", "number", "The value after the change."),
        Field("change", "number", "The result minus the baseline."),
        Field("period", "text", "When the result was measured, as the team wrote it."),
        Field(
            "higher_is_better",
            "boolean",
            "True when a rise is the improvement, false when a fall is (waiting times, say).",
        ),
        Field(
            "improved",
            "boolean",
            "Whether the change was in the better direction; empty when nothing changed.",
            nullable=True,
        ),
    ),
    read=read_case_study_results,
)


# --- Measures over time (the charts' data) -------------------------------------------------


def read_measure_series(addresses):
    """Every series shown on a public page: case studies', then tested or implemented ideas'
    (an idea's page shows no chart while it is only an idea, so neither does its data)."""
    tried = public_live(IdeaPage).filter(stage__in=(Stage.TESTED, Stage.IMPLEMENTED))
    sources = (
        ("case-study", CaseStudySeries.objects.filter(page__in=public_live(CaseStudyPage))),
        ("idea", IdeaSeries.objects.filter(page__in=tried)),
    )
    for page_type, series in sources:
        # The stored chart (an SVG) is never needed: the stored judgement is in `analysis`.
        series = (
            series.defer("stored_chart")
            .annotate(page_slug=F("page__slug"))
            .order_by("page_id", "sort_order", "pk")
        )
        for one in series.iterator(chunk_size=CHUNK_SIZE):
            yield {
                "page_type": page_type,
                "page_id": one.page_id,
                "page_slug": one.page_slug,
                **series_record(one, limits=False),
            }


def series_point_rows(record):
    """A series as CSV rows: one a point, each carrying the series' own fields; a series with
    no points still has its row, with the period and value empty."""
    points = record["points"] or [{"period": None, "value": None}]
    for point in points:
        yield {**record, "period": point["period"], "value": point["value"]}


MEASURE_SERIES = Dataset(
    slug="measure-series",
    title="Measures over time",
    description="The data behind the run and SPC charts on case studies, and on ideas that "
    "have been tested or implemented: each measure's points, its improvement direction and "
    "target, and what its chart shows. The CSV file has a row for each point; the JSON file has "
    "a record for each measure, with its points as a list.",
    fields=(
        Field(
            "page_type",
            "slug",
            "The kind of page the measure is on.",
            choices=("case-study", "idea"),
        ),
        Field(
            "page_id",
            "integer",
            "The page's id (the id in “Case studies” or “Frontline ideas”).",
        ),
        Field("page_slug", "slug", "The page's slug."),
        Field("name", "text", "What is measured."),
        Field("unit", "text", "The unit of the values, such as % or minutes (may be empty)."),
        Field(
            "direction",
            "slug",
            "Which way is better: up (higher is better), down (lower is better) or neither.",
            choices=(spc.UP, spc.DOWN, spc.NEITHER),
        ),
        Field("target", "number", "The target, if the team set one.", nullable=True),
        Field(
            "change_at",
            "texts",
            "The periods the team made a change at: the chart's limits are recalculated from each.",
        ),
        Field(
            "screen_moving_ranges",
            "boolean",
            "Whether unusually large moving ranges were left out when the limits were calculated.",
        ),
        Field("points", "points", "The data, in time order.", files=JSON_ONLY),
        Field("period", "text", "The period of this point, as the team wrote it.", files=CSV_ONLY),
        Field("value", "number", "The value measured in that period.", files=CSV_ONLY),
        Field(
            "chart_type",
            "slug",
            "The chart drawn: xmr (an SPC chart, from 15 points) or run (a run chart); empty "
            "when the data could not be analysed.",
            choices=("xmr", "run", ""),
        ),
        Field(
            "signal",
            "slug",
            "What the chart shows, judged when the series was last saved: improvement, "
            "concern, or none.",
            choices=("improvement", "concern", "none", ""),
        ),
        Field(
            "variation",
            "slug",
            "The kind of variation at the latest point, in NHS England's Making Data Count terms.",
            choices=(*spc.VARIATION_LABELS, ""),
        ),
        Field(
            "change",
            "slug",
            "After a change with recalculated limits: whether it moved the process "
            "(improvement, concern, neither or none); empty when the limits were not "
            "recalculated.",
        ),
        Field("summary", "text", "What the chart shows, in words, as its page says it."),
    ),
    read=read_measure_series,
    csv_rows=series_point_rows,
)


# --- Frontline ideas -----------------------------------------------------------------------


def read_ideas(addresses):
    pages = (
        public_live(IdeaPage)
        .select_related("waste_type", "organisation", "region")
        .only(
            *PAGE_READS,
            "summary",
            "publication_date",
            "problem",
            "proposal",
            "stage",
            "estimated_saving_hours",
            "estimated_saving_money",
            "waste_type__slug",
            "organisation__name",
            "region__slug",
        )
        .prefetch_related(*TERM_VOCABULARIES)
    )
    for page in _in_chunks(pages):
        yield {
            **page_values(page, addresses),
            "problem": page.problem,
            "proposal": page.proposal,
            "waste_type": page.waste_type.slug,
            "stage": page.stage,
            "organisation": page.organisation.name if page.organisation else None,
            "region": page.region.slug if page.region else None,
            "estimated_saving_hours": page.estimated_saving_hours,
            "estimated_saving_money": page.estimated_saving_money,
            **classification_values(page),
            "publication_date": _date(page.publication_date),
            "first_published_at": _moment(page.first_published_at),
            "last_published_at": _moment(page.last_published_at),
        }


IDEAS = Dataset(
    slug="ideas",
    title="Frontline ideas",
    description="Ideas from NHS staff to cut waste, as published after moderation: the "
    "problem, the proposed change, the kind of waste and how far the idea has got. Nothing "
    "about the person who sent an idea is included.",
    fields=(
        *page_fields("idea"),
        Field("problem", "markdown", "The waste the team sees."),
        Field("proposal", "markdown", "The change the idea proposes."),
        Field("waste_type", "slug", "The kind of waste, from Lean's eight wastes, by slug."),
        Field(
            "stage",
            "slug",
            "How far the idea has got: an idea not tried yet, tested on a small scale, or "
            "implemented and in use.",
            choices=tuple(Stage.values),
        ),
        Field("organisation", "text", "The organisation the idea comes from.", nullable=True),
        Field("region", "slug", "The NHS England region, by slug.", nullable=True),
        Field(
            "estimated_saving_hours",
            "integer",
            "Estimated staff hours saved a year.",
            nullable=True,
        ),
        Field(
            "estimated_saving_money",
            "integer",
            "Estimated money saved a year, in pounds.",
            nullable=True,
        ),
        *CLASSIFICATION_FIELDS,
        Field("publication_date", "date", "The publication date the page shows."),
        *PUBLISHED_FIELDS,
    ),
    read=read_ideas,
)


# --- GIRFT standards -----------------------------------------------------------------------


def read_girft_standards(addresses):
    pages = (
        public_live(GirftStandardPage)
        .select_related("specialty")
        .only(
            *KNOWLEDGE_READS,
            "reference",
            "specialty__slug",
            "standard",
            "rationale",
            "how_measured",
            "evidence",
            "source_report",
            "source_url",
        )
        .prefetch_related(*TERM_VOCABULARIES)
    )
    for page in _in_chunks(pages):
        yield {
            **page_values(page, addresses),
            "reference": page.reference,
            "specialty": page.specialty.slug,
            "standard": page.standard,
            "rationale": page.rationale,
            "how_measured": page.how_measured,
            "evidence": page.evidence,
            "source_report": page.source_report,
            "source_url": page.source_url or None,
            **classification_values(page),
            "owner": page.content_owner,
            **date_values(page),
        }


GIRFT_STANDARDS = Dataset(
    slug="girft-standards",
    title="GIRFT standards",
    description="Clinically led standards from the Getting It Right First Time (GIRFT) "
    "programme: each standard's reference, specialty and wording, why it matters, how it is "
    "measured and the evidence for it.",
    fields=(
        *page_fields("standard"),
        Field("reference", "text", "The standard's reference code, such as GIRFT-EM-01."),
        Field("specialty", "slug", "The GIRFT specialty the standard belongs to, by slug."),
        Field("standard", "text", "The standard itself."),
        Field("rationale", "markdown", "Why the standard matters."),
        Field("how_measured", "markdown", "How it is measured."),
        Field("evidence", "markdown", "The evidence for it."),
        Field("source_report", "text", "The GIRFT report it comes from (may be empty)."),
        Field("source_url", "url", "The web address of that report.", nullable=True),
        *CLASSIFICATION_FIELDS,
        OWNER_FIELD,
        *DATE_FIELDS,
    ),
    read=read_girft_standards,
)


# --- Improvement guides --------------------------------------------------------------------


def _public_slugs(model):
    """A relation's pages as readers may see them, by slug: a draft or restricted page a guide
    cites is left out, as its page leaves it out."""
    return public_live(model).only("id", "slug").order_by("slug")


def read_guides(addresses):
    pages = (
        public_live(ImprovementGuidePage)
        .only(*KNOWLEDGE_READS, *(name for name, _ in ImprovementGuidePage.section_fields))
        .prefetch_related(
            *TERM_VOCABULARIES,
            Prefetch("related_standards", _public_slugs(GirftStandardPage)),
            Prefetch("related_cases", _public_slugs(CaseStudyPage)),
        )
    )
    for page in _in_chunks(pages):
        yield {
            **page_values(page, addresses),
            **{name: getattr(page, name) for name, _ in ImprovementGuidePage.section_fields},
            "related_standards": _slugs(page.related_standards),
            "related_cases": _slugs(page.related_cases),
            **classification_values(page),
            "owner": page.content_owner,
            **date_values(page),
        }


GUIDES = Dataset(
    slug="guides",
    title="Improvement guides",
    description="National improvement guides: what good looks like, the measures that show "
    "whether it is working, changes to test and where to find more, with the GIRFT standards "
    "and case studies each guide cites. Blueprints are a dataset of their own.",
    fields=(
        *page_fields("guide"),
        Field("what_good_looks_like", "markdown", "What good looks like."),
        Field("measures", "markdown", "The measures that show whether it is working."),
        Field("changes_to_test", "markdown", "Changes teams can test with PDSA cycles."),
        Field("resources", "markdown", "Where to find more."),
        Field(
            "related_standards",
            "slugs",
            "The GIRFT standards the guide cites, by slug (the slug in “GIRFT standards”).",
        ),
        Field(
            "related_cases",
            "slugs",
            "The case studies the guide cites, by slug (the slug in “Case studies”).",
        ),
        *CLASSIFICATION_FIELDS,
        OWNER_FIELD,
        *DATE_FIELDS,
    ),
    read=read_guides,
)


# --- Blueprints ----------------------------------------------------------------------------


def blueprint_components(page):
    """A blueprint's components as name and description, read from the stored blocks as they
    are (images are not looked up: the export carries no images)."""
    return [
        {
            "name": str(block["value"].get("name") or ""),
            "description": str(block["value"].get("description") or ""),
        }
        for block in page.components.raw_data
        if block.get("type") == "component"
    ]


def read_blueprints(addresses):
    pages = (
        public_live(BlueprintPage)
        .only(*KNOWLEDGE_READS, "components")
        .prefetch_related(
            *TERM_VOCABULARIES, Prefetch("standards", _public_slugs(GirftStandardPage))
        )
    )
    for page in _in_chunks(pages):
        yield {
            **page_values(page, addresses),
            "components": blueprint_components(page),
            "standards": _slugs(page.standards),
            **classification_values(page),
            "owner": page.content_owner,
            **date_values(page),
        }


BLUEPRINTS = Dataset(
    slug="blueprints",
    title="Blueprints",
    description="Model service designs, such as the Model Emergency Department: each "
    "blueprint's components and the GIRFT standards it embodies.",
    fields=(
        *page_fields("blueprint"),
        Field("components", "components", "The parts of the model service, in order."),
        Field(
            "standards",
            "slugs",
            "The GIRFT standards the blueprint embodies, by slug (the slug in “GIRFT standards”).",
        ),
        *CLASSIFICATION_FIELDS,
        OWNER_FIELD,
        *DATE_FIELDS,
    ),
    read=read_blueprints,
)


DATASETS: tuple[Dataset, ...] = (
    CASE_STUDIES,
    CASE_STUDY_RESULTS,
    MEASURE_SERIES,
    IDEAS,
    GIRFT_STANDARDS,
    GUIDES,
    BLUEPRINTS,
)
BY_SLUG = {dataset.slug: dataset for dataset in DATASETS}
