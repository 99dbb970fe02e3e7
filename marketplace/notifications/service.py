"""In-app notifications: an organisation's (and its people's) events, read and unread."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from piccolo.columns.combination import Combinable

from marketplace.core.clock import utcnow
from marketplace.core.errors import DomainError, ErrorCode
from marketplace.core.identity import Principal
from marketplace.core.pagination import Page, PageRequest, paginate
from marketplace.core.unit_of_work import write_transaction
from marketplace.notifications.models import NotificationView, title
from marketplace.notifications.tables import Notification, OutboxEvent


def _mine(principal: Principal) -> Combinable:
    """The caller's notifications: its organisation's. One addressed to a person of it (the
    case handler who made a request) is the organisation's too, so a colleague can take
    over; ``for_me`` keeps those addressed to the caller."""
    if not principal.is_authenticated:
        raise DomainError(ErrorCode.UNAUTHENTICATED, "Sign in to see your notifications.")
    return Notification.org == principal.org_code


async def list_notifications(
    principal: Principal,
    page: PageRequest,
    *,
    unread_only: bool = False,
    for_me: bool = False,
) -> Page[NotificationView]:
    """The caller's notifications, newest first (three statements: page, count, events);
    with ``for_me`` only those addressed to the caller."""
    condition = _mine(principal)
    if unread_only:
        condition = condition & Notification.read_at.is_null()
    if for_me:
        condition = condition & (Notification.person == (principal.subject or ""))
    rows = await paginate(
        Notification,
        where=condition,
        order_by=[Notification.sort_key, Notification.id],
        page=page,
    )
    events = await _events([row["event"] for row in rows.items])
    return rows.with_items([_view(row, events[row["event"]]) for row in rows.items])


async def unread_count(principal: Principal) -> int:
    """How many of the caller's notifications are unread."""
    return int(
        await Notification.count().where(_mine(principal) & Notification.read_at.is_null()).run()
    )


async def mark_read(principal: Principal, ids: Sequence[uuid.UUID]) -> list[NotificationView]:
    """Mark the caller's notifications read. One that is not the caller's (another
    organisation's) is not found, and then none is marked."""
    wanted = list(dict.fromkeys(ids))
    if len(wanted) > 100:
        raise DomainError(ErrorCode.INVALID, "Mark at most 100 notifications at once.", ["ids"])
    async with write_transaction(principal, "notificationMarkRead"):
        found = (
            await Notification.select(Notification.id)
            .where(_mine(principal) & Notification.id.is_in(wanted or [uuid.uuid4()]))
            .output(as_list=True)
            .run()
        )
        missing = [i for i in wanted if i not in set(found)]
        if missing:
            raise DomainError(
                ErrorCode.NOT_FOUND,
                f"Notification {wanted.index(missing[0]) + 1} of those given is not yours.",
                ["ids"],
            )
        if wanted:
            await (
                Notification.update(
                    {Notification.read_at: utcnow(), Notification.read_by: principal.subject}
                )
                .where(Notification.id.is_in(wanted) & Notification.read_at.is_null())
                .run()
            )
    return await by_ids(principal, wanted)


async def by_ids(principal: Principal, ids: Sequence[uuid.UUID]) -> list[NotificationView]:
    """The caller's notifications among ``ids``, in their order (others left out)."""
    if not ids or not principal.is_authenticated:
        return []
    rows = (
        await Notification.select().where(_mine(principal) & Notification.id.is_in(list(ids))).run()
    )
    events = await _events([row["event"] for row in rows])
    order = {i: n for n, i in enumerate(ids)}
    views = [_view(row, events[row["event"]]) for row in rows]
    return sorted(views, key=lambda v: order[v.id])


async def _events(ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, dict[str, Any]]:
    if not ids:
        return {}
    rows = (
        await OutboxEvent.select()
        .where(OutboxEvent.id.is_in(list(set(ids))))
        .output(load_json=True)
        .run()
    )
    return {row["id"]: row for row in rows}


def _view(row: dict[str, Any], event: dict[str, Any]) -> NotificationView:
    return NotificationView(
        id=row["id"],
        event_id=row["event"],
        kind=row["kind"],
        title=title(row["kind"]),
        org=row["org"],
        person=row["person"],
        subjects=event["subjects"],
        case_reference=event["case_reference"],
        payload=event["payload"],
        created_at=row["created_at"],
        read_at=row["read_at"],
    )
