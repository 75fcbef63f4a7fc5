"""A network's Atom feed: the newest knowledge pages from its member organisations or on its
focus pathways (kb.feeds.views explains the `KnowledgeFeed` pattern)."""

from django.db.models import Q

from kb.feeds.views import KnowledgeFeed, Subject


class NetworkFeed(KnowledgeFeed):
    """Served by the network page's `feed/` route, which passes the page as `network`."""

    def describe(self, request, network=None):
        return Subject(
            title=f"{network.title}: new from its members and pathways",
            subtitle=network.summary,
            link=network.url,
            feed_url=f"{network.url}feed/",
            about=network,
        )

    def narrow(self, queryset, subject):
        network = subject.about
        model = queryset.model
        wanted = Q(pk__in=[])
        organisations = list(network.member_organisations.values_list("pk", flat=True))
        pathways = list(network.focus_pathways.values_list("pk", flat=True))
        fields = {f.name for f in model._meta.get_fields()}
        if "organisation" in fields and organisations:
            wanted |= Q(organisation__in=organisations)
        if "pathways" in fields and pathways:
            wanted |= Q(pathways__in=pathways)
        return queryset.filter(wanted).distinct()
