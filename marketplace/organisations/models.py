"""Commands and views of the organisation registry."""

from __future__ import annotations

import datetime
import re
import uuid
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator
from pydantic_core import PydanticCustomError

from marketplace.core.identity import is_valid_cvr
from marketplace.core.views import ViewOfRow
from marketplace.organisations.tables import OwnerType

# Denmark's extent with a margin (Bornholm in the east, Skagen in the north).
Latitude = Annotated[float, Field(ge=54.4, le=57.9)]
Longitude = Annotated[float, Field(ge=7.9, le=15.4)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=200)]
Line = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
PostalCode = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^\d{4}$")]
MunicipalityCode = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^\d{3}$")]
Email = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.\w+$")
]
Phone = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^\+?[\d ]{8,16}$")]
Website = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=300, pattern=r"^https?://\S+\.\S+$")
]
Description = Annotated[str, StringConstraints(strip_whitespace=True, max_length=4000)]

_REGION_CODE = re.compile(r"^108[1-5]$")
_MUNICIPALITY_CODE = re.compile(r"^\d{3}$")


def _check_cvr(value: str | None, field: str) -> None:
    if value is not None and not is_valid_cvr(value):
        raise PydanticCustomError(
            "invalid_cvr",
            "A CVR number has 8 digits that pass the modulus-11 check.",
        )


class _ProviderFields(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    street_address: Line | None = None
    postal_code: PostalCode | None = None
    city: Line | None = None
    municipality_code: MunicipalityCode | None = None
    latitude: Latitude | None = None
    longitude: Longitude | None = None
    email: Email | None = None
    phone: Phone | None = None
    website: Website | None = None
    description: Description | None = None

    @model_validator(mode="after")
    def _coordinates_in_pairs(self) -> Any:
        if (self.latitude is None) != (self.longitude is None):
            raise ValueError("latitude and longitude are given together or not at all")
        return self


class ProviderCreate(_ProviderFields):
    """Register a driftsherre. ``org_code`` is its municipality code, region code or CVR number.

    Without coordinates the provider is placed at its municipality's seat.
    """

    owner_type: OwnerType
    org_code: Annotated[str, StringConstraints(strip_whitespace=True)]
    name: Name
    street_address: Line
    postal_code: PostalCode
    city: Line
    municipality_code: MunicipalityCode
    cvr: Annotated[str, StringConstraints(strip_whitespace=True)] | None = None
    is_demo: bool = False

    @model_validator(mode="after")
    def _org_code_fits_owner_type(self) -> ProviderCreate:
        if self.owner_type is OwnerType.PRIVATE:
            _check_cvr(self.org_code, "the org code of a private provider")
            if self.cvr not in (None, self.org_code):
                raise ValueError("a private provider's CVR number is its org code")
        elif self.owner_type is OwnerType.REGIONAL:
            if not _REGION_CODE.match(self.org_code):
                raise PydanticCustomError(
                    "unknown_region",
                    "a regional provider's org code is its region code (1081-1085)",
                )
            _check_cvr(self.cvr, "cvr")
        else:
            if not _MUNICIPALITY_CODE.match(self.org_code):
                raise PydanticCustomError(
                    "unknown_municipality",
                    "a municipal provider's org code is its 3-digit municipality code",
                )
            _check_cvr(self.cvr, "cvr")
        return self

    @property
    def effective_cvr(self) -> str | None:
        return self.org_code if self.owner_type is OwnerType.PRIVATE else self.cvr


class ProviderUpdate(_ProviderFields):
    """Change a provider's own details; fields left out stay as they are."""

    name: Name | None = None

    @model_validator(mode="after")
    def _required_fields_stay(self) -> ProviderUpdate:
        cleared = sorted(
            f for f in self.model_fields_set & _NOT_CLEARABLE if getattr(self, f) is None
        )
        if cleared:
            raise ValueError(f"{', '.join(cleared)} cannot be cleared, only changed")
        return self

    def changes(self) -> dict[str, Any]:
        values = self.model_dump(exclude_unset=True)
        if "description" in values and values["description"] is None:
            values["description"] = ""
        return values


_NOT_CLEARABLE = frozenset(
    {"name", "street_address", "postal_code", "city", "municipality_code", "latitude", "longitude"}
)


class ProviderFilter(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    owner_type: OwnerType | None = None
    region_code: str | None = None
    municipality_code: str | None = None
    search: Annotated[str, StringConstraints(strip_whitespace=True, max_length=100)] | None = None


class RegionView(BaseModel):
    model_config = ConfigDict(frozen=True)

    code: str
    name: str


class MunicipalityView(BaseModel):
    model_config = ConfigDict(frozen=True)

    code: str
    name: str
    region_code: str
    seat: str
    latitude: float
    longitude: float


class ProviderView(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: uuid.UUID
    org_code: str
    name: str
    owner_type: OwnerType
    cvr: str | None
    street_address: str
    postal_code: str
    city: str
    municipality_code: str
    latitude: float
    longitude: float
    email: str | None
    phone: str | None
    website: str | None
    description: str
    is_demo: bool
    created_at: datetime.datetime
    updated_at: datetime.datetime

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> ProviderView:
        return _PROVIDER_OF_ROW(row)


_PROVIDER_OF_ROW = ViewOfRow(ProviderView, {"municipality_code": "municipality"})
