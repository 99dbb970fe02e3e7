"""GraphQL types of needs sent to several offers: the need (anonymised: no citizen), and each
offer's answer with what the buyer compares side by side."""

from __future__ import annotations

import datetime
from decimal import Decimal

import strawberry
from strawberry import relay

from marketplace.contracts import models as m
from marketplace.core.pagination import PageRequest, page_of
from schema.context import Info
from schema.convert import FromView, from_view
from schema.marketplace.contracts.types import (
    AgreedAddOn,
    DeclineReason,
    PlacementRequest,
    SpecialArrangementCost,
    Urgency,
)
from schema.marketplace.offers.types import (
    LegalBasis,
    Offer,
    OfferCategory,
    PriceUnit,
    SpecialCondition,
    TargetGroup,
    UniqueOfferStatus,
)
from schema.marketplace.organisations.types import Coordinates, Municipality, Provider, Region
from schema.money import Money
from schema.relay import Connection, load_each, load_held, load_one, nodes_by_key

NeedStatus = strawberry.enum(
    m.NeedStatus,
    name="PlacementNeedStatus",
    description=(
        "open (the providers answer until respondBy) -> deciding (the buyer picks an answer "
        "by decideBy) -> chosen | closed (nothing was picked); open or deciding -> cancelled"
    ),
)
NeedAnswerStatus = strawberry.enum(
    m.NeedAnswerStatus,
    name="NeedAnswerStatus",
    description=(
        "waiting -> proposed | declined | no_answer (nothing by the deadline) | not_chosen "
        "(another was picked first) | cancelled; proposed -> chosen | not_chosen | cancelled"
    ),
)


@strawberry.type(
    description=(
        "Where the place is wanted: a municipality's or a region's offers, or near a point (a "
        "municipality's seat, or coordinates) within a radius."
    )
)
class NeedArea:
    coordinates: Coordinates | None = strawberry.field(description="The point, if one was given.")
    radius_km: float | None
    municipality_code: strawberry.Private[str | None]
    region_code: strawberry.Private[str | None]

    @classmethod
    def of(cls, view: m.NeedArea) -> NeedArea:
        placed = view.latitude is not None and view.longitude is not None
        return cls(
            coordinates=Coordinates(latitude=view.latitude, longitude=view.longitude)  # type: ignore[arg-type]
            if placed
            else None,
            radius_km=view.radius_km,
            municipality_code=view.municipality_code,
            region_code=view.region_code,
        )

    @strawberry.field(description="The municipality (its offers, or its seat with a radius).")
    async def municipality(self, info: Info) -> Municipality | None:
        loader = info.context.marketplace.municipality_by_code
        return await load_one(loader, self.municipality_code, Municipality.of)

    @strawberry.field(description="The region whose offers are wanted.")
    async def region(self, info: Info) -> Region | None:
        return await load_one(info.context.marketplace.region_by_code, self.region_code, Region.of)


@strawberry.type(description="What the search a need was sent by asked beyond the need itself.")
class NeedSearch(FromView):
    query: str
    categories: list[OfferCategory]  # type: ignore[valid-type]
    service_types: list[str]
    methods: list[str]
    free_places: bool
    free_from: datetime.date | None
    unique_statuses: list[UniqueOfferStatus]  # type: ignore[valid-type]


@strawberry.type(
    description=(
        "One anonymised need a municipality sent to several offers at once: who it is for in "
        "general terms, where, from when and by when the answers are due. It names no citizen: "
        "the identity is given only to the provider whose answer is picked. The buying "
        "municipality and the providers it was sent to see it."
    )
)
class PlacementNeed(FromView, relay.Node):
    id: relay.NodeID[str]
    status: NeedStatus  # type: ignore[valid-type]
    age: int
    legal_basis: LegalBasis | None  # type: ignore[valid-type]
    area: NeedArea | None = strawberry.field(
        description="null: anywhere, measured from the buying municipality's seat."
    )
    desired_start: datetime.date
    hours_per_month: Decimal | None = strawberry.field(description="For offers priced per hour.")
    urgency: Urgency  # type: ignore[valid-type]
    max_price_per_day: Money | None = strawberry.field(
        description="The ceiling on a price per day (a level's, the base price or a special arrangement's)."
    )
    message: str
    respond_by: datetime.datetime = strawberry.field(description="When the answers close.")
    decide_by: datetime.datetime = strawberry.field(
        description="By when the buyer picks an answer; after it, a need nothing was picked from is closed."
    )
    created_at: datetime.datetime
    closed_at: datetime.datetime | None
    sent_count: int | None = strawberry.field(
        description="How many offers it went to (the buyer only)."
    )
    matched_count: int | None = strawberry.field(
        description="How many offers the search found; it went to at most 50 (the buyer only)."
    )
    search: NeedSearch | None = strawberry.field(
        description="What the search it was sent by asked beyond the need (the buyer only)."
    )
    cancel_reason: str | None = strawberry.field(description="The buyer only.")
    view: strawberry.Private[m.NeedView]
    resolve_nodes = nodes_by_key(lambda info: info.context.marketplace.need_by_id)

    @classmethod
    def of(cls, view: m.NeedView) -> PlacementNeed:
        return from_view(
            cls,
            view,
            area=NeedArea.of(view.area) if view.area else None,
            max_price_per_day=Money.from_ore(view.max_price_ore)
            if view.max_price_ore is not None
            else None,
            search=NeedSearch.of(view.match) if view.match else None,
        )

    @strawberry.field(description="The target groups the need is for.")
    async def target_groups(self, info: Info) -> list[TargetGroup]:
        loader = info.context.marketplace.target_group_by_code
        return await load_each(loader, self.view.target_groups, TargetGroup.of)

    @strawberry.field(description="The buying municipality.")
    async def buyer(self, info: Info) -> Municipality:
        return await load_held(
            info.context.marketplace.municipality_by_code, self.view.buyer, Municipality.of
        )

    @strawberry.field(
        description=(
            "The answers side by side: proposals first (per-day prices cheapest first, then "
            "nearest), then those still waiting, then the declines. The buyer sees every "
            "answer; a provider its own."
        )
    )
    async def answers(
        self,
        info: Info,
        status: NeedAnswerStatus | None = None,  # type: ignore[valid-type]
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[NeedAnswer]:
        found = await info.context.marketplace.need_answers_by_need.load(self.view.id) or []
        chosen = [a for a in found if status is None or a.status is status]
        return Connection.of(page_of(chosen, PageRequest.of(first, after)), NeedAnswer.of)

    @strawberry.field(
        description="The request the picked answer became (the buyer, and its provider)."
    )
    async def placement_request(self, info: Info) -> PlacementRequest | None:
        found = await info.context.marketplace.need_answers_by_need.load(self.view.id) or []
        picked = [a for a in found if a.status is m.NeedAnswerStatus.CHOSEN]
        return await picked_request(info, picked[0].id) if picked else None


async def picked_request(info: Info, answer_id: object) -> PlacementRequest | None:
    request_id = await info.context.marketplace.request_id_by_need_answer.load(answer_id)  # type: ignore[arg-type]
    loader = info.context.marketplace.placement_request_by_id
    return await load_one(loader, request_id, PlacementRequest.of)


@strawberry.type(description="The agreement that covers an offer today, and why.")
class AppliedAgreement:
    name: str | None = strawberry.field(description="null where no agreement covers the offer.")
    source: str = strawberry.field(
        description="Why: the agreement in force for the offer's region, or why none."
    )


@strawberry.type(
    description=(
        "One offer's answer to a need: a proposal with its terms and price, a decline with "
        "its reason, or none yet; with what the buyer weighs it by (distance, first free day, "
        "special conditions, the agreement). The need's buyer and the offer's provider see it."
    )
)
class NeedAnswer(FromView, relay.Node):
    id: relay.NodeID[str]
    status: NeedAnswerStatus  # type: ignore[valid-type]
    legal_basis: LegalBasis  # type: ignore[valid-type]
    distance_km: float | None = strawberry.field(
        description="From the need's point (or its municipality's seat) to the offer."
    )
    respond_by: datetime.datetime
    start_date: datetime.date | None
    price_level: str | None = strawberry.field(description="null: the base price.")
    hours_per_month: Decimal | None
    add_ons: list[AgreedAddOn] = strawberry.field(description="Priced by the price list.")
    special_arrangement: SpecialArrangementCost | None = strawberry.field(
        description="A special arrangement's costs; its price per day follows from them."
    )
    review_on: datetime.date | None
    unit: PriceUnit | None  # type: ignore[valid-type]
    price: Money | None = strawberry.field(
        description=(
            "The price proposed: the level's price (or the base price) in force on the start, "
            "or a special arrangement's price per day."
        )
    )
    message: str
    decline_reason: DeclineReason | None  # type: ignore[valid-type]
    decline_text: str
    sent_at: datetime.datetime
    answered_at: datetime.datetime | None
    view: strawberry.Private[m.NeedAnswerView]
    resolve_nodes = nodes_by_key(lambda info: info.context.marketplace.need_answer_by_id)

    @classmethod
    def of(cls, view: m.NeedAnswerView) -> NeedAnswer:
        return from_view(cls, view, unit=view.price_unit)

    @strawberry.field(description="The need it answers.")
    async def need(self, info: Info) -> PlacementNeed | None:
        loader = info.context.marketplace.need_by_id
        return await load_one(loader, self.view.need_id, PlacementNeed.of)

    @strawberry.field(description="The offer; null if it is no longer yours to see.")
    async def offer(self, info: Info) -> Offer | None:
        return await load_one(info.context.marketplace.offer_by_id, self.view.offer_id, Offer.of)

    @strawberry.field(description="The offer's provider (driftsherre).")
    async def provider(self, info: Info) -> Provider | None:
        loader = info.context.marketplace.provider_by_org
        return await load_one(loader, self.view.provider_org, Provider.of)

    async def _compared(self, info: Info) -> m.OfferComparison | None:
        return await info.context.marketplace.offer_comparison.load(self.view.offer_id)

    @strawberry.field(description="The first day the offer has a place free, as of today.")
    async def free_from(self, info: Info) -> datetime.date | None:
        compared = await self._compared(info)
        return compared.free_from if compared else None

    @strawberry.field(description="The special conditions the offer runs on.")
    async def special_conditions(self, info: Info) -> list[SpecialCondition]:  # type: ignore[valid-type]
        compared = await self._compared(info)
        return list(compared.special_conditions) if compared else []

    @strawberry.field(description="The agreement that covers the offer today.")
    async def agreement(self, info: Info) -> AppliedAgreement | None:
        compared = await self._compared(info)
        if compared is None:
            return None
        return AppliedAgreement(name=compared.agreement_name, source=compared.agreement_source)

    @strawberry.field(description="The request it became, once picked.")
    async def placement_request(self, info: Info) -> PlacementRequest | None:
        if self.view.status is not m.NeedAnswerStatus.CHOSEN:
            return None
        return await picked_request(info, self.view.id)
