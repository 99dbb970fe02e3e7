"""Write side of notifications: marking them read."""

from __future__ import annotations

from typing import Any

import strawberry

from marketplace.core.identity import Principal
from marketplace.notifications import service
from schema.context import Info
from schema.errors import UserError
from schema.marketplace.notifications.types import Notification
from schema.mutation import Given, mutation


@strawberry.input
class NotificationMarkReadInput:
    ids: list[strawberry.ID] = strawberry.field(
        description="Your notifications to mark read (at most 100); if one is not yours, "
        "none is marked."
    )


@strawberry.type
class NotificationMarkReadPayload:
    notifications: list[Notification] | None
    errors: list[UserError]


async def _mark(who: Principal, given: Given) -> Any:
    given.ids("ids", "Notification", "notification")
    return await service.mark_read(who, given.data["ids"])


async def _build(_info: Info, views: Any) -> dict[str, Any]:
    return {"notifications": [Notification.of(v) for v in views]}


@strawberry.type
class NotificationMutation:
    notification_mark_read = mutation(
        NotificationMarkReadPayload,
        NotificationMarkReadInput,
        _mark,
        build=_build,
        description="Mark your notifications read.",
    )
