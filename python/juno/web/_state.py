"""Per-application state of :class:`juno.web.JunoWeb`: the engine, tokens, caches, metrics."""

from __future__ import annotations

import threading
import time
from bisect import bisect_left
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from juno._juno import Juno
    from juno.web import JunoWeb

#: Every ``JUNO_*`` setting the extension reads, with its default.
DEFAULTS: dict[str, Any] = {
    "JUNO_URL_PREFIX": "",
    "JUNO_DATABASE": None,
    "JUNO_API_TOKENS": {},
    "JUNO_EXPLAIN_LEVEL": "detailed",
    "JUNO_PAGE_LIMIT": 1000,
    "JUNO_CYCLE_EXECUTOR": None,
    "JUNO_CYCLE_SOURCE": None,
    "JUNO_CACHE_SECONDS": 2.0,
    "JUNO_METRICS_PUBLIC": False,
    "JUNO_DASHBOARD": True,
    "JUNO_SLACK_SIGNING_SECRET": None,
    "JUNO_SLACK_RESPONSE_URL_PREFIXES": ("https://hooks.slack.com/",),
    "JUNO_CSRF_KEY": None,
    "JUNO_MAX_BODY_BYTES": 1_048_576,
    "JUNO_RATE_LIMIT": 1200,
}

#: Upper bounds (seconds) of the request-latency histogram's buckets: 1 ms to 10 s.
LATENCY_BUCKETS: tuple[float, ...] = (
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
)  # fmt: skip


@dataclass
class Histogram:
    """One Prometheus histogram series: counts per bucket (not cumulative), sum, count."""

    buckets: list[int] = field(default_factory=lambda: [0] * (len(LATENCY_BUCKETS) + 1))
    total: float = 0.0
    count: int = 0

    def observe(self, seconds: float) -> None:
        self.buckets[bisect_left(LATENCY_BUCKETS, seconds)] += 1
        self.total += seconds
        self.count += 1


@dataclass
class Decisions:
    """Decisions counted from the audit log, read incrementally (each entry once)."""

    #: The last audit sequence number counted.
    seen: int = 0
    #: ``(event, role)`` → count, e.g. ``("request_approved", "TEAM_LEAD")``.
    by_role: Counter[tuple[str, str]] = field(default_factory=Counter)


class RateLimiter:
    """A token bucket per caller: ``per_minute`` requests a minute, in bursts of at most a
    minute's worth. Thread-safe; per process (each worker of a multi-process server keeps
    its own buckets)."""

    def __init__(self, per_minute: int) -> None:
        self.per_minute = per_minute
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def take(self, caller: str, now: float) -> float:
        """Spends one request of ``caller``'s: 0.0 when allowed, else the seconds until
        the next one is."""
        if self.per_minute <= 0:
            return 0.0
        rate = self.per_minute / 60.0
        with self._lock:
            tokens, last = self._buckets.get(caller, (float(self.per_minute), now))
            tokens = min(float(self.per_minute), tokens + (now - last) * rate)
            if tokens >= 1.0:
                self._buckets[caller] = (tokens - 1.0, now)
                return 0.0
            self._buckets[caller] = (tokens, now)
            return (1.0 - tokens) / rate


class WebState:
    """What one application's JUNO routes share (``app.extensions["juno"]``)."""

    def __init__(
        self,
        *,
        juno: Juno,
        web: JunoWeb,
        tokens: dict[str, str],
        owns_juno: bool,
        csrf_key: bytes,
    ) -> None:
        self.juno = juno
        self.csrf_key = csrf_key
        self.web = web
        self.tokens = tokens
        self.owns_juno = owns_juno
        self.started = time.time()
        self._lock = threading.Lock()
        self._latency: dict[tuple[str, str, str], Histogram] = {}
        self._cache: dict[str, tuple[float, Any]] = {}
        self._refreshing: set[str] = set()
        self.decisions = Decisions()
        self.decisions_lock = threading.Lock()
        self.limiter: RateLimiter | None = None

    def observe(self, endpoint: str, method: str, status: int, seconds: float) -> None:
        """Records one request's latency under its route (not its URL: bounded labels)."""
        key = (endpoint, method, str(status))
        with self._lock:
            hist = self._latency.get(key)
            if hist is None:
                hist = self._latency[key] = Histogram()
            hist.observe(seconds)

    def latency(self) -> list[tuple[tuple[str, str, str], Histogram]]:
        """A consistent copy of the latency histograms, ordered by label."""
        with self._lock:
            return [
                (k, Histogram(list(h.buckets), h.total, h.count))
                for k, h in sorted(self._latency.items())
            ]

    def cached(self, name: str, max_age: float, compute: Callable[[], Any]) -> Any:
        """``compute()``, reused for ``max_age`` seconds. One caller refreshes a stale value
        while the others keep serving it (no stampede when many requests find it stale at
        once). Before the first value exists, concurrent callers each compute it."""
        now = time.monotonic()
        with self._lock:
            hit = self._cache.get(name)
            if hit is not None and (now - hit[0] < max_age or name in self._refreshing):
                return hit[1]
            self._refreshing.add(name)
        try:
            value = compute()
        finally:
            with self._lock:
                self._refreshing.discard(name)
        with self._lock:
            self._cache[name] = (time.monotonic(), value)
        return value
