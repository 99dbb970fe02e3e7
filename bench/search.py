"""Search benchmark: the API end to end over HTTP on loopback against the same SQL run raw.

For each catalogue size (BENCH_SIZES, default 1000,10000,100000 offers) it builds a database
once (kept between runs: a PostgreSQL database `socialmarked_bench_<n>` on BENCH_POSTGRES_URL,
or an SQLite file under var/bench/ with BENCH_DATABASE=sqlite), serves the app with uvicorn in
a process of its own, and sends a fixed mix of typical purchaser searches with a fixed number
of requests and concurrency (closed loop). In the same run it executes each search's SQL
directly (asyncpg or sqlite3), so the ratio API / raw SQL shows what the service adds.

Figures: p50/p95/p99 latency (ms) and throughput (requests/s) over HTTP; p50 and p95 of the
raw SQL; the ratio of the p50s. Printed as a table and written to bench/results/search-*.json
(not committed). Pins the server to CPU 0 and the load to CPU 1 when the machine has two.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import io
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from functools import partial
from typing import Any
from urllib.parse import urlparse

from bench.harness import (
    RESULTS,
    ROOT,
    VAR,
    ensure_pg_database,
    free_port,
    percentile,
    pg_url,
    pin_to_load_cpu,
    serve,
    token,
    wait_ready,
)

BACKEND = os.environ.get("BENCH_DATABASE", "postgres")
SIZES = [int(s) for s in os.environ.get("BENCH_SIZES", "1000,10000,100000").split(",")]
REQUESTS = int(os.environ.get("BENCH_REQUESTS", "200"))
WARMUP = int(os.environ.get("BENCH_WARMUP", "20"))
CONCURRENCY = int(os.environ.get("BENCH_CONCURRENCY", "1"))

FIELDS = "totalCount edges { score distanceKm node { id name capacity { free } } }"
MIX: dict[str, dict[str, Any]] = {
    "text": {"query": "autisme", "filter": {}},
    "text+filters": {"query": "selvskadende adfærd", "filter": {"age": 20, "free_places": True}},
    "near 50 km": {"query": "", "filter": {"near": {"municipality_code": "851", "radius_km": 50}}},
    "price, sorted": {"query": "", "filter": {"max_price_per_day": "3000"}, "sort": "price"},
    "facets": {"query": "botilbud", "filter": {"categories": ["residential"]}, "facets": True},
}


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(p.title() for p in rest)


def _graphql_filter(value: Any) -> Any:
    if isinstance(value, dict):
        return {_camel(k): _graphql_filter(v) for k, v in value.items()}
    if isinstance(value, list):
        return [v.upper() if isinstance(v, str) and v.islower() else v for v in value]
    return value


def _document(case: dict[str, Any]) -> dict[str, Any]:
    facets = (
        " facets { categories { value count } regions { value count } "
        "targetGroups { value count } legalBases { value count } priceBands { value count } }"
    )
    sort = f", sort: {case['sort'].upper()}" if case.get("sort") else ""
    query = (
        "query ($query: String, $filter: OfferSearchFilter) { searchOffers(query: $query, "
        f"filter: $filter, first: 20{sort}) {{ {FIELDS}{facets if case.get('facets') else ''} }} }}"
    )
    return {
        "query": query,
        "variables": {"query": case["query"], "filter": _graphql_filter(case["filter"])},
    }


def _database_url(size: int) -> str:
    if BACKEND == "sqlite":
        path = VAR / f"search-{size}.sqlite3"
        path.parent.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{path}"
    return pg_url(f"socialmarked_bench_{size}")


def _prepare(size: int, url: str) -> None:
    """Build the catalogue in a process of its own (the engine is chosen at import)."""
    env = {**os.environ, "DATABASE_URL": url, "VAR_DIR": str(VAR)}
    subprocess.run(
        [sys.executable, "-m", "bench.search", "--prepare", str(size)],
        env=env,
        cwd=ROOT,
        check=True,
    )


async def _prepare_here(size: int) -> None:
    from rich.progress import Progress

    from demo.offers import seed_demo_offers
    from demo.providers import seed_demo_providers
    from marketplace.core.clock import today
    from marketplace.core.db import analyze, migrate, prepare_engine, release_engine
    from marketplace.offers.service import load_taxonomies
    from marketplace.offers.tables import Offer
    from marketplace.organisations.reference import load_reference_data
    from marketplace.search.index import refresh_stale

    with contextlib.redirect_stdout(io.StringIO()):
        await migrate()
    await prepare_engine()
    try:
        await load_reference_data()
        await load_taxonomies()
        await seed_demo_providers()
        have = await Offer.count().run()
        if have < size:
            with Progress() as progress:
                task = progress.add_task(f"Generating {size:,} offers", total=size)
                await seed_demo_offers(
                    lambda: progress.update(task, advance=1), chunk=500, count=size
                )
        stale = await refresh_stale(today())
        if stale:
            print(f"worked out the day facts of {stale:,} search documents")
        await analyze()
    finally:
        await release_engine()


async def _timed(
    action: Callable[[], Awaitable[None]], count: int, concurrency: int
) -> tuple[list[float], float]:
    samples: list[float] = []
    queue = list(range(count))

    async def worker() -> None:
        while queue:
            queue.pop()
            start = time.perf_counter()
            await action()
            samples.append((time.perf_counter() - start) * 1000)

    began = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return samples, count / (time.perf_counter() - began)


async def _http(port: int, bearer: str) -> dict[str, dict[str, float]]:
    import httpx

    figures = {}
    headers = {"Authorization": f"Bearer {bearer}"}
    async with httpx.AsyncClient(
        base_url=f"http://127.0.0.1:{port}", headers=headers, timeout=30
    ) as client:
        for name, case in MIX.items():
            body = _document(case)

            async def call(body: dict[str, Any] = body) -> None:
                response = await client.post("/graphql", json=body)
                data = response.json()
                if response.status_code != 200 or "errors" in data:
                    raise RuntimeError(f"search failed: {response.status_code} {data}")

            await _timed(call, WARMUP, CONCURRENCY)
            samples, throughput = await _timed(call, REQUESTS, CONCURRENCY)
            figures[name] = {
                "p50_ms": statistics.median(samples),
                "p95_ms": percentile(samples, 0.95),
                "p99_ms": percentile(samples, 0.99),
                "requests_per_s": throughput,
            }
    return figures


# SQL written with ``{}`` placeholders and its arguments -> the rows.
Execute = Callable[[str, list[Any]], Awaitable[list[Any]]]


async def _driver(url: str) -> tuple[Execute, Callable[[], Awaitable[None]]]:
    """Statements run straight on sqlite3, or on an asyncpg pool set up as the service's
    connections are; and how to close it."""
    from marketplace.core.db import SERVER_SETTINGS

    if BACKEND == "sqlite":
        import sqlite3

        connection = sqlite3.connect(
            urlparse(url).path[1:]
            if url.startswith("sqlite:////")
            else urlparse(url).path.lstrip("/")
        )

        async def execute_sqlite(sql: str, args: list[Any]) -> list[Any]:
            return connection.execute(
                sql.replace("{}", "?"),
                [a.isoformat() if isinstance(a, datetime.date) else a for a in args],
            ).fetchall()

        async def keep_open() -> None:
            return None

        return execute_sqlite, keep_open
    import asyncpg

    pool = await asyncpg.create_pool(
        url,
        min_size=CONCURRENCY,
        max_size=CONCURRENCY,
        server_settings=SERVER_SETTINGS,  # as the service does
    )

    async def execute(sql: str, args: list[Any]) -> list[Any]:
        numbered = sql
        for i in range(1, len(args) + 1):
            numbered = numbered.replace("{}", f"${i}", 1)
        async with pool.acquire() as conn:
            return list(await conn.fetch(numbered, *args))

    return execute, pool.close


async def _raw_search(
    execute: Execute,
    principal: Any,
    day: datetime.date,
    criteria: Any,
    stems: list[str],
    facets: bool,
) -> None:
    """The statements one search makes, in the service's order: the day-facts check, the
    vocabulary, the page (and the count when it is empty), the page's offers, the facets."""
    from marketplace.search import service as search

    await execute(  # the day-facts check every search makes first
        "SELECT offer FROM offer_search WHERE facts_on > {} OR facts_until <= {}",
        [day, day],
    )
    text = None
    if stems:
        lookup = search.vocabulary_sql(stems)
        vocabulary = [row[0] for row in await execute(lookup.text, lookup.args)]
        text = search.text_match(stems, vocabulary)
    plan = search.SearchPlan(principal=principal, criteria=criteria, text=text)
    page, count = search.search_sql(plan, 20, 0)
    rows = await execute(page.text, page.args)
    if not rows:  # as the service: the page carries the total unless it is empty
        await execute(count.text, count.args)
    ids = [row[0] for row in rows]
    if ids:
        marks = ", ".join("{}" for _ in ids)
        await execute(f"SELECT * FROM offer WHERE id IN ({marks})", ids)
    if facets:
        statement = search.facet_sql(plan)
        await execute(statement.text, statement.args)


async def _raw(url: str) -> dict[str, dict[str, float]]:
    """Run each search's SQL straight on the driver, as many times as the API was asked."""
    from marketplace.core.clock import today
    from marketplace.core.errors import parse
    from marketplace.core.identity import Principal, Role
    from marketplace.search import service as search
    from marketplace.search.models import SearchCriteria

    principal = Principal(subject="bench", org_code="851", role=Role.PURCHASER)
    day = today()
    figures = {}
    execute, close = await _driver(url)
    for name, case in MIX.items():
        criteria = parse(
            SearchCriteria, {**case["filter"], "query": case["query"], "sort": case.get("sort")}
        )
        run = partial(
            _raw_search,
            execute,
            principal,
            day,
            criteria,
            search.query_stems(criteria.query),
            bool(case.get("facets")),
        )
        await _timed(run, WARMUP, CONCURRENCY)
        samples, _ = await _timed(run, REQUESTS, CONCURRENCY)
        figures[name] = {"p50_ms": statistics.median(samples), "p95_ms": percentile(samples, 0.95)}
    await close()
    return figures


async def main() -> None:
    pin_to_load_cpu()
    report: dict[str, Any] = {
        "backend": BACKEND,
        "requests_per_case": REQUESTS,
        "concurrency": CONCURRENCY,
        "loop": "closed",
        "when": datetime.datetime.now(datetime.UTC).isoformat(),
        "sizes": {},
    }
    bearer = token("851", "purchaser")
    print(
        f"search benchmark: {BACKEND}, {REQUESTS} requests per case, concurrency {CONCURRENCY} (closed loop)"
    )
    header = f"{'offers':>8} {'case':16} {'p50':>7} {'p95':>7} {'p99':>7} {'req/s':>7} {'raw p50':>8} {'raw p95':>8} {'ratio':>6}"
    rows = []
    for size in SIZES:
        url = _database_url(size)
        if BACKEND != "sqlite":
            await ensure_pg_database(url)
        _prepare(size, url)
        port = free_port()
        server = serve(url, port)
        try:
            await wait_ready(port)
            api = await _http(port, bearer)
        finally:
            server.terminate()
            server.wait(timeout=30)
        os.environ["DATABASE_URL"] = url
        raw = await _raw(url)
        report["sizes"][size] = {"api": api, "raw": raw}
        for name in MIX:
            a, r = api[name], raw[name]
            rows.append(
                f"{size:>8,} {name:16} {a['p50_ms']:7.1f} {a['p95_ms']:7.1f} {a['p99_ms']:7.1f} "
                f"{a['requests_per_s']:7.0f} {r['p50_ms']:8.2f} {r['p95_ms']:8.2f} {a['p50_ms'] / r['p50_ms']:6.1f}"
            )
    print(header)
    print("\n".join(rows))
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = datetime.datetime.now(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")
    path = RESULTS / f"search-{BACKEND}-{stamp}.json"
    path.write_text(json.dumps(report, indent=2), encoding="utf-8")
    print(f"written to {path.relative_to(ROOT)}")


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--prepare":
        asyncio.run(_prepare_here(int(sys.argv[2])))
    else:
        asyncio.run(main())
