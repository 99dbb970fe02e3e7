"""The change feed in GraphQL: ``changes(since:)``, what changed that the caller may see."""

from __future__ import annotations

import datetime

import strawberry
from strawberry import relay

from marketplace import changes
from schema.context import Info
from schema.relay import Connection, page_request

ChangeKind = strawberry.enum(
    changes.ChangeKind,
    name="ChangeKind",
    description="What a change did to its object: made it, changed it or removed it.",
)


@strawberry.type(
    name="Change",
    description="One change to an object the caller may see, as the audit trail records it.",
)
class ChangeEntry:
    at: datetime.datetime = strawberry.field(description="When the change was committed (UTC).")
    object_type: str = strawberry.field(
        description="The object's GraphQL type, e.g. Offer, Contract, PlacementRequest."
    )
    object_id: strawberry.ID = strawberry.field(
        description="The object's global ID (read it with `node(id:)`)."
    )
    kind: ChangeKind  # type: ignore[valid-type]
    operation: str = strawberry.field(
        description="The audited operation, e.g. offerPublish or placementRequestAccept."
    )

    @classmethod
    def of(cls, change: changes.Change) -> ChangeEntry:
        return cls(
            at=change.at,
            object_type=change.object_type,
            object_id=strawberry.ID(relay.to_base64(change.object_type, change.object_id)),
            kind=change.kind,
            operation=change.operation,
        )


@strawberry.type
class ChangesQuery:
    @strawberry.field(
        description="What changed on or after `since` (ISO 8601; no zone is UTC) that the "
        "caller may see, oldest first by time and then by record: published offers (a new "
        "price list version is a change of its offer) and providers for everyone; agreements "
        "for anyone signed in; a purchaser's or provider's own requests, contracts, invoices "
        "and credit notes (and a provider's own offers in every status). A `since` that is no "
        "timestamp or lies in the future is an INVALID error on `since`."
    )
    async def changes(
        self,
        info: Info,
        since: str,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[ChangeEntry]:
        moment = changes.parse_since(since)
        page = await changes.changes_since(
            info.context.principal, moment, page_request(info, first, after)
        )
        return Connection.of(page, ChangeEntry.of)
