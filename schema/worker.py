"""The worker: the calendar's work (the tick) and the deliveries (webhooks, e-mail) from the
outbox.

On PostgreSQL ``socialmarked worker`` runs procrastinate (``run_job_worker``), as many as
wanted on as many machines: the tick is a periodic task (deferred once per period whatever
the number of workers), each delivery a job deferred with it in the outbox's transaction,
locked per delivery, retried at the delivery's backoff (``DueAgain``); a killed worker's jobs
are found by its stale heartbeat and run again by another. On the embedded SQLite default
the server runs the same work in process (``run_worker``: deliveries leased from their rows,
see ``marketplace.notifications.delivery``), beside its calendar task, so ``make run`` needs
no second command."""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import logging
import time
import uuid

import httpx
import procrastinate
from procrastinate.exceptions import AlreadyEnqueued
from procrastinate.jobs import Job
from procrastinate.retry import BaseRetryStrategy, RetryDecision

from marketplace.core import calendar
from marketplace.core.clock import today, utcnow
from marketplace.core.jobs import QUEUE, defer_missing
from marketplace.core.settings import Settings
from marketplace.notifications import delivery, email
from marketplace.notifications.delivery import EMAIL_TASK, MAX_BACKOFF, WEBHOOK_TASK, DueAgain
from marketplace.notifications.tables import EmailDelivery, WebhookDelivery

logger = logging.getLogger("socialmarked.worker")


async def deliver_once(settings: Settings, client: httpx.AsyncClient) -> int:
    """Send what is due until nothing is; returns how many were sent. A failure is logged
    and left to the next round (what was claimed is sent again once its lease runs out)."""
    total = 0
    try:
        while sent := await delivery.send_due(settings, client) + await email.send_due(settings):
            total += sent
    except Exception:
        logger.exception("Sending deliveries failed; they are tried again.")
    return total


async def tick_once() -> None:
    try:
        done = await calendar.tick(today())
        if any(done.values()):
            logger.info("Calendar: %s", ", ".join(f"{k} {v}" for k, v in done.items()))
    except Exception:
        logger.exception("The calendar's work failed; it is tried again next interval.")


async def run_worker(
    settings: Settings, *, tick: bool = True, stop: asyncio.Event | None = None
) -> None:
    """Deliver every ``DELIVERY_POLL_SECONDS`` and, with ``tick``, do the calendar's work
    every ``TICK_INTERVAL_SECONDS`` (at start too), until ``stop`` is set."""
    stop = stop or asyncio.Event()
    next_tick = 0.0
    async with httpx.AsyncClient(headers={"user-agent": delivery.USER_AGENT}) as client:
        while not stop.is_set():
            if tick and settings.tick_interval_seconds > 0 and time.monotonic() >= next_tick:
                await tick_once()
                next_tick = time.monotonic() + settings.tick_interval_seconds
            if not await deliver_once(settings, client):
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), settings.delivery_poll_seconds)


# --- PostgreSQL: procrastinate ------------------------------------------------------------------

TICK_TASK = "tick"


class DeliveryRetry(BaseRetryStrategy):
    """A delivery's job runs again when the delivery says (``DueAgain``: the backoff of
    ``WEBHOOK_BACKOFF_SECONDS`` doubled per attempt, or a dead worker's lease running out).
    Any other failure (the database away, say) waits the same backoff by the job's attempts,
    until ``WEBHOOK_RETRY_HOURS`` of waiting are spent."""

    def __init__(self, settings: Settings) -> None:
        self.backoff = datetime.timedelta(seconds=settings.webhook_backoff_seconds)
        self.give_up = datetime.timedelta(hours=settings.webhook_retry_hours)

    def get_retry_decision(self, *, exception: BaseException, job: Job) -> RetryDecision | None:
        if isinstance(exception, DueAgain):
            return RetryDecision(retry_at=exception.at)
        waits = [min(self.backoff * 2**n, MAX_BACKOFF) for n in range(job.attempts + 1)]
        if sum(waits, datetime.timedelta()) > self.give_up:
            return None
        return RetryDecision(retry_at=utcnow() + waits[-1])


def cron_every(seconds: int) -> str:
    """A cron line for "every ``seconds``", rounded down to a divisor of the minute, hour or
    day (croniter's sixth field is the seconds)."""

    def step(value: int, whole: int) -> int:
        return max(d for d in range(1, whole + 1) if whole % d == 0 and d <= max(value, 1))

    if seconds < 60:
        return f"* * * * * */{step(seconds, 60)}"
    if seconds < 3600:
        return f"*/{step(seconds // 60, 60)} * * * *"
    if seconds < 86400:
        return f"0 */{step(seconds // 3600, 24)} * * *"
    return "0 0 * * *"


def build_app(settings: Settings, *, tick: bool = True) -> procrastinate.App:
    """The procrastinate app on ``DATABASE_URL``: the delivery tasks, the tick task, and with
    ``tick`` the tick's period (``TICK_INTERVAL_SECONDS``; 0: none)."""
    app = procrastinate.App(
        connector=procrastinate.PsycopgConnector(conninfo=settings.database_url)
    )
    retry = DeliveryRetry(settings)

    @app.task(name=WEBHOOK_TASK, queue=QUEUE, retry=retry, pass_context=True)
    async def deliver_webhook(context: procrastinate.JobContext, delivery_id: str) -> None:
        extra = context.additional_context
        await delivery.send_one(extra["settings"], extra["client"], uuid.UUID(delivery_id))

    @app.task(name=EMAIL_TASK, queue=QUEUE, retry=retry, pass_context=True)
    async def deliver_email(context: procrastinate.JobContext, delivery_id: str) -> None:
        await email.send_one(context.additional_context["settings"], uuid.UUID(delivery_id))

    async def the_tick(timestamp: int | None = None) -> None:
        await tick_once()

    tick_task = app.task(name=TICK_TASK, queue="calendar", lock=TICK_TASK)(the_tick)
    if tick and settings.tick_interval_seconds > 0:
        app.periodic(cron=cron_every(settings.tick_interval_seconds), periodic_id=TICK_TASK)(
            tick_task
        )
    return app


async def defer_missing_jobs() -> int:
    """A job for each pending delivery without one (made before the job engine ran, or whose
    job gave up while the delivery still had time); answers how many."""
    deferred = 0
    for task, table in ((WEBHOOK_TASK, WebhookDelivery), (EMAIL_TASK, EmailDelivery)):
        try:
            deferred += await defer_missing(task, table._meta.tablename)
        except Exception:  # another worker starting at once deferred them first
            logger.warning("Deferring jobs for %s failed; another worker does it.", task)
    if deferred:
        logger.warning("%s pending deliveries had no job; deferred now.", deferred)
    return deferred


def stalled_after(settings: Settings) -> float:
    """Seconds without a heartbeat after which a worker counts as dead and its jobs run
    again: ``DELIVERY_LEASE_SECONDS``, as a leased delivery's."""
    return float(settings.delivery_lease_seconds)


async def retry_stalled(app: procrastinate.App, settings: Settings, stop: asyncio.Event) -> int:
    """Put the jobs of dead workers (no heartbeat for ``stalled_after``) back in the queue,
    until ``stop``; each is run again by whichever worker takes it. Answers how many."""
    again = 0
    while not stop.is_set():
        try:
            for job in await app.job_manager.get_stalled_jobs(
                seconds_since_heartbeat=stalled_after(settings)
            ):
                with contextlib.suppress(Exception):  # another worker was first
                    await app.job_manager.retry_job(job)
                    again += 1
                    logger.warning("Job %s of a dead worker runs again.", job.id)
        except Exception:
            logger.exception("Looking for a dead worker's jobs failed; tried again.")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), stalled_after(settings) / 2)
    return again


async def run_job_worker(
    settings: Settings, *, tick: bool = True, stop: asyncio.Event | None = None
) -> None:
    """A procrastinate worker (PostgreSQL) until ``stop`` is set: ``WEBHOOK_CONCURRENCY``
    jobs at once, woken by LISTEN/NOTIFY (else every ``DELIVERY_POLL_SECONDS``), a heartbeat
    every sixth of ``stalled_after``; finished jobs are deleted (the delivery log is in the
    delivery rows)."""
    stop = stop or asyncio.Event()
    app = build_app(settings, tick=tick)
    headers = {"user-agent": delivery.USER_AGENT}
    async with app.open_async(), httpx.AsyncClient(headers=headers) as client:
        await defer_missing_jobs()
        if tick and settings.tick_interval_seconds > 0:
            with contextlib.suppress(AlreadyEnqueued):  # the tick at start too
                await app.tasks[TICK_TASK].configure(queueing_lock="tick-start").defer_async()
        worker = asyncio.create_task(
            app.run_worker_async(
                concurrency=settings.webhook_concurrency,
                fetch_job_polling_interval=settings.delivery_poll_seconds,
                delete_jobs="successful",
                install_signal_handlers=False,
                update_heartbeat_interval=stalled_after(settings) / 6,
                stalled_worker_timeout=stalled_after(settings),
                shutdown_graceful_timeout=settings.webhook_timeout_seconds + 5,
                additional_context={"settings": settings, "client": client},
            )
        )
        sweeper = asyncio.create_task(retry_stalled(app, settings, stop))
        stopped = asyncio.create_task(stop.wait())
        await asyncio.wait([worker, stopped], return_when=asyncio.FIRST_COMPLETED)
        stop.set()
        worker.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await worker
        await sweeper
