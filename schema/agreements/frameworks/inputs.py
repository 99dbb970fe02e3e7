"""GraphQL inputs of the agreement registry; pydantic commands validate them."""

from __future__ import annotations

import datetime
from decimal import Decimal

import strawberry
from strawberry import UNSET

from schema.agreements.frameworks.types import (
    AgreementStatus,
    CouncilDecisionKind,
    InvoiceFrequency,
)
from schema.marketplace.contracts.types import NoticeConvention
from schema.marketplace.offers.types import (
    LegalBasis,
    OfferCategory,
    SpecialCondition,
    UniqueOfferStatus,
)


@strawberry.input
class FocusAreaInput:
    title: str
    text: str | None = UNSET
    target_groups: list[str] | None = strawberry.field(default=UNSET, description="FFB codes.")


@strawberry.input
class AgreementDocumentInput:
    title: str
    url: str


@strawberry.input(description="A key date: a day, or a period when endsOn is given.")
class MilestoneInput:
    title: str
    starts_on: datetime.date
    ends_on: datetime.date | None = UNSET
    description: str | None = UNSET


@strawberry.input(description="Content of an agreement; on update, lists given replace the stored.")
class AgreementFields:
    steering_group: str | None = strawberry.field(default=UNSET, description="E.g. DAS.")
    vision: str | None = UNSET
    approval_deadline: datetime.date | None = UNSET
    focus_areas: list[FocusAreaInput] | None = UNSET
    documents: list[AgreementDocumentInput] | None = UNSET
    milestones: list[MilestoneInput] | None = UNSET


@strawberry.input(description="A draft agreement for your region.")
class AgreementCreateInput(AgreementFields):
    region_code: str
    name: str
    valid_from: datetime.date
    valid_to: datetime.date
    parties: list[str] | None = strawberry.field(
        default=UNSET,
        description="Party codes; every municipality of the region and the region when left out.",
    )


@strawberry.input(description="Change an agreement, or move it along its lifecycle.")
class AgreementUpdateInput(AgreementFields):
    id: strawberry.ID
    name: str | None = UNSET
    valid_from: datetime.date | None = UNSET
    valid_to: datetime.date | None = UNSET
    status: AgreementStatus | None = UNSET  # type: ignore[valid-type]


@strawberry.input(
    description=(
        "A notice period for a category and/or a legal basis: `days` days (convention DAYS, "
        "the default), or the rest of the month plus `months` months, to a month's end "
        "(convention MONTH_END)."
    )
)
class NoticeRuleInput:
    category: OfferCategory | None = UNSET  # type: ignore[valid-type]
    legal_basis: LegalBasis | None = UNSET  # type: ignore[valid-type]
    convention: NoticeConvention | None = UNSET  # type: ignore[valid-type]
    days: int | None = strawberry.field(default=UNSET, description="With DAYS.")
    months: int | None = strawberry.field(default=UNSET, description="With MONTH_END, 0-24.")


@strawberry.input
class BillingRuleInput:
    bill_first_day: bool | None = UNSET
    bill_last_day: bool | None = UNSET
    invoice_frequency: InvoiceFrequency | None = UNSET  # type: ignore[valid-type]
    payment_term_days: int | None = strawberry.field(default=UNSET, description="14 to 30 days.")


@strawberry.input
class OccupancyBandInput:
    min_percent: Decimal
    max_percent: Decimal | None = UNSET
    min_percent_acute_respite: Decimal | None = UNSET
    recommended_max_percent: Decimal | None = strawberry.field(
        default=UNSET, description="Above it a price list is warned, not refused (e.g. 98)."
    )
    advisory: bool | None = UNSET


@strawberry.input(description="The steering part's rules; percentages are 0-100.")
class AgreementRulesInput:
    notice: list[NoticeRuleInput]
    billing: BillingRuleInput | None = UNSET
    overhead_cap_percent: Decimal | None = UNSET
    overhead_cap_advisory: bool | None = UNSET
    occupancy: OccupancyBandInput | None = UNSET
    budget_regulation_percent: Decimal | None = UNSET
    allowed_budget_deviation_percent: Decimal | None = UNSET
    carry_over_percent: Decimal | None = UNSET
    reserve_years: int | None = UNSET
    reserve_rules: str | None = UNSET
    new_offer_conditions: list[SpecialCondition] | None = UNSET  # type: ignore[valid-type]
    small_group_occupancy_percent: Decimal | None = UNSET
    acute_response_hours: int | None = strawberry.field(
        default=UNSET, description="Hours a provider has to answer an acute request."
    )
    price_lists_due: str | None = strawberry.field(
        default=UNSET,
        description="The day of the year (MM-DD, e.g. 10-01) by which providers publish next "
        "year's price lists; an offer without one after it is reminded.",
    )
    notes: str | None = UNSET


@strawberry.input(
    description=(
        "A new revision of an agreement not yet in force: the fields given replace the stored "
        "ones. A change of the period, vision, focus areas or rules is substantive: the "
        "councils' approvals start again."
    )
)
class AgreementReviseInput(AgreementFields):
    id: strawberry.ID
    reason: str
    name: str | None = UNSET
    valid_from: datetime.date | None = UNSET
    valid_to: datetime.date | None = UNSET
    rules: AgreementRulesInput | None = UNSET


@strawberry.input(description="Withdraw an agreement not yet in force; its period is free again.")
class AgreementWithdrawInput:
    id: strawberry.ID
    reason: str


@strawberry.input(description="A new version of an agreement's rules from a day.")
class AgreementRulesSetInput:
    agreement_id: strawberry.ID
    valid_from: datetime.date
    rules: AgreementRulesInput
    is_example: bool | None = UNSET


@strawberry.input
class CouncilDecisionRecordInput:
    agreement_id: strawberry.ID
    party_code: str
    decision: CouncilDecisionKind  # type: ignore[valid-type]
    body: str = strawberry.field(description="E.g. Byrådet, Regionsrådet.")
    decided_on: datetime.date
    reference: str | None = UNSET


@strawberry.input
class SpecialConditionApproveInput:
    agreement_id: strawberry.ID
    offer_id: strawberry.ID
    condition: SpecialCondition  # type: ignore[valid-type]
    approved_by: str = strawberry.field(description="E.g. DAS.")
    approved_on: datetime.date
    valid_from: datetime.date
    valid_to: datetime.date
    occupancy_percent: Decimal | None = strawberry.field(
        default=UNSET, description="For LOWER_OCCUPANCY_PCT only."
    )
    notes: str | None = UNSET


@strawberry.input
class SpecialConditionOptInInput:
    id: strawberry.ID
    municipality_code: str
    opted_in: bool
    decided_on: datetime.date


@strawberry.input
class UniqueOfferStatusSetInput:
    agreement_id: strawberry.ID
    offer_id: strawberry.ID
    year: int
    status: UniqueOfferStatus  # type: ignore[valid-type]
    recommended_by: str | None = UNSET
    working_group: str | None = strawberry.field(
        default=UNSET, description="Required in the emergency track."
    )
    progress: str | None = UNSET
    decided_on: datetime.date
