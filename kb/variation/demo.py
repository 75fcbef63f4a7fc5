"""Demo variation data: four metrics, three years of months, fictional organisations.

Everything here is invented. Organisation names are the demo content's fictional trusts
(kb/publishing/demo_content) plus a few more in the same style; ODS codes start with "ZZ",
which no real organisation has. Some organisations improve after a change (a sustained step in
their series, `IMPROVERS`) so pages that ask "who improved it" have something to find.

The rows go through the real importer (as CSV text), so the demo exercises the same checks as
a data file; running it again with the same seed changes nothing.
"""

import csv
import datetime
import io
import math
import random

from kb.taxonomy.models import Organisation, Pathway, Region

from .importer import COLUMNS, import_csv
from .models import Metric

MONTHS = 36
FIRST_MONTH = datetime.date(2022, 4, 1)

NEY = "north-east-and-yorkshire"
# (name, ODS code, kind, region slug, size: typical monthly ED attendances or activity)
ORGANISATIONS = [
    ("Northshire Hospitals NHS Foundation Trust", "ZZN01", "trust", NEY, 11000),
    ("Eastmere University Hospitals NHS Trust", "ZZE01", "trust", "midlands", 14000),
    ("Tidemouth University Hospitals NHS Foundation Trust", "ZZT01", "trust", "south-west", 9000),
    ("Westdale Community and Hospital NHS Trust", "ZZW01", "trust", "london", 5000),
    ("Southford Teaching Hospitals NHS Foundation Trust", "ZZS01", "trust", "south-east", 12500),
    ("Fenbridge Hospitals NHS Foundation Trust", "ZZF01", "trust", "east-of-england", 8000),
    ("Millhaven Hospitals NHS Foundation Trust", "ZZM01", "trust", "north-west", 10000),
    ("Ashwick and Brindlecombe Hospitals NHS Trust", "ZZA01", "trust", "midlands", 6500),
    ("Carrowmoor General Hospital NHS Trust", "ZZC01", "trust", "north-west", 4500),
    ("Dunmere Vale Hospitals NHS Foundation Trust", "ZZD01", "trust", "south-west", 7000),
    ("Elverholt Teaching Hospitals NHS Trust", "ZZH01", "trust", "london", 15000),
    ("Fallowden and Greyhaven NHS Foundation Trust", "ZZG01", "trust", "east-of-england", 5500),
    ("Kestrelmoor Hospitals NHS Trust", "ZZK01", "trust", NEY, 8500),
    ("Larkspur Bay Hospitals NHS Foundation Trust", "ZZL01", "trust", "south-east", 6000),
    ("Marrowfield University Hospitals NHS Trust", "ZZR01", "trust", "midlands", 9500),
]  # fmt: skip

# (slug, name, data type, direction, unit, per, numerator words, denominator words, source,
#  pathways, standards, guides)
METRICS = [
    (
        "ed-four-hour",
        "A&E patients seen within 4 hours (fictional)",
        "proportion",
        "higher",
        "%",
        1000,
        "Attendances at type 1 emergency departments admitted, transferred or discharged within "
        "4 hours of arrival",
        "All attendances at type 1 emergency departments",
        ["urgent-and-emergency-care"],
        ["initial-assessment-within-15-minutes", "direct-streaming-to-same-day-emergency-care"],
        ["same-day-emergency-care", "discharge-and-hospital-flow"],
    ),
    (
        "hip-fracture-surgery-36h",
        "Hip fracture surgery within 36 hours (fictional)",
        "proportion",
        "higher",
        "%",
        1000,
        "Patients with a hip fracture operated on within 36 hours of arrival",
        "Patients with a hip fracture who had surgery",
        ["urgent-and-emergency-care"],
        ["hip-fracture-surgery-within-36-hours"],
        [],
    ),
    (
        "emergency-readmissions-30d",
        "Emergency readmissions within 30 days (fictional)",
        "rate",
        "lower",
        "per 1,000 discharges",
        1000,
        "Emergency readmissions within 30 days of discharge",
        "Discharges from hospital",
        ["urgent-and-emergency-care", "community-and-neighbourhood-care"],
        ["expected-discharge-date-and-clinical-criteria"],
        ["discharge-and-hospital-flow"],
    ),
    (
        "mortality-ratio",
        "Hospital mortality ratio (fictional, SHMI-style)",
        "standardised-ratio",
        "lower",
        "",
        1000,
        "Deaths in hospital or within 30 days of discharge",
        "Expected deaths from a risk model of the patients' age, diagnosis and comorbidity",
        ["urgent-and-emergency-care"],
        [],
        [],
    ),
]

# (metric slug, ODS code, first month of the change (0-based), size of the step)
IMPROVERS = [
    ("ed-four-hour", "ZZN01", 18, 0.09),  # Northshire: ECG and streaming at triage
    ("hip-fracture-surgery-36h", "ZZM01", 15, 0.15),  # Millhaven: a protected trauma list
    ("emergency-readmissions-30d", "ZZS01", 20, -0.3),  # Southford: criteria-led discharge
]

# Per metric: (national level, spread between organisations, activity as a share of size)
LEVELS = {
    "ed-four-hour": (0.72, 0.06, 1.0),
    "hip-fracture-surgery-36h": (0.62, 0.08, 0.004),
    "emergency-readmissions-30d": (0.065, 0.15, 0.25),
    "mortality-ratio": (1.0, 0.08, 0.006),
}


def month(i):
    year, m = divmod(FIRST_MONTH.month - 1 + i, 12)
    return f"{FIRST_MONTH.year + year}-{m + 1:02d}"


def _poisson(rng, mean):
    """A Poisson draw (normal approximation above 50, Knuth's method below)."""
    if mean > 50:
        return max(0, round(rng.gauss(mean, math.sqrt(mean))))
    limit, k, p = math.exp(-mean), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def rows(seed=1):
    """The demo rows (lists of cells, COLUMNS order), the same for the same seed."""
    rng = random.Random(seed)
    steps = {(m, ods): (start, size) for m, ods, start, size in IMPROVERS}
    out = []
    for slug, name, data_type, direction, *_rest in METRICS:
        level, spread, share = LEVELS[slug]
        for org_name, ods, _kind, _region, size in ORGANISATIONS:
            own = rng.gauss(0, spread)
            for i in range(MONTHS):
                activity = max(5, round(size * share * (1 + 0.08 * math.sin(i / 1.9))))
                effect = own
                start, step = steps.get((slug, ods), (MONTHS, 0))
                if i >= start:
                    effect += step
                if data_type == "proportion":
                    p = min(0.99, max(0.02, level + effect))
                    den = activity
                    num = (
                        sum(1 for _ in range(den) if rng.random() < p)
                        if den < 200
                        else min(
                            den, max(0, round(rng.gauss(den * p, math.sqrt(den * p * (1 - p)))))
                        )
                    )
                elif data_type == "rate":
                    den = activity
                    num = _poisson(rng, den * level * math.exp(effect))
                else:
                    expected = round(activity * 0.03 * (1 + rng.random() * 0.05), 2)
                    den = expected
                    num = _poisson(rng, expected * level * math.exp(effect))
                out.append([slug, name, data_type, direction, ods, org_name, month(i), num, den])
    return out


def csv_text(seed=1):
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    writer.writerows(rows(seed))
    return buffer.getvalue()


def ensure_organisations():
    """The demo organisations with their type and region, matched by ODS code or name; a
    stored type, region or code is never overwritten."""
    regions = {r.slug: r for r in Region.objects.all()}
    for name, ods, kind, region, _size in ORGANISATIONS:
        org = Organisation.objects.filter(ods_code=ods).first()
        org = org or Organisation.objects.filter(name__iexact=name).first()
        if org is None:
            Organisation.objects.create(
                name=name,
                slug=_free_slug(name),
                kind=kind,
                ods_code=ods,
                region=regions.get(region),
            )
            continue
        changed = []
        if not org.ods_code:
            org.ods_code = ods
            changed.append("ods_code")
        if org.region_id is None and region in regions:
            org.region = regions[region]
            changed.append("region")
        if changed:
            org.save(update_fields=changed)


def _free_slug(name):
    from django.utils.text import slugify

    base = slugify(name)[:180]
    slug, n = base, 2
    while Organisation.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


def ensure_metrics():
    """The demo metrics with their definitions, linked to the demo pathways, standards and
    guides that exist (loading the demo content later and running this again links the rest)."""
    from kb.guides.models import GirftStandardPage, ImprovementGuidePage

    for (slug, name, data_type, direction, unit, per, numerator, denominator, pathways,
         standards, guides) in METRICS:  # fmt: skip
        metric, _ = Metric.objects.update_or_create(
            slug=slug,
            defaults={
                "name": name,
                "data_type": data_type,
                "direction": direction,
                "unit": unit,
                "per": per,
                "numerator_definition": numerator,
                "denominator_definition": denominator,
                "source": "KB demonstration data (invented, not real NHS figures)",
                "licence": "Open Government Licence v3.0",
            },
        )
        metric.pathways.add(*Pathway.objects.filter(slug__in=pathways))
        metric.standards.add(*GirftStandardPage.objects.filter(slug__in=standards))
        metric.guides.add(*ImprovementGuidePage.objects.filter(slug__in=guides))


def load(seed=1):
    """Load the demo (organisations, metrics, values); returns the importer's result."""
    ensure_organisations()
    ensure_metrics()
    return import_csv(csv_text(seed), f"variation demo (seed {seed})")
