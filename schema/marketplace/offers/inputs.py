"""GraphQL inputs of the offer catalogue; pydantic commands validate them."""

from __future__ import annotations

import datetime
from decimal import Decimal

import strawberry
from strawberry import UNSET

from schema.marketplace.offers.types import (
    AgeSegment,
    ApprovalStatus,
    Coverage,
    LegalBasis,
    OfferCategory,
    OfferStatus,
    PriceUnit,
    SpecialCondition,
    UniqueOfferStatus,
)


@strawberry.input(description="Narrow an offer list; filters combine with AND.")
class OfferFilterInput:
    provider_id: strawberry.ID | None = UNSET
    status: OfferStatus | None = UNSET  # type: ignore[valid-type]
    region_code: str | None = UNSET


@strawberry.input(description="The content of an offer; every field may be left out on update.")
class OfferContentFields:
    description: str | None = strawberry.field(
        default=UNSET, description="What the base price covers, in recognised professional terms."
    )
    legal_bases: list[LegalBasis] | None = UNSET  # type: ignore[valid-type]
    service_types: list[str] | None = strawberry.field(
        default=UNSET, description="Service type codes (see serviceTypes)."
    )
    target_groups: list[str] | None = strawberry.field(
        default=UNSET, description="Target group codes (see targetGroups)."
    )
    primary_target_group: str | None = strawberry.field(
        default=UNSET, description="One of targetGroups; defaults to the only one."
    )
    methods: list[str] | None = strawberry.field(
        default=UNSET,
        description="Methods and approaches in your own words (see methodSuggestions).",
    )
    street_address: str | None = UNSET
    postal_code: str | None = UNSET
    city: str | None = UNSET
    municipality_code: str | None = UNSET
    latitude: float | None = strawberry.field(
        default=UNSET, description="Defaults to the municipality's seat."
    )
    longitude: float | None = UNSET
    approval_status: ApprovalStatus | None = UNSET  # type: ignore[valid-type]
    approved_places: int | None = UNSET
    approved_on: datetime.date | None = UNSET
    unique_status: UniqueOfferStatus | None = UNSET  # type: ignore[valid-type]
    special_conditions: list[SpecialCondition] | None = UNSET  # type: ignore[valid-type]
    takes_acute: bool | None = strawberry.field(
        default=UNSET, description="Takes acute placements (answers within hours)."
    )
    coverage: Coverage | None = strawberry.field(  # type: ignore[valid-type]
        default=UNSET, description="National and supra-regional offers: followed by every region."
    )
    capacity_places: int | None = UNSET
    occupied_places: int | None = strawberry.field(
        default=UNSET,
        description="Places in use outside contracts made here (placements from before, others).",
    )
    expected_free_from: datetime.date | None = UNSET


@strawberry.input(description="Create a draft offer for a provider you administer.")
class OfferCreateInput(OfferContentFields):
    provider_id: strawberry.ID
    name: str
    category: OfferCategory  # type: ignore[valid-type]
    age_segment: AgeSegment  # type: ignore[valid-type]
    min_age: int
    max_age: int


@strawberry.input(description="Change an offer's content; fields left out stay as they are.")
class OfferUpdateInput(OfferContentFields):
    id: strawberry.ID
    name: str | None = UNSET
    category: OfferCategory | None = UNSET  # type: ignore[valid-type]
    age_segment: AgeSegment | None = UNSET  # type: ignore[valid-type]
    min_age: int | None = UNSET
    max_age: int | None = UNSET


@strawberry.input(description="Publish, suspend or close an offer, with the reason why.")
class OfferStatusChangeInput:
    id: strawberry.ID
    reason: str


@strawberry.input(description="A price level (takstniveau) and what it covers.")
class PriceLevelInput:
    name: str
    covers: str
    price: Decimal = strawberry.field(description="DKK, at most two decimals.")


@strawberry.input(description="An add-on service (tillægsydelse) with its own price.")
class AddOnInput:
    name: str
    description: str
    unit: PriceUnit  # type: ignore[valid-type]
    price: Decimal


@strawberry.input(
    description=(
        "Publish an offer's price list for a year. Publishing again makes a new version; "
        "for a year under way, or a list a contract refers to, that needs a reason."
    )
)
class PriceListPublishInput:
    offer_id: strawberry.ID
    year: int
    unit: PriceUnit  # type: ignore[valid-type]
    base_price: Decimal = strawberry.field(description="The base price (grundtakst) in DKK.")
    levels: list[PriceLevelInput] | None = UNSET
    add_ons: list[AddOnInput] | None = UNSET
    accepts_special_arrangements: bool = False
    vat_included: bool = strawberry.field(default=False, description="Private providers only.")
    overhead_percent: Decimal | None = UNSET
    budgeted_occupancy_percent: Decimal | None = UNSET
    notice_days: int | None = strawberry.field(
        default=UNSET,
        description="Notice period for contracts, where no regional agreement applies.",
    )
    notice_months: int | None = strawberry.field(
        default=UNSET,
        description=(
            "Or notice to the end of a month, where no regional agreement applies: the rest "
            "of the month plus this many months (not with noticeDays)."
        ),
    )
    bill_first_day: bool | None = strawberry.field(
        default=UNSET, description="Whether a contract's first day is billed (no agreement)."
    )
    bill_last_day: bool | None = strawberry.field(
        default=UNSET, description="Whether a contract's last day is billed (no agreement)."
    )
    valid_from: datetime.date | None = strawberry.field(
        default=UNSET,
        description="First day in force; defaults to 1 January, or today for a correction.",
    )
    reason: str | None = strawberry.field(default=UNSET, description="Why a new version is made.")
