"""`{% metrics_panel page %}`: on a guide or GIRFT standard, the metrics it addresses, each with
a small national funnel and a way to find where your own organisation stands.

A tag rather than code in the guides app: variation data sits above guidance in the layers
(the guides never import it); the relation is read by its name, `metrics`.
"""

from django import template

from kb.variation.pages import funnel_view

register = template.Library()


@register.inclusion_tag("variation/page_metrics.html")
def metrics_panel(page):
    related = getattr(page, "metrics", None)
    if related is None or page.pk is None:
        return {"panels": []}
    panels = []
    for metric in related.order_by("name"):
        view = funnel_view(metric)
        if view.result is None:
            continue
        svg = view.svg(width=480, height=320, id_prefix=f"page-funnel-{metric.slug}")
        organisations = sorted(view.organisations.values(), key=lambda o: o.name)
        panels.append({"metric": metric, "view": view, "svg": svg, "organisations": organisations})
    return {"panels": panels}
