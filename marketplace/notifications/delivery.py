"""Sending webhook deliveries, at least once.

A worker *claims* a batch of due deliveries: in one short transaction it picks pending ones
whose time has come and that no live lease holds (on PostgreSQL ``FOR UPDATE SKIP LOCKED``,
so two workers never pick the same one; SQLite's write transaction holds the whole database)
and writes its lease token and ``lease_until`` on them. It sends them outside any
transaction, then records each outcome only if its lease still holds. A worker that dies
mid-delivery records nothing: once the lease runs out the delivery is claimed and sent
again, with the same event id (``webhook-id``) for the receiver to drop the repeat.

Each request is signed per Standard Webhooks (the ``standardwebhooks`` package):
``webhook-id`` (the event id), ``webhook-timestamp`` and ``webhook-signature``. A 2xx answer
delivers it; anything else (a redirect too: it is not followed) is a failure, tried again
after ``WEBHOOK_BACKOFF_SECONDS`` doubled per attempt (at most 6 hours), until
``WEBHOOK_RETRY_HOURS`` after the event; then it is failed."""

from __future__ import annotations

import asyncio
import datetime
import json
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
from marketplace.notifications.tables import OutboxEvent, WebhookDelivery
from marketplace.notifications.webhooks import check_url

MAX_BACKOFF = datetime.timedelta(hours=6)
USER_AGENT = "Socialmarked-Webhooks/1"


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


async def claim(settings: Settings, batch: int = 50) -> list[Claimed]:
    """Lease up to ``batch`` due deliveries to this worker (see the module)."""
    now = utcnow()
    lease = uuid.uuid4()
    async with write_transaction(SYSTEM, "webhookDeliveriesClaim"):
        due = (
            (WebhookDelivery.status == "pending")
            & (WebhookDelivery.next_attempt_at <= now)
            & (WebhookDelivery.lease_until.is_null() | (WebhookDelivery.lease_until < now))
        )
        query = (
            WebhookDelivery.select(WebhookDelivery.id)
            .where(due)
            .order_by(WebhookDelivery.next_attempt_at)
            .limit(batch)
        )
        ids = [row["id"] for row in await lock_skipping(query).run()]
        if not ids:
            return []
        await (
            WebhookDelivery.update(
                {
                    WebhookDelivery.lease: lease,
                    WebhookDelivery.lease_until: now
                    + datetime.timedelta(seconds=settings.delivery_lease_seconds),
                    WebhookDelivery.attempts: WebhookDelivery.attempts + 1,
                }
            )
            .where(WebhookDelivery.id.is_in(ids))
            .run()
        )
        rows = await (
            WebhookDelivery.select(
                WebhookDelivery.id,
                WebhookDelivery.attempts,
                WebhookDelivery.created_at,
                WebhookDelivery.org,
                WebhookDelivery.endpoint._.url.as_alias("url"),
                WebhookDelivery.endpoint._.secret.as_alias("secret"),
                WebhookDelivery.event.as_alias("event_id"),
            )
            .where(WebhookDelivery.id.is_in(ids))
            .run()
        )
        events = await _events([row["event_id"] for row in rows])
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


def signed_headers(event_id: str, secret: str, body: str) -> dict[str, str]:
    at = utcnow()
    return {
        "content-type": "application/json",
        "user-agent": USER_AGENT,
        "webhook-id": event_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": Webhook(secret).sign(event_id, at, body),
    }


@dataclass(frozen=True, slots=True)
class Outcome:
    delivered: bool
    status_code: int | None
    error: str


async def send(client: httpx.AsyncClient, item: Claimed, settings: Settings) -> Outcome:
    """POST one delivery; a redirect, an error answer or no answer is a failure."""
    body = body_of(item.event, item.org)
    try:
        if settings.is_production:
            await check_url(item.url, settings)  # its name may point elsewhere by now
        response = await client.post(
            item.url,
            content=body.encode(),
            headers=signed_headers(str(item.event["id"]), item.secret, body),
            timeout=settings.webhook_timeout_seconds,
            follow_redirects=False,
        )
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


def _next_attempt(item: Claimed, settings: Settings, now: datetime.datetime) -> datetime.datetime:
    wait = datetime.timedelta(seconds=settings.webhook_backoff_seconds) * 2 ** (item.attempts - 1)
    return now + min(wait, MAX_BACKOFF)


async def record(items: list[tuple[Claimed, Outcome]], settings: Settings) -> None:
    """Record the outcomes whose lease still holds (one transaction)."""
    now = utcnow()
    give_up = datetime.timedelta(hours=settings.webhook_retry_hours)
    async with write_transaction(SYSTEM, "webhookDeliveriesRecord"):
        for item, outcome in items:
            values: dict[Any, Any] = {
                WebhookDelivery.lease: None,
                WebhookDelivery.lease_until: None,
                WebhookDelivery.last_status_code: outcome.status_code,
                WebhookDelivery.last_error: outcome.error,
            }
            if outcome.delivered:
                values[WebhookDelivery.status] = "delivered"
                values[WebhookDelivery.delivered_at] = now
            else:
                retry = _next_attempt(item, settings, now)
                if retry > item.created_at + give_up:
                    values[WebhookDelivery.status] = "failed"
                else:
                    values[WebhookDelivery.next_attempt_at] = retry
            await (
                WebhookDelivery.update(values)
                .where((WebhookDelivery.id == item.id) & (WebhookDelivery.lease == item.lease))
                .run()
            )


async def send_due(settings: Settings, client: httpx.AsyncClient, batch: int = 50) -> int:
    """Claim, send and record one batch of due deliveries; returns how many were sent."""
    claimed = await claim(settings, batch)
    if not claimed:
        return 0
    outcomes = await asyncio.gather(*(send(client, item, settings) for item in claimed))
    await record(list(zip(claimed, outcomes, strict=True)), settings)
    return len(claimed)
