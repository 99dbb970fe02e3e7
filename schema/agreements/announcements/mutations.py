"""Write side of announcements (registry admin), reports (the region's steering group) and
forecasts (a municipality, or its steering group)."""

from __future__ import annotations

import datetime
from typing import Any

import strawberry

from agreements.announcements import service as announcements
from agreements.announcements.models import (
    AnnouncementCreate,
    ForecastSet,
    ReportCreate,
    ReportFields,
)
from agreements.gaps import service as gaps
from marketplace.core.identity import Principal
from schema.agreements.announcements.types import (
    AnnouncementStatus,
    Assessment,
    CentralAnnouncement,
    DemandForecast,
    RegionalReport,
)
from schema.agreements.frameworks.inputs import AgreementDocumentInput
from schema.context import Info
from schema.errors import UserError
from schema.mutation import Given, mutate


@strawberry.input
class CentralAnnouncementCreateInput:
    issuer: str
    issued_on: datetime.date
    title: str
    target_groups: list[str] = strawberry.field(description="FFB codes.")
    small_group: bool | None = strawberry.UNSET
    complex_needs: bool | None = strawberry.UNSET
    description: str | None = strawberry.UNSET
    estimate_low: int | None = strawberry.UNSET
    estimate_high: int | None = strawberry.UNSET
    estimate_note: str | None = strawberry.UNSET
    report_deadline: datetime.date | None = strawberry.UNSET
    status: AnnouncementStatus | None = strawberry.UNSET  # type: ignore[valid-type]
    outcome: str | None = strawberry.UNSET
    documents: list[AgreementDocumentInput] | None = strawberry.UNSET


@strawberry.input(description="A report's content; on update, what is left out stays.")
class RegionalReportFields:
    assessment: Assessment | None = strawberry.UNSET  # type: ignore[valid-type]
    offer_ids: list[strawberry.ID] | None = strawberry.field(
        default=strawberry.UNSET, description="The region's offers that serve the group."
    )
    challenges: str | None = strawberry.UNSET
    coordination_model: str | None = strawberry.UNSET
    planned_initiatives: str | None = strawberry.UNSET


@strawberry.input
class RegionalReportCreateInput(RegionalReportFields):
    announcement_id: strawberry.ID
    region_code: str


@strawberry.input
class RegionalReportUpdateInput(RegionalReportFields):
    id: strawberry.ID


@strawberry.input
class RegionalReportSubmitInput:
    id: strawberry.ID


@strawberry.input
class DemandForecastSetInput:
    municipality_code: str
    target_group: str = strawberry.field(description="An FFB code.")
    year: int
    places: int
    note: str | None = strawberry.UNSET


@strawberry.type
class CentralAnnouncementPayload:
    central_announcement: CentralAnnouncement | None
    errors: list[UserError]


@strawberry.type
class RegionalReportPayload:
    regional_report: RegionalReport | None
    errors: list[UserError]


@strawberry.type
class DemandForecastPayload:
    demand_forecast: DemandForecast | None
    errors: list[UserError]


def _report_offers(given: Given) -> None:
    given.ids("offer_ids", "Offer", "offer")


@strawberry.type
class AnnouncementMutation:
    @strawberry.mutation(description="Record a central announcement (registry administrator).")
    async def central_announcement_create(
        self, info: Info, input: CentralAnnouncementCreateInput
    ) -> CentralAnnouncementPayload:
        return await mutate(
            info,
            CentralAnnouncementPayload,
            input,
            lambda who, given: announcements.create_announcement(
                who, given.command(AnnouncementCreate, nulls="all")
            ),
        )

    @strawberry.mutation(
        description="Draft the region's report on an announcement (steering group)."
    )
    async def regional_report_create(
        self, info: Info, input: RegionalReportCreateInput
    ) -> RegionalReportPayload:
        async def call(who: Principal, given: Given) -> Any:
            _report_offers(given)
            announcement_id = given.id(
                "announcement_id", "CentralAnnouncement", "central announcement"
            )
            command = given.command(ReportCreate, nulls="all")
            return await announcements.create_report(who, announcement_id, command)

        return await mutate(info, RegionalReportPayload, input, call)

    @strawberry.mutation(description="Change a draft report.")
    async def regional_report_update(
        self, info: Info, input: RegionalReportUpdateInput
    ) -> RegionalReportPayload:
        async def call(who: Principal, given: Given) -> Any:
            _report_offers(given)
            report_id = given.id("id", "RegionalReport", "report")
            command = given.command(ReportFields, nulls="all")
            return await announcements.update_report(who, report_id, command)

        return await mutate(info, RegionalReportPayload, input, call)

    @strawberry.mutation(description="Submit the region's report (once).")
    async def regional_report_submit(
        self, info: Info, input: RegionalReportSubmitInput
    ) -> RegionalReportPayload:
        return await mutate(
            info,
            RegionalReportPayload,
            input,
            lambda who, given: announcements.submit_report(
                who, given.id("id", "RegionalReport", "report")
            ),
        )

    @strawberry.mutation(
        description="Record the places a municipality expects to need (itself, or its steering group)."
    )
    async def demand_forecast_set(
        self, info: Info, input: DemandForecastSetInput
    ) -> DemandForecastPayload:
        return await mutate(
            info,
            DemandForecastPayload,
            input,
            lambda who, given: gaps.set_forecast(who, given.command(ForecastSet, nulls="all")),
        )
