"""GraphQL types of the organisation registry."""

from __future__ import annotations

from typing import Any

import strawberry
from strawberry import relay

from marketplace.core.identity import OrgKind as DomainOrgKind
from marketplace.core.identity import Role as DomainRole
from marketplace.organisations import service as organisations
from marketplace.organisations.models import MunicipalityView, ProviderView, RegionView
from marketplace.organisations.tables import OwnerType as DomainOwnerType
from schema.context import Info
from schema.convert import FromView, from_view
from schema.relay import load_held, load_one, nodes_by_key

OwnerType = strawberry.enum(
    DomainOwnerType, name="OwnerType", description="Who runs a provider (driftsherre)."
)
Role = strawberry.enum(DomainRole, name="Role", description="What a signed-in caller may do.")
OrgKind = strawberry.enum(DomainOrgKind, name="OrgKind", description="Kind of organisation code.")


@strawberry.type(description="Geographic coordinates in WGS 84 degrees.")
class Coordinates(FromView):
    latitude: float
    longitude: float


@strawberry.type(description="A Danish postal address.")
class Address(FromView):
    street_address: str
    postal_code: str
    city: str


@strawberry.type(description="One of the five Danish regions.")
class Region(relay.Node):
    node_id: relay.NodeID[str]
    code: str = strawberry.field(description="Region code, 1081-1085.")
    name: str
    resolve_nodes = nodes_by_key(lambda info: info.context.marketplace.region_by_code, str)

    @classmethod
    def of(cls, view: RegionView) -> Region:
        return from_view(cls, view, node_id=view.code)

    @strawberry.field(description="How many municipalities the region has.")
    async def municipality_count(self, info: Info) -> int:
        count = await info.context.marketplace.municipality_count_by_region.load(self.code)
        return count or 0


# Objects made from a view only when a query selects them
def _coordinates(root: Municipality | Provider) -> Coordinates:
    return Coordinates.of(root.view)


def _address(root: Provider) -> Address:
    return Address.of(root.view)


@strawberry.type(description="One of the 98 Danish municipalities (kommuner).")
class Municipality(relay.Node):
    node_id: relay.NodeID[str]
    code: str = strawberry.field(description="3-digit municipality code.")
    name: str
    seat: str = strawberry.field(description="The town that seats the municipality.")
    coordinates: Coordinates = strawberry.field(
        description="The seat's approximate position.", resolver=_coordinates
    )
    region_code: strawberry.Private[str]
    view: strawberry.Private[MunicipalityView]
    resolve_nodes = nodes_by_key(lambda info: info.context.marketplace.municipality_by_code, str)

    @classmethod
    def of(cls, view: MunicipalityView) -> Municipality:
        return from_view(cls, view, node_id=view.code)

    @strawberry.field
    async def region(self, info: Info) -> Region:
        return await load_held(info.context.marketplace.region_by_code, self.region_code, Region.of)


@strawberry.type(
    description=(
        "A provider (driftsherre): the municipality, region or private operator that runs "
        "offers. A municipality or region that runs offers is itself their provider."
    )
)
class Provider(relay.Node):
    id: relay.NodeID[str]
    org_code: str = strawberry.field(
        description="The organisation's code: municipality code, region code or CVR number."
    )
    name: str
    owner_type: OwnerType  # type: ignore[valid-type]
    cvr: str | None = strawberry.field(description="CVR number (always set for private ones).")
    address: Address = strawberry.field(resolver=_address)
    coordinates: Coordinates = strawberry.field(resolver=_coordinates)
    email: str | None
    phone: str | None
    website: str | None
    description: str
    is_demo: bool = strawberry.field(description="True for fictitious demo data.")
    municipality_code: strawberry.Private[str]
    view: strawberry.Private[ProviderView]
    resolve_nodes = nodes_by_key(lambda info: info.context.marketplace.provider_by_id)

    @classmethod
    def of(cls, view: ProviderView) -> Provider:
        return from_view(cls, view)

    @strawberry.field(description="The municipality the provider lies in (beliggenhedskommune).")
    async def municipality(self, info: Info) -> Municipality:
        return await load_held(
            info.context.marketplace.municipality_by_code, self.municipality_code, Municipality.of
        )

    @strawberry.field(description="The region the provider lies in.")
    async def region(self, info: Info) -> Region:
        municipality = await self.municipality(info)
        return await municipality.region(info)


@strawberry.type(description="The signed-in caller.")
class Viewer:
    subject: str
    role: Role  # type: ignore[valid-type]
    organisation_code: str
    organisation_kind: OrgKind  # type: ignore[valid-type]

    @strawberry.field(description="The caller's municipality, when it is one.")
    async def municipality(self, info: Info) -> Municipality | None:
        if self.organisation_kind is not DomainOrgKind.MUNICIPALITY:
            return None
        loader = info.context.marketplace.municipality_by_code
        return await load_one(loader, self.organisation_code, Municipality.of)

    @strawberry.field(description="The caller's region, when it is one.")
    async def region(self, info: Info) -> Region | None:
        if self.organisation_kind is not DomainOrgKind.REGION:
            return None
        loader = info.context.marketplace.region_by_code
        return await load_one(loader, self.organisation_code, Region.of)

    @strawberry.field(description="The provider record the caller's organisation runs, if any.")
    async def provider(self) -> Provider | None:
        view = await organisations.provider_for_org(self.organisation_code)
        return Provider.of(view) if view else None


@strawberry.type(
    description="An organisation's e-invoicing settings: the identifiers its PEPPOL invoices "
    "carry. Read and set by its own users and the registry administrator."
)
class OrganisationSettings:
    org_code: str = strawberry.field(description="The organisation's code.")
    cvr: str | None = strawberry.field(
        description="The legal entity's CVR number (8 digits, modulus-11 checked); a private "
        "provider's is its organisation code when none is set."
    )
    gln: str | None = strawberry.field(
        description="The EAN/GLN location number invoices are sent to (13 digits, GS1 check "
        "digit); when set, the party's PEPPOL electronic address (scheme 0088)."
    )

    @classmethod
    def of(cls, ids: Any) -> OrganisationSettings:
        return cls(org_code=ids.org_code, cvr=ids.cvr, gln=ids.gln)
