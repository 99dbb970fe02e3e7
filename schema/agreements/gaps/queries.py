"""Read side of the gap analysis and the municipalities' demand forecasts."""

from __future__ import annotations

import datetime

import strawberry

from agreements.gaps import report as gap_report
from agreements.gaps import service as gaps
from schema.agreements.gaps.types import DemandForecastReport, SupplyGapReport
from schema.context import Info


@strawberry.type
class GapQuery:
    @strawberry.field(description="The region's demand forecasts for a year.")
    async def demand_forecasts(
        self, info: Info, region_code: str, year: int
    ) -> DemandForecastReport:
        found = await gaps.forecasts(info.context.principal, region_code, year)
        return DemandForecastReport.of(found)

    @strawberry.field(
        description=(
            "Supply and demand per target group in a region on a day (today when left out), "
            "every target group unless some are named; each figure with what is behind it."
        )
    )
    async def supply_gaps(
        self,
        info: Info,
        region_code: str,
        target_group_codes: list[str] | None = None,
        as_of: datetime.date | None = None,
    ) -> SupplyGapReport:
        report = await gaps.supply_gaps(
            info.context.principal, region_code, target_group_codes, as_of
        )
        return SupplyGapReport.of(report, gap_report.present(report, info.context.principal))
