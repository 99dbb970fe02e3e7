"""Write side of announcements (registry admin), reports (the region's steering group) and
forecasts (a municipality, or its steering group)."""

from __future__ import annotations

import datetime
import uuid
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
from marketplace.core.errors import parse
from schema.agreements.announcement_types import (
    AnnouncementStatus,
    Assessment,
    CentralAnnouncement,
    DemandForecast,
    RegionalReport,
)
from schema.agreements.inputs import AgreementDocumentInput
from schema.agreements.mutations import _data, _id
from schema.agreements.types import Party
from schema.context import Info
from schema.errors import UserError, attempt


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


def _report_data(data: dict[str, Any]) -> dict[str, Any]:
    if isinstance(data.get("offer_ids"), list):
        data["offer_ids"] = [_id(o, "Offer", "offer", "offerIds") for o in data["offer_ids"]]
    return data


@strawberry.type
class AnnouncementMutation:
    @strawberry.mutation(description="Record a central announcement (registry administrator).")
    async def central_announcement_create(
        self, info: Info, input: CentralAnnouncementCreateInput
    ) -> CentralAnnouncementPayload:
        async def run() -> CentralAnnouncement:
            command = parse(AnnouncementCreate, _data(input), ["input"])
            view = await announcements.create_announcement(info.context.principal, command)
            return CentralAnnouncement.of(view)

        found, errors = await attempt(info, run)
        return CentralAnnouncementPayload(central_announcement=found, errors=errors)

    @strawberry.mutation(
        description="Draft the region's report on an announcement (steering group)."
    )
    async def regional_report_create(
        self, info: Info, input: RegionalReportCreateInput
    ) -> RegionalReportPayload:
        async def run() -> RegionalReport:
            data = _report_data(_data(input))
            announcement: uuid.UUID = _id(
                data.pop("announcement_id"),
                "CentralAnnouncement",
                "central announcement",
                "announcementId",
            )
            command = parse(ReportCreate, data, ["input"])
            view = await announcements.create_report(info.context.principal, announcement, command)
            return RegionalReport.of(view)

        found, errors = await attempt(info, run)
        return RegionalReportPayload(regional_report=found, errors=errors)

    @strawberry.mutation(description="Change a draft report.")
    async def regional_report_update(
        self, info: Info, input: RegionalReportUpdateInput
    ) -> RegionalReportPayload:
        async def run() -> RegionalReport:
            data = _report_data(_data(input))
            report_id = _id(data.pop("id"), "RegionalReport", "report", "id")
            command = parse(ReportFields, data, ["input"])
            view = await announcements.update_report(info.context.principal, report_id, command)
            return RegionalReport.of(view)

        found, errors = await attempt(info, run)
        return RegionalReportPayload(regional_report=found, errors=errors)

    @strawberry.mutation(description="Submit the region's report (once).")
    async def regional_report_submit(
        self, info: Info, input: RegionalReportSubmitInput
    ) -> RegionalReportPayload:
        async def run() -> RegionalReport:
            report_id = _id(input.id, "RegionalReport", "report", "id")
            view = await announcements.submit_report(info.context.principal, report_id)
            return RegionalReport.of(view)

        found, errors = await attempt(info, run)
        return RegionalReportPayload(regional_report=found, errors=errors)

    @strawberry.mutation(
        description="Record the places a municipality expects to need (itself, or its steering group)."
    )
    async def demand_forecast_set(
        self, info: Info, input: DemandForecastSetInput
    ) -> DemandForecastPayload:
        async def run() -> DemandForecast:
            command = parse(ForecastSet, _data(input), ["input"])
            view = await gaps.set_forecast(info.context.principal, command)
            return DemandForecast(
                municipality=Party.of(view.municipality),
                target_group_code=view.target_group,
                year=view.year,
                places=view.places,
                note=view.note,
            )

        found, errors = await attempt(info, run)
        return DemandForecastPayload(demand_forecast=found, errors=errors)
