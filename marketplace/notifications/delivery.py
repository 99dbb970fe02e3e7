"""Sending webhook deliveries, at least once.

A worker *claims* a batch of due deliveries: in one short transaction it picks pending ones
whose time has come and that no live lease holds (on PostgreSQL ``FOR UPDATE SKIP LOCKED``,
so two workers never pick the same one; SQLite's write transaction holds the whole database)
and writes its lease token and ``lease_until`` on them. It sends them outside any
transaction, then records each outcome only if its lease still holds. A worker that dies
mid-delivery records nothing: once the lease runs out the delivery is claimed and sent
again, with the same event id (``webhook-id``) for the receiver to drop the repeat.

On PostgreSQL each delivery is a procrastinate job (``schema.worker``) that claims just its
own delivery this way (``send_one``) and raises ``DueAgain`` for its next attempt; the SQLite
default (the server, in process) claims batches (``send_due``).

Each request is signed per Standard Webhooks (the ``standardwebhooks`` package):
``webhook-id`` (the event id), ``webhook-timestamp`` and ``webhook-signature``. A 2xx answer
delivers it; anything else (a redirect too: it is not followed) is a failure, tried again
after ``WEBHOOK_BACKOFF_SECONDS`` doubled per attempt (at most 6 hours), until
``WEBHOOK_RETRY_HOURS`` after the event; then it is failed."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime
import json
import time
import uuid
from dataclasses import dataclass
from typing import Any

import httpx
from standardwebhooks.webhooks import Webhook

from marketplace.core.clock import utcnow
from marketplace.core.db import lock_skipping
from marketplace.core.errors import DomainError
from marketplace.core.identity import SYSTEM
from marketplace.core.settings import Settings
from marketplace.core.unit_of_work import write_transaction
from marketplace.notifications.tables import (
    EmailDelivery,
    OutboxEvent,
    WebhookAttempt,
    WebhookDelivery,
)
from marketplace.notifications.webhooks import check_url

MAX_BACKOFF = datetime.timedelta(hours=6)
USER_AGENT = "Socialmarked-Webhooks/1"
# The procrastinate tasks that send one delivery on PostgreSQL (``schema.worker``).
WEBHOOK_TASK = "deliver_webhook"
EMAIL_TASK = "deliver_email"


@dataclass(frozen=True, slots=True)
class Claimed:
    id: uuid.UUID
    lease: uuid.UUID
    attempts: int
    created_at: datetime.datetime
    url: str
    secret: str
    org: str
    event: dict[str, Any]
    # the secret before the last rotation, while its grace period lasts (signs too)
    previous_secret: str | None = None


LeasedTable = type[WebhookDelivery] | type[EmailDelivery]


async def lease_due(
    table: LeasedTable, settings: Settings, batch: int, only: uuid.UUID | None = None
) -> tuple[uuid.UUID, list[uuid.UUID]]:
    """Inside the caller's transaction: lease up to ``batch`` due rows of a delivery table
    (webhook or e-mail; with ``only``, that one if it is due) to a new token, one more
    attempt each; answers the token and ids."""
    now = utcnow()
    lease = uuid.uuid4()
    due = (
        (table.status == "pending")
        & (table.next_attempt_at <= now)
        & (table.lease_until.is_null() | (table.lease_until < now))
    )
    if only is not None:
        due = due & (table.id == only)
    query = table.select(table.id).where(due).order_by(table.next_attempt_at).limit(batch)
    ids = [row["id"] for row in await lock_skipping(query).run()]
    if ids:
        await (
            table.update(
                {
                    table.lease: lease,
                    table.lease_until: now
                    + datetime.timedelta(seconds=settings.delivery_lease_seconds),
                    table.attempts: table.attempts + 1,
                }
            )
            .where(table.id.is_in(ids))
            .run()
        )
    return lease, ids


def settled(
    table: LeasedTable,
    delivered: bool,
    attempts: int,
    created_at: datetime.datetime,
    settings: Settings,
) -> dict[Any, Any]:
    """The columns that record an attempt's outcome: delivered, or due again after the
    backoff, or failed once the retries' day is over."""
    now = utcnow()
    values: dict[Any, Any] = {table.lease: None, table.lease_until: None}
    if delivered:
        values[table.status] = "delivered"
        values[table.delivered_at] = now
        return values
    wait = datetime.timedelta(seconds=settings.webhook_backoff_seconds) * 2 ** (attempts - 1)
    retry = now + min(wait, MAX_BACKOFF)
    if retry > created_at + datetime.timedelta(hours=settings.webhook_retry_hours):
        values[table.status] = "failed"
    else:
        values[table.next_attempt_at] = retry
    return values


async def claim(
    settings: Settings, batch: int = 50, only: uuid.UUID | None = None
) -> list[Claimed]:
    """Lease up to ``batch`` due webhook deliveries to this worker (see the module)."""
    async with write_transaction(SYSTEM, "webhookDeliveriesClaim"):
        lease, ids = await lease_due(WebhookDelivery, settings, batch, only)
        if not ids:
            return []
        rows = await (
            WebhookDelivery.select(
                WebhookDelivery.id,
                WebhookDelivery.attempts,
                WebhookDelivery.created_at,
                WebhookDelivery.org,
                WebhookDelivery.endpoint._.url.as_alias("url"),
                WebhookDelivery.endpoint._.secret.as_alias("secret"),
                WebhookDelivery.endpoint._.previous_secret.as_alias("previous_secret"),
                WebhookDelivery.endpoint._.previous_secret_until.as_alias("previous_until"),
                WebhookDelivery.event.as_alias("event_id"),
            )
            .where(WebhookDelivery.id.is_in(ids))
            .run()
        )
        events = await _events([row["event_id"] for row in rows])
    now = utcnow()
    return [
        Claimed(
            id=row["id"],
            lease=lease,
            attempts=row["attempts"],
            created_at=row["created_at"],
            url=row["url"],
            secret=row["secret"],
            org=row["org"],
            event=events[row["event_id"]],
            previous_secret=row["previous_secret"]
            if row["previous_until"] is not None and row["previous_until"] > now
            else None,
        )
        for row in rows
    ]


async def _events(ids: list[uuid.UUID]) -> dict[uuid.UUID, dict[str, Any]]:
    rows = (
        await OutboxEvent.select()
        .where(OutboxEvent.id.is_in(list(set(ids))))
        .output(load_json=True)
        .run()
    )
    return {row["id"]: row for row in rows}


def body_of(event: dict[str, Any], org: str) -> str:
    """The JSON a receiver gets: the event's type, time and data (IDs, the buyer's case
    reference and plain facts; never a CPR number)."""
    return json.dumps(
        {
            "type": event["kind"],
            "timestamp": event["created_at"].isoformat(),
            "data": {
                "eventId": str(event["id"]),
                "organisation": org,
                "subjects": event["subjects"],
                "caseReference": event["case_reference"],
                **event["payload"],
            },
        },
        separators=(",", ":"),
        ensure_ascii=False,
    )


def signed_headers(
    event_id: str, secret: str, body: str, previous_secret: str | None = None
) -> dict[str, str]:
    """The Standard Webhooks headers; during a rotated secret's grace period the old secret
    signs too (``webhook-signature`` holds both, space-separated, the new one first)."""
    at = utcnow()
    signatures = [Webhook(secret).sign(event_id, at, body)]
    if previous_secret:
        signatures.append(Webhook(previous_secret).sign(event_id, at, body))
    return {
        "content-type": "application/json",
        "user-agent": USER_AGENT,
        "webhook-id": event_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": " ".join(signatures),
    }


@dataclass(frozen=True, slots=True)
class Outcome:
    delivered: bool
    status_code: int | None
    error: str
    at: datetime.datetime | None = None  # when the attempt began
    duration_ms: int = 0


async def _post(
    client: httpx.AsyncClient, item: Claimed, body: str, settings: Settings
) -> httpx.Response:
    """POST once, and once more at once when the connection failed before an answer (a
    kept-alive connection the receiver had closed); a timeout is not tried again here."""
    for attempt in (1, 2):
        try:
            return await client.post(
                item.url,
                content=body.encode(),
                headers=signed_headers(
                    str(item.event["id"]), item.secret, body, item.previous_secret
                ),
                timeout=settings.webhook_timeout_seconds,
                follow_redirects=False,
            )
        except httpx.TimeoutException:
            raise
        except httpx.TransportError:
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


async def send(client: httpx.AsyncClient, item: Claimed, settings: Settings) -> Outcome:
    """POST one delivery, timed for the delivery log."""
    at, started = utcnow(), time.perf_counter()
    outcome = await _attempt(client, item, settings)
    took = round((time.perf_counter() - started) * 1000)
    return dataclasses.replace(outcome, at=at, duration_ms=took)


async def _attempt(client: httpx.AsyncClient, item: Claimed, settings: Settings) -> Outcome:
    """POST one delivery; a redirect, an error answer or no answer is a failure."""
    body = body_of(item.event, item.org)
    try:
        if settings.is_production:
            await check_url(item.url, settings)  # its name may point elsewhere by now
        response = await _post(client, item, body, settings)
    except DomainError as error:
        return Outcome(False, None, error.message)
    except httpx.HTTPError as error:
        return Outcome(False, None, f"{type(error).__name__}: {error}"[:500])
    code = response.status_code
    if 200 <= code < 300:
        return Outcome(True, code, "")
    if 300 <= code < 400:
        return Outcome(
            False, code, f"The receiver answered with a redirect ({code}); not followed."
        )
    return Outcome(False, code, f"The receiver answered {code}.")


async def record(items: list[tuple[Claimed, Outcome]], settings: Settings) -> None:
    """Record the outcomes whose lease still holds (one transaction; the delivered ones of a
    batch in one statement, as they share the batch's lease)."""
    async with write_transaction(SYSTEM, "webhookDeliveriesRecord"):
        await _log_attempts(items)
        delivered: dict[uuid.UUID, list[uuid.UUID]] = {}
        for item, outcome in items:
            if outcome.delivered and outcome.status_code == 204:
                delivered.setdefault(item.lease, []).append(item.id)
                continue
            values = settled(
                WebhookDelivery, outcome.delivered, item.attempts, item.created_at, settings
            )
            values[WebhookDelivery.last_status_code] = outcome.status_code
            values[WebhookDelivery.last_error] = outcome.error
            await (
                WebhookDelivery.update(values)
                .where((WebhookDelivery.id == item.id) & (WebhookDelivery.lease == item.lease))
                .run()
            )
        for lease, ids in delivered.items():
            values = settled(WebhookDelivery, True, 1, utcnow(), settings)
            values[WebhookDelivery.last_status_code] = 204
            values[WebhookDelivery.last_error] = ""
            await (
                WebhookDelivery.update(values)
                .where(WebhookDelivery.id.is_in(ids) & (WebhookDelivery.lease == lease))
                .run()
            )


async def _log_attempts(items: list[tuple[Claimed, Outcome]]) -> None:
    """Keep every attempt in the delivery log (one statement per batch). An attempt whose
    lease ran out meanwhile is kept too: it was made."""
    if not items:
        return
    rows = []
    for item, outcome in items:
        at = outcome.at or utcnow()
        rows.append(
            WebhookAttempt(
                id=uuid.uuid4(),
                delivery=item.id,
                org=item.org,
                attempt=item.attempts,
                at=at,
                status_code=outcome.status_code,
                error=outcome.error,
                duration_ms=outcome.duration_ms,
                sort_key=-int(at.timestamp() * 1_000_000),
            )
        )
    await WebhookAttempt.insert(*rows).run()


async def send_due(settings: Settings, client: httpx.AsyncClient, batch: int = 50) -> int:
    """Claim, send and record one batch of due deliveries; returns how many were sent."""
    claimed = await claim(settings, batch)
    if not claimed:
        return 0
    gate = asyncio.Semaphore(settings.webhook_concurrency)

    async def one(item: Claimed) -> Outcome:
        async with gate:
            return await send(client, item, settings)

    outcomes = await asyncio.gather(*(one(item) for item in claimed))
    await record(list(zip(claimed, outcomes, strict=True)), settings)
    return len(claimed)


class DueAgain(Exception):
    """A delivery's job is to run again at ``at``: its attempt failed (the backoff above), or
    another worker's lease holds it until then (a worker that died mid-delivery)."""

    def __init__(self, at: datetime.datetime) -> None:
        super().__init__(f"due again at {at.isoformat()}")
        self.at = at


async def still_due(table: LeasedTable, delivery_id: uuid.UUID) -> None:
    """Raise ``DueAgain`` while a delivery is pending: at its next attempt, or when the lease
    that holds it runs out; return once it is delivered, failed or gone."""
    row = await (
        table.select(table.status, table.next_attempt_at, table.lease_until)
        .where(table.id == delivery_id)
        .first()
        .run()
    )
    if row is None or row["status"] != "pending":
        return
    held = row["lease_until"]
    raise DueAgain(max(row["next_attempt_at"], held) if held else row["next_attempt_at"])


async def send_one(settings: Settings, client: httpx.AsyncClient, delivery_id: uuid.UUID) -> None:
    """One delivery's job on PostgreSQL (``schema.worker``): lease it if it is due, send it,
    record the outcome; ``DueAgain`` when it is to be tried again."""
    claimed = await claim(settings, 1, only=delivery_id)
    if claimed:
        outcome = await send(client, claimed[0], settings)
        await record([(claimed[0], outcome)], settings)
        if outcome.delivered:
            return
    await still_due(WebhookDelivery, delivery_id)
