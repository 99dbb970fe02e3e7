"""Write side of announcements (registry admin) and reports (the region's steering group)."""

from __future__ import annotations

from typing import Any

import strawberry

from agreements.announcements import service as announcements
from agreements.announcements.models import (
    AnnouncementCreate,
    ReportCreate,
    ReportFields,
)
from marketplace.core.identity import Principal
from schema.agreements.announcements.inputs import (
    CentralAnnouncementCreateInput,
    RegionalReportCreateInput,
    RegionalReportSubmitInput,
    RegionalReportUpdateInput,
)
from schema.agreements.announcements.types import CentralAnnouncement, RegionalReport
from schema.context import Info
from schema.errors import UserError
from schema.mutation import Given, mutate


@strawberry.type
class CentralAnnouncementPayload:
    central_announcement: CentralAnnouncement | None
    errors: list[UserError]


@strawberry.type
class RegionalReportPayload:
    regional_report: RegionalReport | None
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
