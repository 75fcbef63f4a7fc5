"""Organisations' size bands: small, medium or large among organisations of the same type.

The size comes from one metric, named by the setting `KB_VARIATION_SIZE_METRIC` (default
`ed-four-hour`, the demo's A&E 4-hour metric, whose denominator is attendances): each
organisation's size is the **denominator** of its own latest period of that metric
(attendances, admissions or beds are what such a metric counts out of; a numerator would make
a well-performing trust look bigger). Within each type the organisations with a size are
ranked and split into thirds; a type with fewer than three such organisations, and an
organisation without data for the size metric, get no band. Recomputed after every import
that changes data, in bulk and without signals (the import purges the page cache once).
"""

from django.conf import settings
from django.db import connection

from kb.taxonomy.models import Organisation

from .models import Metric, MetricValue

DEFAULT_SIZE_METRIC = "ed-four-hour"
BANDS = (Organisation.SizeBand.SMALL, Organisation.SizeBand.MEDIUM, Organisation.SizeBand.LARGE)


def size_metric_slug():
    return getattr(settings, "KB_VARIATION_SIZE_METRIC", DEFAULT_SIZE_METRIC)


def latest_sizes(slug=None):
    """{organisation id: denominator of its latest period} for the size metric (one query)."""
    table = connection.ops.quote_name(MetricValue._meta.db_table)
    metric_table = connection.ops.quote_name(Metric._meta.db_table)
    # Within one metric all periods are of one kind, whose canonical strings sort in time order.
    sql = (
        f"SELECT v.organisation_id, v.denominator FROM {table} v "  # noqa: S608
        f"JOIN {metric_table} m ON m.id = v.metric_id "
        "WHERE m.slug = %s AND v.period = ("
        f"  SELECT MAX(w.period) FROM {table} w "
        "  WHERE w.metric_id = v.metric_id AND w.organisation_id = v.organisation_id)"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [slug or size_metric_slug()])
        return dict(cursor.fetchall())


def bands_for(sizes_by_kind):
    """{organisation id: band} from {kind: [(size, organisation id)]}: thirds by rank."""
    bands = {}
    for members in sizes_by_kind.values():
        n = len(members)
        if n < 3:
            continue
        for rank, (_size, org_id) in enumerate(sorted(members)):
            bands[org_id] = BANDS[rank * 3 // n]
    return bands


def recompute_size_bands(slug=None):
    """Set every organisation's size band from the size metric; returns how many changed."""
    sizes = latest_sizes(slug)
    organisations = list(Organisation.objects.only("id", "kind", "size_band"))
    by_kind = {}
    for org in organisations:
        if org.pk in sizes:
            by_kind.setdefault(org.kind, []).append((sizes[org.pk], org.pk))
    bands = bands_for(by_kind)
    changed = []
    for org in organisations:
        band = bands.get(org.pk, "")
        if org.size_band != band:
            org.size_band = band
            changed.append(org)
    if changed:
        Organisation.objects.bulk_update(changed, ["size_band"], batch_size=500)
    return len(changed)
