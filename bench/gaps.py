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


async def _activity() -> None:
    """Add the agreements, announcements and generated activity unless they are there."""
    import asyncpg

    from demo.agreements import seed_demo_agreements
    from demo.announcements import seed_demo_announcements
    from marketplace.core.clock import today, utcnow
    from marketplace.core.db import analyze, prepare_engine, release_engine
    from marketplace.offers.taxonomy import target_group_records
    from marketplace.organisations.reference import municipality_records
    from marketplace.search.index import refresh

    await prepare_engine()
    try:
        await seed_demo_agreements()
        await seed_demo_announcements()
    finally:
        await release_engine()
    connection = await asyncpg.connect(URL)
    try:
        if await connection.fetchval("SELECT COUNT(*) FROM contract") >= CONTRACTS:
            return
        print(f"generating {CONTRACTS:,} contracts and the market's other activity")
        rng = random.Random("socialmarked-bench-gaps")
        day, now = today(), utcnow()
        municipalities = municipality_records()
        region_of = {m.code: m.region_code for m in municipalities}
        offers = await connection.fetch(
            "SELECT o.id, p.org_code, o.capacity_places, m.region, "
            "(SELECT MIN(b.legal_basis) FROM offer_legal_basis b WHERE b.offer = o.id) AS basis "
            "FROM offer o JOIN provider p ON p.id = o.provider "
            "JOIN municipality m ON m.code = o.municipality WHERE o.status = 'published' "
            "ORDER BY o.id"
        )
        running: dict[uuid.UUID, int] = {}
        request_rows, contract_rows = [], []
        for n in range(CONTRACTS):
            offer = offers[n % len(offers)]
            ended = rng.random() < 0.3 or running.get(offer["id"], 0) >= offer["capacity_places"]
            if not ended:
                running[offer["id"]] = running.get(offer["id"], 0) + 1
            inside = rng.random() < 0.7
            buyer = rng.choice(
                [c for c, r in region_of.items() if (r == offer["region"]) == inside]
            )
            start = day - datetime.timedelta(days=rng.randint(30, 1500))
            end = start + datetime.timedelta(days=rng.randint(30, 400)) if ended else None
            if end is not None and end >= day:
                end = day - datetime.timedelta(days=1)
            request_id, basis = uuid.uuid4(), offer["basis"] or "SEL_107"
            request_rows.append(
                (
                    request_id,
                    offer["id"],
                    offer["org_code"],
                    buyer,
                    buyer,
                    f"BENCH-{n}",
                    basis,
                    start,
                    "[]",
                    "planned",
                    "",
                    "accepted",
                    "",
                    start,
                    now,
                    "bench",
                )
            )
            contract_rows.append(
                (
                    uuid.uuid4(),
                    request_id,
                    offer["id"],
                    offer["org_code"],
                    buyer,
                    buyer,
                    f"BENCH-{n}",
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
        for n in range(CONTRACTS // 5):
            offer = rng.choice(offers)
            buyer = rng.choice(list(region_of))
            at = now - datetime.timedelta(days=rng.randint(1, 500))
            reason = rng.choice(["no_capacity", "target_group_mismatch", "other"])
            request_rows.append(
                (
                    uuid.uuid4(),
                    offer["id"],
                    offer["org_code"],
                    buyer,
                    buyer,
                    f"BENCH-D{n}",
                    offer["basis"] or "SEL_107",
                    at.date(),
                    "[]",
                    "planned",
                    "",
                    "declined",
                    "",
                    at.date(),
                    at,
                    "bench",
                    reason,
                    at,
                )
            )
        columns = [
            "id",
            "offer",
            "provider_org",
            "buyer",
            "payer",
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
        accepted = [r for r in request_rows if len(r) == len(columns)]
        declined = [r for r in request_rows if len(r) > len(columns)]
        async with connection.transaction():
            await connection.copy_records_to_table(
                "placement_request", records=accepted, columns=columns
            )
            await connection.copy_records_to_table(
                "placement_request",
                records=declined,
                columns=[*columns, "decline_reason", "answered_at"],
            )
            await connection.copy_records_to_table(
                "contract",
                records=contract_rows,
                columns=[
                    "id",
                    "request",
                    "offer",
                    "provider_org",
                    "buyer",
                    "payer",
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
                ],
            )
            # the contracts take the places the providers had declared in use
            await connection.execute(
                "UPDATE offer o SET occupied_places = GREATEST(0, LEAST(o.occupied_places, "
                "o.capacity_places - c.n)) FROM (SELECT offer, COUNT(*) AS n FROM contract "
                "WHERE end_date IS NULL GROUP BY offer) c WHERE c.offer = o.id"
            )
            groups = [r.code for r in target_group_records()]
            events = [
                (
                    uuid.uuid4(),
                    now - datetime.timedelta(days=rng.randint(0, 500)),
                    rng.choice(list(region_of)),
                    rng.sample(groups, rng.randint(1, 3)),
                    rng.random() < 0.5,
                    rng.choice([0, 1, 2, 5, 12, 40]),
                )
                for _ in range(SEARCHES)
            ]
            await connection.copy_records_to_table(
                "search_event",
                records=[
                    (e[0], e[1], e[2], json.dumps({"any_target_groups": e[3]}), e[4], e[5])
                    for e in events
                ],
                columns=["id", "at", "municipality", "filters", "had_query", "result_count"],
            )
            await connection.copy_records_to_table(
                "search_event_group",
                records=[(e[0], code) for e in events for code in e[3]],
                columns=["event", "target_group"],
            )
            await connection.copy_records_to_table(
                "demand_forecast",
                records=[
                    (code, group, day.year, rng.randint(0, 12), "", "bench", now)
                    for code in region_of
                    for group in groups[:10]
                ],
                columns=[
                    "municipality",
                    "target_group",
                    "year",
                    "places",
                    "note",
                    "set_by",
                    "set_at",
                ],
            )
    finally:
        await connection.close()
    await prepare_engine()
    try:
        ids = [row["id"] for row in offers]
        for i in range(0, len(ids), 1000):  # the search documents' places in use
            await refresh(ids[i : i + 1000], today(), text=False)
        await analyze()
    finally:
        await release_engine()


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
