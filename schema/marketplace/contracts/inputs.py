"""GraphQL inputs of contracting; pydantic commands validate them."""

from __future__ import annotations

import datetime
from decimal import Decimal

import strawberry
from strawberry import UNSET

from schema.marketplace.contracts.types import (
    ContractStatus,
    DeclineReason,
    FrameBasis,
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
        default=UNSET, description="For an offer priced per hour: hours a month."
    )
    hours_per_week: Decimal | None = strawberry.field(
        default=UNSET,
        description="For an offer priced per hour: hours a week instead (SEL § 85 support).",
    )
    add_ons: list[AddOnRequestInput] | None = UNSET
    urgency: Urgency | None = UNSET  # type: ignore[valid-type]
    message: str | None = UNSET
    individual_plan_ref: str | None = UNSET
    follow_up_on: datetime.date | None = UNSET
    idempotency_key: str | None = strawberry.field(default=UNSET, description=IDEMPOTENCY)


@strawberry.input(
    description=(
        "Accept a request as asked: the contract is made from the desired start (today, if "
        "that has passed) at the level, hours and add-ons asked for, if a place is free. "
        "Other terms are a proposal (placementRequestPropose)."
    )
)
class PlacementRequestAcceptInput:
    id: strawberry.ID
    message: str | None = UNSET
    idempotency_key: str | None = strawberry.field(default=UNSET, description=IDEMPOTENCY)


@strawberry.input(description="Staff a special arrangement needs: hours a week at an hourly rate.")
class StaffCostInput:
    role: str
    hours_per_week: Decimal
    hourly_rate: Decimal = strawberry.field(description="DKK an hour.")


@strawberry.input(
    description=(
        "A special arrangement's (særforanstaltning) costs: its price per day is (the staff's "
        "weekly cost / 7 + other costs a day) x (1 + overhead), to the øre."
    )
)
class SpecialArrangementCostInput:
    staff: list[StaffCostInput]
    other_costs_per_day: Decimal | None = strawberry.field(default=UNSET, description="DKK a day.")
    overhead_percent: Decimal | None = strawberry.field(
        default=UNSET, description="Within the cap of the agreement that covers the offer."
    )


@strawberry.input(
    description=(
        "Answer a request with other terms: any of the start, the level (null for the base "
        "price), the hours, the add-ons, or a special arrangement with its costs and a review "
        "date. What is left out stays as asked. The buyer accepts or rejects the proposal."
    )
)
class PlacementRequestProposeInput:
    id: strawberry.ID
    start_date: datetime.date | None = UNSET
    price_level: str | None = UNSET
    hours_per_month: Decimal | None = UNSET
    hours_per_week: Decimal | None = strawberry.field(
        default=UNSET, description="Hours a week instead of hoursPerMonth."
    )
    add_ons: list[AddOnRequestInput] | None = UNSET
    special_arrangement: SpecialArrangementCostInput | None = UNSET
    review_on: datetime.date | None = UNSET
    message: str | None = UNSET
    idempotency_key: str | None = strawberry.field(default=UNSET, description=IDEMPOTENCY)


@strawberry.input(description="Accept the provider's proposal: the contract is made on its terms.")
class PlacementProposalAcceptInput:
    id: strawberry.ID
    idempotency_key: str | None = strawberry.field(default=UNSET, description=IDEMPOTENCY)


@strawberry.input(description="Reject the provider's proposal, with a reason: the request ends.")
class PlacementProposalRejectInput:
    id: strawberry.ID
    reason: str


@strawberry.input
class PlacementRequestDeclineInput:
    id: strawberry.ID
    reason: DeclineReason  # type: ignore[valid-type]
    text: str | None = strawberry.field(default=UNSET, description="Required with OTHER.")


@strawberry.input
class PlacementRequestWithdrawInput:
    id: strawberry.ID
    reason: str | None = UNSET


@strawberry.input(
    description=(
        "Give notice (either party): the contract's last day follows from the agreed notice, "
        "counted from effectiveFrom (today when left out)."
    )
)
class ContractGiveNoticeInput:
    id: strawberry.ID
    reason: str = strawberry.field(description="Why; never a CPR number.")
    effective_from: datetime.date | None = strawberry.field(
        default=UNSET,
        description=(
            "The day the notice counts from: today or later, and not before the contract's "
            "first day; today when left out."
        ),
    )


@strawberry.input(
    description=(
        "Propose a change: a price level (null for the base price), add-ons (replacing the "
        "agreed ones) from a day, an end date, or (on its own) the withdrawal of the notice in "
        "force. The other party accepts or rejects it."
    )
)
class ContractChangeProposeInput:
    contract_id: strawberry.ID
    effective_from: datetime.date | None = UNSET
    price_level: str | None = UNSET
    add_ons: list[AddOnRequestInput] | None = UNSET
    special_arrangement: SpecialArrangementCostInput | None = strawberry.field(
        default=UNSET,
        description="A special arrangement's new costs (and so its price), with reviewOn.",
    )
    review_on: datetime.date | None = UNSET
    end_date: datetime.date | None = UNSET
    withdraw_notice: bool | None = strawberry.field(
        default=UNSET,
        description=(
            "Withdraw the notice in force: accepted, the contract runs again as before the "
            "notice (INVALID_STATE when no notice is in force)."
        ),
    )
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
        "Let a request above its author's frame go to the provider (an approver of the buying "
        "municipality, not the request's author)."
    )
)
class PlacementRequestApproveInput:
    id: strawberry.ID
    reason: str | None = UNSET


@strawberry.input(description="Refuse a request above its author's frame, with a reason.")
class PlacementRequestRefuseInput:
    id: strawberry.ID
    reason: str


@strawberry.input(
    description=(
        "Set a case handler's frame: for one purchaser (subject, their login) or, with no "
        "subject, for every purchaser of the municipality. The municipality's approvers keep "
        "its frames."
    )
)
class ApprovalFrameSetInput:
    municipality_code: str
    subject: str | None = UNSET
    amount: Decimal = strawberry.field(description="DKK.")
    basis: FrameBasis | None = strawberry.field(  # type: ignore[valid-type]
        default=UNSET, description="PER_MONTH (the default) or TO_FOLLOW_UP."
    )


@strawberry.input(description="Name a purchaser (by login) who approves requests above frames.")
class ApproverInput:
    municipality_code: str
    subject: str


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
