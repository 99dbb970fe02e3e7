"""The transactional outbox: a unit of work's events are written just before it commits, in
its transaction, with what they fan out to: a notification per organisation concerned, a
webhook delivery per endpoint that wants the event, and (where SMTP is set) an e-mail per
address that wants it; on PostgreSQL each delivery's job (procrastinate) is deferred in the
same transaction (``marketplace.core.jobs``). The composition root registers
``write_events`` as a before-commit side effect of every unit of work."""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Sequence
from typing import Any

from marketplace.core.clock import utcnow
from marketplace.core.jobs import defer_in_transaction
from marketplace.core.settings import get_settings
from marketplace.core.unit_of_work import Event, UnitOfWork
from marketplace.notifications.delivery import EMAIL_TASK, WEBHOOK_TASK
from marketplace.notifications.email import wanted
from marketplace.notifications.tables import (
    EmailDelivery,
    EmailRecipient,
    Notification,
    OutboxEvent,
    WebhookDelivery,
    WebhookEndpoint,
)


def sort_key(at: datetime.datetime) -> int:
    """Newest first in ascending order: the negated microseconds since the epoch."""
    return -int(at.timestamp() * 1_000_000)


async def write_events(unit: UnitOfWork) -> None:
    """Write the unit's events (those whose dedupe key is not yet recorded) and their
    notifications and webhook deliveries."""
    events = await new_events(unit.events)
    unit.events.clear()
    if not events:
        return
    now = utcnow()
    events = await _insert(events, now)
    unit.events_written += len(events)
    if not events:
        return
    notifications = [
        Notification(
            id=uuid.uuid4(),
            event=e.id,
            org=org,
            person=e.addressed.get(org),
            kind=e.kind,
            sort_key=sort_key(now),
            created_at=now,
        )
        for e in events
        for org in e.orgs
    ]
    if notifications:
        await Notification.insert(*notifications).run()
    await _deliveries(events, now)
    if get_settings().smtp_host:
        await _emails(events, now)


async def new_events(events: Sequence[Event]) -> list[Event]:
    keys = [e.dedupe_key for e in events if e.dedupe_key]
    if not keys:
        return list(events)
    found = (
        await OutboxEvent.select(OutboxEvent.dedupe_key)
        .where(OutboxEvent.dedupe_key.is_in(keys))
        .output(as_list=True)
        .run()
    )
    seen = set(found)
    fresh: list[Event] = []
    for event in events:
        if event.dedupe_key and event.dedupe_key in seen:
            continue
        if event.dedupe_key:
            seen.add(event.dedupe_key)
        fresh.append(event)
    return fresh


async def _insert(events: list[Event], now: datetime.datetime) -> list[Event]:
    """Insert the events; answer those written. One whose dedupe key another transaction
    recorded meanwhile (two workers ticking at once) is left out, not an error: on
    PostgreSQL the insert waits for that transaction and then does nothing."""
    plain = [e for e in events if not e.dedupe_key]
    keyed = [e for e in events if e.dedupe_key]
    if plain:
        await OutboxEvent.insert(*[_event_row(e, now) for e in plain]).run()
    if keyed:
        written = (
            await OutboxEvent.insert(*[_event_row(e, now) for e in keyed])
            .on_conflict(target=OutboxEvent.dedupe_key, action="DO NOTHING")
            .returning(OutboxEvent.id)
            .run()
        )
        ids = {str(row["id"]) for row in written}
        keyed = [e for e in keyed if str(e.id) in ids]
    return plain + keyed


def _event_row(event: Event, now: datetime.datetime) -> OutboxEvent:
    return OutboxEvent(
        id=event.id,
        kind=event.kind,
        orgs=list(event.orgs),
        subjects=event.subjects,
        case_reference=event.case_reference,
        payload=event.payload,
        actor_org=event.actor_org,
        dedupe_key=event.dedupe_key,
        created_at=now,
    )


async def _deliveries(events: Sequence[Event], now: datetime.datetime) -> None:
    orgs = sorted({org for e in events for org in e.orgs})
    if not orgs:
        return
    endpoints: list[dict[str, Any]] = (
        await WebhookEndpoint.select(
            WebhookEndpoint.id, WebhookEndpoint.org, WebhookEndpoint.events
        )
        .where(WebhookEndpoint.org.is_in(orgs) & (WebhookEndpoint.active == True))  # noqa: E712
        .output(load_json=True)
        .run()
    )
    rows = [
        WebhookDelivery(
            id=uuid.uuid4(),
            event=e.id,
            endpoint=endpoint["id"],
            org=endpoint["org"],
            status="pending",
            attempts=0,
            next_attempt_at=now,
            sort_key=sort_key(now),
            created_at=now,
        )
        for e in events
        for endpoint in endpoints
        if endpoint["org"] in e.orgs and e.kind in endpoint["events"]
    ]
    if rows:
        await WebhookDelivery.insert(*rows).run()
        await defer_in_transaction(WEBHOOK_TASK, [row.id for row in rows])


async def _emails(events: Sequence[Event], now: datetime.datetime) -> None:
    orgs = sorted({org for e in events for org in e.orgs})
    if not orgs:
        return
    recipients: list[dict[str, Any]] = (
        await EmailRecipient.select()
        .where(EmailRecipient.org.is_in(orgs))
        .output(load_json=True)
        .run()
    )
    rows = [
        EmailDelivery(
            id=uuid.uuid4(),
            event=e.id,
            recipient=r["id"],
            org=r["org"],
            address=r["address"],
            status="pending",
            attempts=0,
            next_attempt_at=now,
            sort_key=sort_key(now),
            created_at=now,
        )
        for e in events
        for r in recipients
        if r["org"] in e.orgs and wanted(r, e.kind, e.addressed.get(r["org"]))
    ]
    if rows:
        await EmailDelivery.insert(*rows).run()
        await defer_in_transaction(EMAIL_TASK, [row.id for row in rows])
