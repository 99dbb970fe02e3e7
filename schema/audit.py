"""The audit trail in GraphQL: every record for the registry admin, an object's records for
its parties."""

from __future__ import annotations

import datetime
from typing import Any

import strawberry
from strawberry import relay
from strawberry.relay import GlobalIDValueError
from strawberry.utils.await_maybe import await_maybe

from marketplace.core import audit
from marketplace.core.errors import DomainError, ErrorCode
from marketplace.core.identity import Role
from schema.context import Info
from schema.convert import from_view
from schema.ids import decode_global_id
from schema.relay import Connection, page_request

# Types only their parties can see at all (see the README's "Who sees what").
PARTIES_ONLY = frozenset({"PlacementRequest", "Contract", "ContractChange", "RefundClaim"})


@strawberry.type(
    name="AuditRecord",
    description="One change made through the API: who, when, what, and digests of the object "
    "before and after (never the data itself).",
)
class AuditEntry:
    at: datetime.datetime
    organisation: str = strawberry.field(description="The caller's organisation: its chain.")
    sequence: int = strawberry.field(description="Position in the organisation's chain, from 1.")
    subject: str = strawberry.field(description="The token's subject (user or client).")
    role: str
    operation: str = strawberry.field(description="The mutation, e.g. placementRequestAccept.")
    object_type: str
    object_id: strawberry.ID = strawberry.field(description="The object's global ID.")
    before_digest: str | None = strawberry.field(
        description="SHA-256 of the object's state before; null for a new object."
    )
    after_digest: str | None
    previous_hash: str
    hash: str

    @classmethod
    def of(cls, row: dict[str, Any]) -> AuditEntry:
        return from_view(
            cls,
            row,
            organisation=row["org"],
            sequence=int(row["seq"]),
            object_id=strawberry.ID(relay.to_base64(row["object_type"], row["object_id"])),
            previous_hash=row["prev_hash"],
        )


@strawberry.type
class AuditQuery:
    @strawberry.field(
        description="The audit trail, oldest first, by organisation and/or object "
        "(registry admins)."
    )
    async def audit_records(
        self,
        info: Info,
        organisation: str | None = None,
        object_id: strawberry.ID | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[AuditEntry]:
        info.context.principal.require(Role.REGISTRY_ADMIN)
        target = decode_global_id(object_id, ("objectId",)) if object_id else None
        page = await audit.list_records(
            page_request(info, first, after),
            org=organisation,
            object_type=target.type_name if target else None,
            object_id=target.node_id if target else None,
        )
        return Connection.of(page, AuditEntry.of)

    @strawberry.field(
        description="The changes made to an object, oldest first: all of them for the parties "
        "of a request, contract, change or refund claim and for registry admins; for a public object, the "
        "changes the caller's own organisation made."
    )
    async def audit_trail(
        self,
        info: Info,
        object_id: strawberry.ID,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[AuditEntry]:
        target = decode_global_id(object_id, ("objectId",))
        try:
            seen: Any = await await_maybe(target.resolve_node(info))
        except GlobalIDValueError:  # not a type of this schema
            seen = None
        if seen is None or not info.context.principal.is_authenticated:
            raise DomainError(ErrorCode.NOT_FOUND, "There is no such object.", ["objectId"])
        principal = info.context.principal
        # Seeing a private object (a request, a contract, a change, a refund claim) makes the caller one of
        # its parties: they read all of its trail. A public object (an offer, an agreement, a
        # report) is seen by everyone, so its readers get their own organisation's records
        # of it only: the staff of its owners are not everyone's business.
        whose = (
            None
            if principal.is_registry_admin or target.type_name in PARTIES_ONLY
            else audit.chain_of(principal)
        )
        page = await audit.list_records(
            page_request(info, first, after),
            org=whose,
            object_type=target.type_name,
            object_id=target.node_id,
        )
        return Connection.of(page, AuditEntry.of)
