"""What a purchaser can ask the search for, validated."""

from __future__ import annotations

import datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from marketplace.core.money import DKKAmount
from marketplace.offers.models import OfferCategory, UniqueOfferStatus
from marketplace.offers.taxonomy import LegalBasis, service_type_records, target_group_records
from marketplace.organisations.reference import municipality_records, region_records
from marketplace.search.text import MAX_QUERY_CHARS

MAX_CODES = 20
Codes = Annotated[
    list[Annotated[str, StringConstraints(strip_whitespace=True)]], Field(max_length=MAX_CODES)
]


class OfferSort(StrEnum):
    RELEVANCE = "relevance"
    DISTANCE = "distance"
    PRICE = "price"
    FREE_PLACES = "free_places"
    NAME = "name"


def _unknown(kind: str, codes: list[str], known: set[str]) -> None:
    unknown = [c for c in codes if c not in known]
    if unknown:
        raise PydanticCustomError(kind, "unknown code(s): {codes}", {"codes": ", ".join(unknown)})


class Near(BaseModel):
    """A point (a municipality's seat or coordinates) and a radius."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    municipality_code: str | None = None
    latitude: Annotated[float, Field(ge=54.4, le=57.9)] | None = None
    longitude: Annotated[float, Field(ge=7.9, le=15.4)] | None = None
    radius_km: Annotated[float, Field(gt=0, le=500)] | None = None

    @field_validator("municipality_code")
    @classmethod
    def _known_municipality(cls, code: str | None) -> str | None:
        if code is not None:
            _unknown("unknown_municipality", [code], {m.code for m in municipality_records()})
        return code

    @model_validator(mode="after")
    def _one_point(self) -> Near:
        has_coordinates = self.latitude is not None and self.longitude is not None
        if (self.municipality_code is None) == (not has_coordinates):
            raise ValueError("give either a municipality code or both latitude and longitude")
        return self

    def point(self) -> tuple[float, float]:
        if self.municipality_code is not None:
            seat = next(m for m in municipality_records() if m.code == self.municipality_code)
            return seat.latitude, seat.longitude
        assert self.latitude is not None and self.longitude is not None
        return self.latitude, self.longitude


class SearchCriteria(BaseModel):
    """Filters combine with AND; the values within one list with OR (except all_target_groups)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    query: Annotated[str, StringConstraints(strip_whitespace=True, max_length=MAX_QUERY_CHARS)] = ""
    any_target_groups: Codes = []
    all_target_groups: Codes = []
    legal_bases: Annotated[list[LegalBasis], Field(max_length=MAX_CODES)] = []
    categories: list[OfferCategory] = []
    service_types: Codes = []
    region_codes: Codes = []
    municipality_codes: Codes = []
    near: Near | None = None
    age: Annotated[int, Field(ge=0, le=120)] | None = None
    max_price_per_day: DKKAmount | None = None
    free_places: bool = False
    free_from: datetime.date | None = None
    methods: Annotated[
        list[Annotated[str, StringConstraints(strip_whitespace=True, max_length=100)]],
        Field(max_length=MAX_CODES),
    ] = []
    unique_statuses: list[UniqueOfferStatus] = []
    acute: bool = False  # only offers that take acute placements
    sort: OfferSort | None = None

    @field_validator("any_target_groups", "all_target_groups")
    @classmethod
    def _known_target_groups(cls, codes: list[str]) -> list[str]:
        _unknown("invalid", codes, {r.code for r in target_group_records()})
        return codes

    @field_validator("service_types")
    @classmethod
    def _known_service_types(cls, codes: list[str]) -> list[str]:
        _unknown("invalid", codes, {r.code for r in service_type_records()})
        return codes

    @field_validator("region_codes")
    @classmethod
    def _known_regions(cls, codes: list[str]) -> list[str]:
        _unknown("unknown_region", codes, set(region_records()))
        return codes

    @field_validator("municipality_codes")
    @classmethod
    def _known_municipalities(cls, codes: list[str]) -> list[str]:
        _unknown("unknown_municipality", codes, {m.code for m in municipality_records()})
        return codes

    @model_validator(mode="after")
    def _sort_needs_its_input(self) -> SearchCriteria:
        if self.sort is OfferSort.DISTANCE and self.near is None:
            raise PydanticCustomError("invalid", "sorting by distance needs `near`")
        return self

    @property
    def effective_sort(self) -> OfferSort:
        if self.sort is not None:
            return self.sort
        if self.query:
            return OfferSort.RELEVANCE
        if self.near is not None:
            return OfferSort.DISTANCE
        return OfferSort.NAME

    def signal(self) -> dict[str, Any]:
        """The filters as recorded for demand analysis: codes and numbers, never the query text."""
        return self.model_dump(mode="json", exclude={"query"}, exclude_defaults=True)
