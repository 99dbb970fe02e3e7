"""Prometheus metrics at ``/metrics``: request durations per GraphQL operation (its type and
first root field, a bounded set) and per route template, answers by status, failures by
code, rate-limit refusals and the database pool's use.

Closed to the public: with ``METRICS_TOKEN`` set, only a request with ``Authorization: Bearer
<METRICS_TOKEN>`` gets them; without it they are served outside production and are a 404 in
production. With several worker processes, set ``PROMETHEUS_MULTIPROC_DIR`` to a folder the
workers share (emptied before start) and every worker's figures are added up.
"""

from __future__ import annotations

import hmac
import os
from collections.abc import Iterator
from typing import Any

from litestar import Request, Response, get
from litestar.exceptions import NotFoundException
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

from marketplace.core.db import engine
from schema.requests import RequestInfo

DURATION = Histogram(
    "socialmarked_request_duration_seconds",
    "Time to answer a request, by surface and operation or route.",
    ["surface", "name"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
ANSWERS = Counter(
    "socialmarked_requests",
    "Requests answered, by surface, operation or route, and status.",
    ["surface", "name", "status"],
)
FAILURES = Counter(
    "socialmarked_failures",
    "Answers the service, not the client, is to blame for (5xx), by code.",
    ["code"],
)
RATE_LIMITED = Counter("socialmarked_rate_limited", "Requests refused by the rate limit (429).")


class _PoolCollector(Collector):
    """The PostgreSQL pool of this process: its size, connections idle, and its maximum."""

    def collect(self) -> Iterator[GaugeMetricFamily]:
        pool = getattr(engine(), "pool", None)
        if pool is None:
            return
        for name, value in [
            ("size", pool.get_size()),
            ("idle", pool.get_idle_size()),
            ("max", pool.get_max_size()),
        ]:
            yield GaugeMetricFamily(
                f"socialmarked_db_pool_{name}", f"Database pool connections: {name}.", value
            )


if not getattr(REGISTRY, "_socialmarked_pool", False):
    REGISTRY.register(_PoolCollector())
    REGISTRY._socialmarked_pool = True  # type: ignore[attr-defined]


def observe(info: RequestInfo, duration: float) -> None:
    """Count one answered request (the request observer calls this at its end)."""
    surface = "graphql" if info.route == "/graphql" else "http"
    name = info.operation_label or info.route or "(unrouted)"
    DURATION.labels(surface, name).observe(duration)
    ANSWERS.labels(surface, name, str(info.status)).inc()
    if info.status == 429:
        RATE_LIMITED.inc()
    elif info.status >= 500:
        FAILURES.labels("UNAVAILABLE" if info.status == 503 else "INTERNAL").inc()


def _registry() -> CollectorRegistry:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        MultiProcessCollector(registry)
        registry.register(_PoolCollector())
        return registry
    return REGISTRY


@get("/metrics", include_in_schema=False, exclude_from_auth=True)
async def metrics(request: Request[Any, Any, Any]) -> Response[bytes]:
    settings = request.app.state.settings
    secret = settings.metrics_token
    if secret is None:
        if settings.is_production:
            raise NotFoundException()
    else:
        scheme, _, given = request.headers.get("authorization", "").partition(" ")
        expected = secret.get_secret_value().encode()
        if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), expected):
            raise NotFoundException()  # not even its existence is told
    return Response(generate_latest(_registry()), media_type=CONTENT_TYPE_LATEST)
