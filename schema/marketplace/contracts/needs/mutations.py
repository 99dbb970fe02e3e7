"""Write side of needs: sending and cancelling a need, answering it, and picking an answer."""

from __future__ import annotations

from typing import Any

import strawberry

from marketplace.contracts import needs
from marketplace.contracts.models import (
    PlacementNeedChoose,
    PlacementNeedCreate,
    PlacementProposal,
    PlacementRequestDecline,
)
from marketplace.core.identity import Principal
from schema.context import Info
from schema.errors import UserError
from schema.marketplace.contracts.needs.inputs import (
    NeedAnswerDeclineInput,
    NeedAnswerProposeInput,
    PlacementNeedCancelInput,
    PlacementNeedChooseInput,
    PlacementNeedCreateInput,
)
from schema.marketplace.contracts.needs.types import NeedAnswer, PlacementNeed
from schema.marketplace.contracts.types import PlacementRequest
from schema.mutation import Given, mutation

_NEED = ("PlacementNeed", "need")
_ANSWER = ("NeedAnswer", "answer to a need")


@strawberry.type
class PlacementNeedPayload:
    placement_need: PlacementNeed | None
    errors: list[UserError]


@strawberry.type
class NeedAnswerPayload:
    need_answer: NeedAnswer | None
    errors: list[UserError]


@strawberry.type
class PlacementNeedChoosePayload:
    placement_request: PlacementRequest | None
    errors: list[UserError]

    @strawberry.field(description="The need, now chosen.")
    async def placement_need(self, info: Info) -> PlacementNeed | None:
        if self.placement_request is None:
            return None
        answer = await self.placement_request.need_answer(info)
        return await answer.need(info) if answer is not None else None


async def _create(who: Principal, given: Given) -> Any:
    key = given.pop("idempotency_key")
    given.ids("offer_ids", "Offer", "offer")
    return await needs.create_need(who, given.command(PlacementNeedCreate, nulls="all"), key)


async def _propose(who: Principal, given: Given) -> Any:
    key = given.pop("idempotency_key")
    answer_id = given.id("id", *_ANSWER)
    return await needs.propose(who, answer_id, given.command(PlacementProposal, nulls="top"), key)


async def _decline(who: Principal, given: Given) -> Any:
    answer_id = given.id("id", *_ANSWER)
    return await needs.decline(who, answer_id, given.command(PlacementRequestDecline, nulls="top"))


async def _choose(who: Principal, given: Given) -> Any:
    key = given.pop("idempotency_key")
    answer_id = given.id("answer_id", *_ANSWER)
    return await needs.choose(who, answer_id, given.command(PlacementNeedChoose, nulls="top"), key)


@strawberry.type
class NeedMutation:
    placement_need_create = mutation(
        PlacementNeedPayload,
        PlacementNeedCreateInput,
        _create,
        description=(
            "Send one anonymised need to chosen offers or to the offers a search finds "
            "(purchasers); NO_MATCHING_OFFER when the search finds none."
        ),
    )
    placement_need_cancel = mutation(
        PlacementNeedPayload,
        PlacementNeedCancelInput,
        lambda who, given: needs.cancel(who, given.id("id", *_NEED), given.text("reason")),
        description="Cancel your need while no answer is picked, with a reason.",
    )
    need_answer_propose = mutation(
        NeedAnswerPayload,
        NeedAnswerProposeInput,
        _propose,
        description=(
            "Answer a need for your offer with terms (start, level, hours, add-ons, or a "
            "special arrangement priced from its costs), by its deadline."
        ),
    )
    need_answer_decline = mutation(
        NeedAnswerPayload,
        NeedAnswerDeclineInput,
        _decline,
        description="Decline a need for your offer, with a reason, by its deadline.",
    )
    placement_need_choose = mutation(
        PlacementNeedChoosePayload,
        PlacementNeedChooseInput,
        _choose,
        description=(
            "Pick a proposal to your need: it becomes a placement request to that offer, for "
            "the citizen you name now, which its provider accepts as asked; the other answers "
            "close as not chosen."
        ),
    )
