"""Web pages benchmark: the search page and an offer's page, over HTTP on loopback, with the
catalogue of the search benchmark (BENCH_PAGE_OFFERS, default 10,000 offers; PostgreSQL unless
BENCH_DATABASE=sqlite), the server on one core (CPU 0) and the load on the other.

Each case is asked BENCH_REQUESTS times (after BENCH_WARMUP) by one client; the cases run
interleaved in rounds so a noisy moment of the machine touches them all alike. A visitor and
a signed-in purchaser (a session made in the database, as a sign-in makes it) are measured on
the search and offer pages, and North Jutland's steering group on its desk (the agreements,
the heat map of all five regions, one target group's twelve months, the map).
Figures: p50, p95 and p99 (ms) per case, printed and written to bench/results/pages-*.json.
"""

from __future__ import annotations

import asyncio
import datetime
import json
import os
import statistics
import subprocess
import sys
import time
from typing import Any

from bench.harness import (
    RESULTS,
    ROOT,
    VAR,
    ensure_pg_database,
    free_port,
    percentile,
    pin_to_load_cpu,
    serve,
    wait_ready,
)
from bench.search import BACKEND, _database_url, _prepare

SIZE = int(os.environ.get("BENCH_PAGE_OFFERS", "10000"))
REQUESTS = int(os.environ.get("BENCH_REQUESTS", "200"))
WARMUP = int(os.environ.get("BENCH_WARMUP", "20"))
ROUNDS = 5
SEARCHES = {
    "search: text": "/tilbud?q=autisme",
    "search: text+filters": "/tilbud?q=selvskadende+adf%C3%A6rd&alder=20&ledige=on",
    "search: near 50 km": "/tilbud?naer=851&radius=50",
    "search: price, sorted": "/tilbud?maks_pris=3000&sortering=price",
    "search: page 3": "/tilbud?kategori=residential&side=3",
}


STEERING_PAGES = {
    "desk: agreements": "/styregruppe",
    "desk: heat map": "/styregruppe/forsyning",
    "desk: one group": "/styregruppe/forsyning/{group}",
    "desk: map": "/styregruppe/kort",
}


def _session(url: str) -> tuple[str, str, list[str], str]:
    """A purchaser's and a steering group's sessions in the benchmark's database, some offers
    to open, and a target group to chart."""
    code = (
        "import asyncio, json\n"
        "from marketplace.core.db import prepare_engine, release_engine\n"
        "from marketplace.core.identity import Principal, Role\n"
        "from marketplace.offers.tables import Offer\n"
        "from web import sessions\n"
        "async def main():\n"
        "    await prepare_engine()\n"
        "    token = await sessions.sign_in(Principal(subject='bench', org_code='851', "
        "role=Role.PURCHASER), 'Bench')\n"
        "    steering = await sessions.sign_in(Principal(subject='bench-das', org_code='1081', "
        "role=Role.STEERING), 'Bench')\n"
        "    from marketplace.offers.taxonomy import target_group_records\n"
        "    group = next(r.code for r in target_group_records() if r.label_da == 'Autismespektrum')\n"
        "    rows = await Offer.select(Offer.id).where(Offer.status == 'published')"
        ".limit(50).run()\n"
        "    await release_engine()\n"
        "    print(json.dumps([token, steering, [str(r['id']) for r in rows], group]))\n"
        "asyncio.run(main())\n"
    )
    env = {**os.environ, "DATABASE_URL": url, "VAR_DIR": str(VAR)}
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=ROOT, check=True, capture_output=True
    )
    token, steering, offers, group = json.loads(out.stdout.decode().strip().splitlines()[-1])
    return token, steering, offers, group


async def _measure(
    port: int, sessions: dict[str, tuple[str | None, dict[str, list[str]]]]
) -> dict[str, dict[str, float]]:
    """Each session (who: its cookie, its cases) asks each of its cases, interleaved."""
    import httpx

    base = f"http://127.0.0.1:{port}"
    clients = {
        who: httpx.AsyncClient(
            base_url=base, timeout=60, cookies={"__Host-socialmarked": token} if token else None
        )
        for who, (token, _) in sessions.items()
    }
    samples: dict[str, list[float]] = {}
    try:
        for who, (_, cases) in sessions.items():
            for paths in cases.values():
                for i in range(WARMUP):
                    await _get(clients[who], paths[i % len(paths)])
        for _ in range(ROUNDS):
            for who, (_, cases) in sessions.items():
                for name, paths in cases.items():
                    for i in range(REQUESTS // ROUNDS):
                        start = time.perf_counter()
                        await _get(clients[who], paths[i % len(paths)])
                        samples.setdefault(f"{name} ({who})", []).append(
                            (time.perf_counter() - start) * 1000
                        )
    finally:
        for client in clients.values():
            await client.aclose()
    return {
        name: {
            "p50_ms": statistics.median(values),
            "p95_ms": percentile(values, 0.95),
            "p99_ms": percentile(values, 0.99),
        }
        for name, values in samples.items()
    }


async def _get(client: Any, path: str) -> None:
    response = await client.get(path)
    if response.status_code != 200:
        raise RuntimeError(f"{path}: {response.status_code}")


async def main() -> None:
    pin_to_load_cpu()
    url = _database_url(SIZE)
    if BACKEND != "sqlite":
        await ensure_pg_database(url)
    _prepare(SIZE, url)
    token, steering, offers, group = _session(url)
    cases: dict[str, list[str]] = {name: [path] for name, path in SEARCHES.items()}
    cases["offer page"] = [f"/tilbud/{offer}" for offer in offers]
    desk = {name: [path.format(group=group)] for name, path in STEERING_PAGES.items()}
    sessions = {"visitor": (None, cases), "purchaser": (token, cases), "steering": (steering, desk)}
    port = free_port()
    server = serve(url, port)
    try:
        await wait_ready(port)
        figures = await _measure(port, sessions)
    finally:
        server.terminate()
        server.wait()
    print(
        f"web pages: {BACKEND}, {SIZE:,} offers, {REQUESTS} requests per case, one client, "
        "server on one core"
    )
    print(f"{'case':42} {'p50':>7} {'p95':>7} {'p99':>7}")
    for name, row in figures.items():
        print(f"{name:42} {row['p50_ms']:7.1f} {row['p95_ms']:7.1f} {row['p99_ms']:7.1f}")
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = datetime.datetime.now(datetime.UTC).strftime("%Y%m%dT%H%M%S")
    (RESULTS / f"pages-{stamp}.json").write_text(
        json.dumps({"backend": BACKEND, "offers": SIZE, "cases": figures}, indent=2)
    )


if __name__ == "__main__":
    asyncio.run(main())
