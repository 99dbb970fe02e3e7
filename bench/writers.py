"""The embedded SQLite default under concurrent writers, served as `make run` serves it.

A database with the demo catalogue is made once (var/bench/writers-template.sqlite3) and
copied for every run. Each run serves a copy with `socialmarked serve` (development settings,
as `make run`; the rate limit counting every request but refusing none) with 1 or 2 worker
processes (BENCH_WORKER_COUNTS, default "1,2"), and CLIENTS concurrent clients (BENCH_CLIENTS,
default 20) each make CYCLES rounds of the contracting write mix over GraphQL: a purchaser
sends a placement request for one of OFFERS residential offers, and the offer's provider
accepts it (two in three) or declines it (one in three). Every mutation is timed.

Variants (BENCH_VARIANTS, default "before,after"), measured in the same run, interleaved:
- before: SQLITE_WRITE_QUEUE=false and SQLITE_SYNCHRONOUS=full (each writer polls SQLite's
  busy handler, every commit waits for fsync);
- after: the defaults (the writers of a process queue in order; synchronous=NORMAL in WAL).

Reported per run and as medians over BENCH_ROUNDS rounds: p50/p95/p99/max latency of the
mutations, mutations per second, and errors (a status other than 200, a GraphQL error, or a
payload error other than CAPACITY_EXHAUSTED; must be 0). Written to bench/results/.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import io
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from bench.harness import RESULTS, ROOT, VAR, free_port, percentile

if TYPE_CHECKING:
    import httpx

CLIENTS = int(os.environ.get("BENCH_CLIENTS", "20"))
CYCLES = int(os.environ.get("BENCH_CYCLES", "15"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
OFFERS = int(os.environ.get("BENCH_OFFERS", "10"))
WORKER_COUNTS = [int(n) for n in os.environ.get("BENCH_WORKER_COUNTS", "1,2").split(",")]
VARIANTS: dict[str, dict[str, str]] = {
    "before": {"SQLITE_WRITE_QUEUE": "false", "SQLITE_SYNCHRONOUS": "full"},
    "after": {},
}
CHOSEN = os.environ.get("BENCH_VARIANTS", "before,after").split(",")
TEMPLATE = VAR / "writers-template.sqlite3"
PLAN = VAR / "writers-plan.json"

CREATE = """
mutation ($input: PlacementRequestCreateInput!) {
  placementRequestCreate(input: $input) { placementRequest { id } errors { code } }
}
"""
ACCEPT = """
mutation ($input: PlacementRequestAcceptInput!) {
  placementRequestAccept(input: $input) { contract { id } errors { code } }
}
"""
DECLINE = """
mutation ($input: PlacementRequestDeclineInput!) {
  placementRequestDecline(input: $input) { placementRequest { id } errors { code } }
}
"""


async def _prepare_here() -> None:
    """The demo catalogue; OFFERS published residential offers with room for every request.
    The offers, their providers and the buyers to a file."""
    from bench.contracting import _seed_catalogue
    from marketplace.core.clock import today
    from marketplace.core.db import analyze, migrate, prepare_engine, release_engine
    from marketplace.offers.tables import Offer
    from marketplace.organisations.reference import municipality_records
    from marketplace.search import index as search_index

    with contextlib.redirect_stdout(io.StringIO()):
        await migrate()
    await prepare_engine()
    try:
        await _seed_catalogue()
        rows = (
            await Offer.select(Offer.id, Offer.provider._.org_code.as_alias("org"))
            .where((Offer.status == "published") & (Offer.category == "residential"))
            .order_by(Offer.id)
            .limit(OFFERS)
            .run()
        )
        ids = [row["id"] for row in rows]
        await (
            Offer.update({Offer.capacity_places: 100_000, Offer.occupied_places: 0})
            .where(Offer.id.is_in(ids))
            .run()
        )
        await search_index.refresh(ids, today(), text=False)
        await analyze()
    finally:
        await release_engine()
    from strawberry.relay import to_base64

    from marketplace.core.identity import Role
    from schema.auth import mint_token

    buyers = [m.code for m in municipality_records()][:CLIENTS]
    plan = {
        "offers": [{"id": to_base64("Offer", str(r["id"])), "org": r["org"]} for r in rows],
        "buyers": buyers,
        "tokens": {
            **{code: mint_token(code, Role.PURCHASER) for code in buyers},
            **{r["org"]: mint_token(r["org"], Role.PROVIDER_ADMIN) for r in rows},
        },
    }
    PLAN.write_text(json.dumps(plan), encoding="utf-8")


@dataclass
class _Tally:
    samples: list[float] = field(default_factory=list)
    errors: int = 0
    server_errors: int = 0
    first_errors: list[str] = field(default_factory=list)

    def error(self, what: str) -> None:
        self.errors += 1
        if len(self.first_errors) < 5:
            self.first_errors.append(what[:300])


async def _mutate(
    client: httpx.AsyncClient, document: str, variables: dict[str, Any], bearer: str, tally: _Tally
) -> dict[str, Any] | None:
    """One mutation, timed; its payload, or None (counted as an error)."""
    start = time.perf_counter()
    response = await client.post(
        "/graphql",
        json={"query": document, "variables": variables},
        headers={"Authorization": f"Bearer {bearer}"},
    )
    tally.samples.append((time.perf_counter() - start) * 1000)
    if response.status_code != 200:
        tally.server_errors += response.status_code >= 500
        tally.error(f"HTTP {response.status_code}: {response.text}")
        return None
    body = response.json()
    if body.get("errors"):
        tally.error(json.dumps(body["errors"]))
        return None
    payload: dict[str, Any] = next(iter(body["data"].values()))
    codes = [e["code"] for e in payload["errors"]]
    if codes and codes != ["CAPACITY_EXHAUSTED"]:
        tally.error(",".join(codes))
        return None
    return payload


async def _client(
    n: int, client: httpx.AsyncClient, plan: dict[str, Any], tokens: dict[str, str], tally: _Tally
) -> None:
    """CYCLES placement requests by one buyer, each accepted or declined by its provider."""
    buyer = plan["buyers"][n % len(plan["buyers"])]
    start = (datetime.datetime.now(datetime.UTC).date() + datetime.timedelta(days=7)).isoformat()
    for cycle in range(CYCLES):
        offer = plan["offers"][(n + cycle) % len(plan["offers"])]
        made = await _mutate(
            client,
            CREATE,
            {
                "input": {
                    "offerId": offer["id"],
                    "citizenRef": f"SAG-{n}-{cycle}",
                    "desiredStart": start,
                }
            },
            tokens[buyer],
            tally,
        )
        if made is None or made["placementRequest"] is None:
            continue
        request = made["placementRequest"]["id"]
        if (n + cycle) % 3 == 2:
            variables = {"input": {"id": request, "reason": "NO_CAPACITY"}}
            await _mutate(client, DECLINE, variables, tokens[offer["org"]], tally)
        else:
            variables = {"input": {"id": request, "idempotencyKey": f"writers-{request}"}}
            await _mutate(client, ACCEPT, variables, tokens[offer["org"]], tally)


def _serve(path: str, port: int, workers: int, variant: str) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        **VARIANTS[variant],
        "ENVIRONMENT": "development",
        "DATABASE_URL": f"sqlite:///{path}",
        "VAR_DIR": str(VAR),
        "RATE_LIMIT_PER_MINUTE": "100000000",
    }
    command = [sys.executable, "-m", "schema.cli", "serve", "--port", str(port)]
    return subprocess.Popen(
        [*command, "--workers", str(workers)],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


async def _run(
    workers: int, variant: str, plan: dict[str, Any], tokens: dict[str, str]
) -> dict[str, Any]:
    """One run: a fresh copy of the template served, the clients' write mix, the figures."""
    import httpx

    path = VAR / "writers-run.sqlite3"
    for suffix in ("", "-wal", "-shm"):
        with contextlib.suppress(FileNotFoundError):
            os.unlink(f"{path}{suffix}")
    shutil.copyfile(TEMPLATE, path)
    port = free_port()
    server = _serve(str(path), port, workers, variant)
    tally = _Tally()
    try:
        await _wait_ready(port, server)
        limits = httpx.Limits(max_connections=CLIENTS, max_keepalive_connections=CLIENTS)
        async with httpx.AsyncClient(
            base_url=f"http://127.0.0.1:{port}", timeout=120, limits=limits
        ) as client:
            began = time.perf_counter()
            await asyncio.gather(*(_client(n, client, plan, tokens, tally) for n in range(CLIENTS)))
            elapsed = time.perf_counter() - began
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=120)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    return {
        "workers": workers,
        "variant": variant,
        "mutations": len(tally.samples),
        "p50_ms": statistics.median(tally.samples),
        "p95_ms": percentile(tally.samples, 0.95),
        "p99_ms": percentile(tally.samples, 0.99),
        "max_ms": max(tally.samples),
        "per_s": len(tally.samples) / elapsed,
        "errors": tally.errors,
        "http_5xx": tally.server_errors,
        "first_errors": tally.first_errors,
    }


COLUMNS = ("p50_ms", "p95_ms", "p99_ms", "max_ms", "per_s")


def _row(label: str, figures: dict[str, Any]) -> str:
    values = " ".join(f"{figures[c]:8.0f}" for c in COLUMNS)
    return f"{label:24} {values} {figures['errors']:>6} {figures['http_5xx']:>5}"


def _summary(runs: list[dict[str, Any]]) -> list[str]:
    """Medians over the rounds for each worker count and variant, and after/before of p99."""
    lines = []
    for workers in WORKER_COUNTS:
        medians: dict[str, dict[str, Any]] = {}
        for variant in CHOSEN:
            mine = [r for r in runs if r["workers"] == workers and r["variant"] == variant]
            medians[variant] = {c: statistics.median(r[c] for r in mine) for c in COLUMNS}
            medians[variant]["errors"] = sum(r["errors"] for r in mine)
            medians[variant]["http_5xx"] = sum(r["http_5xx"] for r in mine)
            lines.append(_row(f"{workers} worker(s), {variant}", medians[variant]))
        if "before" in medians and "after" in medians:
            ratio = medians["after"]["p99_ms"] / medians["before"]["p99_ms"]
            lines.append(f"{'':24} p99 after / before: {ratio:.2f}")
    return lines


async def _wait_ready(port: int, server: subprocess.Popen[bytes]) -> None:
    """Until the server answers /ready (two workers on a busy machine take a while: up to
    three minutes)."""
    import httpx

    async with httpx.AsyncClient() as client:
        for _ in range(1800):
            if server.poll() is not None:
                raise RuntimeError(f"the server stopped with exit code {server.returncode}")
            with contextlib.suppress(httpx.TransportError):
                if (await client.get(f"http://127.0.0.1:{port}/ready")).status_code == 200:
                    return
            await asyncio.sleep(0.1)
    raise RuntimeError("the server did not become ready")


def _loadavg() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


async def main() -> None:
    VAR.mkdir(parents=True, exist_ok=True)
    if not TEMPLATE.exists() or "tokens" not in json.loads(
        PLAN.read_text() if PLAN.exists() else "{}"
    ):
        TEMPLATE.unlink(missing_ok=True)
        env = {**os.environ, "DATABASE_URL": f"sqlite:///{TEMPLATE}", "VAR_DIR": str(VAR)}
        subprocess.run(
            [sys.executable, "-m", "bench.writers", "--prepare"], env=env, cwd=ROOT, check=True
        )
        sqlite_checkpoint(TEMPLATE)
    plan = json.loads(PLAN.read_text(encoding="utf-8"))
    tokens = plan["tokens"]
    print(
        f"writers benchmark: SQLite, {CLIENTS} clients x {CYCLES} cycles (request made, then "
        f"accepted or declined), {ROUNDS} rounds, load average at start {_loadavg()}"
    )
    header = f"{'run':24} " + " ".join(f"{c.removesuffix('_ms'):>8}" for c in COLUMNS)
    print(f"{header} {'errors':>6} {'5xx':>5}")
    runs = []
    for round_no in range(1, ROUNDS + 1):
        for workers in WORKER_COUNTS:
            for variant in CHOSEN:
                figures = await _run(workers, variant, plan, tokens)
                runs.append({"round": round_no, **figures})
                print(_row(f"r{round_no} {workers}w {variant}", figures), flush=True)
                for line in figures["first_errors"]:
                    print(f"  error: {line}")
    print(f"medians over {ROUNDS} rounds (errors and 5xx: totals); load average {_loadavg()}")
    print(header)
    print("\n".join(_summary(runs)))
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = datetime.datetime.now(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")
    out = RESULTS / f"writers-sqlite-{stamp}.json"
    out.write_text(json.dumps({"clients": CLIENTS, "cycles": CYCLES, "runs": runs}, indent=2))
    print(f"written to {out.relative_to(ROOT)}")


def sqlite_checkpoint(path: os.PathLike[str]) -> None:
    """Fold the template's write-ahead log into the file, so a copy of the file is whole."""
    import sqlite3

    with contextlib.closing(sqlite3.connect(path)) as connection:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")


if __name__ == "__main__":
    if sys.argv[1:] == ["--prepare"]:
        asyncio.run(_prepare_here())
    else:
        asyncio.run(main())
