"""The worker on PostgreSQL runs procrastinate: a delivery's job is committed with its event or
not at all; procrastinate's schema is applied by migrate; two `socialmarked worker` processes
deliver each event once; a failed delivery's job runs again at the delivery's backoff; the
retry strategy and the tick's period follow the settings."""

from __future__ import annotations

import asyncio
import datetime
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import pytest
from procrastinate.jobs import Job

from marketplace.core.clock import utcnow
from marketplace.core.db import engine, migrate
from marketplace.core.identity import SYSTEM
from marketplace.core.jobs import QUEUE, job_schema_present
from marketplace.core.settings import get_settings
from marketplace.core.unit_of_work import write_transaction
from marketplace.notifications import webhooks
from marketplace.notifications.delivery import WEBHOOK_TASK, DueAgain
from marketplace.notifications.models import EventKind
from marketplace.notifications.tables import OutboxEvent, WebhookAttempt, WebhookDelivery
from marketplace.notifications.webhooks import WebhookEndpointCreate
from schema.worker import TICK_TASK, DeliveryRetry, build_app, cron_every, defer_missing_jobs
from tests.conftest import BACKEND
from tests.marketplace.contracts.world import ENGLY_ADMIN, Market, request_place
from tests.marketplace.notifications.receiver import receiver

postgres_only = pytest.mark.skipif(BACKEND != "postgres", reason="procrastinate is PostgreSQL's")
RECEIVED = EventKind.REQUEST_RECEIVED.value


async def _jobs() -> list[dict[str, Any]]:
    rows = await engine().run_ddl(
        "SELECT task_name, queue_name, lock, queueing_lock, args, status, attempts"
        " FROM procrastinate_jobs ORDER BY id"
    )
    return [{**dict(row), "args": json.loads(row["args"])} for row in rows]


class Boom(Exception):
    pass


async def _emit_and_fail(org: str) -> None:
    async with write_transaction(SYSTEM, "testEvents") as unit:
        unit.emit(EventKind.REQUEST_RECEIVED, [org], {"status": "pending"})
        raise Boom


@postgres_only
async def test_a_delivery_job_is_committed_with_its_event_or_not_at_all() -> None:
    with receiver() as hook:
        await webhooks.create_endpoint(
            ENGLY_ADMIN, WebhookEndpointCreate(url=hook.url, events=[RECEIVED])
        )
        org = ENGLY_ADMIN.org_code
        assert org is not None
        with pytest.raises(Boom):
            await _emit_and_fail(org)
        assert await OutboxEvent.count().run() == 0
        assert await _jobs() == []

        async with write_transaction(SYSTEM, "testEvents") as unit:
            unit.emit(EventKind.REQUEST_RECEIVED, [org], {"status": "pending"})
            unit.emit(EventKind.REQUEST_RECEIVED, [org], {"status": "pending"})
    deliveries = {str(r["id"]) for r in await WebhookDelivery.select(WebhookDelivery.id).run()}
    jobs = await _jobs()
    assert len(deliveries) == 2 and {j["args"]["delivery_id"] for j in jobs} == deliveries
    for job in jobs:
        key = f"{WEBHOOK_TASK}:{job['args']['delivery_id']}"
        assert job["task_name"] == WEBHOOK_TASK and job["queue_name"] == QUEUE
        assert job["lock"] == key and job["queueing_lock"] == key and job["status"] == "todo"


@postgres_only
async def test_a_pending_delivery_without_a_job_gets_one_as_a_worker_starts(
    market: Market,
) -> None:
    await webhooks.create_endpoint(
        ENGLY_ADMIN, WebhookEndpointCreate(url="http://127.0.0.1:9/hook", events=[RECEIVED])
    )
    await request_place(market.offer_id)
    await request_place(market.offer_id)
    await engine().run_ddl("DELETE FROM procrastinate_jobs")  # as before the job engine
    await (
        WebhookDelivery.update({WebhookDelivery.status: "delivered"})
        .where(
            WebhookDelivery.id
            == (await WebhookDelivery.select(WebhookDelivery.id).first().run())["id"]
        )
        .run()
    )
    assert await defer_missing_jobs() == 1  # the pending one, not the delivered one
    assert await defer_missing_jobs() == 0  # it has one now
    [job] = await _jobs()
    [pending] = await WebhookDelivery.select().where(WebhookDelivery.status == "pending").run()
    assert job["args"] == {"delivery_id": str(pending["id"])} and job["status"] == "todo"


@postgres_only
async def test_migrate_applies_the_job_schema_once() -> None:
    assert await job_schema_present()
    assert await migrate() == 0  # present: nothing applied again, no error


def _worker(env: dict[str, str]) -> subprocess.Popen[bytes]:
    command = [str(Path(sys.executable).with_name("socialmarked")), "worker", "--no-tick"]
    return subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


async def _until(condition: Any, seconds: float = 60.0) -> None:
    deadline = time.monotonic() + seconds
    while not await condition():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.1)


async def _all_delivered(count: int) -> bool:
    done = WebhookDelivery.count().where(WebhookDelivery.status == "delivered")
    return await done.run() == count


def _stop(*workers: subprocess.Popen[bytes]) -> None:
    for worker in workers:
        worker.send_signal(signal.SIGTERM)
    for worker in workers:
        try:
            worker.wait(30)
        except subprocess.TimeoutExpired:
            worker.kill()


@postgres_only
async def test_two_job_workers_send_each_event_once(market: Market) -> None:
    env = {**os.environ, "DELIVERY_POLL_SECONDS": "0.1", "WEBHOOK_CONCURRENCY": "4"}
    with receiver() as hook:
        await webhooks.create_endpoint(
            ENGLY_ADMIN, WebhookEndpointCreate(url=hook.url, events=[RECEIVED])
        )
        for _ in range(16):
            await request_place(market.offer_id)
        workers = [_worker(env), _worker(env)]
        try:
            await _until(lambda: _all_delivered(16))
        finally:
            _stop(*workers)
        assert len(hook.ids()) == 16 and len(set(hook.ids())) == 16
    assert await WebhookAttempt.count().run() == 16
    assert await _jobs() == []  # done jobs are deleted; the delivery rows are the log


@postgres_only
async def test_a_failed_delivery_runs_again_at_its_backoff(market: Market) -> None:
    env = {**os.environ, "DELIVERY_POLL_SECONDS": "0.1", "WEBHOOK_BACKOFF_SECONDS": "1"}
    with receiver() as hook:
        hook.answers = [500, 503]
        await webhooks.create_endpoint(
            ENGLY_ADMIN, WebhookEndpointCreate(url=hook.url, events=[RECEIVED])
        )
        await request_place(market.offer_id)
        worker = _worker(env)
        try:
            await _until(lambda: _all_delivered(1))
        finally:
            _stop(worker)
    [row] = await WebhookDelivery.select().run()
    assert row["attempts"] == 3 and len(set(hook.ids())) == 1 and len(hook.ids()) == 3
    times = [a["at"] for a in await WebhookAttempt.select().order_by(WebhookAttempt.attempt).run()]
    assert (times[1] - times[0]).total_seconds() >= 0.9  # 1 s, then 2 s
    assert (times[2] - times[1]).total_seconds() >= 1.9


def _job(attempts: int) -> Job:
    return Job(
        id=1,
        queue=QUEUE,
        lock=None,
        queueing_lock=None,
        task_name=WEBHOOK_TASK,
        task_kwargs={"delivery_id": str(uuid.uuid4())},
        attempts=attempts,
    )


def test_the_retry_follows_the_delivery_and_the_backoff_settings() -> None:
    settings = get_settings().model_copy(
        update={"webhook_backoff_seconds": 30, "webhook_retry_hours": 24}
    )
    retry = DeliveryRetry(settings)
    at = utcnow() + datetime.timedelta(minutes=7)
    decided = retry.get_retry_decision(exception=DueAgain(at), job=_job(5))
    assert decided is not None and decided.retry_at == at
    first = retry.get_retry_decision(exception=RuntimeError("db away"), job=_job(0))
    assert first is not None and first.retry_at is not None
    assert 29 <= (first.retry_at - utcnow()).total_seconds() <= 31
    third = retry.get_retry_decision(exception=RuntimeError("db away"), job=_job(2))
    assert third is not None and third.retry_at is not None
    assert 119 <= (third.retry_at - utcnow()).total_seconds() <= 121
    # 30 s doubled, at most 6 h each: 20.5 h waited before the 12th try, 26.5 h before a 13th
    assert retry.get_retry_decision(exception=RuntimeError("db away"), job=_job(11))
    assert retry.get_retry_decision(exception=RuntimeError("db away"), job=_job(12)) is None


def test_the_tick_is_periodic_as_the_settings_say() -> None:
    assert cron_every(600) == "*/10 * * * *"
    assert cron_every(30) == "* * * * * */30"
    assert cron_every(7200) == "0 */2 * * *"
    assert cron_every(86400 * 2) == "0 0 * * *"
    settings = get_settings().model_copy(
        update={"tick_interval_seconds": 600, "database_url": "postgresql://h/db"}
    )
    [periodic] = build_app(settings).periodic_registry.periodic_tasks.values()
    assert periodic.task.name == TICK_TASK and periodic.cron == "*/10 * * * *"
    assert not build_app(settings, tick=False).periodic_registry.periodic_tasks
