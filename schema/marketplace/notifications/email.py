"""GraphQL of notifications by e-mail: the organisation's addresses and one's own choice."""

from __future__ import annotations

import datetime
from typing import Any

import strawberry
from strawberry import relay

from marketplace.core.identity import Principal
from marketplace.notifications import email
from schema.context import Info
from schema.errors import UserError
from schema.mutation import Given, mutation
from schema.relay import Connection, nodes_one_by_one, page_request


@strawberry.type(
    description="An address notifications go to by e-mail: the organisation's (every event) "
    "or a person's own (the events chosen; empty: every event)."
)
class EmailRecipient(relay.Node):
    id: relay.NodeID[str]
    address: str
    events: list[str]
    for_organisation: bool
    created_at: datetime.datetime

    @classmethod
    def of(cls, view: email.EmailRecipientView) -> EmailRecipient:
        return cls(
            id=str(view.id),
            address=view.address,
            events=view.events,
            for_organisation=view.person is None,
            created_at=view.created_at,
        )

    resolve_nodes = nodes_one_by_one(email.get_recipient, key=str)


@strawberry.input
class EmailRecipientSetInput:
    address: str
    events: list[str] = strawberry.field(
        default_factory=list, description="Event names (empty: every event)."
    )
    for_organisation: bool = strawberry.field(
        default=False,
        description="An address of the organisation's; otherwise your own (replacing it).",
    )


@strawberry.input
class EmailRecipientRemoveInput:
    id: strawberry.ID


@strawberry.type
class EmailRecipientPayload:
    email_recipient: EmailRecipient | None
    errors: list[UserError]


async def _set(who: Principal, given: Given) -> Any:
    return await email.add_recipient(who, given.command(email.EmailRecipientSet))


async def _remove(who: Principal, given: Given) -> Any:
    await email.remove_recipient(who, given.id("id", "EmailRecipient", "e-mail address"))


async def _build(_info: Info, view: Any) -> dict[str, Any]:
    return {"email_recipient": EmailRecipient.of(view) if view is not None else None}


@strawberry.type
class EmailQuery:
    @strawberry.field(description="Your organisation's e-mail addresses and your own.")
    async def email_recipients(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[EmailRecipient]:
        page = await email.list_recipients(info.context.principal, page_request(info, first, after))
        return Connection.of(page, EmailRecipient.of)


@strawberry.type
class EmailMutation:
    email_recipient_set = mutation(
        EmailRecipientPayload,
        EmailRecipientSetInput,
        _set,
        build=_build,
        description="Add an address for your organisation's notifications, or set your own.",
    )
    email_recipient_remove = mutation(
        EmailRecipientPayload,
        EmailRecipientRemoveInput,
        _remove,
        build=_build,
        description="Remove an address of your organisation's, or your own.",
    )
