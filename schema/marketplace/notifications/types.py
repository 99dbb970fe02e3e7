"""GraphQL types of in-app notifications."""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Iterable
from typing import Any

import strawberry
import strawberry.scalars
from strawberry import relay

from marketplace.notifications import service
from marketplace.notifications.models import EventKind as DomainEventKind
from marketplace.notifications.models import NotificationView
from schema.context import Info

EventKind = strawberry.enum(
    DomainEventKind,
    name="EventKind",
    description="What happened; the webhook event names are the values in lower case with "
    "dots (placement_request.received).",
)

# What an event's subjects are, as the node types their global IDs name.
_NODE_TYPES = {
    "placementRequest": "PlacementRequest",
    "contract": "Contract",
    "refundClaim": "RefundClaim",
    "invoice": "Invoice",
    "contractDate": "ContractDate",
    "agreement": "Agreement",
    "centralAnnouncement": "CentralAnnouncement",
    "regionalReport": "RegionalReport",
    "offer": "Offer",
}


@strawberry.type(description="An object an event is about, by its role in the event.")
class EventSubject:
    role: str
    id: strawberry.ID = strawberry.field(description="The object's global ID (node(id:)).")


def subjects_of(subjects: dict[str, str]) -> list[EventSubject]:
    return [
        EventSubject(
            role=role,
            id=strawberry.ID(relay.to_base64(_NODE_TYPES.get(role, role), value)),
        )
        for role, value in subjects.items()
    ]


@strawberry.type(
    description=(
        "Something your organisation (or you) should not miss: an event with its Danish title, "
        "the objects it is about and the buyer's case reference; read or unread."
    )
)
class Notification(relay.Node):
    id: relay.NodeID[str]
    event_id: uuid.UUID = strawberry.field(
        description="The event's id; a webhook delivery of it carries the same (webhook-id)."
    )
    kind: EventKind  # type: ignore[valid-type]
    title: str = strawberry.field(description="The event's title in Danish.")
    subjects: list[EventSubject]
    case_reference: str | None = strawberry.field(
        description="The buying municipality's case reference of the citizen, if any."
    )
    created_at: datetime.datetime
    read_at: datetime.datetime | None
    addressed_to: str | None = strawberry.field(
        description="The person of your organisation it is addressed to (the case handler "
        "who made the request), if any; your organisation sees it too."
    )
    payload: strawberry.scalars.JSON = strawberry.field(
        description="The event's plain facts (a status, a date, a deadline); never personal data."
    )

    @classmethod
    def of(cls, view: NotificationView) -> Notification:
        return cls(
            id=str(view.id),
            event_id=view.event_id,
            kind=DomainEventKind(view.kind),
            title=view.title,
            subjects=subjects_of(view.subjects),
            case_reference=view.case_reference,
            created_at=view.created_at,
            read_at=view.read_at,
            addressed_to=view.person,
            payload=view.payload,  # type: ignore[arg-type]
        )

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False, **_: Any
    ) -> list[Notification | None]:
        keys = [_uuid(i) for i in node_ids]
        found = {
            v.id: v for v in await service.by_ids(info.context.principal, [k for k in keys if k])
        }
        return [cls.of(found[k]) if k in found else None for k in keys]


def _uuid(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value)
    except ValueError:
        return None
