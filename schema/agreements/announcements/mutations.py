"""Write side of announcements (registry admin) and reports (the region's steering group)."""

from __future__ import annotations

import strawberry

from agreements.announcements import service as announcements
from agreements.announcements.models import (
    AnnouncementCreate,
    ReportCreate,
    ReportFields,
    ReportView,
)
from marketplace.core.identity import Principal
from schema.agreements.announcements.inputs import (
    CentralAnnouncementCreateInput,
    RegionalReportCreateInput,
    RegionalReportSubmitInput,
    RegionalReportUpdateInput,
)
from schema.agreements.announcements.types import CentralAnnouncement, RegionalReport
from schema.errors import UserError
from schema.mutation import Given, mutation


@strawberry.type
class CentralAnnouncementPayload:
    central_announcement: CentralAnnouncement | None
    errors: list[UserError]


@strawberry.type
class RegionalReportPayload:
    regional_report: RegionalReport | None
    errors: list[UserError]


async def _create_report(who: Principal, given: Given) -> ReportView:
    given.ids("offer_ids", "Offer", "offer")
    announcement_id = given.id("announcement_id", "CentralAnnouncement", "central announcement")
    command = given.command(ReportCreate, nulls="all")
    return await announcements.create_report(who, announcement_id, command)


async def _update_report(who: Principal, given: Given) -> ReportView:
    given.ids("offer_ids", "Offer", "offer")
    report_id = given.id("id", "RegionalReport", "report")
    return await announcements.update_report(
        who, report_id, given.command(ReportFields, nulls="all")
    )


@strawberry.type
class AnnouncementMutation:
    central_announcement_create = mutation(
        CentralAnnouncementPayload,
        CentralAnnouncementCreateInput,
        lambda who, given: announcements.create_announcement(
            who, given.command(AnnouncementCreate, nulls="all")
        ),
        description="Record a central announcement (registry administrator).",
    )
    regional_report_create = mutation(
        RegionalReportPayload,
        RegionalReportCreateInput,
        _create_report,
        description="Draft the region's report on an announcement (steering group).",
    )
    regional_report_update = mutation(
        RegionalReportPayload,
        RegionalReportUpdateInput,
        _update_report,
        description="Change a draft report.",
    )
    regional_report_submit = mutation(
        RegionalReportPayload,
        RegionalReportSubmitInput,
        lambda who, given: announcements.submit_report(
            who, given.id("id", "RegionalReport", "report")
        ),
        description="Submit the region's report (once).",
    )
