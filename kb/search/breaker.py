"""A circuit breaker in front of Elasticsearch, so a hung server costs one timeout, not one each.

Closed: searches go to Elasticsearch. One failure or timeout opens the circuit: for the cool-off
(`KB_ELASTICSEARCH_COOLOFF` seconds, default 30) searches answer from the database index at once,
without calling Elasticsearch. After the cool-off the circuit is half-open: one search is let
through as a probe while the others keep using the database; its success closes the circuit, its
failure opens it for another cool-off.

The state is per process (each gunicorn worker keeps its own breaker, and learns on its own that
Elasticsearch is back); nothing is shared between processes or servers.
"""

import threading
import time

from django.conf import settings

CLOSED, OPEN, HALF_OPEN = "closed", "open", "half-open"
DEFAULT_COOLOFF = 30.0


def configured_cooloff():
    return float(getattr(settings, "KB_ELASTICSEARCH_COOLOFF", DEFAULT_COOLOFF))


class CircuitBreaker:
    """Thread-safe and per process: a lock, and time.monotonic (or the clock you inject).

    `cooloff` is seconds, or a function returning them (read at each decision, so a change of
    setting takes effect at once). Use `allow()` before a call and report its outcome with
    `record_success()` or `record_failure()`.
    """

    def __init__(self, cooloff=configured_cooloff, clock=time.monotonic):
        self._cooloff = cooloff
        self.clock = clock
        self._lock = threading.Lock()
        self._state = CLOSED
        self._opened_at = 0.0  # when the circuit last opened (or the probe was let through)

    @property
    def cooloff(self):
        return float(self._cooloff() if callable(self._cooloff) else self._cooloff)

    def allow(self):
        """May this call go to the protected service? At most one probe while half-open."""
        with self._lock:
            if self._state == CLOSED:
                return True
            # Open, or half-open with a probe out: a probe that never reported back (its thread
            # died) must not hold the circuit half-open for ever, so after a cool-off another
            # probe may go.
            if self.clock() - self._opened_at < self.cooloff:
                return False
            self._state = HALF_OPEN
            self._opened_at = self.clock()
            return True

    def record_success(self):
        with self._lock:
            self._state = CLOSED

    def record_failure(self):
        with self._lock:
            self._state = OPEN
            self._opened_at = self.clock()

    def reset(self):
        """Back to closed, as at start-up (tests, and a change of Elasticsearch settings)."""
        self.record_success()

    @property
    def state(self):
        """closed, open (cooling off), or half-open (cooled off, or a probe is out)."""
        with self._lock:
            if self._state == OPEN and self.clock() - self._opened_at >= self.cooloff:
                return HALF_OPEN
            return self._state

    def seconds_until_probe(self):
        """How long until a call may go through again (0 when one may go now)."""
        with self._lock:
            if self._state == CLOSED:
                return 0.0
            return max(0.0, self.cooloff - (self.clock() - self._opened_at))


# The one breaker for Elasticsearch searches in this process.
elasticsearch_breaker = CircuitBreaker()

_SETTINGS = {"KB_SEARCH_BACKEND", "ELASTICSEARCH_URL", "ELASTICSEARCH_TIMEOUT"}


def reset_on_setting_change(setting, **kwargs):
    """A different server (or none) is a fresh start: what the old one did says nothing."""
    if setting in _SETTINGS:
        elasticsearch_breaker.reset()
