"""The worker: the calendar's work (the tick) and the deliveries (webhooks, e-mail) from the
outbox.

``socialmarked worker`` runs it as a process of its own (on PostgreSQL, as many as wanted:
deliveries are claimed with ``FOR UPDATE SKIP LOCKED`` and leased, see
``marketplace.notifications.delivery``). On the embedded SQLite default the server runs the
deliveries itself (``DELIVERY_IN_SERVER``), beside its calendar task, so ``make run`` needs no
second command."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time

import httpx

from marketplace.core import calendar
from marketplace.core.clock import today
from marketplace.core.settings import Settings
from marketplace.notifications import delivery, email

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
