"""GraphQL inputs of contracting; pydantic commands validate them."""

from __future__ import annotations

import datetime
from decimal import Decimal

import strawberry
from strawberry import UNSET

from schema.marketplace.contracts.types import (
    ContractStatus,
    DeclineReason,
    RefundClaimStatus,
    RefundParagraph,
    RefundRole,
    RequestStatus,
    Urgency,
)
from schema.marketplace.offers.types import LegalBasis

IDEMPOTENCY = (
    "A key of your own (8-200 characters) that makes a retry safe: the same key returns the "
    "first call's result; the same key with another payload is an error."
)


@strawberry.input(description="An add-on service from the offer's price list.")
class AddOnRequestInput:
    name: str
    quantity: Decimal | None = strawberry.field(
        default=UNSET,
        description="Hours a month for an hourly add-on; units a day, month or year otherwise (1).",
    )


@strawberry.input(
    description=(
        "Ask an offer for a place for a citizen of your municipality. Your municipality is the "
        "acting municipality (handlekommune): the provider bills it (retssikkerhedsloven § 9, "
        "stk. 1); a refund from a former municipality is a refund claim on the contract."
    )
)
class PlacementRequestCreateInput:
    offer_id: strawberry.ID
    citizen_ref: str = strawberry.field(description="Your case reference for the citizen.")
    cpr: str | None = strawberry.field(
        default=UNSET,
        description="The citizen's CPR number; kept only as a keyed hash and a masked form.",
    )
    legal_basis: LegalBasis | None = strawberry.field(  # type: ignore[valid-type]
        default=UNSET, description="One of the offer's paragraphs; defaults to its main one."
    )
    desired_start: datetime.date
    price_level: str | None = strawberry.field(
        default=UNSET, description="A level of the price list; the base price when left out."
    )
    hours_per_month: Decimal | None = strawberry.field(
        default=UNSET, description="For an offer priced per hour."
    )
    add_ons: list[AddOnRequestInput] | None = UNSET
    urgency: Urgency | None = UNSET  # type: ignore[valid-type]
    message: str | None = UNSET
    individual_plan_ref: str | None = UNSET
    follow_up_on: datetime.date | None = UNSET
    idempotency_key: str | None = strawberry.field(default=UNSET, description=IDEMPOTENCY)


@strawberry.input(description="Accept a request: the contract is made if a place is free.")
class PlacementRequestAcceptInput:
    id: strawberry.ID
    start_date: datetime.date | None = strawberry.field(
        default=UNSET, description="Defaults to the desired start (or today, if that has passed)."
    )
    special_arrangement_price: Decimal | None = strawberry.field(
        default=UNSET,
        description="An individually calculated price per day (særforanstaltning), DKK.",
    )
    message: str | None = UNSET
    idempotency_key: str | None = strawberry.field(default=UNSET, description=IDEMPOTENCY)


@strawberry.input
class PlacementRequestDeclineInput:
    id: strawberry.ID
    reason: DeclineReason  # type: ignore[valid-type]
    text: str | None = strawberry.field(default=UNSET, description="Required with OTHER.")


@strawberry.input
class PlacementRequestWithdrawInput:
    id: strawberry.ID
    reason: str | None = UNSET


@strawberry.input
class ContractGiveNoticeInput:
    id: strawberry.ID
    reason: str


@strawberry.input(
    description=(
        "Propose a change: a price level (null for the base price), add-ons (replacing the "
        "agreed ones) from a day, or an end date. The other party accepts or rejects it."
    )
)
class ContractChangeProposeInput:
    contract_id: strawberry.ID
    effective_from: datetime.date | None = UNSET
    price_level: str | None = UNSET
    add_ons: list[AddOnRequestInput] | None = UNSET
    end_date: datetime.date | None = UNSET
    reason: str


@strawberry.input
class ContractChangeRespondInput:
    id: strawberry.ID
    accept: bool
    reason: str | None = UNSET


@strawberry.input
class PlacementRequestFilterInput:
    status: RequestStatus | None = UNSET  # type: ignore[valid-type]
    offer_id: strawberry.ID | None = UNSET


@strawberry.input
class ContractFilterInput:
    status: ContractStatus | None = UNSET  # type: ignore[valid-type]
    offer_id: strawberry.ID | None = UNSET
    citizen_cpr: str | None = strawberry.field(
        default=UNSET,
        description=(
            "One citizen's contracts, found by the keyed hash; for the contracts' parties "
            "(the registry administrator is refused)."
        ),
    )


@strawberry.input(
    description=(
        "Claim that another municipality refunds what one of your municipality's contracts "
        "costs (mellemkommunal refusion, retssikkerhedsloven § 9 c), naming the case it rests "
        "on. The municipality answers; your municipality keeps paying the provider."
    )
)
class RefundClaimCreateInput:
    contract_id: strawberry.ID
    debtor_code: str = strawberry.field(
        description="The municipality that is to refund (its 3-digit code), not your own."
    )
    paragraph: RefundParagraph  # type: ignore[valid-type]
    from_day: datetime.date | None = strawberry.field(
        default=UNSET, description="The first day the claim covers; the contract's first day."
    )
    to_day: datetime.date | None = strawberry.field(
        default=UNSET, description="The last day; left out, as long as the contract runs."
    )
    note: str | None = UNSET
    idempotency_key: str | None = strawberry.field(default=UNSET, description=IDEMPOTENCY)


@strawberry.input(description="Accept a refund claim against your municipality.")
class RefundClaimAcceptInput:
    id: strawberry.ID
    reason: str | None = UNSET


@strawberry.input(
    description=(
        "Dispute a refund claim against your municipality, with the reason. The dispute is "
        "recorded; it is settled outside the product (Ankestyrelsen), and the buyer keeps paying."
    )
)
class RefundClaimDisputeInput:
    id: strawberry.ID
    reason: str


@strawberry.input(description="Withdraw your municipality's claim (waiting, or disputed).")
class RefundClaimWithdrawInput:
    id: strawberry.ID
    reason: str | None = UNSET


@strawberry.input
class RefundClaimFilterInput:
    status: RefundClaimStatus | None = UNSET  # type: ignore[valid-type]
    role: RefundRole | None = strawberry.field(  # type: ignore[valid-type]
        default=UNSET,
        description="CLAIMANT: your municipality's claims; DEBTOR: claims against it; both when left out.",
    )
