"""The Elasticsearch backend: the bodies it sends, the fallback when it is down, and (when a
server is configured with ELASTICSEARCH_URL) a real round trip."""

import os
import socket

import pytest
from django.http import QueryDict

from kb.search.backends.elastic import (
    ElasticsearchBackend,
    as_source,
    build_search,
    parse_response,
    solr_synonyms,
)
from kb.search.facets import facet_names
from kb.search.query import parse_query
from kb.search.results import MARK_END, MARK_START, SearchRequest

GROUPS = [["a&e", "ed", "emergency department"], ["rtt", "referral to treatment"]]


def backend():
    return ElasticsearchBackend("http://127.0.0.1:9", "kb-test", 0.5)


def test_index_maps_facets_as_keywords_and_text_with_english_analysers():
    definition = backend().index_definition(GROUPS)
    properties = definition["mappings"]["properties"]
    assert properties["kind"]["type"] == "keyword"
    for facet in ("type", "pathway", "method", "specialty", "region"):
        assert properties["facets"]["properties"][facet]["type"] == "keyword"
    for field in ("title", "summary", "body", "organisation", "measures"):
        assert properties[field]["type"] == "text"
        assert properties[field]["analyzer"] == "kb_english"
        assert properties[field]["search_analyzer"] == "kb_english_synonyms"
    assert properties["publication_date"]["type"] == "date"
    analysis = definition["settings"]["analysis"]
    assert analysis["filter"]["kb_stemmer"] == {"type": "stemmer", "language": "english"}
    synonyms = analysis["filter"]["kb_synonyms"]
    assert synonyms["type"] == "synonym_graph"
    assert "a&e, ed, emergency department" in synonyms["synonyms"]
    # Synonyms apply at search time, before stemming; indexing only stems.
    search_chain = analysis["analyzer"]["kb_english_synonyms"]["filter"]
    assert search_chain.index("kb_synonyms") < search_chain.index("kb_stemmer")
    assert "kb_synonyms" not in analysis["analyzer"]["kb_english"]["filter"]


def test_synonym_rules_cannot_be_broken_by_commas_or_arrows():
    assert solr_synonyms([["x, y", "z => w", "z => w"]]) == ["x  y, z   w"]
    assert solr_synonyms([["only one"]]) == []


def request_for(query, **filters):
    return SearchRequest(query=parse_query(query), filters=filters)


def test_query_searches_weighted_fields_with_every_word_required():
    body = build_search(request_for("A&E handover"), "A&E handover", "kb").to_dict()
    match = body["query"]["multi_match"]
    assert match["query"] == "A&E handover"
    assert match["operator"] == "and"
    assert "title^3" in match["fields"] and "summary^2" in match["fields"]


def test_an_empty_query_matches_all_newest_first():
    body = build_search(request_for("", pathway={"cancer"}), "", "kb").to_dict()
    assert body["query"] == {"match_all": {}}
    assert body["sort"][0] == {"publication_date": {"order": "desc"}}


def test_filters_are_post_filters_and_each_facet_ignores_its_own():
    request = request_for("flow", pathway={"elective-care", "cancer"}, method={"lean"})
    body = build_search(request, "flow", "kb").to_dict()
    post = body["post_filter"]["bool"]["filter"]
    assert {"terms": {"facets.method": ["lean"]}} in post
    assert {"terms": {"facets.pathway": ["cancer", "elective-care"]}} in post
    aggs = body["aggs"]
    assert aggs["pathway_filtered"]["filter"]["bool"]["filter"] == [
        {"terms": {"facets.method": ["lean"]}}
    ]
    assert aggs["method_filtered"]["filter"]["bool"]["filter"] == [
        {"terms": {"facets.pathway": ["cancer", "elective-care"]}}
    ]
    assert len(aggs["region_filtered"]["filter"]["bool"]["filter"]) == 2
    assert aggs["type_filtered"]["aggs"]["type"]["terms"]["field"] == "facets.type"
    assert body["track_total_hits"] is True


def test_highlighting_and_paging():
    request = SearchRequest(query=parse_query("handover"), page=3, page_size=10)
    body = build_search(request, "handover", "kb").to_dict()
    assert body["from"] == 20 and body["size"] == 10
    assert body["highlight"]["pre_tags"] == [MARK_START]
    assert body["highlight"]["post_tags"] == [MARK_END]
    assert set(body["highlight"]["fields"]) == {"summary", "body"}


def test_a_response_becomes_a_result_with_safe_highlights():
    from elasticsearch.dsl.response import Response

    request = request_for("handover")
    search = build_search(request, "handover", "kb")
    buckets = {
        "type": [{"key": "case-study", "doc_count": 1}],
        "pathway": [{"key": "cancer", "doc_count": 1}],
    }
    raw = {
        "hits": {
            "total": {"value": 1, "relation": "eq"},
            "hits": [
                {
                    "_index": "kb",
                    "_id": "7",
                    "_score": 1.0,
                    "_source": {
                        "page_id": 7, "slug": "s", "title": "T <b>", "url": "/case-studies/s/",
                        "kind": "case-study", "summary": "x",
                        "facets": {"pathway": ["cancer"], "method": []},
                        "publication_date": "2025-01-02",
                    },
                    "highlight": {"summary": [f"<i>{MARK_START}handover{MARK_END}</i>"]},
                }
            ],
        },
        "aggregations": {  # every registered facet's aggregation, as the server answers
            f"{facet}_filtered": {"doc_count": 1, facet: {"buckets": buckets.get(facet, [])}}
            for facet in facet_names()
        },
    }  # fmt: skip
    result = parse_response(Response(search, raw), request)
    assert result.count == 1
    assert result.facets["pathway"] == {"cancer": 1}
    assert str(result.hits[0].highlight) == "&lt;i&gt;<mark>handover</mark>&lt;/i&gt;"
    assert str(result.hits[0].publication_date) == "2025-01-02"


def test_documents_carry_facets_as_lists():
    source = as_source(3, {
        "kind": "case-study", "slug": "s", "url": "/s/", "title": "t", "summary": "", "body": "",
        "organisation": "", "measures": "", "publication_date": None,
        "facets": {"type": ["case-study"], "pathway": ["cancer", "elective-care"]},
    })  # fmt: skip
    assert source["facets"]["pathway"] == ["cancer", "elective-care"]
    assert source["facets"]["method"] == []
    assert source["facets"]["region"] == []


def closed_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.django_db
def test_search_falls_back_to_the_database_when_elasticsearch_is_down(settings, corpus, client):
    from kb.search.service import read_params, search_documents

    settings.KB_SEARCH_BACKEND = "elasticsearch"
    settings.ELASTICSEARCH_URL = f"http://127.0.0.1:{closed_port()}"
    settings.ELASTICSEARCH_TIMEOUT = 0.5
    result, _ = search_documents(read_params(QueryDict("q=A%26E")))
    assert result.backend == "database"
    assert result.count == 2
    assert any("reduced mode" in notice for notice in result.notices)
    page = client.get("/search/", {"q": "A&E"})
    assert page.status_code == 200
    assert "reduced mode" in page.content.decode()


@pytest.mark.django_db
def test_publishing_while_elasticsearch_is_down_still_publishes(settings, make_case_study):
    settings.KB_SEARCH_BACKEND = "elasticsearch"
    settings.ELASTICSEARCH_URL = f"http://127.0.0.1:{closed_port()}"
    settings.ELASTICSEARCH_TIMEOUT = 0.5
    page = make_case_study("Handover during an outage")
    assert page.live


NEEDS_SERVER = pytest.mark.skipif(
    not os.environ.get("ELASTICSEARCH_URL"),
    reason="ELASTICSEARCH_URL is not set: no Elasticsearch server to test against",
)  # skipped before its fixtures: a transactional test's set-up would find an emptied database


@pytest.mark.elasticsearch
@NEEDS_SERVER
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_round_trip_against_a_real_server(settings, corpus):
    url = os.environ["ELASTICSEARCH_URL"]
    from django.core.management import call_command

    from kb.search.service import read_params, search_documents

    settings.KB_SEARCH_BACKEND = "elasticsearch"
    settings.ELASTICSEARCH_URL = url
    settings.KB_ELASTICSEARCH_INDEX = "kb-test-integration"
    call_command("kb_reindex", verbosity=0)
    result, _ = search_documents(
        read_params(QueryDict("q=A%26E&pathway=urgent-and-emergency-care"))
    )
    assert result.backend == "elasticsearch"
    assert result.count == 2
    assert result.facets["type"] == {"case-study": 2}
    result, _ = search_documents(read_params(QueryDict("q=discharging")))
    assert result.count >= 1


def test_new_indexes_take_shards_and_replicas_from_the_backend():
    settings = backend().index_definition(GROUPS)["settings"]
    assert (settings["number_of_shards"], settings["number_of_replicas"]) == (1, 0)
    cluster = ElasticsearchBackend("http://127.0.0.1:9", "kb-test", 0.5, shards=3, replicas=2)
    settings = cluster.index_definition(GROUPS)["settings"]
    assert (settings["number_of_shards"], settings["number_of_replicas"]) == (3, 2)


@pytest.mark.elasticsearch
@NEEDS_SERVER
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_reindex_switches_the_alias_on_a_real_server(settings, corpus):
    url = os.environ["ELASTICSEARCH_URL"]
    from django.core.management import call_command

    settings.KB_SEARCH_BACKEND = "elasticsearch"
    settings.ELASTICSEARCH_URL = url
    settings.KB_ELASTICSEARCH_INDEX = "kb-test-alias"
    es = ElasticsearchBackend.from_settings()
    call_command("kb_reindex", verbosity=0)
    first = es.alias_state()
    call_command("kb_reindex", verbosity=0)
    second = es.alias_state()
    assert first.kind == second.kind == "alias"
    assert len(second.indexes) == 1 and second.indexes != first.indexes
    assert not es.client.indices.exists(index=first.indexes[0])  # the old one is gone
    health = es.health()
    assert health["documents"] == 7 and health["strays"] == []
    es.client.indices.delete(index=second.indexes[0])
