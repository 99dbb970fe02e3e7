"""Read side of notifications."""

from __future__ import annotations

import strawberry

from marketplace.notifications import service
from schema.context import Info
from schema.marketplace.notifications.types import Notification
from schema.relay import Connection, page_request


@strawberry.type
class NotificationQuery:
    @strawberry.field(
        description="Your organisation's notifications (those addressed to one of its people "
        "included), newest first; with unreadOnly, those not yet read; with forMe, those "
        "addressed to you."
    )
    async def notifications(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        unread_only: bool = False,
        for_me: bool = False,
    ) -> Connection[Notification]:
        page = await service.list_notifications(
            info.context.principal,
            page_request(info, first, after),
            unread_only=unread_only,
            for_me=for_me,
        )
        return Connection.of(page, Notification.of)

    @strawberry.field(description="How many of your notifications are unread.")
    async def unread_notification_count(self, info: Info) -> int:
        return await service.unread_count(info.context.principal)
