"""Commands, rules and views of the offer catalogue."""

from __future__ import annotations

import datetime
import uuid
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from marketplace.core.money import DKKAmount
from marketplace.offers.taxonomy import (
    BasisKind,
    LegalBasis,
    SupervisingAuthority,
    legal_bases,
)
from marketplace.organisations.models import (
    Latitude,
    Line,
    Longitude,
    MunicipalityCode,
    PostalCode,
)


class OfferCategory(StrEnum):
    RESIDENTIAL = "residential"
    DAY = "day"
    OUTPATIENT = "outpatient"


class AgeSegment(StrEnum):
    CHILDREN_AND_YOUTH = "children_and_youth"
    ADULTS = "adults"


class OfferStatus(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    SUSPENDED = "suspended"
    CLOSED = "closed"


class UniqueOfferStatus(StrEnum):
    NONE = "none"
    REINFORCED_COOPERATION = "reinforced_cooperation"
    EMERGENCY_TRACK = "emergency_track"


class Coverage(StrEnum):
    """Whom an offer serves: its region's municipalities (the usual), a part of the country
    (landsdelsdækkende), or the whole country (landsdækkende tilbud, sikrede afdelinger),
    followed by KL across the regions."""

    REGIONAL = "regional"
    SUPRA_REGIONAL = "supra_regional"
    NATIONAL = "national"


class SpecialCondition(StrEnum):
    """Special conditions a steering group may grant a new offer for a small target group."""

    OBJECTIVE_FINANCING_STARTUP = "objective_financing_startup"
    LOWER_OCCUPANCY_PCT = "lower_occupancy_pct"
    COLLECTIVE_DEFICIT_COVER = "collective_deficit_cover"


class ApprovalStatus(StrEnum):
    """The social supervisory authority's (socialtilsyn's) decision on the offer."""

    NOT_APPLIED = "not_applied"
    APPLIED = "applied"
    APPROVED = "approved"
    REJECTED = "rejected"


class PriceUnit(StrEnum):
    PER_DAY = "per_day"
    PER_HOUR = "per_hour"
    PER_MONTH = "per_month"
    PER_YEAR = "per_year"


# Which paragraphs fit which kind of offer: a residential offer may also deliver day,
# support and treatment services (SEL § 108 with § 104; § 107 with § 101 døgnbehandling),
# a day offer support services, and so on.
FITTING_KINDS: dict[OfferCategory, frozenset[BasisKind]] = {
    OfferCategory.RESIDENTIAL: frozenset(BasisKind),
    OfferCategory.DAY: frozenset({BasisKind.DAY, BasisKind.SUPPORT}),
    OfferCategory.OUTPATIENT: frozenset({BasisKind.OUTPATIENT, BasisKind.SUPPORT}),
}
# ... and at least one paragraph must be of the offer's own kind.
OWN_KINDS: dict[OfferCategory, frozenset[BasisKind]] = {
    OfferCategory.RESIDENTIAL: frozenset({BasisKind.RESIDENTIAL}),
    OfferCategory.DAY: frozenset({BasisKind.DAY}),
    OfferCategory.OUTPATIENT: frozenset({BasisKind.OUTPATIENT, BasisKind.SUPPORT}),
}

MAX_LIST = 30
Age = Annotated[int, Field(ge=0, le=120)]
Places = Annotated[int, Field(ge=0, le=10_000)]
Term = Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=100)]
Code = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]
Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=1000)]


def _error(kind: str, message: str) -> PydanticCustomError:
    return PydanticCustomError(kind, message)


def supervising_authority(
    category: OfferCategory, bases: list[LegalBasis]
) -> SupervisingAuthority | None:
    """Who supervises an offer: the socialtilsyn if any paragraph puts it there (an offer
    approved under paragraphs of both groups is supervised by the socialtilsyn)."""
    if not bases:
        return None
    for basis in bases:
        info = legal_bases()[basis]
        if info.authority is SupervisingAuthority.SOCIALTILSYN:
            return SupervisingAuthority.SOCIALTILSYN
        if info.socialtilsyn_when_residential and category is OfferCategory.RESIDENTIAL:
            return SupervisingAuthority.SOCIALTILSYN
    return SupervisingAuthority.MUNICIPALITY


class OfferContent(BaseModel):
    """Everything a provider says about an offer. A draft may be incomplete; what publishing
    needs on top is checked by ``publish_problems``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=200)]
    description: Annotated[str, StringConstraints(strip_whitespace=True, max_length=8000)] = ""
    category: OfferCategory
    age_segment: AgeSegment
    min_age: Age
    max_age: Age
    legal_bases: list[LegalBasis] = Field(default_factory=list, max_length=10)
    service_types: list[Code] = Field(default_factory=list, max_length=12)
    target_groups: list[Code] = Field(default_factory=list, max_length=15)
    primary_target_group: Code | None = None
    methods: list[Term] = Field(default_factory=list, max_length=MAX_LIST)
    street_address: Line | None = None
    postal_code: PostalCode | None = None
    city: Line | None = None
    municipality_code: MunicipalityCode | None = None
    latitude: Latitude | None = None
    longitude: Longitude | None = None
    approval_status: ApprovalStatus = ApprovalStatus.NOT_APPLIED
    approved_places: Places | None = None
    approved_on: datetime.date | None = Field(default=None, validate_default=True)
    unique_status: UniqueOfferStatus = UniqueOfferStatus.NONE
    special_conditions: list[SpecialCondition] = Field(default_factory=list, max_length=3)
    takes_acute: bool = False  # takes acute placements (answers within hours)
    coverage: Coverage = Coverage.REGIONAL
    capacity_places: Places = 0
    occupied_places: Places = 0
    expected_free_from: datetime.date | None = None

    @model_validator(mode="before")
    @classmethod
    def _primary_defaults_to_the_only_group(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("primary_target_group") is None:
            groups = data.get("target_groups") or []
            if isinstance(groups, list) and len(groups) == 1:
                return {**data, "primary_target_group": groups[0]}
        return data

    @field_validator("max_age")
    @classmethod
    def _ages_fit(cls, max_age: int, info: ValidationInfo) -> int:
        min_age, segment = info.data.get("min_age"), info.data.get("age_segment")
        if min_age is not None and min_age > max_age:
            raise _error("invalid", "max_age must not be below min_age")
        if segment is AgeSegment.ADULTS and max_age < 18:
            raise _error("invalid", "an offer for adults must admit someone 18 or older")
        if segment is AgeSegment.CHILDREN_AND_YOUTH and min_age is not None and min_age >= 18:
            raise _error("invalid", "an offer for children and youth must admit someone under 18")
        return max_age

    @field_validator("legal_bases", "service_types", "target_groups", "methods")
    @classmethod
    def _no_repeats(cls, values: list[Any]) -> list[Any]:
        keys = [v.casefold() if isinstance(v, str) else v for v in values]
        if len(set(keys)) != len(keys):
            raise _error("invalid", "the same entry is listed twice")
        return values

    @field_validator("legal_bases")
    @classmethod
    def _bases_fit_the_category(
        cls, bases: list[LegalBasis], info: ValidationInfo
    ) -> list[LegalBasis]:
        infos = [legal_bases()[b] for b in bases]
        historical = [i.paragraph for i in infos if i.historical]
        if historical:
            raise _error(
                "invalid",
                f"{', '.join(historical)} is repealed or historical and cannot be used for an offer",
            )
        category = info.data.get("category")
        if category is None:
            return bases
        misfits = [f"{i.law} {i.paragraph}" for i in infos if i.kind not in FITTING_KINDS[category]]
        if misfits:
            raise _error("invalid", f"{', '.join(misfits)} does not fit a {category.value} offer")
        if infos and not any(i.kind in OWN_KINDS[category] for i in infos):
            raise _error(
                "invalid", f"a {category.value} offer needs a paragraph for that kind of offer"
            )
        return bases

    @field_validator("primary_target_group")
    @classmethod
    def _primary_is_listed(cls, primary: str | None, info: ValidationInfo) -> str | None:
        groups = info.data.get("target_groups")
        if primary is not None and groups is not None and primary not in groups:
            raise _error("invalid", "the primary target group must be one of the target groups")
        return primary

    @field_validator("capacity_places")
    @classmethod
    def _within_approval(cls, capacity: int, info: ValidationInfo) -> int:
        approved = info.data.get("approved_places")
        approved_status = info.data.get("approval_status") is ApprovalStatus.APPROVED
        if approved_status and approved is not None and capacity > approved:
            raise _error("invalid", f"capacity cannot exceed the {approved} approved places")
        return capacity

    @field_validator("occupied_places")
    @classmethod
    def _within_capacity(cls, occupied: int, info: ValidationInfo) -> int:
        capacity = info.data.get("capacity_places")
        if capacity is not None and occupied > capacity:
            raise _error("invalid", "occupied places cannot exceed the capacity")
        return occupied

    @field_validator("approved_on")
    @classmethod
    def _approval_is_complete(
        cls, approved_on: datetime.date | None, info: ValidationInfo
    ) -> datetime.date | None:
        if info.data.get("approval_status") is ApprovalStatus.APPROVED and (
            approved_on is None or info.data.get("approved_places") is None
        ):
            raise _error("invalid", "an approval needs the approved places and its date")
        return approved_on

    @model_validator(mode="after")
    def _address_and_position(self) -> OfferContent:
        address = (self.street_address, self.postal_code, self.city, self.municipality_code)
        if any(part is not None for part in address) and any(part is None for part in address):
            raise _error(
                "invalid", "an address needs street, postal code, city and municipality together"
            )
        if (self.latitude is None) != (self.longitude is None):
            raise _error("invalid", "latitude and longitude are given together or not at all")
        return self

    @property
    def supervising_authority(self) -> SupervisingAuthority | None:
        return supervising_authority(self.category, self.legal_bases)


class OfferView(BaseModel):
    """An offer's own columns, as read from the table."""

    model_config = ConfigDict(frozen=True)

    id: uuid.UUID
    provider_id: uuid.UUID
    provider_org_code: str
    name: str
    description: str
    category: OfferCategory
    age_segment: AgeSegment
    min_age: int
    max_age: int
    street_address: str | None
    postal_code: str | None
    city: str | None
    municipality_code: str | None
    latitude: float | None
    longitude: float | None
    approval_status: ApprovalStatus
    approved_places: int | None
    approved_on: datetime.date | None
    unique_status: UniqueOfferStatus
    takes_acute: bool = False
    coverage: Coverage = Coverage.REGIONAL
    special_conditions: list[SpecialCondition]
    capacity_places: int
    occupied_places: int
    expected_free_from: datetime.date | None
    status: OfferStatus
    is_demo: bool
    published_at: datetime.datetime | None
    created_at: datetime.datetime
    updated_at: datetime.datetime


class OfferRelations(BaseModel):
    """The lists that hang off an offer (link tables)."""

    model_config = ConfigDict(frozen=True)

    legal_bases: list[LegalBasis] = []
    service_types: list[str] = []
    target_groups: list[str] = []
    primary_target_group: str | None = None
    methods: list[str] = []


class OfferEventView(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: uuid.UUID
    at: datetime.datetime
    kind: str
    from_status: OfferStatus | None
    to_status: OfferStatus | None
    reason: str
    detail: str
    actor: str | None  # None: not shown to this caller
    fields: list[str]


# --- price lists -----------------------------------------------------------------------------

Percent = Annotated[Decimal, Field(ge=0, le=100, max_digits=5, decimal_places=2)]


class PriceLevelInput(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
    covers: Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=2000)]
    price: DKKAmount


class AddOnInput(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
    description: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=3, max_length=2000)
    ]
    unit: PriceUnit
    price: DKKAmount


class PriceListPublish(BaseModel):
    """Publish a price list (takster) for one calendar year, or a new version of one."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    year: Annotated[int, Field(ge=2000, le=2100)]
    unit: PriceUnit
    base_price: DKKAmount
    levels: list[PriceLevelInput] = Field(default_factory=list, max_length=10)
    add_ons: list[AddOnInput] = Field(default_factory=list, max_length=20)
    accepts_special_arrangements: bool = False
    vat_included: bool = False
    overhead_percent: Percent | None = None
    budgeted_occupancy_percent: Percent | None = None
    notice_days: Annotated[int, Field(ge=0, le=730)] | None = None
    # or notice to the end of a month: the rest of the month plus this many months
    notice_months: Annotated[int, Field(ge=0, le=24)] | None = None
    bill_first_day: bool | None = None
    bill_last_day: bool | None = None
    valid_from: datetime.date | None = None
    reason: Annotated[str, StringConstraints(strip_whitespace=True, max_length=1000)] = ""

    @model_validator(mode="after")
    def _consistent(self) -> PriceListPublish:
        names = [level.name.casefold() for level in self.levels]
        if len(set(names)) != len(names):
            raise _error("invalid", "two price levels have the same name")
        add_ons = [a.name.casefold() for a in self.add_ons]
        if len(set(add_ons)) != len(add_ons):
            raise _error("invalid", "two add-on services have the same name")
        if self.valid_from is not None and self.valid_from.year != self.year:
            raise _error("invalid", "valid_from must lie in the price list's year")
        if self.notice_days is not None and self.notice_months is not None:
            raise _error("invalid", "state the notice in days or in months, not both")
        return self


class PriceLevelView(BaseModel):
    model_config = ConfigDict(frozen=True)

    name: str
    covers: str
    price_ore: int


class AddOnView(BaseModel):
    model_config = ConfigDict(frozen=True)

    name: str
    description: str
    unit: PriceUnit
    price_ore: int


class PriceListView(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: uuid.UUID
    offer_id: uuid.UUID
    year: int
    version: int
    valid_from: datetime.date
    unit: PriceUnit
    base_price_ore: int
    vat_included: bool
    accepts_special_arrangements: bool
    overhead_bp: int | None
    budgeted_occupancy_bp: int | None
    notice_days: int | None
    notice_months: int | None
    bill_first_day: bool | None
    bill_last_day: bool | None
    reason: str
    published_at: datetime.datetime
    published_by: str
    locked_at: datetime.datetime | None
    levels: list[PriceLevelView]
    add_ons: list[AddOnView]


class PriceQuote(BaseModel):
    """The price in force on a day, at a level (or the base price)."""

    model_config = ConfigDict(frozen=True)

    amount_ore: int
    unit: PriceUnit
    level: str | None
    vat_included: bool
    price_list: PriceListView
