"""Read side of central announcements, reports, forecasts and the gap analysis."""

from __future__ import annotations

import datetime

import strawberry

from agreements.announcements import service as announcements
from agreements.gaps import report as gap_report
from agreements.gaps import service as gaps
from marketplace.core.errors import DomainError, ErrorCode
from marketplace.core.pagination import PageRequest
from schema.agreements.announcements.types import (
    AnnouncementStatus,
    CentralAnnouncement,
    DemandForecastReport,
    RegionalReport,
    SupplyGapReport,
)
from schema.context import Info
from schema.ids import node_uuid
from schema.relay import Connection, node_by_id


@strawberry.type
class AnnouncementQuery:
    @strawberry.field(description="Central announcements, oldest first.")
    async def central_announcements(
        self,
        info: Info,
        status: AnnouncementStatus | None = None,  # type: ignore[valid-type]
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[CentralAnnouncement]:
        page = await announcements.list_announcements(
            info.context.principal, PageRequest.of(first, after), status=status
        )
        return Connection.of(page, CentralAnnouncement.of)

    @strawberry.field
    async def central_announcement(
        self, info: Info, id: strawberry.ID
    ) -> CentralAnnouncement | None:
        return await node_by_id(info, id, CentralAnnouncement)

    @strawberry.field(
        description=(
            "The regions' reports, by announcement and/or region: the submitted ones, and drafts "
            "to their own region's steering group and the registry administrator."
        )
    )
    async def regional_reports(
        self,
        info: Info,
        announcement_id: strawberry.ID | None = None,
        region_code: str | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[RegionalReport]:
        announcement = None
        if announcement_id is not None:
            announcement = node_uuid(announcement_id, "CentralAnnouncement", ("announcementId",))
            if announcement is None:
                raise DomainError(
                    ErrorCode.NOT_FOUND,
                    "There is no such central announcement.",
                    ["announcementId"],
                )
        page = await announcements.list_reports(
            info.context.principal,
            PageRequest.of(first, after),
            announcement_id=announcement,
            region_code=region_code,
        )
        return Connection.of(page, RegionalReport.of)

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
