"""Read side of needs: a purchaser's needs, a provider's answers to give, and each by ID."""

from __future__ import annotations

import uuid

import strawberry

from marketplace.contracts import needs
from schema.context import Info
from schema.errors import arguments
from schema.ids import filter_uuid, node_uuid
from schema.marketplace.contracts.needs.inputs import (
    NeedAnswerFilterInput,
    PlacementNeedFilterInput,
)
from schema.marketplace.contracts.needs.types import NeedAnswer, PlacementNeed
from schema.relay import Connection, page_request


def _id(value: object, type_name: str, what: str, field: str) -> uuid.UUID | None:
    return filter_uuid(value if isinstance(value, str) else None, type_name, what, field)


@strawberry.type
class NeedQuery:
    @strawberry.field(
        description=(
            "Your needs (a purchaser's own; a provider's, those sent to its offers), oldest first."
        )
    )
    async def placement_needs(
        self,
        info: Info,
        filter: PlacementNeedFilterInput | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[PlacementNeed]:
        with arguments("filter"):
            page = await needs.list_needs(
                info.context.principal,
                page_request(info, first, after),
                status=filter.status if filter and filter.status else None,
            )
        return Connection.of(page, PlacementNeed.of)

    @strawberry.field(description="A need; null when there is none or it is not yours to see.")
    async def placement_need(self, info: Info, id: strawberry.ID) -> PlacementNeed | None:
        need_id = node_uuid(id, "PlacementNeed", ("id",))
        if need_id is None:
            return None
        view = await needs.get_need(info.context.principal, need_id)
        return PlacementNeed.of(view) if view else None

    @strawberry.field(
        description=(
            "Answers to needs: a provider's to give (one per offer of its a need was sent to; "
            "`status: WAITING` for those still to answer) or a purchaser's received; the "
            "earliest deadline first."
        )
    )
    async def need_answers(
        self,
        info: Info,
        filter: NeedAnswerFilterInput | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[NeedAnswer]:
        with arguments("filter"):
            page = await needs.list_answers(
                info.context.principal,
                page_request(info, first, after),
                status=filter.status if filter and filter.status else None,
                need_id=_id(filter.need_id if filter else None, "PlacementNeed", "need", "need_id"),
                offer_id=_id(filter.offer_id if filter else None, "Offer", "offer", "offer_id"),
            )
        return Connection.of(page, NeedAnswer.of)

    @strawberry.field(description="An answer to a need; null when there is none or not yours.")
    async def need_answer(self, info: Info, id: strawberry.ID) -> NeedAnswer | None:
        answer_id = node_uuid(id, "NeedAnswer", ("id",))
        if answer_id is None:
            return None
        view = await needs.get_answer(info.context.principal, answer_id)
        return NeedAnswer.of(view) if view else None
