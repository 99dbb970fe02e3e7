"""Where a request's CPU goes: the app served in process (no socket), one read asked
BENCH_PROFILE_REQUESTS times (default 300) after a warm-up, CPU time per request, and with
``--cprofile`` the functions that cost most (cumulative and own time).

    python -m bench.profile [--cprofile | --instructions] [--query offers|search|fixed|custom]

``--instructions`` runs the same under valgrind's callgrind, counting only the measured
requests (instrumentation is switched on after the warm-up and off after the last), and
prints the machine instructions a request takes (the client's share included). Unlike time,
the count does not depend on what else the machine is doing: the same code and data give
the same count within about 0.1%, so two versions compare in one run each, on a busy machine
too. BENCH_SERVE_ROOT=<folder> profiles another checkout (an earlier version) the same way;
BENCH_PROFILE_QUERY=<document> with ``--query custom`` profiles any other read.

The database is the peer benchmark's (BENCH_PEER_OFFERS, default 10,000 offers, PostgreSQL),
built by ``python -m bench.peer`` or ``python -m bench.search``.
"""

from __future__ import annotations

import asyncio
import cProfile
import os
import pstats
import re
import shutil
import statistics
import subprocess
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
    "fixed": {"query": "{ __typename }"},  # what any operation costs: HTTP, checks, execution
}
if os.environ.get("BENCH_PROFILE_QUERY"):  # any other document, as --query custom
    QUERIES["custom"] = {"query": os.environ["BENCH_PROFILE_QUERY"]}


def _production_settings() -> None:
    """The settings the HTTP benchmarks serve with, on the peer benchmark's database."""
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


async def main(profile: bool, query: str) -> None:
    _production_settings()
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
        counting = os.environ.get("BENCH_CALLGRIND") == "1"
        if counting:
            _instrument("on")
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
        if counting:
            _instrument("off")
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


def _instrument(state: str) -> None:
    """Switch callgrind's counting on or off in this process."""
    subprocess.run(
        ["callgrind_control", "-i", state, str(os.getpid())], check=True, capture_output=True
    )


def instructions(query: str) -> None:
    """This benchmark under callgrind; the instructions a measured request takes."""
    if shutil.which("valgrind") is None:
        print("!! --instructions SKIPPED: valgrind is not installed.")
        return
    root = os.environ.get("BENCH_SERVE_ROOT") or os.getcwd()
    out = VAR / f"callgrind-{os.getpid()}.out"
    VAR.mkdir(parents=True, exist_ok=True)
    run = subprocess.run(
        [
            "valgrind",
            "--tool=callgrind",
            "--instr-atstart=no",
            f"--callgrind-out-file={out}",
            sys.executable,
            "-c",  # this harness, serving the root's code (run by path: not on sys.path)
            "import runpy, sys; path, query = sys.argv[1:]; "
            "sys.argv = [path, '--query', query]; runpy.run_path(path, run_name='__main__')",
            __file__,
            query,
        ],
        cwd=root,
        env={**os.environ, "BENCH_CALLGRIND": "1", "PYTHONHASHSEED": "0", "PYTHONPATH": root},
        capture_output=True,
        text=True,
        check=False,
    )
    out.unlink(missing_ok=True)
    found = re.search(r"I\s+refs:\s+([\d,]+)", run.stderr)
    if run.returncode != 0 or found is None:
        print(run.stdout, run.stderr[-2000:])
        raise SystemExit("callgrind run failed")
    total = int(found.group(1).replace(",", ""))
    print(f"{query} ({root}): {total / REQUESTS / 1e6:.2f} M instructions a request")


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
    if "--instructions" in sys.argv:
        instructions(chosen)
    else:
        asyncio.run(main("--cprofile" in sys.argv, chosen))
