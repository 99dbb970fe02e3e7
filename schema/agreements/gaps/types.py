"""GraphQL types of the gap analysis and the municipalities' demand forecasts."""

from __future__ import annotations

import datetime
import uuid
from decimal import Decimal

import strawberry

from agreements.announcements import models as am
from agreements.gaps import report as gap_report
from agreements.gaps import service as gaps
from marketplace.core.pagination import PageRequest, page_of
from schema.agreements.announcements.types import CentralAnnouncement
from schema.agreements.frameworks.types import Party
from schema.context import Info
from schema.convert import FromView, from_view
from schema.marketplace.offers.types import Offer, TargetGroup
from schema.marketplace.organisations.types import Region
from schema.relay import Connection, load_held, load_one


async def _target_group(info: Info, code: str) -> TargetGroup | None:
    return await load_one(info.context.marketplace.target_group_by_code, code, TargetGroup.of)


async def _region(info: Info, code: str) -> Region:
    return await load_held(info.context.marketplace.region_by_code, code, Region.of)


@strawberry.type(description="A municipality's forecast of the places it will need.")
class DemandForecast(FromView):
    municipality: Party
    view: strawberry.Private[am.ForecastView]
    year: int
    places: int
    note: str

    @strawberry.field
    async def target_group(self, info: Info) -> TargetGroup | None:
        return await _target_group(info, self.view.target_group)


@strawberry.type(description="The places forecast for a target group, summed over the region.")
class ForecastTotal:
    target_group_code: strawberry.Private[str]
    places: int

    @strawberry.field
    async def target_group(self, info: Info) -> TargetGroup | None:
        return await _target_group(info, self.target_group_code)


@strawberry.type(description="The region's demand forecasts for a year.")
class DemandForecastReport:
    year: int
    totals: list[ForecastTotal]
    municipalities: list[DemandForecast] = strawberry.field(
        description="The municipalities' own figures: for the region's steering group, and a purchaser's own."
    )
    view: strawberry.Private[gaps.ForecastReport]

    @classmethod
    def of(cls, view: gaps.ForecastReport) -> DemandForecastReport:
        totals = sorted(view.totals.items())
        return from_view(
            cls,
            view,
            totals=[ForecastTotal(target_group_code=code, places=n) for code, n in totals],
            municipalities=[DemandForecast.of(r) for r in view.rows],
        )

    @strawberry.field
    async def region(self, info: Info) -> Region:
        return await _region(info, self.view.region)


@strawberry.type(description='A count of people: `value` is null where it is shown as "< 3".')
class GapCount(FromView):
    value: int | None
    display: str


@strawberry.type(description="An offer behind a gap figure, with its counts.")
class GapOffer(FromView):
    places: int
    in_use: GapCount
    free: GapCount
    occupancy_percent: Decimal | None
    risks: list[str] = strawberry.field(description="Why the offer is at risk, if it is.")
    offer_id: strawberry.Private[uuid.UUID]
    name: str

    @strawberry.field
    async def offer(self, info: Info) -> Offer | None:
        return await load_one(info.context.marketplace.offer_by_id, self.offer_id, Offer.of)


@strawberry.type(description="The headline figures of one day.")
class GapFigures:
    places: int
    in_use: GapCount
    free: GapCount
    occupancy_percent: Decimal | None
    forecast_demand: int | None
    demand: GapCount
    gap: GapCount = strawberry.field(description="Demand minus places: above 0 is a shortfall.")

    @classmethod
    def of(cls, view: gap_report.Side) -> GapFigures:
        return from_view(cls, view, forecast_demand=view.forecast)


@strawberry.type(description="Supply and demand for one target group in the region.")
class SupplyGap:
    label: str
    now: GapFigures
    contracts_inside: GapCount = strawberry.field(
        description="Contracts bought from inside the region."
    )
    contracts_outside: GapCount
    searches_no_result: GapCount
    searches_few_results: GapCount
    declined_no_capacity: GapCount
    declined_fit: GapCount
    severity: str = strawberry.field(description="critical, high, medium or low (see the README).")
    year_earlier: GapFigures
    change_places: int
    change_in_use: GapCount
    change_gap: GapCount
    explanation: list[str]
    view: strawberry.Private[gap_report.GapLine]

    @classmethod
    def of(cls, view: gap_report.GapLine) -> SupplyGap:
        return from_view(
            cls,
            view,
            searches_no_result=GapCount.of(view.searches_none),
            searches_few_results=GapCount.of(view.searches_few),
            declined_no_capacity=GapCount.of(view.declined_capacity),
        )

    @strawberry.field(description="The offers behind the figures, by name.")
    def offers(self, first: int | None = None, after: str | None = None) -> Connection[GapOffer]:
        return Connection.of(page_of(self.view.offers, PageRequest.of(first, after)), GapOffer.of)

    @strawberry.field(
        description="The offers at risk: occupancy below the agreement's band at the last "
        "month-ends, unique offers, offers in the emergency track (see the README)."
    )
    def offers_at_risk(
        self, first: int | None = None, after: str | None = None
    ) -> Connection[GapOffer]:
        return Connection.of(page_of(self.view.at_risk, PageRequest.of(first, after)), GapOffer.of)

    @strawberry.field
    async def target_group(self, info: Info) -> TargetGroup | None:
        return await _target_group(info, self.view.target_group)

    @strawberry.field(description="The central announcement that names the group, if any.")
    async def announcement(self, info: Info) -> CentralAnnouncement | None:
        loader = info.context.agreements.announcement_by_id
        return await load_one(loader, self.view.announcement_id, CentralAnnouncement.of)


@strawberry.type(description="The gap analysis of a region on a day, per target group.")
class SupplyGapReport:
    as_of: datetime.date
    occupancy_band_min_percent: Decimal | None = strawberry.field(
        description="The agreement's lower occupancy bound used for offers at risk."
    )
    rows: list[SupplyGap] = strawberry.field(description="One per target group asked for (of 45).")
    view: strawberry.Private[gaps.GapReport]

    @classmethod
    def of(cls, view: gaps.GapReport, lines: list[gap_report.GapLine]) -> SupplyGapReport:
        band = view.band_min_bp
        return from_view(
            cls,
            view,
            occupancy_band_min_percent=Decimal(band) / 100 if band is not None else None,
            rows=[SupplyGap.of(line) for line in lines],
        )

    @strawberry.field
    async def region(self, info: Info) -> Region:
        return await _region(info, self.view.region)
