"""GraphQL types of follow-up and renegotiation: a contract's dates, the follow-ups held, and
the items of a municipality's case load."""

from __future__ import annotations

import datetime
from decimal import Decimal

import strawberry
from strawberry import relay

from marketplace.contracts import caseload
from marketplace.contracts import models as m
from schema.context import Info
from schema.convert import FromView, from_view
from schema.marketplace.contracts.types import Contract
from schema.money import Money
from schema.relay import load_one, nodes_by_key

ContractDateKind = strawberry.enum(
    m.ContractDateKind,
    name="ContractDateKind",
    description="A follow-up (opfølgning) or a renegotiation (genforhandling) of a contract.",
)
ContractDateStatus = strawberry.enum(
    m.ContractDateStatus,
    name="ContractDateStatus",
    description="planned -> held (a recorded follow-up answered it) | cancelled",
)
FollowUpOutcome = strawberry.enum(
    m.FollowUpOutcome,
    name="FollowUpOutcome",
    description=(
        "continue (as agreed), adjust (the support is to change: a proposed change follows), "
        "renegotiate (the terms are to be renegotiated), end (the placement is to end: notice "
        "follows)"
    ),
)
CaseLoadOrder = strawberry.enum(
    m.CaseLoadOrder,
    name="CaseLoadOrder",
    description="What a case load is sorted by: the length of stay, hours a week, monthly cost.",
)


async def _contract(info: Info, view: m.ContractDateView | m.FollowUpView) -> Contract | None:
    return await load_one(info.context.marketplace.contract_by_id, view.contract_id, Contract.of)


@strawberry.type(
    description=(
        "A follow-up or renegotiation date of a contract, kept by the buying municipality and "
        "seen by the provider. Only the contract's parties see it."
    )
)
class ContractDate(FromView, relay.Node):
    id: relay.NodeID[str]
    kind: ContractDateKind  # type: ignore[valid-type]
    due_on: datetime.date
    status: ContractDateStatus  # type: ignore[valid-type]
    note: str | None = strawberry.field(
        description="The buyer's note (never a CPR number); null for the registry administrator."
    )
    created_by: str = strawberry.field(description="Who planned it (the token's subject).")
    created_at: datetime.datetime
    closed_by: str | None = strawberry.field(description="Who held or cancelled it.")
    closed_at: datetime.datetime | None
    close_reason: str | None = strawberry.field(description="Why it was cancelled.")
    view: strawberry.Private[m.ContractDateView]
    resolve_nodes = nodes_by_key(lambda info: info.context.marketplace.contract_date_by_id)

    @strawberry.field(description="The contract.")
    async def contract(self, info: Info) -> Contract | None:
        return await _contract(info, self.view)

    @strawberry.field(description="The follow-up that answered it, once held.")
    async def held_in(self, info: Info) -> ContractFollowUp | None:
        loader = info.context.marketplace.follow_up_by_id
        return await load_one(loader, self.view.held_in_id, ContractFollowUp.of)

    @strawberry.field(description="The follow-up that set it as its next date, if one did.")
    async def planned_in(self, info: Info) -> ContractFollowUp | None:
        loader = info.context.marketplace.follow_up_by_id
        return await load_one(loader, self.view.planned_in_id, ContractFollowUp.of)


@strawberry.type(
    description=(
        "A follow-up (or renegotiation) the buying municipality held on a contract: the day, "
        "the outcome, notes and the next date. Only the contract's parties see it."
    )
)
class ContractFollowUp(FromView, relay.Node):
    id: relay.NodeID[str]
    kind: ContractDateKind  # type: ignore[valid-type]
    held_on: datetime.date
    outcome: FollowUpOutcome  # type: ignore[valid-type]
    notes: str | None = strawberry.field(
        description="Never a CPR number (refused); null for the registry administrator."
    )
    next_on: datetime.date | None = strawberry.field(
        description="The next date it set (a planned date of the same kind)."
    )
    recorded_by: str = strawberry.field(description="Who recorded it (the token's subject).")
    recorded_at: datetime.datetime
    view: strawberry.Private[m.FollowUpView]
    resolve_nodes = nodes_by_key(lambda info: info.context.marketplace.follow_up_by_id)

    @strawberry.field(description="The contract.")
    async def contract(self, info: Info) -> Contract | None:
        return await _contract(info, self.view)


@strawberry.type(
    description=(
        "A running placement of a case load, with the figures it is reviewed by (today's "
        "term, this year's prices)."
    )
)
class CaseLoadItem:
    contract: Contract
    since: datetime.date = strawberry.field(description="The placement's first day.")
    days_of_stay: int = strawberry.field(description="Days since the first day.")
    hourly: bool = strawberry.field(description="Priced per hour.")
    hours_per_month: Decimal | None = strawberry.field(
        description="The agreed hours a month, for an hourly price."
    )
    hours_per_week: Decimal | None = strawberry.field(
        description="The agreed hours a week (hours a month x 12 / 52, to the hundredth)."
    )
    monthly_cost: Money = strawberry.field(
        description=(
            "What a month costs at this year's prices: a price per day for 30 days, per hour "
            "for the hours a month, per year a twelfth; add-ons the same way."
        )
    )

    @classmethod
    def of(cls, item: caseload.CaseLoadItem) -> CaseLoadItem:
        return from_view(
            cls, item, contract=Contract.of(item.contract), since=item.contract.start_date
        )
