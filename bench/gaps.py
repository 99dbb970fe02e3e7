"""Gap-analysis benchmark: a steering group's report for one region and every target group,
end to end over HTTP, against the same aggregation run as raw SQL in the same run.

The database (`socialmarked_bench_gaps` on BENCH_POSTGRES_URL, kept between runs) holds the
10,000-offer catalogue of the search benchmark, the demo agreements and announcements, and
generated market activity, bulk-loaded with COPY: BENCH_CONTRACTS contracts (default 100,000;
each with its accepted request; about 70% running, the rest ended; 70% bought inside the
offer's region), a fifth as many declined requests, 50,000 purchaser searches and every
municipality's forecasts for ten target groups. Contract terms are not generated: the gap
analysis does not read them.

The raw twin is the list of statements the service issues for one report (captured from the
ORM's engine), replayed on asyncpg with the service's server settings; the API adds the
Python that turns rows into figures, the GraphQL layer and HTTP. Figures: p50/p95/p99 (ms)
over BENCH_GAP_REQUESTS reports (default 50), printed and written to bench/results/.
"""

from __future__ import annotations

import asyncio
import datetime
import json
import os
import random
import statistics
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from typing import Any

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

OFFERS = 10_000
CONTRACTS = int(os.environ.get("BENCH_CONTRACTS", "100000"))
SEARCHES = 50_000
REQUESTS = int(os.environ.get("BENCH_GAP_REQUESTS", "50"))
WARMUP = 5
REGION = os.environ.get("BENCH_GAP_REGION", "1084")
URL = pg_url("socialmarked_bench_gaps")

REPORT = """
query Gaps($region: String!) {
  supplyGaps(regionCode: $region) {
    asOf occupancyBandMinPercent
    rows {
      label severity
      now { places inUse { display } free { display } occupancyPercent forecastDemand
            demand { display } gap { display } }
      contractsInside { display } contractsOutside { display }
      searchesNoResult { display } searchesFewResults { display }
      declinedNoCapacity { display } declinedFit { display }
      offersAtRisk(first: 20) { totalCount edges { node { name places occupancyPercent risks } } }
      yearEarlier { places gap { display } }
      changePlaces changeGap { display }
      announcement { title }
    }
  }
}
"""


def _run(*args: str) -> None:
    """A step in a process of its own (the ORM's engine is chosen at import)."""
    env = {**os.environ, "DATABASE_URL": URL, "VAR_DIR": str(VAR)}
    subprocess.run([sys.executable, "-m", *args], env=env, cwd=ROOT, check=True)


_REQUEST_COLUMNS = [
    "id",
    "offer",
    "provider_org",
    "buyer",
    "citizen_ref",
    "legal_basis",
    "desired_start",
    "add_ons",
    "urgency",
    "message",
    "status",
    "decline_text",
    "expires_on",
    "created_at",
    "created_by",
]
_CONTRACT_COLUMNS = [
    "id",
    "request",
    "offer",
    "provider_org",
    "buyer",
    "citizen_ref",
    "legal_basis",
    "start_date",
    "end_date",
    "status",
    "notice_days",
    "bill_first_day",
    "bill_last_day",
    "rules_source",
    "created_at",
    "updated_at",
]
_FORECAST_COLUMNS = ["municipality", "target_group", "year", "places", "note", "set_by", "set_at"]


@dataclass
class _Market:
    """The generated activity, as rows to copy in (the columns above)."""

    accepted: list[tuple[Any, ...]]  # requests that became contracts
    declined: list[tuple[Any, ...]]  # requests declined, with the reason and the answer's time
    contracts: list[tuple[Any, ...]]
    searches: list[tuple[Any, ...]]  # id, at, municipality, target groups, had query, results
    forecasts: list[tuple[Any, ...]]


async def _seed_agreements() -> None:
    """The demo agreements and central announcements (the seeds skip what is there)."""
    from demo.agreements import seed_demo_agreements
    from demo.announcements import seed_demo_announcements
    from marketplace.core.db import prepare_engine, release_engine

    await prepare_engine()
    try:
        await seed_demo_agreements()
        await seed_demo_announcements()
    finally:
        await release_engine()


async def _published_offers(connection: Any) -> list[Any]:
    """The published offers with their provider, places, region and first legal basis."""
    return list(
        await connection.fetch(
            "SELECT o.id, p.org_code, o.capacity_places, m.region, "
            "(SELECT MIN(b.legal_basis) FROM offer_legal_basis b WHERE b.offer = o.id) AS basis "
            "FROM offer o JOIN provider p ON p.id = o.provider "
            "JOIN municipality m ON m.code = o.municipality WHERE o.status = 'published' "
            "ORDER BY o.id"
        )
    )


def _request(
    request_id: uuid.UUID,
    offer: Any,
    buyer: str,
    ref: str,
    basis: str,
    start: datetime.date,
    status: str,
    at: datetime.datetime,
) -> tuple[Any, ...]:
    """A placement request's row (the request columns), answered by its desired start."""
    return (
        request_id,
        offer["id"],
        offer["org_code"],
        buyer,
        ref,
        basis,
        start,
        "[]",
        "planned",
        "",
        status,
        "",
        start,
        at,
        "bench",
    )


def _contracts(
    rng: random.Random,
    offers: list[Any],
    region_of: dict[str, str],
    day: datetime.date,
    now: datetime.datetime,
) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """CONTRACTS contracts over the offers in turn, each with the request it was made from:
    about 30% ended (and every one an offer has no place left for), 70% bought inside the
    offer's region."""
    running: dict[uuid.UUID, int] = {}
    requests, contracts = [], []
    for n in range(CONTRACTS):
        offer = offers[n % len(offers)]
        ended = rng.random() < 0.3 or running.get(offer["id"], 0) >= offer["capacity_places"]
        if not ended:
            running[offer["id"]] = running.get(offer["id"], 0) + 1
        inside = rng.random() < 0.7
        buyer = rng.choice([c for c, r in region_of.items() if (r == offer["region"]) == inside])
        start = day - datetime.timedelta(days=rng.randint(30, 1500))
        end = start + datetime.timedelta(days=rng.randint(30, 400)) if ended else None
        if end is not None and end >= day:
            end = day - datetime.timedelta(days=1)
        request_id, basis = uuid.uuid4(), offer["basis"] or "SEL_107"
        ref = f"BENCH-{n}"
        requests.append(_request(request_id, offer, buyer, ref, basis, start, "accepted", now))
        contracts.append(
            (
                uuid.uuid4(),
                request_id,
                offer["id"],
                offer["org_code"],
                buyer,
                ref,
                basis,
                start,
                end,
                "ended" if end else "active",
                90,
                True,
                True,
                "bench",
                now,
                now,
            )
        )
    return requests, contracts


def _declined(
    rng: random.Random, offers: list[Any], region_of: dict[str, str], now: datetime.datetime
) -> list[tuple[Any, ...]]:
    """A fifth as many requests as contracts, declined at some time in the last 500 days."""
    declined = []
    for n in range(CONTRACTS // 5):
        offer = rng.choice(offers)
        buyer = rng.choice(list(region_of))
        at = now - datetime.timedelta(days=rng.randint(1, 500))
        reason = rng.choice(["no_capacity", "target_group_mismatch", "other"])
        basis = offer["basis"] or "SEL_107"
        row = _request(uuid.uuid4(), offer, buyer, f"BENCH-D{n}", basis, at.date(), "declined", at)
        declined.append((*row, reason, at))
    return declined


def _searches(
    rng: random.Random, municipalities: list[str], groups: list[str], now: datetime.datetime
) -> list[tuple[Any, ...]]:
    """SEARCHES purchaser searches for one to three target groups."""
    return [
        (
            uuid.uuid4(),
            now - datetime.timedelta(days=rng.randint(0, 500)),
            rng.choice(municipalities),
            rng.sample(groups, rng.randint(1, 3)),
            rng.random() < 0.5,
            rng.choice([0, 1, 2, 5, 12, 40]),
        )
        for _ in range(SEARCHES)
    ]


def _market(offers: list[Any]) -> _Market:
    """The market's activity, drawn from one seeded generator in a fixed order."""
    from marketplace.core.clock import today, utcnow
    from marketplace.offers.taxonomy import target_group_records
    from marketplace.organisations.reference import municipality_records

    rng = random.Random("socialmarked-bench-gaps")
    day, now = today(), utcnow()
    region_of = {m.code: m.region_code for m in municipality_records()}
    accepted, contracts = _contracts(rng, offers, region_of, day, now)
    declined = _declined(rng, offers, region_of, now)
    groups = [r.code for r in target_group_records()]
    searches = _searches(rng, list(region_of), groups, now)
    forecasts = [
        (code, group, day.year, rng.randint(0, 12), "", "bench", now)
        for code in region_of
        for group in groups[:10]
    ]
    return _Market(accepted, declined, contracts, searches, forecasts)


async def _copy(connection: Any, market: _Market) -> None:
    """Load the activity in one transaction; the contracts take the places the providers
    had declared in use."""
    async with connection.transaction():
        await connection.copy_records_to_table(
            "placement_request", records=market.accepted, columns=_REQUEST_COLUMNS
        )
        await connection.copy_records_to_table(
            "placement_request",
            records=market.declined,
            columns=[*_REQUEST_COLUMNS, "decline_reason", "answered_at"],
        )
        await connection.copy_records_to_table(
            "contract", records=market.contracts, columns=_CONTRACT_COLUMNS
        )
        await connection.execute(
            "UPDATE offer o SET occupied_places = GREATEST(0, LEAST(o.occupied_places, "
            "o.capacity_places - c.n)) FROM (SELECT offer, COUNT(*) AS n FROM contract "
            "WHERE end_date IS NULL GROUP BY offer) c WHERE c.offer = o.id"
        )
        await connection.copy_records_to_table(
            "search_event",
            records=[
                (e[0], e[1], e[2], json.dumps({"any_target_groups": e[3]}), e[4], e[5])
                for e in market.searches
            ],
            columns=["id", "at", "municipality", "filters", "had_query", "result_count"],
        )
        await connection.copy_records_to_table(
            "search_event_group",
            records=[(e[0], code) for e in market.searches for code in e[3]],
            columns=["event", "target_group"],
        )
        await connection.copy_records_to_table(
            "demand_forecast", records=market.forecasts, columns=_FORECAST_COLUMNS
        )


async def _refresh_documents(offers: list[Any]) -> None:
    """The search documents' places in use, a thousand offers at a time."""
    from marketplace.core.clock import today
    from marketplace.core.db import analyze, prepare_engine, release_engine
    from marketplace.search.index import refresh

    await prepare_engine()
    try:
        ids = [row["id"] for row in offers]
        for i in range(0, len(ids), 1000):
            await refresh(ids[i : i + 1000], today(), text=False)
        await analyze()
    finally:
        await release_engine()


async def _activity() -> None:
    """Add the agreements, announcements and generated activity unless they are there."""
    import asyncpg

    await _seed_agreements()
    connection = await asyncpg.connect(URL)
    try:
        if await connection.fetchval("SELECT COUNT(*) FROM contract") >= CONTRACTS:
            return
        print(f"generating {CONTRACTS:,} contracts and the market's other activity")
        offers = await _published_offers(connection)
        await _copy(connection, _market(offers))
    finally:
        await connection.close()
    await _refresh_documents(offers)


async def _capture() -> list[tuple[str, list[Any]]]:
    """The statements the service issues for the report (after one call to warm it)."""
    from agreements.gaps import service
    from marketplace.core.db import engine, prepare_engine, release_engine
    from marketplace.core.identity import Principal, Role

    principal = Principal(subject="bench", org_code=REGION, role=Role.STEERING)
    seen: list[tuple[str, list[Any]]] = []
    engine_class = type(engine())
    original = engine_class.run_querystring

    async def capturing(self: Any, querystring: Any, *args: Any, **kwargs: Any) -> Any:
        seen.append(querystring.compile_string(engine_type="postgres"))
        return await original(self, querystring, *args, **kwargs)

    await prepare_engine()
    try:
        await service.supply_gaps(principal, REGION)
        engine_class.run_querystring = capturing  # type: ignore[method-assign]
        try:
            await service.supply_gaps(principal, REGION)
        finally:
            engine_class.run_querystring = original  # type: ignore[method-assign]
    finally:
        await release_engine()
    return seen


async def _timed(action: Any, count: int) -> list[float]:
    samples = []
    for _ in range(count):
        start = time.perf_counter()
        await action()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def _figures(samples: list[float]) -> dict[str, float]:
    return {
        "p50_ms": statistics.median(samples),
        "p95_ms": percentile(samples, 0.95),
        "p99_ms": percentile(samples, 0.99),
    }


async def _http(port: int, bearer: str) -> dict[str, Any]:
    import httpx

    body = {"query": REPORT, "variables": {"region": REGION}}
    rows = 0

    async def call() -> None:
        nonlocal rows
        response = await client.post("/graphql", json=body)
        data = response.json()
        if response.status_code != 200 or "errors" in data:
            raise RuntimeError(f"report failed: {response.status_code} {data}")
        rows = len(data["data"]["supplyGaps"]["rows"])

    async with httpx.AsyncClient(
        base_url=f"http://127.0.0.1:{port}",
        headers={"Authorization": f"Bearer {bearer}"},
        timeout=60,
    ) as client:
        await _timed(call, WARMUP)
        figures: dict[str, Any] = _figures(await _timed(call, REQUESTS))
    figures["target_groups"] = rows
    return figures


async def _raw(statements: list[tuple[str, list[Any]]]) -> dict[str, Any]:
    import asyncpg

    from marketplace.core.db import SERVER_SETTINGS

    connection = await asyncpg.connect(URL, server_settings=SERVER_SETTINGS)

    async def run() -> None:
        for sql, args in statements:
            await connection.fetch(sql, *args)

    try:
        await _timed(run, WARMUP)
        figures: dict[str, Any] = _figures(await _timed(run, REQUESTS))
    finally:
        await connection.close()
    figures["statements"] = len(statements)
    return figures


async def _counts() -> dict[str, int]:
    import asyncpg

    connection = await asyncpg.connect(URL)
    try:
        return {
            table: int(await connection.fetchval(f"SELECT COUNT(*) FROM {table}"))
            for table in ("offer", "contract", "placement_request", "search_event")
        }
    finally:
        await connection.close()


async def main() -> None:
    pin_to_load_cpu()
    await ensure_pg_database(URL)
    _run("bench.search", "--prepare", str(OFFERS))
    _run("bench.gaps", "--activity")
    os.environ["DATABASE_URL"] = URL
    counts = await _counts()
    statements = await _capture()
    port = free_port()
    server = serve(URL, port)
    try:
        await wait_ready(port)
        api = await _http(port, token(REGION, "steering"))
    finally:
        server.terminate()
        server.wait(timeout=30)
    raw = await _raw(statements)
    ratio = api["p50_ms"] / raw["p50_ms"]
    print(
        f"gap benchmark: PostgreSQL, region {REGION}, {api['target_groups']} target groups, "
        f"{counts['offer']:,} offers, {counts['contract']:,} contracts, "
        f"{counts['placement_request']:,} requests, {counts['search_event']:,} searches; "
        f"{REQUESTS} reports, one client"
    )
    print(f"{'':10} {'p50':>8} {'p95':>8} {'p99':>8}")
    for name, figures in (("API", api), (f"raw ({raw['statements']} st.)", raw)):
        print(
            f"{name:10} {figures['p50_ms']:8.1f} {figures['p95_ms']:8.1f} {figures['p99_ms']:8.1f}"
        )
    print(f"ratio API / raw SQL (p50): {ratio:.2f}")
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = datetime.datetime.now(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")
    path = RESULTS / f"gaps-{stamp}.json"
    path.write_text(
        json.dumps(
            {"region": REGION, "counts": counts, "api": api, "raw": raw, "ratio": ratio},
            indent=2,
        ),
        encoding="utf-8",
    )
    print(f"written to {path.relative_to(ROOT)}")


if __name__ == "__main__":
    if sys.argv[1:] == ["--activity"]:
        asyncio.run(_activity())
    else:
        asyncio.run(main())
