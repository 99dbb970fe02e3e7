"""Benchmark of the outbox's webhook deliveries on PostgreSQL, through `socialmarked worker`
processes and a receiver on loopback:

1. latency: events committed one by one (every 100 ms); from each commit to the receiver's
   arrival of its webhook-id (p50, p95, p99);
2. 10,000 events committed at once; a worker is killed with SIGKILL when about a third have
   arrived, and two fresh workers finish; the receiver counts distinct event ids (lost:
   10,000 minus them) and repeats (an id arriving again: the killed worker's batch in flight,
   sent again after its lease ran out: what at-least-once means, dropped by the receiver).

Run: `python -m bench.notifications` (BENCH_POSTGRES_URL names the server)."""

from __future__ import annotations

import asyncio
import datetime
import json
import os
import signal
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from bench.harness import RESULTS, ROOT, VAR, ensure_pg_database, percentile, pg_url

URL = pg_url("socialmarked_bench_notify")
os.environ["DATABASE_URL"] = URL
os.environ["ENVIRONMENT"] = "development"
os.environ["VAR_DIR"] = str(VAR)
ORG = "43389424"
LATENCY_EVENTS = int(os.environ.get("BENCH_LATENCY_EVENTS", "300"))
BULK_EVENTS = int(os.environ.get("BENCH_BULK_EVENTS", "10000"))


class Arrivals:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.at: dict[str, float] = {}
        self.total = 0

    def add(self, event_id: str) -> None:
        now = time.time()
        with self.lock:
            self.total += 1
            self.at.setdefault(event_id, now)


def receive(arrivals: Arrivals) -> tuple[ThreadingHTTPServer, str]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("content-length", "0")))
            arrivals.add(self.headers["webhook-id"])
            self.send_response(204)
            self.send_header("content-length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/hook"


def worker() -> subprocess.Popen[bytes]:
    command = [str(Path(sys.executable).with_name("socialmarked")), "worker", "--no-tick"]
    env = {**os.environ, "DELIVERY_LEASE_SECONDS": "10", "DELIVERY_POLL_SECONDS": "0.2"}
    return subprocess.Popen(command, env=env, cwd=ROOT, stderr=subprocess.DEVNULL)


async def emit(count: int) -> list[str]:
    from marketplace.core.identity import SYSTEM
    from marketplace.core.unit_of_work import write_transaction
    from marketplace.notifications.models import EventKind

    async with write_transaction(SYSTEM, "benchEvents") as unit:
        events = [
            unit.emit(EventKind.INVOICE_ISSUED, [ORG], {"invoice": f"bench-{i}"})
            for i in range(count)
        ]
    return [str(e.id) for e in events]


async def wait_for(condition, seconds: float) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(0.05)
    return True


async def latency(arrivals: Arrivals) -> dict[str, float]:
    committed: dict[str, float] = {}
    for _ in range(LATENCY_EVENTS):
        [event_id] = await emit(1)
        committed[event_id] = time.time()
        await asyncio.sleep(0.1)
    await wait_for(lambda: all(i in arrivals.at for i in committed), 60)
    samples = [(arrivals.at[i] - t) * 1000 for i, t in committed.items() if i in arrivals.at]
    return {
        "events": LATENCY_EVENTS,
        "arrived": len(samples),
        "p50_ms": percentile(samples, 0.5),
        "p95_ms": percentile(samples, 0.95),
        "p99_ms": percentile(samples, 0.99),
    }


async def bulk(arrivals: Arrivals) -> dict[str, float]:
    from marketplace.notifications.tables import WebhookDelivery

    before_total, before_ids = arrivals.total, set(arrivals.at)
    ids: list[str] = []
    for _ in range(BULK_EVENTS // 500):
        ids += await emit(500)
    started = time.monotonic()
    first = worker()
    await wait_for(lambda: len(set(arrivals.at) - before_ids) >= BULK_EVENTS // 3, 300)
    first.send_signal(signal.SIGKILL)
    first.wait()
    killed_at = len(set(arrivals.at) - before_ids)
    rest = [worker(), worker()]
    try:
        await wait_for(lambda: all(i in arrivals.at for i in ids), 600)
        delivered = await wait_for_rows(WebhookDelivery)
    finally:
        for process in rest:
            process.send_signal(signal.SIGTERM)
            process.wait(30)
    elapsed = time.monotonic() - started
    distinct = len([i for i in ids if i in arrivals.at])
    return {
        "events": BULK_EVENTS,
        "arrived_when_killed": killed_at,
        "distinct_ids_received": distinct,
        "lost": BULK_EVENTS - distinct,
        "duplicates_after_dropping_repeats_by_id": 0,
        "repeats_received": (arrivals.total - before_total) - distinct,
        "deliveries_recorded_delivered": delivered,
        "seconds": round(elapsed, 1),
        "events_per_s": round(BULK_EVENTS / elapsed),
    }


async def wait_for_rows(table) -> int:  # type: ignore[no-untyped-def]
    for _ in range(600):
        pending = await table.count().where(table.status != "delivered").run()
        if not pending:
            break
        await asyncio.sleep(0.1)
    return int(await table.count().where(table.status == "delivered").run())


async def main() -> None:
    await ensure_pg_database(URL, fresh=True)
    from marketplace.core.db import migrate, prepare_engine
    from marketplace.notifications.tables import WebhookEndpoint
    from marketplace.notifications.webhooks import new_secret
    from schema.composition import compose

    compose()
    await prepare_engine()
    await migrate()
    arrivals = Arrivals()
    server, url = receive(arrivals)
    await WebhookEndpoint.insert(
        WebhookEndpoint(
            org=ORG,
            url=url,
            events=["invoice.issued"],
            secret=new_secret(),
            active=True,
            created_at=datetime.datetime.now(datetime.UTC),
        )
    ).run()
    one = worker()
    try:
        await asyncio.sleep(2)
        timing = await latency(arrivals)
    finally:
        one.send_signal(signal.SIGTERM)
        one.wait(30)
    print(
        f"latency commit -> receiver ({timing['events']} events): p50 {timing['p50_ms']:.0f} ms, "
        f"p95 {timing['p95_ms']:.0f} ms, p99 {timing['p99_ms']:.0f} ms"
    )
    figures = await bulk(arrivals)
    print(
        f"{figures['events']} events, worker killed (SIGKILL) at {figures['arrived_when_killed']}: "
        f"{figures['distinct_ids_received']} distinct ids received, {figures['lost']} lost, "
        f"{figures['repeats_received']} repeats (dropped by id), "
        f"{figures['events_per_s']} events/s"
    )
    server.shutdown()
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = datetime.datetime.now(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")
    path = RESULTS / f"notifications-postgres-{stamp}.json"
    path.write_text(json.dumps({"latency": timing, "kill": figures}, indent=2), encoding="utf-8")
    print(f"written to {path.relative_to(ROOT)}")


if __name__ == "__main__":
    asyncio.run(main())
