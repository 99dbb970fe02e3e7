"""The same read through Socialmarked, PostGraphile and raw asyncpg, side by side in one run.

The read: the first 20 published offers by name, each with its provider's and its
municipality's names, anonymous, on the search benchmark's PostgreSQL database
(BENCH_PEER_OFFERS, default 10,000 offers). Each server runs on CPU 0 (taskset), the client on
CPU 1; one client; BENCH_ROUNDS (5) interleaved rounds of BENCH_REQUESTS (100) requests per
stack, after a warm-up.

PostGraphile 4 comes from the npm registry, installed by this benchmark into
``var/bench/peer`` (never committed); without node and npm the peer is skipped with a message.
Figures: p50 and p95 (ms) per stack and the ratios to PostGraphile, printed and written to
``bench/results/peer-*.json``.

BENCH_BASELINE=<folder> serves a second Socialmarked from another checkout (an earlier
version, e.g. ``git archive main | tar -x -C /tmp/main``) as "Socialmarked (before)", in the
same interleaved rounds.
"""

from __future__ import annotations

import asyncio
import datetime
import json
import os
import shutil
import statistics
import subprocess
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from bench.harness import (
    RESULTS,
    VAR,
    ensure_pg_database,
    free_port,
    percentile,
    pin_to_load_cpu,
    serve,
    server_cpu_seconds,
    wait_ready,
)
from bench.search import _database_url, _prepare

SIZE = int(os.environ.get("BENCH_PEER_OFFERS", "10000"))
REQUESTS = int(os.environ.get("BENCH_REQUESTS", "100"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "5"))
WARMUP = int(os.environ.get("BENCH_WARMUP", "30"))
PEER_DIR = VAR / "peer"
PEER_VERSION = os.environ.get("BENCH_PEER_VERSION", "4")
BASELINE = os.environ.get("BENCH_BASELINE")

OURS = "{ offers(first: 20) { edges { node { name provider { name } municipality { name } } } } }"
THEIRS = (
    '{ allOffers(first: 20, orderBy: [NAME_KEY_ASC, ID_ASC], condition: {status: "published"})'
    " { nodes { name providerByProvider { name } municipalityByMunicipality { name } } } }"
)
RAW = (
    "SELECT o.name, p.name AS provider, m.name AS municipality FROM offer o "
    "JOIN provider p ON p.id = o.provider LEFT JOIN municipality m ON m.code = o.municipality "
    "WHERE o.status = 'published' ORDER BY o.name_key, o.id LIMIT 20"
)

Ask = Callable[[], Awaitable[int]]


def _install_peer() -> Path | None:
    """PostGraphile's command, installed once into var/bench/peer (None: no node here)."""
    if shutil.which("node") is None or shutil.which("npm") is None:
        print("!! PostGraphile SKIPPED: node and npm are not installed.")
        return None
    binary = PEER_DIR / "node_modules" / ".bin" / "postgraphile"
    if not binary.exists():
        PEER_DIR.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [
                "npm",
                "install",
                "--prefix",
                str(PEER_DIR),
                "--no-audit",
                "--no-fund",
                f"postgraphile@{PEER_VERSION}",
            ],
            check=True,
            capture_output=True,
        )
    return binary


def _serve_peer(binary: Path, url: str, port: int) -> subprocess.Popen[bytes]:
    command = [
        str(binary),
        "--connection",
        url,
        "--schema",
        "public",
        "--port",
        str(port),
        "--host",
        "127.0.0.1",
        "--disable-query-log",
        "--no-setof-functions-contain-nulls",
    ]
    if Path("/usr/bin/taskset").exists():
        command = ["taskset", "-c", "0", *command]
    return subprocess.Popen(
        command, cwd=PEER_DIR, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )


async def _wait_peer(port: int) -> None:
    import httpx

    async with httpx.AsyncClient() as client:
        for _ in range(300):
            try:
                answer = await client.post(
                    f"http://127.0.0.1:{port}/graphql", json={"query": "{ __typename }"}
                )
                if answer.status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.1)
    raise RuntimeError("PostGraphile did not start")


def _graphql(client: Any, url: str, document: str, path: list[str]) -> Ask:
    async def ask() -> int:
        answer = await client.post(url, json={"query": document})
        body = answer.json()
        if answer.status_code != 200 or body.get("errors"):
            raise RuntimeError(f"{url}: {answer.status_code} {body.get('errors')}")
        found = body["data"]
        for key in path:
            found = found[key]
        return len(found)

    return ask


async def _measure(asks: dict[str, Ask], pids: dict[str, int]) -> dict[str, dict[str, float]]:
    """Latency per stack, and the CPU its server spent a request (``pids``: each server's
    process, its workers included; read from /proc around each stack's rounds)."""
    for ask in asks.values():
        for _ in range(WARMUP):
            assert await ask() == 20
    samples: dict[str, list[float]] = {name: [] for name in asks}
    cpu = dict.fromkeys(pids, 0.0)
    for _ in range(ROUNDS):
        for name, ask in asks.items():
            before = server_cpu_seconds(pids[name]) if name in pids else 0.0
            for _ in range(REQUESTS):
                start = time.perf_counter()
                await ask()
                samples[name].append((time.perf_counter() - start) * 1000)
            if name in pids:
                cpu[name] += server_cpu_seconds(pids[name]) - before
    figures = {
        name: {"p50_ms": statistics.median(values), "p95_ms": percentile(values, 0.95)}
        for name, values in samples.items()
    }
    for name, seconds in cpu.items():
        figures[name]["server_cpu_ms"] = seconds * 1000 / (ROUNDS * REQUESTS)
    return figures


async def main() -> None:
    import asyncpg
    import httpx

    pin_to_load_cpu()
    url = _database_url(SIZE)
    await ensure_pg_database(url)
    _prepare(SIZE, url)
    binary = _install_peer()
    ours_port, peer_port, before_port = free_port(), free_port(), free_port()
    servers = {"Socialmarked": serve(url, ours_port)}
    if BASELINE:
        servers["Socialmarked (before)"] = serve(url, before_port, root=Path(BASELINE))
    if binary is not None:
        servers["PostGraphile"] = _serve_peer(binary, url, peer_port)
    connection = await asyncpg.connect(url)
    try:
        await wait_ready(ours_port)
        async with httpx.AsyncClient(timeout=30) as client:
            asks: dict[str, Ask] = {
                "Socialmarked": _graphql(
                    client, f"http://127.0.0.1:{ours_port}/graphql", OURS, ["offers", "edges"]
                ),
            }
            if BASELINE:
                await wait_ready(before_port)
                asks["Socialmarked (before)"] = _graphql(
                    client, f"http://127.0.0.1:{before_port}/graphql", OURS, ["offers", "edges"]
                )
            if binary is not None:
                await _wait_peer(peer_port)
                asks["PostGraphile"] = _graphql(
                    client,
                    f"http://127.0.0.1:{peer_port}/graphql",
                    THEIRS,
                    ["allOffers", "nodes"],
                )

            async def raw() -> int:
                return len(await connection.fetch(RAW))

            asks["raw asyncpg"] = raw
            figures = await _measure(asks, {name: s.pid for name, s in servers.items()})
    finally:
        await connection.close()
        for server in servers.values():
            server.terminate()
            server.wait()
    _report(figures)


def _report(figures: dict[str, dict[str, float]]) -> None:
    print(
        f"peer read: PostgreSQL, {SIZE:,} offers, the first 20 published offers with provider and "
        f"municipality; {ROUNDS} interleaved rounds of {REQUESTS}; servers on CPU 0"
    )
    peer = figures.get("PostGraphile")
    print(f"{'stack':22} {'p50 ms':>8} {'p95 ms':>8} {'p50 / peer':>11} {'server CPU ms':>14}")
    for name, row in figures.items():
        ratio = f"{row['p50_ms'] / peer['p50_ms']:.2f}" if peer else "-"
        cpu = f"{row['server_cpu_ms']:.2f}" if "server_cpu_ms" in row else "-"
        print(f"{name:22} {row['p50_ms']:8.2f} {row['p95_ms']:8.2f} {ratio:>11} {cpu:>14}")
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = datetime.datetime.now(datetime.UTC).strftime("%Y%m%dT%H%M%S")
    (RESULTS / f"peer-{stamp}.json").write_text(
        json.dumps({"offers": SIZE, "stacks": figures}, indent=2)
    )


if __name__ == "__main__":
    asyncio.run(main())
