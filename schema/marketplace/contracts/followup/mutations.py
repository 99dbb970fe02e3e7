"""Write side of follow-up and renegotiation: dates planned, moved and cancelled, and
follow-ups recorded (the buying municipality's purchasers)."""

from __future__ import annotations

from typing import Any

import strawberry

from marketplace.contracts import followups
from marketplace.contracts.models import (
    ContractDateAdd,
    ContractDateCancel,
    ContractDateMove,
    FollowUpRecord,
)
from marketplace.core.identity import Principal
from schema.errors import UserError
from schema.marketplace.contracts.followup.inputs import (
    ContractDateAddInput,
    ContractDateCancelInput,
    ContractDateMoveInput,
    ContractFollowUpRecordInput,
)
from schema.marketplace.contracts.followup.types import ContractDate, ContractFollowUp
from schema.mutation import Given, mutation

_CONTRACT = ("Contract", "contract")
_DATE = ("ContractDate", "contract date")


@strawberry.type
class ContractDatePayload:
    contract_date: ContractDate | None
    errors: list[UserError]


@strawberry.type
class ContractFollowUpPayload:
    contract_follow_up: ContractFollowUp | None
    errors: list[UserError]


async def _add(who: Principal, given: Given) -> Any:
    contract_id = given.id("contract_id", *_CONTRACT)
    return await followups.add_date(who, contract_id, given.command(ContractDateAdd, nulls="top"))


async def _move(who: Principal, given: Given) -> Any:
    date_id = given.id("id", *_DATE)
    return await followups.move_date(who, date_id, given.command(ContractDateMove, nulls="top"))


async def _cancel(who: Principal, given: Given) -> Any:
    date_id = given.id("id", *_DATE)
    return await followups.cancel_date(who, date_id, given.command(ContractDateCancel, nulls="top"))


async def _record(who: Principal, given: Given) -> Any:
    contract_id = given.id("contract_id", *_CONTRACT)
    if given.data.get("date_id") is not None:
        given.data["date_id"] = given.id("date_id", *_DATE)
    command = given.command(FollowUpRecord, nulls="top")
    return await followups.record_follow_up(who, contract_id, command)


@strawberry.type
class FollowUpMutation:
    contract_date_add = mutation(
        ContractDatePayload,
        ContractDateAddInput,
        _add,
        description=(
            "Plan a follow-up or renegotiation date for your municipality's running contract "
            "(purchasers of the buying municipality; the provider sees it)."
        ),
    )
    contract_date_move = mutation(
        ContractDatePayload,
        ContractDateMoveInput,
        _move,
        description="Move a planned follow-up or renegotiation date (the buying municipality).",
    )
    contract_date_cancel = mutation(
        ContractDatePayload,
        ContractDateCancelInput,
        _cancel,
        description="Cancel a planned follow-up or renegotiation date (the buying municipality).",
    )
    contract_follow_up_record = mutation(
        ContractFollowUpPayload,
        ContractFollowUpRecordInput,
        _record,
        description=(
            "Record a follow-up or renegotiation held on your municipality's running contract: "
            "its day, outcome, notes (never a CPR number) and next date."
        ),
    )
