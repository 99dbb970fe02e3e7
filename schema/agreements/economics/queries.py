"""Read side of the year's economics: the offer's provider, its region's steering group."""

from __future__ import annotations

import strawberry

from agreements.economics import national, service, settlement
from schema.agreements.economics.types import (
    NationalOffer,
    OfferYearEconomics,
    OfferYearSettlement,
)
from schema.context import Info
from schema.ids import require_uuid
from schema.relay import Connection, page_request


@strawberry.type
class EconomicsQuery:
    @strawberry.field(
        description=(
            "An offer's year: occupancy per month from contracts and declared places against "
            "the price list's budgeted occupancy, and the year's settlement once made (the "
            "provider, the region's steering group)."
        )
    )
    async def offer_year_economics(
        self, info: Info, offer_id: strawberry.ID, year: int
    ) -> OfferYearEconomics:
        found = require_uuid(offer_id, "Offer", "offer", "offerId")
        view = await service.year_economics(info.context.principal, found, year)
        return OfferYearEconomics.of(view)

    @strawberry.field(
        description=(
            "The year's settlements the caller reads: a steering group its region's (and the "
            "national and supra-regional offers'), a provider its own; by year and offer."
        )
    )
    async def offer_settlements(
        self,
        info: Info,
        year: int | None = None,
        region_code: str | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[OfferYearSettlement]:
        page = await settlement.list_settlements(
            info.context.principal,
            page_request(info, first, after),
            year=year,
            region_code=region_code,
        )
        return Connection.of(page, OfferYearSettlement.of)

    @strawberry.field(
        description=(
            "National and supra-regional offers (lands- og landsdelsdækkende tilbud) of every "
            "region, by name, with the year's occupancy and price development; every region's "
            "steering group reads them."
        )
    )
    async def national_offers(
        self,
        info: Info,
        year: int | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[NationalOffer]:
        page = await national.national_offers(
            info.context.principal, page_request(info, first, after), year
        )
        return Connection.of(page, NationalOffer.of)
