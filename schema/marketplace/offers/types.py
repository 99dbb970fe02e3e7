"""GraphQL types of the offer catalogue."""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Awaitable, Sequence
from decimal import Decimal

import strawberry
from strawberry import relay

from marketplace.core.pagination import PageRequest
from marketplace.offers import models as m
from marketplace.offers import pricing
from marketplace.offers.service import ListedOffer
from marketplace.offers.taxonomy import BasisKind as DomainBasisKind
from marketplace.offers.taxonomy import LegalBasis as DomainLegalBasis
from marketplace.offers.taxonomy import LegalBasisInfo as DomainLegalBasisInfo
from marketplace.offers.taxonomy import SupervisingAuthority as DomainAuthority
from marketplace.offers.taxonomy import legal_bases
from schema.context import Info
from schema.convert import FromView, from_view
from schema.marketplace.organisations.types import Address, Coordinates, Municipality, Provider
from schema.money import Money
from schema.relay import (
    Connection,
    load_each,
    load_held,
    load_one,
    nodes_by_key,
    selects_anywhere,
)

OfferCategory = strawberry.enum(m.OfferCategory, name="OfferCategory")
AgeSegment = strawberry.enum(m.AgeSegment, name="AgeSegment")
OfferStatus = strawberry.enum(
    m.OfferStatus, name="OfferStatus", description="draft -> published -> suspended -> closed"
)
UniqueOfferStatus = strawberry.enum(
    m.UniqueOfferStatus,
    name="UniqueOfferStatus",
    description="Unique offers: in the reinforced cooperation, or in the emergency track (nødspor).",
)
SpecialCondition = strawberry.enum(m.SpecialCondition, name="SpecialCondition")
Coverage = strawberry.enum(
    m.Coverage,
    name="Coverage",
    description=(
        "Whom an offer serves: its region, a part of the country (landsdelsdækkende) or the "
        "whole country (landsdækkende tilbud, sikrede afdelinger)."
    ),
)
ApprovalStatus = strawberry.enum(
    m.ApprovalStatus, name="ApprovalStatus", description="The socialtilsyn's decision."
)
PriceUnit = strawberry.enum(m.PriceUnit, name="PriceUnit")
LegalBasis = strawberry.enum(
    DomainLegalBasis,
    name="LegalBasis",
    description="A paragraph of Serviceloven (SEL), Barnets lov (BL) or a related act.",
)
LegalBasisKind = strawberry.enum(DomainBasisKind, name="LegalBasisKind")
SupervisingAuthority = strawberry.enum(
    DomainAuthority,
    name="SupervisingAuthority",
    description="Who supervises: the socialtilsyn (social supervisory authority) or the municipality.",
)


@strawberry.type(description="A legal basis with its paragraph, title and supervising authority.")
class LegalBasisInfo(FromView):
    code: LegalBasis  # type: ignore[valid-type]
    law: str
    paragraph: str
    title_da: str
    title_en: str
    kind: LegalBasisKind  # type: ignore[valid-type]
    supervising_authority: SupervisingAuthority  # type: ignore[valid-type]
    socialtilsyn_when_residential: bool = strawberry.field(
        description="Supervised by the socialtilsyn when delivered in a residential setting."
    )
    historical: bool = strawberry.field(description="Repealed or replaced; not for new offers.")

    @classmethod
    def of(cls, view: DomainLegalBasisInfo) -> LegalBasisInfo:
        return from_view(cls, view, code=view.basis, supervising_authority=view.authority)


@strawberry.type(description="A target group (målgruppe) from KL's FFB terminology.")
class TargetGroup(FromView):
    code: str = strawberry.field(description="The FFB concept code (a UUID).")
    label_da: str
    label_en: str = strawberry.field(description="English gloss.")
    group_da: str = strawberry.field(description="Its group: physical, mental, social ...")


@strawberry.type(description="A service type (ydelsestype) from Tilbudsportalen's list of 12.")
class ServiceType(FromView):
    code: str
    label_da: str
    label_en: str


@strawberry.type(description="The socialtilsyn's approval of the offer.")
class Approval:
    status: ApprovalStatus  # type: ignore[valid-type]
    approved_places: int | None
    approved_on: datetime.date | None

    @classmethod
    def of(cls, view: m.OfferView) -> Approval:
        return from_view(cls, view, status=view.approval_status)


@strawberry.type(description="Places: capacity, places in use today and free places.")
class Capacity:
    places: int = strawberry.field(description="Places the offer has.")
    occupied: int = strawberry.field(
        description="Places in use today: under contract here, and declared by the provider."
    )
    contracted: int = strawberry.field(description="Places under contracts made here, today.")
    declared: int = strawberry.field(
        description="Places the provider declares in use outside contracts made here."
    )
    free: int = strawberry.field(description="Places free today: places minus occupied.")
    expected_free_from: datetime.date | None = strawberry.field(
        description="When the provider expects a place to be free, if none is now."
    )


@strawberry.type(description="A price level (takstniveau) and what it covers.")
class PriceLevel:
    name: str
    covers: str
    price: Money


@strawberry.type(description="An add-on service (tillægsydelse) with its own price.")
class AddOn:
    name: str
    description: str
    unit: PriceUnit  # type: ignore[valid-type]
    price: Money


def _percent(bp: int | None) -> Decimal | None:
    return None if bp is None else (Decimal(bp) / 100).quantize(Decimal("0.01"))


@strawberry.type(
    description=(
        "A version of an offer's price list (takster) for a calendar year. Versions are never "
        "edited: a correction is a new version with a reason."
    )
)
class PriceList(FromView):
    year: int
    version: int
    valid_from: datetime.date = strawberry.field(description="First day this version is in force.")
    unit: PriceUnit  # type: ignore[valid-type]
    base_price: Money = strawberry.field(description="The base price (grundtakst).")
    levels: list[PriceLevel]
    add_ons: list[AddOn]
    accepts_special_arrangements: bool = strawberry.field(
        description="Whether individually priced special arrangements (særforanstaltninger) are accepted."
    )
    vat_included: bool
    overhead_percent: Decimal | None
    budgeted_occupancy_percent: Decimal | None
    notice_days: int | None = strawberry.field(
        description="The provider's notice period, where no regional agreement applies."
    )
    notice_months: int | None = strawberry.field(
        description=(
            "Or the provider's notice to the end of a month: the rest of the month plus this "
            "many months."
        )
    )
    bill_first_day: bool | None
    bill_last_day: bool | None
    reason: str
    published_at: datetime.datetime
    in_use: bool = strawberry.field(description="A contract refers to this version.")

    @classmethod
    def of(cls, view: m.PriceListView) -> PriceList:
        return from_view(
            cls,
            view,
            overhead_percent=_percent(view.overhead_bp),
            budgeted_occupancy_percent=_percent(view.budgeted_occupancy_bp),
            in_use=view.locked_at is not None,
        )


@strawberry.type(description="The price in force on a day.")
class Price(FromView):
    amount: Money
    unit: PriceUnit  # type: ignore[valid-type]
    level: str | None = strawberry.field(description="The price level; null for the base price.")
    vat_included: bool
    price_list: PriceList


@strawberry.type(description="A change in an offer's history.")
class OfferEvent(FromView):
    at: datetime.datetime
    kind: str = strawberry.field(
        description=(
            "created, updated, published, suspended, closed, price_list_published, or (to "
            "signed-in users) special_condition_approved and unique_status."
        )
    )
    from_status: OfferStatus | None  # type: ignore[valid-type]
    to_status: OfferStatus | None  # type: ignore[valid-type]
    reason: str
    detail: str
    actor: str | None = strawberry.field(
        description=(
            "Who made the change (the token's subject): shown to the organisation that made "
            "it and to the registry administrator, null to others."
        )
    )
    fields: list[str] = strawberry.field(description="Fields an update changed.")


# An offer's objects made from its view only when a query selects them
def _approval(root: Offer) -> Approval:
    return Approval.of(root.view)


def _address(root: Offer) -> Address | None:
    view = root.view
    return Address.of(view) if view.street_address and view.postal_code and view.city else None


def _coordinates(root: Offer) -> Coordinates | None:
    view = root.view
    return (
        Coordinates.of(view) if view.latitude is not None and view.longitude is not None else None
    )


@strawberry.type(
    description=(
        "An offer (tilbud): what a provider sells, to whom, where, under which paragraphs, "
        "with its capacity and yearly prices."
    )
)
class Offer(relay.Node):
    id: relay.NodeID[str]
    name: str
    description: str = strawberry.field(description="What the base price covers.")
    category: OfferCategory  # type: ignore[valid-type]
    age_segment: AgeSegment  # type: ignore[valid-type]
    min_age: int
    max_age: int
    status: OfferStatus  # type: ignore[valid-type]
    is_demo: bool = strawberry.field(description="True for fictitious demo data.")
    approval: Approval = strawberry.field(resolver=_approval)
    unique_status: UniqueOfferStatus  # type: ignore[valid-type]
    special_conditions: list[SpecialCondition]  # type: ignore[valid-type]
    takes_acute: bool = strawberry.field(
        description="Takes acute placements: answers an acute request within hours."
    )
    coverage: Coverage = strawberry.field(  # type: ignore[valid-type]
        description="National and supra-regional offers are followed across the regions."
    )
    address: Address | None = strawberry.field(resolver=_address)
    coordinates: Coordinates | None = strawberry.field(resolver=_coordinates)
    published_at: datetime.datetime | None
    created_at: datetime.datetime
    updated_at: datetime.datetime
    view: strawberry.Private[m.OfferView]
    # a list's offer comes with its provider and municipality (``listed``), read in the
    # page's own statement: no loader then
    listed: strawberry.Private[ListedOffer | None] = dataclasses.field(default=None, init=False)
    contracted: strawberry.Private[int | None] = dataclasses.field(default=None, init=False)
    resolve_nodes = nodes_by_key(lambda info: info.context.marketplace.offer_by_id)

    @classmethod
    def of(cls, view: m.OfferView) -> Offer:
        return from_view(cls, view)

    @classmethod
    def of_listed(cls, item: ListedOffer) -> Offer:
        """A list's offer, with its provider and municipality at hand."""
        offer = cls.of(item.offer)
        offer.listed = item
        return offer

    async def _relations(self, info: Info) -> m.OfferRelations:
        relations = await info.context.marketplace.offer_relations.load(self.view.id)
        return relations or m.OfferRelations()

    # the places under contract: counted for a page's offers at once (``count_contracted``),
    # so that no task is left for graphql-core to await, else read through the loader
    @strawberry.field(graphql_type=Capacity)
    def capacity(self, info: Info) -> Capacity | Awaitable[Capacity]:
        if self.contracted is not None:
            return self._capacity(self.contracted)
        return self._capacity_loaded(info)

    async def _capacity_loaded(self, info: Info) -> Capacity:
        contracted = await info.context.marketplace.contracted_places_by_offer.load(self.view.id)
        return self._capacity(contracted or 0)

    def _capacity(self, contracted: int) -> Capacity:
        declared = self.view.occupied_places
        occupied = declared + contracted
        return Capacity(
            places=self.view.capacity_places,
            occupied=occupied,
            contracted=contracted,
            declared=declared,
            free=max(self.view.capacity_places - occupied, 0),
            expected_free_from=self.view.expected_free_from,
        )

    # provider and municipality: at hand for a list's offer (no task for graphql-core to
    # await), else read through the request's loader
    @strawberry.field(graphql_type=Provider)
    def provider(self, info: Info) -> Provider | Awaitable[Provider]:
        if self.listed is not None:
            return Provider.of(self.listed.provider)
        loader = info.context.marketplace.provider_by_id
        return load_held(loader, self.view.provider_id, Provider.of)

    @strawberry.field(
        description="The municipality the offer lies in (beliggenhedskommune).",
        graphql_type=Municipality | None,
    )
    def municipality(self, info: Info) -> Municipality | Awaitable[Municipality | None] | None:
        if self.listed is not None:
            found = self.listed.municipality
            return Municipality.of(found) if found is not None else None
        loader = info.context.marketplace.municipality_by_code
        return load_one(loader, self.view.municipality_code, Municipality.of)

    @strawberry.field
    async def legal_bases(self, info: Info) -> list[LegalBasisInfo]:
        relations = await self._relations(info)
        return [LegalBasisInfo.of(legal_bases()[b]) for b in relations.legal_bases]

    @strawberry.field(description="Derived from the legal bases.")
    async def supervising_authority(self, info: Info) -> SupervisingAuthority | None:  # type: ignore[valid-type]
        relations = await self._relations(info)
        return m.supervising_authority(self.view.category, relations.legal_bases)

    @strawberry.field
    async def service_types(self, info: Info) -> list[ServiceType]:
        relations = await self._relations(info)
        loader = info.context.marketplace.service_type_by_code
        return await load_each(loader, relations.service_types, ServiceType.of)

    @strawberry.field(description="Target groups, the primary one first.")
    async def target_groups(self, info: Info) -> list[TargetGroup]:
        relations = await self._relations(info)
        loader = info.context.marketplace.target_group_by_code
        return await load_each(loader, relations.target_groups, TargetGroup.of)

    @strawberry.field
    async def primary_target_group(self, info: Info) -> TargetGroup | None:
        code = (await self._relations(info)).primary_target_group
        return await load_one(info.context.marketplace.target_group_by_code, code, TargetGroup.of)

    @strawberry.field(description="Methods and approaches (faglig tilgang og metode).")
    async def methods(self, info: Info) -> list[str]:
        return (await self._relations(info)).methods

    async def _versions(self, info: Info, year: int) -> list[m.PriceListView]:
        versions = await info.context.marketplace.price_lists_by_offer_year.load(
            (self.view.id, year)
        )
        return versions or []

    @strawberry.field(
        description="The latest version of the price list for a year, or a given version."
    )
    async def price_list(
        self, info: Info, year: int, version: int | None = None
    ) -> PriceList | None:
        versions = await self._versions(info, year)
        if version is not None:
            chosen = next((v for v in versions if v.version == version), None)
        else:
            chosen = pricing.latest(versions, year)
        return PriceList.of(chosen) if chosen else None

    @strawberry.field(description="Every version of the price list for a year, oldest first.")
    async def price_list_versions(self, info: Info, year: int) -> list[PriceList]:
        return [PriceList.of(v) for v in await self._versions(info, year)]

    @strawberry.field(description="The price in force on a day, at a level or the base price.")
    async def price_for(
        self, info: Info, date: datetime.date, level: str | None = None
    ) -> Price | None:
        found = pricing.quote(await self._versions(info, date.year), date, level)
        return Price.of(found) if found else None

    @strawberry.field(description="Every change to the offer, oldest first.")
    async def history(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[OfferEvent]:
        page = PageRequest.of(first, after)
        loaded = await info.context.marketplace.history_by_offer.load(
            (self.view.id, page.first, page.after)
        )
        assert loaded is not None
        return Connection.of(loaded, OfferEvent.of)


async def count_contracted(info: Info, offers: Sequence[Offer]) -> None:
    """The places under contract of a page's offers, counted at once through the request's
    loader (its one statement) when the operation selects an offer's capacity."""
    if not offers or not selects_anywhere(info, "capacity"):
        return
    loader = info.context.marketplace.contracted_places_by_offer
    counts = await loader.load_many([offer.view.id for offer in offers])
    for offer, count in zip(offers, counts, strict=True):
        offer.contracted = count or 0
