"""Versioned Elasticsearch indexes behind an alias, checked against the requests sent.

No Elasticsearch server can be installed here, so these tests run a small fake one: an HTTP
server that keeps indexes, aliases and documents the way Elasticsearch does for the calls the
backend makes, and records every request (method, path, query, body). The real client talks to
it over HTTP, so what is asserted is what a real cluster would receive. docs/elasticsearch.md
describes the same checks against a real cluster.
"""

import fnmatch
import io
import json
import os
import re
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlsplit

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.http import QueryDict

from kb.search.backends.elastic import (
    AliasState,
    ElasticsearchBackend,
    is_versioned_index,
    switch_actions,
    versioned_index_name,
)
from kb.search.facets import facet_names
from kb.search.models import SearchDocument

ALIAS = "kb-test"
VERSIONED = re.compile(r"kb-test-\d{8}-\d{6}-\d{6}")


def error(status, kind, reason):
    return status, {"error": {"type": kind, "reason": reason}, "status": status}


class FakeElasticsearch:
    """The part of Elasticsearch the backend uses, in memory, recording every request."""

    def __init__(self):
        self.indices = {}  # name -> {"body": the create body, "docs": {id: source}}
        self.aliases = {}  # alias -> set of index names
        self.requests = []  # (method, path, query, body)
        self.fail = {}  # (method, end of path) -> (status, body): answer this instead
        self.fail_after = {}  # the same, but after doing what was asked (a lost answer)
        self.reject_document = None  # a document id the bulk request refuses
        self.before = {}  # (method, path) -> callable run before answering
        self.cluster_status = "green"
        self.searched = []  # the concrete index each search read
        self.lock = threading.Lock()

    # -- helpers -------------------------------------------------------------------------------
    def resolve(self, name):
        """The concrete indexes a name stands for (an alias's indexes, or the index itself)."""
        if name in self.aliases:
            return sorted(self.aliases[name])
        return [name] if name in self.indices else []

    def only(self, name):
        found = self.resolve(name)
        return found[0] if len(found) == 1 else None

    def calls(self):
        """(method, path) of each request, in order."""
        return [(method, path) for method, path, _, _ in self.requests]

    def bodies(self, method, path):
        return [body for m, p, _, body in self.requests if (m, p) == (method, path)]

    # -- the API -------------------------------------------------------------------------------
    def handle(self, method, path, query, body):
        with self.lock:
            self.requests.append((method, path, query, body))
        hook = self.before.get((method, path))
        if hook:
            hook()
        for (failing, end), answer in self.fail.items():
            if method == failing and path.endswith(end):
                return answer
        with self.lock:
            answer = self.route(method, path, query, body)
        for (failing, end), lost in self.fail_after.items():
            if method == failing and path.endswith(end):
                return lost
        return answer

    def route(self, method, path, query, body):
        parts = [part for part in path.split("/") if part]
        if parts == ["_cluster", "health"]:
            return 200, {
                "cluster_name": "fake-cluster",
                "status": self.cluster_status,
                "number_of_nodes": 3,
                "unassigned_shards": 0,
            }
        if parts[:2] == ["_cluster", "health"]:
            if not self.resolve(parts[2]):
                return error(404, "index_not_found_exception", f"no such index [{parts[2]}]")
            return 200, {"cluster_name": "fake-cluster", "status": self.cluster_status}
        if parts[0] == "_alias":
            return self.get_alias(parts[1])
        if len(parts) == 2 and parts[1] == "_alias":
            return 200, {
                name: {"aliases": {a: {} for a, held in self.aliases.items() if name in held}}
                for name in sorted(self.indices)
                if fnmatch.fnmatchcase(name, parts[0])
            }
        if parts == ["_aliases"] and method == "POST":
            return self.update_aliases(body["actions"])
        if parts == ["_bulk"]:
            return self.bulk(body)
        if len(parts) == 1 and method == "HEAD":
            return (200 if self.resolve(parts[0]) else 404), None
        if len(parts) == 1 and method == "PUT":
            return self.create(parts[0], body)
        if len(parts) == 1 and method == "DELETE":
            return self.delete_index(parts[0], query)
        if len(parts) == 2 and parts[1] == "_refresh":
            return (
                (200, {"_shards": {"failed": 0}})
                if self.resolve(parts[0])
                else self.missing(parts[0])
            )
        if len(parts) == 2 and parts[1] == "_count":
            index = self.only(parts[0])
            return (
                (200, {"count": len(self.indices[index]["docs"])})
                if index
                else self.missing(parts[0])
            )
        if len(parts) == 2 and parts[1] == "_search":
            return self.search(parts[0])
        if len(parts) == 3 and parts[1] == "_doc":
            return self.document(method, parts[0], parts[2], query, body)
        return error(400, "fake_unsupported", f"{method} {path}")

    def missing(self, name):
        return error(404, "index_not_found_exception", f"no such index [{name}]")

    def get_alias(self, name):
        if not self.aliases.get(name):
            return 404, {"error": f"alias [{name}] missing", "status": 404}
        return 200, {index: {"aliases": {name: {}}} for index in sorted(self.aliases[name])}

    def create(self, name, body):
        if name in self.indices or name in self.aliases:
            return error(400, "resource_already_exists_exception", f"[{name}] exists")
        self.indices[name] = {"body": body, "docs": {}}
        return 200, {"acknowledged": True, "shards_acknowledged": True, "index": name}

    def delete_index(self, name, query):
        if name not in self.indices:
            if query.get("ignore_unavailable") == "true":
                return 200, {"acknowledged": True}
            return self.missing(name)
        del self.indices[name]
        for held in self.aliases.values():
            held.discard(name)
        return 200, {"acknowledged": True}

    def update_aliases(self, actions):
        """All the actions or none, as Elasticsearch applies them (remove_index first)."""
        indices = {name: index for name, index in self.indices.items()}
        aliases = {alias: set(held) for alias, held in self.aliases.items()}
        ordered = sorted(actions, key=lambda action: "remove_index" not in action)
        for action in ordered:
            (kind, spec), *_ = action.items()
            if kind == "remove_index":
                if spec["index"] not in indices:
                    return self.missing(spec["index"])
                del indices[spec["index"]]
            elif kind == "remove":
                if spec["index"] not in aliases.get(spec["alias"], set()):
                    return error(404, "aliases_not_found_exception", f"[{spec['alias']}] missing")
                aliases[spec["alias"]].discard(spec["index"])
            elif kind == "add":
                if spec["index"] not in indices:
                    return self.missing(spec["index"])
                if spec["alias"] in indices:
                    return error(
                        400, "invalid_alias_name_exception", "an index exists with the same name"
                    )
                aliases.setdefault(spec["alias"], set()).add(spec["index"])
        self.indices = indices
        self.aliases = {alias: held for alias, held in aliases.items() if held}
        return 200, {"acknowledged": True, "errors": False}

    def bulk(self, lines):
        items, errors = [], False
        for action, source in zip(lines[::2], lines[1::2], strict=True):
            spec = action["index"]
            index = self.only(spec["_index"])
            if index is None or spec["_id"] == self.reject_document:
                errors = True
                items.append({"index": {**spec, "status": 400, "error": {"type": "rejected"}}})
                continue
            self.indices[index]["docs"][spec["_id"]] = source
            items.append({"index": {**spec, "status": 201, "result": "created"}})
        return 200, {"took": 1, "errors": errors, "items": items}

    def document(self, method, name, doc_id, query, body):
        if query.get("require_alias") == "true" and name not in self.aliases:
            return error(404, "index_not_found_exception", f"[{name}] is not an alias")
        index = self.only(name)
        if index is None:
            return self.missing(name)
        docs = self.indices[index]["docs"]
        if method == "DELETE":
            if docs.pop(doc_id, None) is None:
                return 404, {"_index": index, "_id": doc_id, "result": "not_found"}
            return 200, {"_index": index, "_id": doc_id, "result": "deleted"}
        docs[doc_id] = body
        return 201, {"_index": index, "_id": doc_id, "result": "created"}

    def search(self, name):
        index = self.only(name)
        if index is None:
            return self.missing(name)
        self.searched.append(index)
        docs = self.indices[index]["docs"]
        hits = [
            {"_index": index, "_id": doc_id, "_score": 1.0, "_source": source}
            for doc_id, source in sorted(docs.items())
        ]
        aggregations = {
            f"{facet}_filtered": {"doc_count": len(hits), facet: {"buckets": []}}
            for facet in facet_names()
        }
        return 200, {
            "took": 1,
            "timed_out": False,
            "hits": {"total": {"value": len(hits), "relation": "eq"}, "hits": hits},
            "aggregations": aggregations,
        }


def decode(raw, content_type):
    if not raw:
        return None
    text = raw.decode()
    if "ndjson" in content_type:
        return [json.loads(line) for line in text.splitlines() if line.strip()]
    return json.loads(text)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True

    def log_message(self, *args):
        pass

    def answer(self):
        url = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = decode(self.rfile.read(length), self.headers.get("Content-Type", ""))
        status, payload = self.server.fake.handle(
            self.command, unquote(url.path), dict(parse_qsl(url.query)), body
        )
        data = b"" if payload is None or self.command == "HEAD" else json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("X-Elastic-Product", "Elasticsearch")
        self.send_header("Content-Type", "application/vnd.elasticsearch+json;compatible-with=9")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = answer


@pytest.fixture
def fake_es(settings):
    fake = FakeElasticsearch()
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    server.fake = fake
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.KB_SEARCH_BACKEND = "elasticsearch"
    settings.ELASTICSEARCH_URL = f"http://127.0.0.1:{server.server_address[1]}"
    settings.ELASTICSEARCH_TIMEOUT = 5
    settings.KB_ELASTICSEARCH_INDEX = ALIAS
    settings.KB_ELASTICSEARCH_SHARDS = 3
    settings.KB_ELASTICSEARCH_REPLICAS = 2
    yield fake
    server.shutdown()
    server.server_close()


def reindex():
    call_command("kb_reindex", verbosity=0, stdout=io.StringIO())


def only_index(fake):
    (name,) = fake.aliases[ALIAS]
    return name


def searchable_count():
    return SearchDocument.objects.count()


# -- naming and the switch's actions ----------------------------------------------------------


def test_versioned_names_sort_by_time_and_belong_to_their_alias():
    from datetime import UTC, datetime

    first = versioned_index_name(ALIAS, datetime(2026, 1, 2, 3, 4, 5, 6, tzinfo=UTC))
    later = versioned_index_name(ALIAS, datetime(2026, 1, 2, 3, 4, 5, 7, tzinfo=UTC))
    assert first == "kb-test-20260102-030405-000006"
    assert first < later
    assert is_versioned_index(ALIAS, first)
    assert not is_versioned_index(ALIAS, "kb-test-integration-20260102-030405-000006")
    assert not is_versioned_index(ALIAS, ALIAS)


def test_the_switch_removes_every_old_index_and_adds_the_new_one():
    assert switch_actions(ALIAS, "new", AliasState("alias", ["a", "b"])) == [
        {"remove": {"index": "a", "alias": ALIAS}},
        {"remove": {"index": "b", "alias": ALIAS}},
        {"add": {"index": "new", "alias": ALIAS}},
    ]
    assert switch_actions(ALIAS, "new", AliasState("missing")) == [
        {"add": {"index": "new", "alias": ALIAS}}
    ]
    assert switch_actions(ALIAS, "new", AliasState("index", [ALIAS])) == [
        {"remove_index": {"index": ALIAS}},
        {"add": {"index": "new", "alias": ALIAS}},
    ]


# -- kb_reindex ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_first_reindex_builds_a_versioned_index_then_points_the_alias_at_it(corpus, fake_es):
    reindex()
    new = only_index(fake_es)
    assert VERSIONED.fullmatch(new)
    assert fake_es.calls() == [
        ("PUT", f"/{new}"),
        ("PUT", "/_bulk"),
        ("POST", f"/{new}/_refresh"),
        ("GET", f"/_alias/{ALIAS}"),
        ("HEAD", f"/{ALIAS}"),
        ("POST", "/_aliases"),
    ]
    (created,) = fake_es.bodies("PUT", f"/{new}")
    assert created["settings"]["number_of_shards"] == 3  # KB_ELASTICSEARCH_SHARDS
    assert created["settings"]["number_of_replicas"] == 2  # KB_ELASTICSEARCH_REPLICAS
    assert "kb_english" in created["settings"]["analysis"]["analyzer"]
    assert created["mappings"]["properties"]["facets"]["properties"]["pathway"]["type"] == (
        "keyword"
    )
    (lines,) = fake_es.bodies("PUT", "/_bulk")
    actions = lines[::2]
    assert {action["index"]["_index"] for action in actions} == {new}
    assert len(actions) == searchable_count() == 7
    assert fake_es.bodies("POST", "/_aliases") == [
        {"actions": [{"add": {"index": new, "alias": ALIAS}}]}
    ]
    assert len(fake_es.indices[new]["docs"]) == 7


@pytest.mark.django_db
def test_reindex_switches_the_alias_in_one_call_then_deletes_the_old_index(corpus, fake_es):
    reindex()
    old = only_index(fake_es)
    fake_es.requests.clear()
    reindex()
    new = only_index(fake_es)
    assert new != old and new > old
    assert fake_es.calls() == [
        ("PUT", f"/{new}"),
        ("PUT", "/_bulk"),
        ("POST", f"/{new}/_refresh"),
        ("GET", f"/_alias/{ALIAS}"),
        ("POST", "/_aliases"),  # one call: remove and add together
        ("DELETE", f"/{old}"),  # only after the switch
    ]
    assert fake_es.bodies("POST", "/_aliases") == [
        {
            "actions": [
                {"remove": {"index": old, "alias": ALIAS}},
                {"add": {"index": new, "alias": ALIAS}},
            ]
        }
    ]
    assert set(fake_es.indices) == {new}
    assert len(fake_es.indices[new]["docs"]) == 7


@pytest.mark.django_db
def test_searches_answer_from_the_old_index_until_the_switch(corpus, fake_es):
    from kb.search.query import parse_query
    from kb.search.results import SearchRequest

    reindex()
    old = only_index(fake_es)
    backend = ElasticsearchBackend.from_settings()
    seen = []

    def search_now():
        result = backend.search(SearchRequest(query=parse_query("")))
        seen.append((fake_es.searched[-1], result.count))

    # A search while the new index is created, loaded, refreshed and just before the switch.
    fake_es.before[("PUT", "/_bulk")] = search_now
    fake_es.before[("POST", "/_aliases")] = search_now
    reindex()
    new = only_index(fake_es)
    assert seen == [(old, 7), (old, 7)]
    search_now()
    assert seen[-1] == (new, 7)


@pytest.mark.parametrize(
    "failure",
    ["bulk request", "rejected document", "refresh", "alias switch"],
)
@pytest.mark.django_db
def test_a_failed_build_leaves_the_alias_and_deletes_the_half_built_index(corpus, fake_es, failure):
    reindex()
    old = only_index(fake_es)
    fake_es.requests.clear()
    unavailable = error(503, "unavailable_shards_exception", "primary shard is not active")
    if failure == "bulk request":
        fake_es.fail[("PUT", "/_bulk")] = unavailable
    elif failure == "rejected document":
        fake_es.reject_document = str(corpus["rtt"].pk)
    elif failure == "refresh":
        fake_es.fail[("POST", "/_refresh")] = unavailable
    else:
        fake_es.fail[("POST", "/_aliases")] = unavailable

    with pytest.raises(CommandError) as raised:
        reindex()
    message = str(raised.value)
    assert "database index was rebuilt, but the Elasticsearch index was not" in message
    assert f"{ALIAS} still points where it did" in message

    (method, created) = fake_es.calls()[0]
    assert method == "PUT"
    new = created.lstrip("/")
    assert VERSIONED.fullmatch(new) and new != old
    # The alias is as it was, the old index whole, the half-built one deleted.
    assert fake_es.aliases == {ALIAS: {old}}
    assert set(fake_es.indices) == {old}
    assert len(fake_es.indices[old]["docs"]) == 7
    assert fake_es.calls()[-1] == ("DELETE", f"/{new}")
    assert ("DELETE", f"/{old}") not in fake_es.calls()
    attempted = [
        {"remove": {"index": old, "alias": ALIAS}},
        {"add": {"index": new, "alias": ALIAS}},
    ]
    switches = fake_es.bodies("POST", "/_aliases")
    assert switches == ([{"actions": attempted}] if failure == "alias switch" else [])


@pytest.mark.django_db
def test_a_switch_that_took_effect_despite_an_error_keeps_the_new_index(corpus, fake_es):
    reindex()
    old = only_index(fake_es)
    fake_es.fail_after[("POST", "/_aliases")] = error(504, "timeout", "no answer in time")
    reindex()
    new = only_index(fake_es)
    assert new != old
    assert set(fake_es.indices) == {new}  # the new index kept, the old one deleted
    assert len(fake_es.indices[new]["docs"]) == 7


@pytest.mark.django_db
def test_an_unreachable_cluster_fails_the_reindex_clearly(corpus, settings):
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    settings.KB_SEARCH_BACKEND = "elasticsearch"
    settings.ELASTICSEARCH_URL = f"http://127.0.0.1:{port}"
    settings.ELASTICSEARCH_TIMEOUT = 0.5
    with pytest.raises(CommandError, match="the Elasticsearch index was not"):
        reindex()
    assert SearchDocument.objects.count() == 7  # the database index was rebuilt all the same


@pytest.mark.django_db
def test_an_index_from_before_aliases_is_replaced_in_the_same_call(corpus, fake_es):
    fake_es.indices[ALIAS] = {"body": {}, "docs": {"1": {"title": "old"}}}
    reindex()
    new = only_index(fake_es)
    assert fake_es.calls()[-3:] == [
        ("GET", f"/_alias/{ALIAS}"),
        ("HEAD", f"/{ALIAS}"),  # there is something by that name, and it is not an alias
        ("POST", "/_aliases"),
    ]
    assert fake_es.bodies("POST", "/_aliases") == [
        {
            "actions": [
                {"remove_index": {"index": ALIAS}},
                {"add": {"index": new, "alias": ALIAS}},
            ]
        }
    ]
    assert set(fake_es.indices) == {new}
    assert fake_es.aliases == {ALIAS: {new}}


@pytest.mark.django_db
def test_reindex_reports_where_the_alias_points(corpus, fake_es):
    out = io.StringIO()
    call_command("kb_reindex", stdout=out)
    new = only_index(fake_es)
    assert f"Elasticsearch alias {ALIAS} -> {new}: 7 documents" in out.getvalue()


# -- reads and incremental writes go through the alias ----------------------------------------


@pytest.mark.django_db
def test_search_reads_through_the_alias(corpus, fake_es):
    from kb.search.service import read_params, search_documents

    reindex()
    fake_es.requests.clear()
    result, _ = search_documents(read_params(QueryDict("q=handover")))
    assert result.backend == "elasticsearch"
    assert result.count == 7
    assert fake_es.calls() == [("POST", f"/{ALIAS}/_search")]


@pytest.mark.django_db
def test_publishing_and_unpublishing_write_through_the_alias(
    corpus, fake_es, make_case_study, django_capture_on_commit_callbacks
):
    reindex()
    index = only_index(fake_es)
    fake_es.requests.clear()
    with django_capture_on_commit_callbacks(execute=True):
        page = make_case_study("Virtual wards at scale")
    doc = f"/{ALIAS}/_doc/{page.pk}"
    assert ("PUT", doc) in fake_es.calls()
    (query,) = [q for m, p, q, _ in fake_es.requests if (m, p) == ("PUT", doc)]
    assert query["require_alias"] == "true"
    assert fake_es.indices[index]["docs"][str(page.pk)]["title"] == "Virtual wards at scale"

    with django_capture_on_commit_callbacks(execute=True):
        page.unpublish()
    assert ("DELETE", doc) in fake_es.calls()
    assert str(page.pk) not in fake_es.indices[index]["docs"]


@pytest.mark.django_db
def test_publishing_before_any_reindex_creates_no_index(
    fake_es, make_case_study, django_capture_on_commit_callbacks, caplog
):
    with django_capture_on_commit_callbacks(execute=True):
        page = make_case_study("Published before the first reindex")
    assert ("PUT", f"/{ALIAS}/_doc/{page.pk}") in fake_es.calls()
    assert fake_es.indices == {}  # not auto-created under the alias's name
    assert "run kb_reindex" in caplog.text


# -- kb_search_health ---------------------------------------------------------------------------


def health():
    out = io.StringIO()
    call_command("kb_search_health", stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_health_reports_cluster_status_the_alias_and_its_index(corpus, fake_es):
    reindex()
    new = only_index(fake_es)
    fake_es.indices[f"{ALIAS}-20200101-000000-000000"] = {"body": {}, "docs": {}}
    fake_es.indices[f"{ALIAS}-integration-20200101-000000-000000"] = {"body": {}, "docs": {}}
    out = health()
    assert "Elasticsearch cluster fake-cluster: status green, 3 nodes" in out
    assert f"Elasticsearch index {ALIAS} (alias of {new}): status green, 7 documents" in out
    assert "circuit (this process): closed" in out
    strays = next(line for line in out.splitlines() if "not behind the alias" in line)
    assert f"{ALIAS}-20200101-000000-000000" in strays
    assert "integration" not in strays  # another alias's index


@pytest.mark.django_db
def test_health_fails_when_the_cluster_is_red(corpus, fake_es):
    reindex()
    fake_es.cluster_status = "red"
    out = io.StringIO()
    with pytest.raises(CommandError, match="status red"):
        call_command("kb_search_health", stdout=out)
    assert "Elasticsearch cluster fake-cluster: status red" in out.getvalue()


@pytest.mark.django_db
def test_health_fails_when_there_is_no_index_yet(fake_es):
    from kb.search.breaker import OPEN, elasticsearch_breaker

    with pytest.raises(CommandError, match=f"has no index or alias {ALIAS}: run"):
        health()
    assert elasticsearch_breaker.state == OPEN  # a search would fail too


@pytest.mark.django_db
def test_health_warns_about_an_index_from_before_aliases(fake_es):
    fake_es.indices[ALIAS] = {"body": {}, "docs": {"1": {}}}
    out = health()
    assert f"Elasticsearch index {ALIAS} (a concrete index, not an alias)" in out
    assert "the next `kb_reindex` replaces it with an alias" in out


# -- settings -----------------------------------------------------------------------------------


ROOT = Path(__file__).resolve().parents[2]


def settings_with(tmp_path, **env):
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "KB_"))}
    clean["KB_VAR_DIR"] = str(tmp_path)
    clean.update(env)
    code = (
        "import kb.settings as s; "
        "print(s.KB_ELASTICSEARCH_INDEX, s.KB_ELASTICSEARCH_SHARDS, s.KB_ELASTICSEARCH_REPLICAS)"
    )
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=clean, capture_output=True, text=True
    )


def test_shards_and_replicas_default_to_one_node_and_come_from_the_environment(tmp_path):
    done = settings_with(tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["kb-content", "1", "0"]
    done = settings_with(
        tmp_path, KB_ELASTICSEARCH_INDEX="kb-live", KB_ELASTICSEARCH_SHARDS="3",
        KB_ELASTICSEARCH_REPLICAS="2",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["kb-live", "3", "2"]


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("KB_ELASTICSEARCH_SHARDS", "three", "KB_ELASTICSEARCH_SHARDS must be a whole number"),
        ("KB_ELASTICSEARCH_SHARDS", "0", "KB_ELASTICSEARCH_SHARDS must be a whole number >= 1"),
        ("KB_ELASTICSEARCH_REPLICAS", "1.5", "KB_ELASTICSEARCH_REPLICAS must be a whole number"),
        ("KB_ELASTICSEARCH_REPLICAS", "-1", "KB_ELASTICSEARCH_REPLICAS must be a whole number"),
        ("KB_ELASTICSEARCH_INDEX", "KB Content", "KB_ELASTICSEARCH_INDEX must be lowercase"),
    ],
)
def test_bad_index_settings_stop_start_up_with_a_clear_message(tmp_path, name, value, message):
    done = settings_with(tmp_path, **{name: value})
    assert done.returncode != 0
    assert message in done.stderr
