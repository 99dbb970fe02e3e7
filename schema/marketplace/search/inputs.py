"""GraphQL inputs of offer search; the search's pydantic criteria validate them."""

from __future__ import annotations

import datetime
from decimal import Decimal

import strawberry
from strawberry import UNSET

from schema.marketplace.offers.types import LegalBasis, OfferCategory, UniqueOfferStatus


@strawberry.input(description="A point and a radius: a municipality's seat, or coordinates.")
class NearInput:
    municipality_code: str | None = UNSET
    latitude: float | None = UNSET
    longitude: float | None = UNSET
    radius_km: float | None = strawberry.field(default=UNSET, description="Leave out to only sort.")


@strawberry.input(description="Narrow a search; filters combine with AND.")
class OfferSearchFilter:
    any_target_groups: list[str] | None = strawberry.field(
        default=UNSET, description="Offers for at least one of these target groups."
    )
    all_target_groups: list[str] | None = strawberry.field(
        default=UNSET, description="Offers for every one of these target groups."
    )
    legal_bases: list[LegalBasis] | None = UNSET  # type: ignore[valid-type]
    categories: list[OfferCategory] | None = UNSET  # type: ignore[valid-type]
    service_types: list[str] | None = UNSET
    region_codes: list[str] | None = UNSET
    municipality_codes: list[str] | None = UNSET
    near: NearInput | None = UNSET
    age: int | None = strawberry.field(default=UNSET, description="The citizen's age.")
    max_price_per_day: Decimal | None = strawberry.field(
        default=UNSET, description="Highest base price per day (DKK) in force today."
    )
    free_places: bool | None = strawberry.field(default=UNSET, description="A place free now.")
    free_from: datetime.date | None = strawberry.field(
        default=UNSET, description="A place free now or expected free by this date."
    )
    methods: list[str] | None = UNSET
    unique_statuses: list[UniqueOfferStatus] | None = UNSET  # type: ignore[valid-type]
    acute: bool | None = strawberry.field(
        default=UNSET, description="Only offers that take acute placements."
    )
