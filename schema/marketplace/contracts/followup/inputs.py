"""GraphQL inputs of follow-up and renegotiation and of the case load; pydantic commands
validate them."""

from __future__ import annotations

import datetime
from decimal import Decimal

import strawberry
from strawberry import UNSET

from schema.marketplace.contracts.followup.types import (
    CaseLoadOrder,
    ContractDateKind,
    ContractDateStatus,
    FollowUpOutcome,
)
from schema.marketplace.offers.types import LegalBasis

_NOTE = "Never a CPR number (refused): name the citizen by the case reference."


@strawberry.input(
    description=(
        "Plan a follow-up or renegotiation date for your municipality's running contract: on "
        "its first day or later, today or later, not after its last day."
    )
)
class ContractDateAddInput:
    contract_id: strawberry.ID
    kind: ContractDateKind | None = strawberry.field(  # type: ignore[valid-type]
        default=UNSET, description="FOLLOW_UP when left out."
    )
    due_on: datetime.date
    note: str | None = strawberry.field(default=UNSET, description=_NOTE)


@strawberry.input(description="Move a planned date to another day (and replace its note).")
class ContractDateMoveInput:
    id: strawberry.ID
    due_on: datetime.date
    note: str | None = strawberry.field(default=UNSET, description=_NOTE)


@strawberry.input(description="Cancel a planned date, with a reason.")
class ContractDateCancelInput:
    id: strawberry.ID
    reason: str | None = strawberry.field(default=UNSET, description=_NOTE)


@strawberry.input(
    description=(
        "Record a follow-up (or renegotiation) held on your municipality's running contract: "
        "its day (today or earlier, not before the start), outcome, notes and next date. It "
        "answers the planned dates of its kind due by its day (and dateId, if given); the "
        "next date becomes a planned date of the same kind."
    )
)
class ContractFollowUpRecordInput:
    contract_id: strawberry.ID
    kind: ContractDateKind | None = strawberry.field(  # type: ignore[valid-type]
        default=UNSET, description="FOLLOW_UP when left out."
    )
    held_on: datetime.date
    outcome: FollowUpOutcome  # type: ignore[valid-type]
    notes: str | None = strawberry.field(default=UNSET, description=_NOTE)
    next_on: datetime.date | None = strawberry.field(
        default=UNSET, description="The next date: after the follow-up, today or later."
    )
    date_id: strawberry.ID | None = strawberry.field(
        default=UNSET, description="A planned date it answers besides those due by its day."
    )


@strawberry.input(
    description=(
        "Which dates: by default the planned ones of running contracts, so a kind and a "
        "period (dueFrom, dueTo) give the contracts due for follow-up or renegotiation then."
    )
)
class ContractDateFilterInput:
    kind: ContractDateKind | None = UNSET  # type: ignore[valid-type]
    status: ContractDateStatus | None = strawberry.field(  # type: ignore[valid-type]
        default=UNSET, description="PLANNED when left out."
    )
    due_from: datetime.date | None = UNSET
    due_to: datetime.date | None = UNSET
    contract_id: strawberry.ID | None = UNSET


@strawberry.input(
    description=(
        "Which running placements a case load holds. Rebild's § 85 review (seed 003): over 5 "
        "years `{legalBasis: SEL_85, stayLongerThanYears: 5}`; the most hours: sort by "
        "HOURS_PER_WEEK; 1 hour a week for more than a year `{legalBasis: SEL_85, "
        "maxHoursPerWeek: 1, stayLongerThanYears: 1}`."
    )
)
class CaseLoadFilterInput:
    legal_basis: LegalBasis | None = UNSET  # type: ignore[valid-type]
    offer_id: strawberry.ID | None = UNSET
    hourly: bool | None = strawberry.field(
        default=UNSET, description="Only hourly prices (true) or none of them (false)."
    )
    stay_longer_than_years: int | None = strawberry.field(
        default=UNSET, description="Begun before the same day this many years ago."
    )
    stay_longer_than_days: int | None = strawberry.field(
        default=UNSET, description="Begun more than this many days ago."
    )
    min_hours_per_week: Decimal | None = strawberry.field(
        default=UNSET, description="At least (hourly prices only)."
    )
    max_hours_per_week: Decimal | None = strawberry.field(
        default=UNSET, description="At most (hourly prices only)."
    )
    min_monthly_cost: Decimal | None = strawberry.field(default=UNSET, description="DKK.")
    max_monthly_cost: Decimal | None = strawberry.field(default=UNSET, description="DKK.")


@strawberry.input(description="How a case load is sorted; the longest stay first by default.")
class CaseLoadSortInput:
    by: CaseLoadOrder | None = UNSET  # type: ignore[valid-type]
    descending: bool | None = strawberry.field(default=UNSET, description="true by default.")
