"""Web pages benchmark: the search page and an offer's page, over HTTP on loopback, with the
catalogue of the search benchmark (BENCH_PAGE_OFFERS, default 10,000 offers; PostgreSQL unless
BENCH_DATABASE=sqlite), the server on one core (CPU 0) and the load on the other. On
PostgreSQL the database is the gap benchmark's (``socialmarked_bench_gaps``: the 10,000 offers
with 100,000 contracts, 20,000 declined requests, 50,000 searches and the forecasts, loaded
with COPY by ``bench.gaps --activity``; kept between runs).

BENCH_BASELINE=<a checkout of another commit> serves that checkout's code too, on the same
database and core, and asks both servers each case in turn (cases marked [before] and
[after]), so the two are measured side by side. BENCH_ONLY=desk measures the steering group's
desk only; BENCH_CASES=heat,group,map only the desk's cases whose names hold one of the words.

Each case is asked BENCH_REQUESTS times (after BENCH_WARMUP) by one client; the cases run
interleaved in rounds so a noisy moment of the machine touches them all alike. A visitor and
a signed-in purchaser (a session made in the database, as a sign-in makes it) are measured on
the search and offer pages, and North Jutland's steering group on every page of its desk
(the agreements, an agreement with its approvals, an announcement with its report form, the
report as CSV, the year's economics, the heat map of all five regions, one target group's
twelve months, the offer map with its table's first and second page and the map of all
Denmark, the gap map).
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
from pathlib import Path
from typing import Any

from bench import gaps
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
BASELINE = os.environ.get("BENCH_BASELINE") or None
ONLY = os.environ.get("BENCH_ONLY", "")
PICKED = [name for name in os.environ.get("BENCH_CASES", "").split(",") if name]
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
    "desk: approvals (an agreement)": "/styregruppe/aftaler/{agreement}",
    "desk: an announcement": "/styregruppe/meldinger/{announcement}",
    "desk: report (CSV)": "/styregruppe/meldinger/{announcement}/rapport.csv",
    "desk: economics": "/styregruppe/oekonomi",
    "desk: heat map": "/styregruppe/forsyning",
    "desk: one group": "/styregruppe/forsyning/{group}",
    "desk: offer map": "/styregruppe/kort",
    "desk: offer map, table page 2": "/styregruppe/kort?side=2",
    "desk: offer map, all of Denmark": "/styregruppe/kort?region=alle",
    "desk: gap map": "/styregruppe/gabkort?maalgruppe={group}",
}


def _session(url: str) -> tuple[str, str, list[str], dict[str, str]]:
    """A purchaser's and a steering group's sessions in the benchmark's database, some offers
    to open, and what the desk opens: a target group to chart, North Jutland's latest
    agreement and the latest central announcement."""
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
        "    from agreements.frameworks.tables import Agreement\n"
        "    from agreements.announcements.tables import CentralAnnouncement\n"
        "    agreement = await Agreement.select(Agreement.id).where("
        "Agreement.region == '1081').order_by(Agreement.valid_from, "
        "ascending=False).first().run()\n"
        "    announcement = await CentralAnnouncement.select(CentralAnnouncement.id).order_by("
        "CentralAnnouncement.issued_on, ascending=False).first().run()\n"
        "    await release_engine()\n"
        "    desk = {'group': group, 'agreement': str(agreement['id']), "
        "'announcement': str(announcement['id'])}\n"
        "    print(json.dumps([token, steering, [str(r['id']) for r in rows], desk]))\n"
        "asyncio.run(main())\n"
    )
    env = {**os.environ, "DATABASE_URL": url, "VAR_DIR": str(VAR)}
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=ROOT, check=True, capture_output=True
    )
    token, steering, offers, desk = json.loads(out.stdout.decode().strip().splitlines()[-1])
    return token, steering, offers, desk


async def _measure(
    ports: dict[str, int], sessions: dict[str, tuple[str | None, dict[str, list[str]]]]
) -> dict[str, dict[str, float]]:
    """Each session (who: its cookie, its cases) asks each of its cases of each server
    (label: port), interleaved."""
    import httpx

    clients = {
        (who, label): httpx.AsyncClient(
            base_url=f"http://127.0.0.1:{port}",
            timeout=60,
            cookies={"__Host-socialmarked": token} if token else None,
        )
        for who, (token, _) in sessions.items()
        for label, port in ports.items()
    }
    samples: dict[str, list[float]] = {}
    try:
        for (who, _), client in clients.items():
            for paths in sessions[who][1].values():
                for i in range(WARMUP):
                    await _get(client, paths[i % len(paths)])
        for round_ in range(ROUNDS):
            print(f"round {round_ + 1} of {ROUNDS}", file=sys.stderr, flush=True)
            for who, (_, cases) in sessions.items():
                for name, paths in cases.items():
                    for i in range(REQUESTS // ROUNDS):
                        for label in ports:
                            start = time.perf_counter()
                            await _get(clients[(who, label)], paths[i % len(paths)])
                            key = f"{name} ({who})" + (f" [{label}]" if len(ports) > 1 else "")
                            samples.setdefault(key, []).append((time.perf_counter() - start) * 1000)
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


def _database() -> str:
    """The benchmark's database, built unless it is there."""
    if BACKEND == "sqlite":
        url = _database_url(SIZE)
        _prepare(SIZE, url)
        return url
    asyncio.run(ensure_pg_database(gaps.URL))
    _prepare(SIZE, gaps.URL)
    gaps._run("bench.gaps", "--activity")
    return gaps.URL


async def _serve_and_measure(
    url: str, sessions: dict[str, tuple[str | None, dict[str, list[str]]]]
) -> dict[str, dict[str, float]]:
    roots = {"after": ROOT} if BASELINE is None else {"before": Path(BASELINE), "after": ROOT}
    ports = {label: free_port() for label in roots}
    servers = [serve(url, ports[label], root) for label, root in roots.items()]
    try:
        for port in ports.values():
            await wait_ready(port)
        return await _measure(ports, sessions)
    finally:
        for server in servers:
            server.terminate()
            server.wait()


def main() -> None:
    pin_to_load_cpu()
    url = _database()
    token, steering, offers, chosen = _session(url)
    cases: dict[str, list[str]] = {name: [path] for name, path in SEARCHES.items()}
    cases["offer page"] = [f"/tilbud/{offer}" for offer in offers]
    desk = {name: [path.format(**chosen)] for name, path in STEERING_PAGES.items()}
    sessions: dict[str, tuple[str | None, dict[str, list[str]]]] = {
        "visitor": (None, cases),
        "purchaser": (token, cases),
        "steering": (steering, desk),
    }
    if ONLY == "desk":
        sessions = {"steering": (steering, desk)}
    if BASELINE is not None:  # a page the other code has not is left out
        desk.pop("desk: gap map", None)
    if PICKED:  # BENCH_CASES=heat,group: the desk's cases whose names hold one of these
        desk = {name: paths for name, paths in desk.items() if any(p in name for p in PICKED)}
        sessions["steering"] = (steering, desk)
    figures = asyncio.run(_serve_and_measure(url, sessions))
    print(
        f"web pages: {BACKEND}, {SIZE:,} offers"
        + (f", {gaps.CONTRACTS:,} contracts" if BACKEND != "sqlite" else "")
        + f", {REQUESTS} requests per case, one client, server on one core"
    )
    print(f"{'case':52} {'p50':>7} {'p95':>7} {'p99':>7}")
    for name, row in sorted(figures.items()):
        print(f"{name:52} {row['p50_ms']:7.1f} {row['p95_ms']:7.1f} {row['p99_ms']:7.1f}")
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = datetime.datetime.now(datetime.UTC).strftime("%Y%m%dT%H%M%S")
    (RESULTS / f"pages-{stamp}.json").write_text(
        json.dumps({"backend": BACKEND, "offers": SIZE, "cases": figures}, indent=2)
    )


if __name__ == "__main__":
    main()
