"""The database stopped under load: 0 answers may be 500, each failed request must be a 503
with Retry-After, and the service must come back by itself.

The server (production settings, one worker) reaches PostgreSQL through a TCP proxy in this
process. CLIENTS clients send GraphQL queries that read the database (and the rate limit's
counter, which writes to it) for BEFORE + DOWN + AFTER seconds; after BEFORE seconds the proxy
is stopped (its port closed and every open connection cut) for DOWN seconds, then started
again. Reported: answers by status in each phase, 503s without Retry-After, 500s, and how long
after the restart the first 200 came. Printed, and written to bench/results/outage.json.
The shared PostgreSQL itself is never touched.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import subprocess
import sys
import time
from collections import Counter
from typing import Any

import httpx

from bench.harness import RESULTS, ROOT, ensure_pg_database, free_port, pg_url, serve, wait_ready

CLIENTS = int(os.environ.get("BENCH_CLIENTS", "16"))
BEFORE, DOWN, AFTER = (
    float(os.environ.get(k, d))
    for k, d in [
        ("BENCH_BEFORE_SECONDS", "5"),
        ("BENCH_DOWN_SECONDS", "10"),
        ("BENCH_AFTER_SECONDS", "10"),
    ]
)
QUERY = {"query": "{ regions { code municipalityCount } }"}


class Proxy:
    """A TCP proxy to PostgreSQL that can be stopped (port closed, connections cut)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.server: asyncio.Server | None = None
        self.pipes: set[asyncio.StreamWriter] = set()

    async def start(self) -> None:
        self.server = await asyncio.start_server(self._client, "127.0.0.1", self.port)

    async def stop(self) -> None:
        if self.server is not None:
            self.server.close()
            self.server = None
        for writer in list(self.pipes):
            writer.close()
        self.pipes.clear()

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", 5432)
        except OSError:
            writer.close()
            return
        self.pipes |= {writer, up_writer}
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.gather(self._pipe(reader, up_writer), self._pipe(up_reader, writer))

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(OSError, ConnectionError, asyncio.IncompleteReadError):
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        writer.close()
        self.pipes.discard(writer)


async def _load(port: int, started: float, answers: list[tuple[float, int, bool]]) -> None:
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=30) as http:
        while (now := time.monotonic() - started) < BEFORE + DOWN + AFTER:
            try:
                response = await http.post("/graphql", json=QUERY)
                answers.append((now, response.status_code, "retry-after" in response.headers))
            except httpx.TransportError:
                answers.append((now, 0, False))


def _phase(at: float) -> str:
    return "before" if at < BEFORE else "down" if at < BEFORE + DOWN else "after"


def _figures(answers: list[tuple[float, int, bool]]) -> dict[str, Any]:
    by_phase: dict[str, Counter[str]] = {p: Counter() for p in ("before", "down", "after")}
    for at, status, _ in answers:
        by_phase[_phase(at)][str(status)] += 1
    back = [at for at, status, _ in answers if at >= BEFORE + DOWN and status == 200]
    return {
        "clients": CLIENTS,
        "seconds": {"before": BEFORE, "down": DOWN, "after": AFTER},
        "answers": {p: dict(c) for p, c in by_phase.items()},
        "500s": sum(1 for _, s, _ in answers if s == 500),
        "503s_without_retry_after": sum(1 for _, s, r in answers if s == 503 and not r),
        "transport_errors": sum(1 for _, s, _ in answers if s == 0),
        "first_200_after_restart_s": round(min(back) - BEFORE - DOWN, 3) if back else None,
    }


async def main() -> None:
    direct = pg_url("socialmarked_bench_outage")
    await ensure_pg_database(direct, fresh=True)
    env = {**os.environ, "DATABASE_URL": direct}
    for command in (["migrate"], ["seed", "--registry-only"]):
        subprocess.run(
            [sys.executable, "-m", "schema.cli", *command],
            env=env,
            cwd=ROOT,
            check=True,
            capture_output=True,
        )
    proxy = Proxy(free_port())
    await proxy.start()
    port = free_port()
    server = serve(
        pg_url("socialmarked_bench_outage").replace(":5432", f":{proxy.port}"),
        port,
        DATABASE_POOL_TIMEOUT_SECONDS="2",
    )
    try:
        await wait_ready(port)
        answers: list[tuple[float, int, bool]] = []
        started = time.monotonic()
        load = asyncio.gather(*(_load(port, started, answers) for _ in range(CLIENTS)))
        await asyncio.sleep(BEFORE)
        await proxy.stop()
        await asyncio.sleep(DOWN)
        await proxy.start()
        await load
        figures = _figures(answers)
    finally:
        server.terminate()
        try:  # the proxy keeps serving while the server closes its pool
            await asyncio.to_thread(server.wait, 30)
        except subprocess.TimeoutExpired:
            server.kill()
        await proxy.stop()
    print(json.dumps(figures, indent=2))
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "outage.json").write_text(json.dumps(figures, indent=2) + "\n")


if __name__ == "__main__":
    asyncio.run(main())
