"""Central announcements (the registry administrator records them) and the regions' reports
on them (each region's steering group drafts and submits its own). Every signed-in user reads
the announcements and the submitted reports; a draft is read only by its region's steering
group and the registry administrator. A report is due by the announcement's deadline."""

from __future__ import annotations

import datetime
import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from functools import partial
from typing import Any

from piccolo.columns.combination import Combinable

from agreements.announcements.models import (
    AnnouncementCreate,
    AnnouncementStatus,
    AnnouncementView,
    ReportCreate,
    ReportFields,
    ReportStatus,
    ReportView,
)
from agreements.announcements.tables import CentralAnnouncement, RegionalReport, ReportOffer
from agreements.frameworks.approvals import days_late
from agreements.frameworks.service import require_steering
from marketplace.core.clock import today, utcnow
from marketplace.core.errors import DomainError, ErrorCode
from marketplace.core.identity import Principal, Role
from marketplace.core.pagination import Page, PageRequest, all_of, paginate
from marketplace.core.rows import row_as
from marketplace.core.unit_of_work import write_transaction
from marketplace.notifications.models import EventKind
from marketplace.offers import service as offers
from marketplace.organisations.reference import region_of, region_records

_NOT_FOUND = "There is no such central announcement."


@dataclass(frozen=True, slots=True)
class ReportRow:
    """A region's report as stored."""

    id: uuid.UUID
    announcement: uuid.UUID
    region: str
    assessment: str | None
    challenges: str
    coordination_model: str
    planned_initiatives: str
    status: str
    submitted_on: datetime.date | None
    submitted_by: str | None
    created_at: datetime.datetime
    updated_at: datetime.datetime


@dataclass(frozen=True, slots=True)
class ReportOfferRow:
    """An offer a report names."""

    report: uuid.UUID
    offer: uuid.UUID


@dataclass(frozen=True, slots=True)
class DeadlineRow:
    """An announcement's deadline for the regions' reports."""

    id: uuid.UUID
    report_deadline: datetime.date | None


def _signed_in(principal: Principal) -> None:
    if not principal.is_authenticated:
        raise DomainError(ErrorCode.UNAUTHENTICATED, "Sign in to read the announcements.")


def _announcement_view(row: dict[str, Any]) -> AnnouncementView:
    return AnnouncementView.model_validate(row)


async def announcements_by_id(
    principal: Principal, ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, AnnouncementView]:
    if not ids or not principal.is_authenticated:
        return {}
    rows = (
        await CentralAnnouncement.select()
        .where(CentralAnnouncement.id.is_in(list(ids)))
        .output(load_json=True)
        .run()
    )
    return {view.id: view for view in map(_announcement_view, rows)}


async def list_announcements(
    principal: Principal,
    page: PageRequest,
    *,
    status: AnnouncementStatus | None = None,
    newest_first: bool = False,
) -> Page[AnnouncementView]:
    """Announcements, oldest first (or newest first)."""
    _signed_in(principal)
    rows = await paginate(
        CentralAnnouncement,
        where=CentralAnnouncement.status == status.value if status else None,
        order_by=[CentralAnnouncement.issued_on, CentralAnnouncement.id],
        page=page,
        load_json=True,
        descending=newest_first,
    )
    return rows.map(_announcement_view)


async def announcements_for_groups(codes: Sequence[str]) -> dict[str, AnnouncementView]:
    """The latest announcement that names each target group."""
    found: dict[str, AnnouncementView] = {}
    rows = (
        await CentralAnnouncement.select()
        .order_by(CentralAnnouncement.issued_on)
        .output(load_json=True)
        .run()
    )
    wanted = set(codes)
    for view in map(_announcement_view, rows):
        for code in view.target_groups:
            if code in wanted:
                found[code] = view
    return found


async def create_announcement(
    principal: Principal, command: AnnouncementCreate, *, is_demo: bool = False
) -> AnnouncementView:
    principal.require(Role.REGISTRY_ADMIN)
    announcement_id = uuid.uuid4()
    async with write_transaction(principal, "centralAnnouncementCreate") as unit:
        await CentralAnnouncement.insert(
            CentralAnnouncement(
                id=announcement_id,
                **command.model_dump(
                    mode="json", exclude={"documents", "issued_on", "report_deadline"}
                ),
                issued_on=command.issued_on,
                report_deadline=command.report_deadline,
                documents=[d.model_dump() for d in command.documents],
                is_demo=is_demo,
                created_at=utcnow(),
            )
        ).run()
        unit.emit(
            EventKind.ANNOUNCEMENT_PUBLISHED,
            sorted(region_records()),
            {"centralAnnouncement": announcement_id},
            payload={
                "reportDeadline": str(command.report_deadline) if command.report_deadline else None
            },
        )
        made = await unit.track(
            "CentralAnnouncement",
            announcement_id,
            partial(_announcement, principal, announcement_id),
            new=True,
        )
    return made.result


async def _announcement(
    principal: Principal, announcement_id: uuid.UUID
) -> AnnouncementView | None:
    return (await announcements_by_id(principal, [announcement_id])).get(announcement_id)


# --- reports ----------------------------------------------------------------------------------


async def _report_views(rows: list[dict[str, Any]]) -> list[ReportView]:
    reports = [row_as(ReportRow, row) for row in rows]
    ids = [report.id for report in reports]
    offer_ids: dict[uuid.UUID, list[uuid.UUID]] = defaultdict(list)
    if ids:
        for row in await ReportOffer.select().where(ReportOffer.report.is_in(ids)).run():
            named = row_as(ReportOfferRow, row)
            offer_ids[named.report].append(named.offer)
    deadlines = {
        found.id: found.report_deadline
        for found in (
            row_as(DeadlineRow, row)
            for row in await CentralAnnouncement.select(
                CentralAnnouncement.id, CentralAnnouncement.report_deadline
            )
            .where(
                CentralAnnouncement.id.is_in(
                    list({r.announcement for r in reports}) or [uuid.uuid4()]
                )
            )
            .run()
        )
    }
    day = today()
    views = []
    for report in reports:
        deadline = deadlines.get(report.announcement)
        open_ = report.status != ReportStatus.SUBMITTED.value
        views.append(
            ReportView.model_validate(
                {
                    **asdict(report),
                    "announcement_id": report.announcement,
                    "region_code": report.region,
                    "offer_ids": offer_ids[report.id],
                    "deadline": deadline,
                    "days_to_deadline": (deadline - day).days if deadline and open_ else None,
                    "overdue": bool(deadline and open_ and day > deadline),
                    "days_late": days_late(day if open_ else report.submitted_on, deadline),
                }
            )
        )
    return views


def _readable_only(principal: Principal) -> Combinable | None:
    """The reports the caller reads: submitted ones, and the drafts of its own region; None
    (every report) for the registry administrator."""
    if principal.is_registry_admin:
        return None
    submitted = RegionalReport.status == ReportStatus.SUBMITTED.value
    if principal.role is Role.STEERING:
        return submitted | (RegionalReport.region == principal.org_code)
    return submitted


def _readable(principal: Principal, condition: Combinable) -> Combinable:
    """The condition, narrowed to the reports the caller reads."""
    readable = _readable_only(principal)
    return condition if readable is None else condition & readable


async def reports_by_id(
    principal: Principal, ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, ReportView]:
    if not ids or not principal.is_authenticated:
        return {}
    rows = (
        await RegionalReport.select()
        .where(_readable(principal, RegionalReport.id.is_in(list(ids))))
        .run()
    )
    return {view.id: view for view in await _report_views(rows)}


async def reports_by_announcement(
    principal: Principal, ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[ReportView]]:
    """The regions' reports on the announcements that the caller reads (at most five each), by
    region."""
    found: dict[uuid.UUID, list[ReportView]] = {i: [] for i in ids}
    if ids and principal.is_authenticated:
        rows = (
            await RegionalReport.select()
            .where(_readable(principal, RegionalReport.announcement.is_in(list(ids))))
            .order_by(RegionalReport.region)
            .run()
        )
        for view in await _report_views(rows):
            found[view.announcement_id].append(view)
    return found


async def list_reports(
    principal: Principal,
    page: PageRequest,
    *,
    announcement_id: uuid.UUID | None = None,
    region_code: str | None = None,
    announcement_ids: Sequence[uuid.UUID] | None = None,
) -> Page[ReportView]:
    """Regional reports, oldest first: of one announcement, of several, of a region."""
    _signed_in(principal)
    if announcement_ids is not None and not announcement_ids:
        return Page.empty()
    if region_code is not None and region_code not in region_records():
        raise DomainError(ErrorCode.UNKNOWN_REGION, f"No region {region_code!r}.", ["region_code"])
    rows = await paginate(
        RegionalReport,
        where=all_of(
            [
                RegionalReport.announcement == announcement_id if announcement_id else None,
                (
                    RegionalReport.announcement.is_in(list(announcement_ids))
                    if announcement_ids is not None
                    else None
                ),
                RegionalReport.region == region_code if region_code else None,
                _readable_only(principal),
            ]
        ),
        order_by=[RegionalReport.created_at, RegionalReport.id],
        page=page,
    )
    return rows.with_items(await _report_views(rows.items))


async def _offers_of_region(principal: Principal, ids: list[uuid.UUID], region: str) -> None:
    found = await offers.offers_by_id(principal, ids)
    strangers = [
        str(i) for i in ids if i not in found or region_of(found[i].municipality_code) != region
    ]
    if strangers:
        raise DomainError(
            ErrorCode.INVALID,
            f"Not offers of region {region}: {', '.join(strangers)}.",
            ["offer_ids"],
        )


async def _write_offers(report_id: uuid.UUID, offer_ids: list[uuid.UUID]) -> None:
    await ReportOffer.delete().where(ReportOffer.report == report_id).run()
    if offer_ids:
        await ReportOffer.insert(
            *(ReportOffer(report=report_id, offer=o) for o in dict.fromkeys(offer_ids))
        ).run()


async def create_report(
    principal: Principal, announcement_id: uuid.UUID, command: ReportCreate
) -> ReportView:
    """The region's draft report on an announcement (one per region)."""
    require_steering(principal, command.region_code, ["region_code"])
    async with write_transaction(principal, "regionalReportCreate") as unit:
        if (
            not await CentralAnnouncement.exists()
            .where(CentralAnnouncement.id == announcement_id)
            .run()
        ):
            raise DomainError(ErrorCode.NOT_FOUND, _NOT_FOUND, ["announcement_id"])
        taken = (
            await RegionalReport.exists()
            .where(
                (RegionalReport.announcement == announcement_id)
                & (RegionalReport.region == command.region_code)
            )
            .run()
        )
        if taken:
            raise DomainError(
                ErrorCode.DUPLICATE,
                "The region has a report on this announcement already; change that one.",
                ["region_code"],
            )
        if command.offer_ids:
            await _offers_of_region(principal, command.offer_ids, command.region_code)
        report_id = uuid.uuid4()
        now = utcnow()
        await RegionalReport.insert(
            RegionalReport(
                id=report_id,
                announcement=announcement_id,
                region=command.region_code,
                assessment=command.assessment.value if command.assessment else None,
                challenges=command.challenges,
                coordination_model=command.coordination_model,
                planned_initiatives=command.planned_initiatives,
                status=ReportStatus.DRAFT.value,
                created_at=now,
                updated_at=now,
            )
        ).run()
        await _write_offers(report_id, command.offer_ids or [])
        made = await unit.track(
            "RegionalReport", report_id, partial(_report, principal, report_id), new=True
        )
    return made.result


async def _report(principal: Principal, report_id: uuid.UUID) -> ReportView | None:
    return (await reports_by_id(principal, [report_id])).get(report_id)


async def _own_draft(principal: Principal, report_id: uuid.UUID) -> ReportRow:
    """The report, a draft of the caller's region (or any, for the registry administrator)."""
    principal.require(Role.STEERING, Role.REGISTRY_ADMIN)
    row = (
        await RegionalReport.select()
        .where(_readable(principal, RegionalReport.id == report_id))
        .first()
        .run()
    )
    if row is None:
        raise DomainError(ErrorCode.NOT_FOUND, "There is no such report.", ["id"])
    report = row_as(ReportRow, row)
    require_steering(principal, report.region, ["id"])
    if report.status == ReportStatus.SUBMITTED.value:
        raise DomainError(
            ErrorCode.INVALID_STATE,
            f"The report was submitted on {report.submitted_on}; it no longer changes.",
            ["id"],
        )
    return report


async def update_report(
    principal: Principal, report_id: uuid.UUID, command: ReportFields
) -> ReportView:
    async with write_transaction(principal, "regionalReportUpdate") as unit:
        report = await _own_draft(principal, report_id)
        updated = await unit.track(
            "RegionalReport", report_id, partial(_report, principal, report_id)
        )
        given = command.model_fields_set
        values: dict[Any, Any] = {RegionalReport.updated_at: utcnow()}
        if "assessment" in given:
            values[RegionalReport.assessment] = (
                command.assessment.value if command.assessment else None
            )
        for field in ("challenges", "coordination_model", "planned_initiatives"):
            if field in given:
                values[RegionalReport._meta.get_column_by_name(field)] = getattr(command, field)
        await RegionalReport.update(values).where(RegionalReport.id == report_id).run()
        if command.offer_ids is not None:
            await _offers_of_region(principal, command.offer_ids, report.region)
            await _write_offers(report_id, command.offer_ids)
    return updated.result


async def submit_report(principal: Principal, report_id: uuid.UUID) -> ReportView:
    """Submit the region's report (once); when every region has, the announcement has its
    reports."""
    async with write_transaction(principal, "regionalReportSubmit") as unit:
        report = await _own_draft(principal, report_id)
        submitted_report = await unit.track(
            "RegionalReport", report_id, partial(_report, principal, report_id)
        )
        if report.assessment is None:
            raise DomainError(
                ErrorCode.REQUIRED,
                "Give the region's assessment before submitting.",
                ["assessment"],
            )
        await (
            RegionalReport.update(
                {
                    RegionalReport.status: ReportStatus.SUBMITTED.value,
                    RegionalReport.submitted_on: today(),
                    RegionalReport.submitted_by: principal.subject,
                    RegionalReport.updated_at: utcnow(),
                }
            )
            .where(RegionalReport.id == report_id)
            .run()
        )
        submitted = (
            await RegionalReport.count()
            .where(
                (RegionalReport.announcement == report.announcement)
                & (RegionalReport.status == ReportStatus.SUBMITTED.value)
            )
            .run()
        )
        if submitted == len(region_records()):
            await (
                CentralAnnouncement.update(
                    {CentralAnnouncement.status: AnnouncementStatus.REPORTS_RECEIVED.value}
                )
                .where(
                    (CentralAnnouncement.id == report.announcement)
                    & (CentralAnnouncement.status == AnnouncementStatus.OPEN.value)
                )
                .run()
            )
    return submitted_report.result
