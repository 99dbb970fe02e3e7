"""GraphQL inputs of the organisation registry; pydantic commands validate them."""

from __future__ import annotations

import strawberry
from strawberry import UNSET

from schema.marketplace.organisations.types import OwnerType


@strawberry.input(description="Narrow a provider list; filters combine with AND.")
class ProviderFilterInput:
    owner_type: OwnerType | None = UNSET  # type: ignore[valid-type]
    region_code: str | None = strawberry.field(
        default=UNSET, description="Providers lying in this region (1081-1085)."
    )
    municipality_code: str | None = strawberry.field(
        default=UNSET, description="Providers lying in this municipality (3-digit code)."
    )
    search: str | None = strawberry.field(
        default=UNSET, description="Part of the provider's name, case-insensitive."
    )


@strawberry.input(description="Register a provider (driftsherre). Registry administrators only.")
class ProviderCreateInput:
    owner_type: OwnerType  # type: ignore[valid-type]
    org_code: str = strawberry.field(
        description=(
            "Municipality code (municipal), region code (regional) or CVR number (private)."
        )
    )
    name: str
    street_address: str
    postal_code: str
    city: str
    municipality_code: str = strawberry.field(
        description="The municipality the provider lies in (beliggenhedskommune)."
    )
    latitude: float | None = strawberry.field(
        default=UNSET, description="Defaults to the municipality's seat when left out."
    )
    longitude: float | None = UNSET
    cvr: str | None = strawberry.field(
        default=UNSET,
        description="CVR number of a public provider; a private one's is its org code.",
    )
    email: str | None = UNSET
    phone: str | None = UNSET
    website: str | None = UNSET
    description: str | None = UNSET
    is_demo: bool = strawberry.field(default=False, description="Mark as fictitious demo data.")


@strawberry.input(description="Change a provider's details; fields left out stay as they are.")
class ProviderUpdateInput:
    id: strawberry.ID
    name: str | None = UNSET
    street_address: str | None = UNSET
    postal_code: str | None = UNSET
    city: str | None = UNSET
    municipality_code: str | None = UNSET
    latitude: float | None = UNSET
    longitude: float | None = UNSET
    email: str | None = UNSET
    phone: str | None = UNSET
    website: str | None = UNSET
    description: str | None = UNSET


@strawberry.input(
    description="Set an organisation's e-invoicing identifiers; a field left out stays as it "
    "is, null or an empty string clears it."
)
class OrganisationSettingsUpdateInput:
    org_code: str = strawberry.field(description="The organisation (the caller's own).")
    cvr: str | None = strawberry.field(
        default=UNSET, description="CVR number: 8 digits with a valid modulus-11 check."
    )
    gln: str | None = strawberry.field(
        default=UNSET,
        description="EAN/GLN location number: 13 digits with a valid GS1 check digit.",
    )
