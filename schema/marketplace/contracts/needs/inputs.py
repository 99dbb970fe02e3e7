"""GraphQL inputs of needs and their answers; pydantic commands validate them."""

from __future__ import annotations

import datetime
from decimal import Decimal

import strawberry
from strawberry import UNSET

from schema.marketplace.contracts.inputs import (
    IDEMPOTENCY,
    AddOnRequestInput,
    SpecialArrangementCostInput,
)
from schema.marketplace.contracts.needs.types import NeedAnswerStatus, NeedStatus
from schema.marketplace.contracts.types import DeclineReason, Urgency
from schema.marketplace.offers.types import LegalBasis, OfferCategory, UniqueOfferStatus


@strawberry.input(
    description=(
        "Where the place is wanted: one of a municipality (its offers; with radiusKm, near "
        "its seat), a region (its offers), or coordinates with a radius."
    )
)
class NeedAreaInput:
    municipality_code: str | None = UNSET
    region_code: str | None = UNSET
    latitude: float | None = UNSET
    longitude: float | None = UNSET
    radius_km: float | None = UNSET


@strawberry.input(
    description=(
        "Send the need to every published offer a search finds (at most 50, nearest or most "
        "relevant first): the need's target groups (any of them), age, legal basis, area, "
        "acute flag and price ceiling are its filters, and these narrow it further."
    )
)
class NeedMatchInput:
    query: str | None = strawberry.field(default=UNSET, description="Danish full text.")
    categories: list[OfferCategory] | None = UNSET  # type: ignore[valid-type]
    service_types: list[str] | None = UNSET
    methods: list[str] | None = UNSET
    free_places: bool | None = strawberry.field(default=UNSET, description="A place free now.")
    free_from: datetime.date | None = strawberry.field(
        default=UNSET, description="A place free now or expected free by this date."
    )
    unique_statuses: list[UniqueOfferStatus] | None = UNSET  # type: ignore[valid-type]


@strawberry.input(
    description=(
        "Send one anonymised need to chosen offers (offerIds) or to the offers a search finds "
        "(match). It names no citizen. Left out: the start is today, the answers are due in "
        "14 days (24 hours for an acute need), which is also the most allowed."
    )
)
class PlacementNeedCreateInput:
    target_groups: list[str] = strawberry.field(description="FFB target-group codes.")
    age: int = strawberry.field(description="The citizen's age.")
    legal_basis: LegalBasis | None = UNSET  # type: ignore[valid-type]
    area: NeedAreaInput | None = UNSET
    desired_start: datetime.date | None = UNSET
    hours_per_month: Decimal | None = strawberry.field(
        default=UNSET, description="For offers priced per hour."
    )
    urgency: Urgency | None = UNSET  # type: ignore[valid-type]
    max_price_per_day: Decimal | None = strawberry.field(
        default=UNSET, description="The ceiling on a price per day (DKK)."
    )
    respond_by: datetime.datetime | None = strawberry.field(
        default=UNSET, description="When the answers close: a moment in the future, with its zone."
    )
    message: str | None = UNSET
    offer_ids: list[strawberry.ID] | None = strawberry.field(
        default=UNSET, description="Published offers to send it to (at most 50)."
    )
    match: NeedMatchInput | None = UNSET
    idempotency_key: str | None = strawberry.field(default=UNSET, description=IDEMPOTENCY)


@strawberry.input(description="Cancel your need, with a reason; its open answers close.")
class PlacementNeedCancelInput:
    id: strawberry.ID
    reason: str


@strawberry.input(
    description=(
        "Answer a need for your offer with terms: any of the start, the level (null for the "
        "base price), the hours, the add-ons, or a special arrangement with its costs and a "
        "review date; what is left out is as the need asks (its start, the base price, its "
        "hours)."
    )
)
class NeedAnswerProposeInput:
    id: strawberry.ID
    start_date: datetime.date | None = UNSET
    price_level: str | None = UNSET
    hours_per_month: Decimal | None = UNSET
    add_ons: list[AddOnRequestInput] | None = UNSET
    special_arrangement: SpecialArrangementCostInput | None = UNSET
    review_on: datetime.date | None = UNSET
    message: str | None = UNSET
    idempotency_key: str | None = strawberry.field(default=UNSET, description=IDEMPOTENCY)


@strawberry.input(description="Decline a need for your offer, with a reason.")
class NeedAnswerDeclineInput:
    id: strawberry.ID
    reason: DeclineReason  # type: ignore[valid-type]
    text: str | None = strawberry.field(default=UNSET, description="Required with OTHER.")


@strawberry.input(
    description=(
        "Pick a proposal: it becomes a placement request to that offer on the answer's terms, "
        "for the citizen you name now; the other answers close as not chosen."
    )
)
class PlacementNeedChooseInput:
    answer_id: strawberry.ID
    citizen_ref: str = strawberry.field(description="Your case reference for the citizen.")
    cpr: str | None = strawberry.field(
        default=UNSET,
        description="The citizen's CPR number; kept only as a keyed hash and a masked form.",
    )
    individual_plan_ref: str | None = UNSET
    follow_up_on: datetime.date | None = UNSET
    message: str | None = strawberry.field(
        default=UNSET, description="To the provider; the need's message when left out."
    )
    idempotency_key: str | None = strawberry.field(default=UNSET, description=IDEMPOTENCY)


@strawberry.input
class PlacementNeedFilterInput:
    status: NeedStatus | None = UNSET  # type: ignore[valid-type]


@strawberry.input
class NeedAnswerFilterInput:
    status: NeedAnswerStatus | None = UNSET  # type: ignore[valid-type]
    need_id: strawberry.ID | None = UNSET
    offer_id: strawberry.ID | None = UNSET
