"""Contracting benchmark: placementRequestAccept over HTTP with 32 concurrent clients.

A fresh database gets the demo catalogue; OFFERS residential offers are left with FREE places
each and REQUESTS pending placement requests each, so clients compete for the last places.
CONCURRENCY clients (default 32) accept the requests in random order through GraphQL, each
with an idempotency key; a transport error or a 5xx is retried with the same key. Reported:
p50/p95/p99 latency and throughput of the acceptances, contracts made, conflicts (answers
CAPACITY_EXHAUSTED), retries, other errors, and the overbooking count: offers with more places
in use than they have on any day (must be 0). Printed, and written to bench/results/.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import io
import json
import os
import random
import statistics
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

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
    server_cpu_seconds,
    token,
    wait_ready,
)

BACKEND = os.environ.get("BENCH_DATABASE", "postgres")
CONCURRENCY = int(os.environ.get("BENCH_CONCURRENCY", "32"))
OFFERS = int(os.environ.get("BENCH_OFFERS", "16"))
FREE = int(os.environ.get("BENCH_FREE_PLACES", "4"))
REQUESTS = int(os.environ.get("BENCH_REQUESTS_PER_OFFER", "25"))
PLAN = VAR / "contracting-plan.json"

if TYPE_CHECKING:
    import httpx

ACCEPT = """
mutation ($input: PlacementRequestAcceptInput!) {
  placementRequestAccept(input: $input) { contract { id } errors { code } }
}
"""


def _database_url() -> str:
    if BACKEND == "sqlite":
        path = VAR / "contracting.sqlite3"
        path.unlink(missing_ok=True)
        return f"sqlite:///{path}"
    return pg_url("socialmarked_bench_contracting")


async def _seed_catalogue() -> None:
    """The reference data, the taxonomies and the demo providers and offers."""
    from demo.offers import seed_demo_offers
    from demo.providers import seed_demo_providers
    from marketplace.offers.service import load_taxonomies
    from marketplace.organisations.reference import load_reference_data

    await load_reference_data()
    await load_taxonomies()
    await seed_demo_providers()
    await seed_demo_offers()


async def _contest_offers() -> list[dict[str, Any]]:
    """OFFERS published residential offers priced per day that take a 30-year-old, left with
    FREE places each (their search documents follow); their IDs and providers' codes."""
    from marketplace.core.clock import today
    from marketplace.offers.tables import Offer, PriceList
    from marketplace.search import index as search_index

    per_day = PriceList.select(PriceList.offer).where(PriceList.unit == "per_day")
    rows = (
        await Offer.select(Offer.id, Offer.provider._.org_code.as_alias("org"))
        .where(
            (Offer.status == "published")
            & (Offer.category == "residential")
            & (Offer.min_age <= 30)
            & (Offer.max_age >= 30)
            & Offer.id.is_in(per_day)
        )
        .order_by(Offer.id)
        .limit(OFFERS)
        .run()
    )
    for row in rows:
        await (
            Offer.update({Offer.capacity_places: 10, Offer.occupied_places: 10 - FREE})
            .where(Offer.id == row["id"])
            .run()
        )
    await search_index.refresh([row["id"] for row in rows], today(), text=False)
    return rows


async def _request_places(offers: list[dict[str, Any]]) -> list[dict[str, str]]:
    """REQUESTS pending placement requests for each offer, from municipalities in turn; the
    plan of who accepts which."""
    from rich.progress import Progress
    from strawberry.relay import to_base64

    from marketplace.contracts.models import PlacementRequestCreate
    from marketplace.contracts.requests import create_request
    from marketplace.core.clock import today
    from marketplace.core.identity import Principal, Role
    from marketplace.organisations.reference import municipality_records

    buyers = [m.code for m in municipality_records()]
    plan = []
    with Progress() as progress:
        task = progress.add_task("Placement requests", total=len(offers) * REQUESTS)
        for row in offers:
            for i in range(REQUESTS):
                buyer = Principal(
                    subject="bench", org_code=buyers[(i * 7) % len(buyers)], role=Role.PURCHASER
                )
                command = PlacementRequestCreate(
                    offer_id=row["id"],
                    citizen_ref=f"BENCH-{uuid.uuid4().hex[:10]}",
                    desired_start=today() + datetime.timedelta(days=7),
                )
                request = await create_request(buyer, command)
                plan.append(
                    {
                        "request": to_base64("PlacementRequest", str(request.id)),
                        "org": row["org"],
                        "offer": str(row["id"]),
                    }
                )
                progress.update(task, advance=1)
    return plan


async def _prepare_here() -> None:
    """Demo catalogue, contested offers and their pending requests; the plan to a file."""
    from marketplace.core.db import analyze, migrate, prepare_engine, release_engine

    with contextlib.redirect_stdout(io.StringIO()):
        await migrate()
    await prepare_engine()
    try:
        await _seed_catalogue()
        offers = await _contest_offers()
        plan = await _request_places(offers)
        await analyze()
    finally:
        await release_engine()
    PLAN.write_text(json.dumps(plan), encoding="utf-8")


@dataclass
class _Tally:
    """What the clients saw: every answer's latency, by outcome, and the counts."""

    samples: list[float] = field(default_factory=list)
    by_outcome: dict[str, list[float]] = field(
        default_factory=lambda: {"contract": [], "conflict": []}
    )
    outcome: dict[str, int] = field(
        default_factory=lambda: {"contracts": 0, "conflicts": 0, "retries": 0, "errors": 0}
    )

    def answered(self, took: float, payload: dict[str, Any]) -> None:
        """Count an answer: a contract, a conflict (no place left) or another error."""
        self.samples.append(took)
        codes = [e["code"] for e in payload["errors"]]
        if payload["contract"] is not None:
            self.outcome["contracts"] += 1
            self.by_outcome["contract"].append(took)
        elif codes == ["CAPACITY_EXHAUSTED"]:
            self.outcome["conflicts"] += 1
            self.by_outcome["conflict"].append(took)
        else:
            self.outcome["errors"] += 1


async def _accept(
    client: httpx.AsyncClient, item: dict[str, str], bearer: str, tally: _Tally
) -> None:
    """Accept one request, with its idempotency key; a transport error or a 5xx is retried
    with the same key, up to four attempts in all."""
    import httpx

    body = {
        "query": ACCEPT,
        "variables": {
            "input": {"id": item["request"], "idempotencyKey": f"bench-{item['request']}"}
        },
    }
    headers = {"Authorization": f"Bearer {bearer}"}
    for _attempt in range(4):
        start = time.perf_counter()
        try:
            response = await client.post("/graphql", json=body, headers=headers)
        except httpx.TransportError:
            tally.outcome["retries"] += 1
            continue
        if response.status_code >= 500:
            tally.outcome["retries"] += 1
            continue
        took = (time.perf_counter() - start) * 1000
        tally.answered(took, response.json()["data"]["placementRequestAccept"])
        return
    tally.outcome["errors"] += 1


def _figures(tally: _Tally, requests: int, elapsed: float) -> dict[str, Any]:
    return {
        **tally.outcome,
        "requests": requests,
        "p50_ms": statistics.median(tally.samples),
        "p95_ms": percentile(tally.samples, 0.95),
        "p99_ms": percentile(tally.samples, 0.99),
        "accepts_per_s": len(tally.samples) / elapsed,
        **{
            f"{kind}_p{q}_ms": percentile(times, q / 100) if times else 0.0
            for kind, times in tally.by_outcome.items()
            for q in (50, 95)
        },
    }


async def _accept_all(port: int, plan: list[dict[str, str]]) -> dict[str, Any]:
    import httpx

    tokens = {org: token(org, "provider_admin") for org in {p["org"] for p in plan}}
    queue = plan[:]
    random.Random(7).shuffle(queue)
    tally = _Tally()

    async def worker(client: httpx.AsyncClient) -> None:
        while queue:
            item = queue.pop()
            await _accept(client, item, tokens[item["org"]], tally)

    limits = httpx.Limits(max_connections=CONCURRENCY, max_keepalive_connections=CONCURRENCY)
    async with httpx.AsyncClient(
        base_url=f"http://127.0.0.1:{port}", timeout=60, limits=limits
    ) as client:
        began = time.perf_counter()
        await asyncio.gather(*(worker(client) for _ in range(CONCURRENCY)))
        elapsed = time.perf_counter() - began
    return _figures(tally, len(plan), elapsed)


def _overbooked_here() -> None:
    """Offers that have more places in use than they have on some day; printed as a number."""
    from marketplace.contracts import capacity
    from marketplace.core.clock import today
    from marketplace.offers.tables import Offer

    async def count() -> int:
        offers = await Offer.select(Offer.id, Offer.capacity_places, Offer.occupied_places).run()
        stays = await capacity.stays_by_offer([o["id"] for o in offers], today())
        return sum(
            1
            for o in offers
            if o["occupied_places"] + capacity.peak(stays[o["id"]], today(), capacity.FOREVER)
            > o["capacity_places"]
        )

    print(asyncio.run(count()))


def _in_process(command: str, url: str) -> str:
    env = {**os.environ, "DATABASE_URL": url, "VAR_DIR": str(VAR)}
    out = subprocess.run(
        [sys.executable, "-m", "bench.contracting", command],
        env=env,
        cwd=ROOT,
        check=True,
        stdout=subprocess.PIPE,
        text=True,
    )
    return out.stdout.strip().splitlines()[-1] if out.stdout.strip() else ""


async def main() -> None:
    pin_to_load_cpu()
    VAR.mkdir(parents=True, exist_ok=True)
    url = _database_url()
    if BACKEND != "sqlite":
        await ensure_pg_database(url, fresh=True)
    print(
        f"contracting benchmark: {BACKEND}, {OFFERS} offers x {FREE} free places, "
        f"{REQUESTS} requests each, {CONCURRENCY} concurrent clients"
    )
    subprocess.run(
        [sys.executable, "-m", "bench.contracting", "--prepare"],
        env={**os.environ, "DATABASE_URL": url, "VAR_DIR": str(VAR)},
        cwd=ROOT,
        check=True,
    )
    plan = json.loads(PLAN.read_text(encoding="utf-8"))
    port = free_port()
    server = serve(url, port)
    try:
        await wait_ready(port)
        cpu = server_cpu_seconds(server.pid)
        figures = await _accept_all(port, plan)
        figures["server_cpu_ms_per_accept"] = (
            (server_cpu_seconds(server.pid) - cpu) / figures["requests"] * 1000
        )
    finally:
        server.terminate()
        server.wait(timeout=30)
    figures["overbooked_offers"] = int(_in_process("--overbooked", url))
    figures["places_offered"] = OFFERS * FREE
    print(
        f"{'accepts':>8} {'made':>5} {'conflicts':>9} {'retries':>7} {'errors':>6} "
        f"{'p50':>7} {'p95':>7} {'p99':>7} {'acc/s':>6} {'overbooked':>10}"
    )
    print(
        f"{figures['requests']:>8} {figures['contracts']:>5} {figures['conflicts']:>9} "
        f"{figures['retries']:>7} {figures['errors']:>6} {figures['p50_ms']:7.1f} "
        f"{figures['p95_ms']:7.1f} {figures['p99_ms']:7.1f} {figures['accepts_per_s']:6.0f} "
        f"{figures['overbooked_offers']:>10}"
    )
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = datetime.datetime.now(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")
    path = RESULTS / f"contracting-{BACKEND}-{stamp}.json"
    path.write_text(
        json.dumps({"backend": BACKEND, "concurrency": CONCURRENCY, **figures}, indent=2),
        encoding="utf-8",
    )
    print(
        f"server CPU per acceptance (made or refused): {figures['server_cpu_ms_per_accept']:.2f} ms"
    )
    print(
        f"contracts made: p50 {figures['contract_p50_ms']:.1f} p95 {figures['contract_p95_ms']:.1f} ms; "
        f"conflicts: p50 {figures['conflict_p50_ms']:.1f} p95 {figures['conflict_p95_ms']:.1f} ms"
    )
    print(f"written to {path.relative_to(ROOT)}")


if __name__ == "__main__":
    if sys.argv[1:] == ["--prepare"]:
        asyncio.run(_prepare_here())
    elif sys.argv[1:] == ["--overbooked"]:
        _overbooked_here()
    else:
        asyncio.run(main())
