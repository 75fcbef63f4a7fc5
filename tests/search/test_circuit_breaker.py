"""The Elasticsearch circuit breaker: after a failure or timeout, search answers from the database
index at once for the cool-off, then lets one probe through."""

import socket
import threading
import time

import pytest
from django.core.management import CommandError, call_command
from django.http import QueryDict

from kb.search.breaker import CLOSED, HALF_OPEN, OPEN, CircuitBreaker, elasticsearch_breaker
from kb.search.facets import facet_names
from kb.search.results import SearchResult
from kb.search.service import read_params, search_documents


class FakeClock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now

    def advance(self, seconds):
        self.now += seconds


@pytest.fixture
def clock():
    return FakeClock()


# -- the breaker on its own -------------------------------------------------------------------


def test_a_new_breaker_is_closed_and_lets_every_call_through(clock):
    breaker = CircuitBreaker(cooloff=30, clock=clock)
    assert breaker.state == CLOSED
    assert all(breaker.allow() for _ in range(5))
    assert breaker.seconds_until_probe() == 0


def test_one_failure_opens_it_for_the_cooloff(clock):
    breaker = CircuitBreaker(cooloff=30, clock=clock)
    breaker.record_failure()
    assert breaker.state == OPEN
    assert not breaker.allow()
    clock.advance(29.9)
    assert breaker.state == OPEN
    assert not breaker.allow()
    assert breaker.seconds_until_probe() == pytest.approx(0.1)


def test_after_the_cooloff_one_probe_goes_and_the_others_wait(clock):
    breaker = CircuitBreaker(cooloff=30, clock=clock)
    breaker.record_failure()
    clock.advance(30)
    assert breaker.state == HALF_OPEN
    assert breaker.allow()  # the probe
    assert breaker.state == HALF_OPEN
    assert not breaker.allow()
    assert not breaker.allow()


def test_a_successful_probe_closes_it(clock):
    breaker = CircuitBreaker(cooloff=30, clock=clock)
    breaker.record_failure()
    clock.advance(31)
    assert breaker.allow()
    breaker.record_success()
    assert breaker.state == CLOSED
    assert all(breaker.allow() for _ in range(5))


def test_a_failed_probe_opens_it_for_another_whole_cooloff(clock):
    breaker = CircuitBreaker(cooloff=30, clock=clock)
    breaker.record_failure()
    clock.advance(40)
    assert breaker.allow()
    clock.advance(2)  # the probe times out
    breaker.record_failure()
    assert breaker.state == OPEN
    clock.advance(29)
    assert not breaker.allow()
    clock.advance(1)
    assert breaker.allow()


def test_a_probe_that_never_reports_back_does_not_hold_it_half_open_for_ever(clock):
    breaker = CircuitBreaker(cooloff=30, clock=clock)
    breaker.record_failure()
    clock.advance(30)
    assert breaker.allow()  # the probe's worker dies before it can say how it went
    clock.advance(29)
    assert not breaker.allow()
    clock.advance(1)
    assert breaker.allow()


def test_the_cooloff_can_be_a_function_read_at_each_decision(clock):
    cooloff = {"seconds": 30}
    breaker = CircuitBreaker(cooloff=lambda: cooloff["seconds"], clock=clock)
    breaker.record_failure()
    clock.advance(5)
    assert not breaker.allow()
    cooloff["seconds"] = 5
    assert breaker.allow()


def test_only_one_of_many_threads_gets_the_probe(clock):
    breaker = CircuitBreaker(cooloff=30, clock=clock)
    breaker.record_failure()
    clock.advance(30)
    start = threading.Barrier(16)
    answers = []

    def ask():
        start.wait()
        answers.append(breaker.allow())

    threads = [threading.Thread(target=ask) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(5)
    assert sorted(answers) == [False] * 15 + [True]


def test_the_process_breaker_reads_the_setting_and_resets_when_the_server_changes(settings):
    settings.KB_ELASTICSEARCH_COOLOFF = 12.5
    assert elasticsearch_breaker.cooloff == 12.5
    elasticsearch_breaker.record_failure()
    assert elasticsearch_breaker.state == OPEN
    settings.ELASTICSEARCH_URL = "http://127.0.0.1:9"
    assert elasticsearch_breaker.state == CLOSED


# -- the breaker in the search service --------------------------------------------------------


class FlakyBackend:
    """Stands in for Elasticsearch: fails while `down`, counts every call."""

    name = "elasticsearch"

    def __init__(self):
        self.down = True
        self.calls = 0

    def search(self, request, raw_query=""):
        self.calls += 1
        if self.down:
            raise ConnectionError("Elasticsearch is down")
        return SearchResult(
            count=0, hits=[], facets={facet: {} for facet in facet_names()}, page=request.page,
            page_size=request.page_size, backend="elasticsearch",
        )  # fmt: skip


@pytest.fixture
def flaky(monkeypatch, settings, clock):
    settings.KB_SEARCH_BACKEND = "elasticsearch"
    settings.KB_ELASTICSEARCH_COOLOFF = 30
    backend = FlakyBackend()
    monkeypatch.setattr("kb.search.indexing.external_backend", lambda: backend)
    monkeypatch.setattr(elasticsearch_breaker, "clock", clock)
    return backend


def search(query="A%26E"):
    return search_documents(read_params(QueryDict(f"q={query}")))[0]


def reduced_mode(result):
    return any("reduced mode" in notice for notice in result.notices)


@pytest.mark.django_db
def test_search_skips_elasticsearch_during_the_cooloff_and_probes_after_it(flaky, corpus, clock):
    result = search()
    assert (result.backend, result.count, flaky.calls) == ("database", 2, 1)
    assert reduced_mode(result)
    for _ in range(3):
        clock.advance(9)
        result = search()
        assert (result.backend, result.count) == ("database", 2)
        assert reduced_mode(result)
    assert flaky.calls == 1  # not asked during the cool-off
    clock.advance(3)  # 30 s since the failure
    flaky.down = False
    result = search()
    assert flaky.calls == 2  # the probe
    assert result.backend == "elasticsearch"
    assert not reduced_mode(result)
    assert elasticsearch_breaker.state == CLOSED
    search()
    assert flaky.calls == 3


@pytest.mark.django_db
def test_search_pages_and_the_api_keep_the_notice_while_the_circuit_is_open(flaky, corpus, client):
    search()
    page = client.get("/search/", {"q": "A&E"})
    assert page.status_code == 200
    assert "reduced mode" in page.content.decode()
    data = client.get("/api/search/", {"q": "A&E"}).json()
    assert data["backend"] == "database"
    assert data["count"] == 2
    assert any("reduced mode" in notice for notice in data["notices"])
    assert flaky.calls == 1


# -- a real hung server -----------------------------------------------------------------------


class HungServer:
    """A TCP listener on 127.0.0.1 that accepts connections and never answers: an Elasticsearch
    that hangs. Its thread stops after `lifetime` seconds whatever happens."""

    def __init__(self, lifetime=30.0):
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(0.02)
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}"
        self.connections = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._deadline = time.monotonic() + lifetime
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    @property
    def accepted(self):
        with self._lock:
            return len(self.connections)

    def _serve(self):
        try:
            while not self._stop.is_set() and time.monotonic() < self._deadline:
                try:
                    connection, _ = self.listener.accept()
                except TimeoutError:
                    continue
                with self._lock:
                    self.connections.append(connection)
        except OSError:
            pass
        finally:
            self.listener.close()

    def close(self):
        self._stop.set()
        self._thread.join(5)
        with self._lock:
            for connection in self.connections:
                connection.close()
        self.listener.close()


@pytest.fixture
def hung_elasticsearch():
    server = HungServer()
    yield server
    server.close()


def timed_search():
    started = time.monotonic()
    result = search()
    return result, time.monotonic() - started


@pytest.mark.django_db
def test_a_hung_elasticsearch_costs_one_timeout_then_answers_from_the_database_at_once(
    settings, monkeypatch, corpus, hung_elasticsearch, clock
):
    search("warm")  # the first database search of a process builds its facet sets: not timed
    settings.KB_SEARCH_BACKEND = "elasticsearch"
    settings.ELASTICSEARCH_URL = hung_elasticsearch.url
    settings.ELASTICSEARCH_TIMEOUT = 0.3
    settings.KB_ELASTICSEARCH_COOLOFF = 30
    monkeypatch.setattr(elasticsearch_breaker, "clock", clock)

    # The first search waits out the timeout, then falls back.
    result, took = timed_search()
    assert 0.25 <= took < 5
    assert hung_elasticsearch.accepted == 1
    assert (result.backend, result.count) == ("database", 2)
    assert reduced_mode(result)
    assert elasticsearch_breaker.state == OPEN

    # During the cool-off, no search goes near Elasticsearch: each answers at once.
    for _ in range(5):
        clock.advance(5)
        result, took = timed_search()
        assert took < 0.1
        assert (result.backend, result.count) == ("database", 2)
        assert reduced_mode(result)
    assert hung_elasticsearch.accepted == 1

    # After the cool-off one search probes it again (and, still hung, opens the circuit again).
    clock.advance(5)
    result, took = timed_search()
    assert took >= 0.25
    assert hung_elasticsearch.accepted == 2
    assert (result.backend, result.count) == ("database", 2)
    assert reduced_mode(result)
    assert elasticsearch_breaker.state == OPEN
    result, took = timed_search()
    assert took < 0.1
    assert hung_elasticsearch.accepted == 2


# -- kb_search_health -------------------------------------------------------------------------


@pytest.mark.django_db
def test_health_says_when_the_circuit_is_open(settings, monkeypatch, hung_elasticsearch):
    settings.KB_SEARCH_BACKEND = "elasticsearch"
    settings.ELASTICSEARCH_URL = hung_elasticsearch.url
    settings.ELASTICSEARCH_TIMEOUT = 0.3
    # The health check waits for the longer admin timeout (120 s): not two minutes here.
    monkeypatch.setattr("kb.search.backends.elastic.ADMIN_TIMEOUT", 0.3)
    with pytest.raises(CommandError) as error:
        call_command("kb_search_health")
    assert "is not answering" in str(error.value)
    assert "circuit (this process): OPEN" in str(error.value)
    assert elasticsearch_breaker.state == OPEN


@pytest.mark.django_db
def test_health_says_a_successful_check_closed_an_open_circuit(settings, monkeypatch, capsys):
    from kb.search.backends.elastic import ElasticsearchBackend

    settings.KB_SEARCH_BACKEND = "elasticsearch"
    monkeypatch.setattr(
        ElasticsearchBackend, "health", lambda self: {"status": "green", "documents": 7}
    )
    call_command("kb_search_health")
    assert "circuit (this process): closed" in capsys.readouterr().out
    elasticsearch_breaker.record_failure()
    call_command("kb_search_health")
    out = capsys.readouterr().out
    assert "status green, 7 documents" in out
    assert "was open; this check reached Elasticsearch, so it is closed now" in out
    assert elasticsearch_breaker.state == CLOSED
