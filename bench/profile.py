"""Where a request's CPU goes: the app served in process (no socket), one read asked
BENCH_PROFILE_REQUESTS times (default 300) after a warm-up, CPU time per request, and with
``--cprofile`` the functions that cost most (cumulative and own time).

    python -m bench.profile [--cprofile] [--query offers|search]

The database is the peer benchmark's (BENCH_PEER_OFFERS, default 10,000 offers, PostgreSQL),
built by ``python -m bench.peer`` or ``python -m bench.search``.
"""

from __future__ import annotations

import asyncio
import cProfile
import os
import pstats
import statistics
import sys
import time
from typing import Any

from bench.harness import VAR
from bench.peer import OURS, SIZE
from bench.search import MIX, _database_url
from bench.search import _document as search_document

REQUESTS = int(os.environ.get("BENCH_PROFILE_REQUESTS", "300"))
BATCH = 20  # the least CPU of a batch is the figure least disturbed by a busy machine
QUERIES: dict[str, dict[str, Any]] = {
    "offers": {"query": OURS},
    "search": search_document(MIX["text"]),  # a visitor's search by text
}


async def main(profile: bool, query: str) -> None:
    os.environ.update(
        {
            "DATABASE_URL": _database_url(SIZE),
            "VAR_DIR": str(VAR),
            "ENVIRONMENT": "production",
            "DEV_TOKEN_SIGNING": "true",
            "WEB_SECRET": "bench-web-secret-" + "0" * 32,
            "RATE_LIMIT_PER_MINUTE": os.environ.get("BENCH_RATE_LIMIT", "100000000"),
        }
    )
    import httpx
    import uvicorn

    from bench.harness import free_port
    from schema.app import create_app

    body = QUERIES[query]
    port = free_port()
    config = uvicorn.Config(
        create_app(), port=port, log_level="warning", access_log=False, lifespan="on"
    )
    server = uvicorn.Server(config)
    serving = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.05)
    url = f"http://127.0.0.1:{port}/graphql"
    async with httpx.AsyncClient(timeout=120) as client:

        async def ask() -> None:
            answer = await client.post(url, json=body)
            assert answer.status_code == 200 and "errors" not in answer.json(), answer.text

        for _ in range(50):
            await ask()
        profiler = cProfile.Profile() if profile else None
        batches: list[float] = []
        wall = time.perf_counter()
        if profiler:
            profiler.enable()
        for _ in range(REQUESTS // BATCH):
            cpu = time.process_time()
            for _ in range(BATCH):
                await ask()
            batches.append((time.process_time() - cpu) / BATCH)
        if profiler:
            profiler.disable()
        wall = (time.perf_counter() - wall) / REQUESTS
    server.should_exit = True
    await serving
    print(
        f"{query}: {REQUESTS} requests in process, CPU a request (client included) in "
        f"batches of {BATCH}: least {min(batches) * 1000:.2f} ms, median "
        f"{statistics.median(batches) * 1000:.2f} ms; wall {wall * 1000:.2f} ms"
    )
    if profiler:
        stats = pstats.Stats(profiler)
        _by_package(stats)
        stats.sort_stats("cumulative").print_stats(60)
        stats.sort_stats("tottime").print_stats(40)


def _by_package(stats: pstats.Stats) -> None:
    """Own time summed by package (the client's share included: httpx, httpcore)."""
    totals: dict[str, float] = {}
    for (filename, _line, _name), row in stats.stats.items():  # type: ignore[attr-defined]
        parts = filename.split("site-packages/")
        if len(parts) > 1:
            package = parts[1].split("/")[0]
        elif "/work/" in filename:
            package = "/".join(filename.split("/")[3:5])
        else:
            package = filename.rsplit("/", 2)[-2] if "/" in filename else filename
        totals[package] = totals.get(package, 0.0) + row[2]
    for package, seconds in sorted(totals.items(), key=lambda item: -item[1])[:25]:
        print(f"{package:40} {seconds / REQUESTS * 1000:8.2f} ms a request (profiled)")


if __name__ == "__main__":
    chosen = sys.argv[sys.argv.index("--query") + 1] if "--query" in sys.argv else "offers"
    asyncio.run(main("--cprofile" in sys.argv, chosen))
