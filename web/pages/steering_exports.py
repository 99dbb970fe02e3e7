"""The steering group's desk as files: the region's agreements and the announcements with the
region's reports, an agreement's approvals and its rules by version, a report, and the
year's economics (the national offers, an offer's months as CSV and its chart as SVG).
The figures are those the pages show; the same guards apply (another region's agreement
answers 403)."""

from __future__ import annotations

import uuid
from functools import partial
from typing import Any

from litestar import Request, Response, get
from litestar.exceptions import NotFoundException
from litestar.params import FromPath

from agreements.announcements import service as announcements
from agreements.announcements.models import AnnouncementView, ReportView
from agreements.economics import national
from agreements.economics import service as economics
from agreements.frameworks import service as frameworks
from marketplace.core.errors import DomainError
from marketplace.core.identity import Role
from marketplace.core.pagination import PageRequest
from web.downloads import csv_file, download
from web.labels import organisation_name
from web.pages import economics as economics_pages
from web.pages import steering
from web.paging import every
from web.security import principal_of, requires

STEERING = requires(Role.STEERING)
EXPORT_PAGE = 200  # a download reads its list a page of this many at a time
READERS = requires(Role.STEERING, Role.PROVIDER_ADMIN)


@get("/styregruppe/aftaler.csv", name="steering_agreements_csv", guards=[STEERING])
async def agreements_csv(request: Request[Any, Any, Any]) -> Response[str]:
    principal = principal_of(request)
    region = principal.org_code or ""
    read = partial(frameworks.list_agreements, principal, region_code=region)
    rows = [
        [
            a.id,
            a.name,
            a.valid_from,
            a.valid_to,
            a.status.value,
            a.approval_deadline or "",
            len(a.parties),
        ]
        async for found in every(steering.newest_first(read, EXPORT_PAGE))
        for a in found
    ]
    header = ["agreement_id", "name", "valid_from", "valid_to", "status", "approval_deadline"]
    return csv_file([*header, "parties"], rows, f"socialaftaler-{region}")


@get("/styregruppe/meldinger.csv", name="steering_announcements_csv", guards=[STEERING])
async def announcements_csv(request: Request[Any, Any, Any]) -> Response[str]:
    principal = principal_of(request)
    region = principal.org_code or ""
    rows: list[list[Any]] = []
    read = partial(announcements.list_announcements, principal)
    async for announced in every(steering.newest_first(read, EXPORT_PAGE)):
        by_announcement = await steering.reports_of(principal, region, announced)
        rows.extend(_announcement_row(a, by_announcement.get(a.id)) for a in announced)
    header = ["announcement_id", "title", "issued_on", "status", "report_deadline"]
    header += ["report_status", "submitted_on", "overdue"]
    return csv_file(header, rows, f"centrale-udmeldinger-{region}")


def _announcement_row(a: AnnouncementView, report: ReportView | None) -> list[Any]:
    return [
        a.id,
        a.title,
        a.issued_on,
        a.status.value,
        a.report_deadline or "",
        report.status.value if report else "not_started",
        report.submitted_on or "" if report else "",
        bool(report and report.overdue),
    ]


@get(
    "/styregruppe/aftaler/{agreement_id:uuid}/godkendelser.csv",
    name="steering_approvals_csv",
    guards=[STEERING],
)
async def approvals_csv(
    request: Request[Any, Any, Any], agreement_id: FromPath[uuid.UUID]
) -> Response[str]:
    """One row per party: its counting decision, the day, the body and the days late."""
    agreement = await steering.own_agreement(request, agreement_id)
    status = await frameworks.approval_status(principal_of(request), agreement.id)
    rows = []
    for row in steering.approval_rows(agreement, status):
        decision = row["decision"]
        rows.append(
            [
                row["party"],
                organisation_name(row["party"]),
                decision.decision.value if decision else "missing",
                decision.decided_on if decision else "",
                decision.body if decision else "",
                "" if row["late"] is None else row["late"],
            ]
        )
    header = ["party", "name", "decision", "decided_on", "body", "days_late"]
    return csv_file(header, rows, f"godkendelser-{agreement.id}")


@get(
    "/styregruppe/aftaler/{agreement_id:uuid}/regler.csv",
    name="steering_rules_csv",
    guards=[STEERING],
)
async def rules_csv(
    request: Request[Any, Any, Any], agreement_id: FromPath[uuid.UUID]
) -> Response[str]:
    """Every rule of every version, in the order the versions take effect."""
    agreement = await steering.own_agreement(request, agreement_id)
    rows = [
        [version.valid_from, rule, value]
        for version in await frameworks.rule_sets(agreement.id)
        for rule, value in sorted(steering.flat(version.rules.model_dump(mode="json")).items())
    ]
    return csv_file(["valid_from", "rule", "value"], rows, f"regler-{agreement.id}")


@get(
    "/styregruppe/meldinger/{announcement_id:uuid}/rapport.csv",
    name="steering_report_csv",
    guards=[STEERING],
)
async def report_csv(
    request: Request[Any, Any, Any], announcement_id: FromPath[uuid.UUID]
) -> Response[str]:
    """The region's report on an announcement, one row per offer it names (one row when it
    names none)."""
    found = (await announcements.announcements_by_id(principal_of(request), [announcement_id])).get(
        announcement_id
    )
    if found is None:
        raise NotFoundException()
    report = await steering.report_of(request, announcement_id)
    named = dict(await steering.region_offers(request, [], report.offer_ids if report else []))
    head: list[Any] = [found.title, report.status.value if report else "not_started"]
    if report is not None:
        head += [report.assessment.value if report.assessment else "", report.challenges]
        head += [report.coordination_model, report.planned_initiatives, report.submitted_on or ""]
    else:
        head += ["", "", "", "", ""]
    offers = [str(o) for o in report.offer_ids] if report else []
    rows = [[*head, o, named.get(o, "")] for o in offers] or [[*head, "", ""]]
    header = ["announcement", "report_status", "assessment", "challenges", "coordination_model"]
    header += ["planned_initiatives", "submitted_on", "offer_id", "offer"]
    return csv_file(header, rows, f"afrapportering-{announcement_id}")


@get("/styregruppe/oekonomi.csv", name="steering_economics_csv", guards=[STEERING])
async def national_csv(request: Request[Any, Any, Any]) -> Response[str]:
    """The national and supra-regional offers of the year (every page of them)."""
    principal = principal_of(request)
    year = economics_pages.year_of(request)
    rows: list[list[Any]] = []
    after = None
    while True:
        found = await national.national_offers(principal, PageRequest(100, after), year)
        rows += [
            [
                n.offer_id,
                n.name,
                n.coverage.value,
                n.region_code or "",
                n.places,
                "" if n.occupancy_bp is None else n.occupancy_bp / 100,
                "" if n.price_ore is None else n.price_ore,
                "" if n.price_change_bp is None else n.price_change_bp / 100,
            ]
            for n in found.items
        ]
        if not found.has_next_page or not found.cursors:
            break
        after = found.cursors[-1]
    header = ["offer_id", "name", "coverage", "region", "places", "occupancy_percent"]
    header += ["price_ore", "price_change_percent"]
    return csv_file(header, rows, f"landsdaekkende-tilbud-{year}")


async def _year_economics(request: Request[Any, Any, Any], offer_id: uuid.UUID) -> Any:
    try:
        return await economics.year_economics(
            principal_of(request), offer_id, economics_pages.year_of(request)
        )
    except DomainError:
        raise NotFoundException() from None


@get("/oekonomi/{offer_id:uuid}/tal.csv", name="offer_economics_csv", guards=[READERS])
async def offer_economics_csv(
    request: Request[Any, Any, Any], offer_id: FromPath[uuid.UUID]
) -> Response[str]:
    found = await _year_economics(request, offer_id)
    rows = [
        [
            m.month.isoformat()[:7],
            m.place_days,
            m.occupied_days,
            m.occupancy_bp / 100,
            "" if m.budgeted_bp is None else m.budgeted_bp / 100,
        ]
        for m in found.months
    ]
    header = ["month", "place_days", "occupied_days", "occupancy_percent", "budgeted_percent"]
    return csv_file(header, rows, f"oekonomi-{offer_id}-{found.year}")


@get("/oekonomi/{offer_id:uuid}/graf.svg", name="offer_economics_svg", guards=[READERS])
async def offer_economics_svg(
    request: Request[Any, Any, Any], offer_id: FromPath[uuid.UUID]
) -> Response[str]:
    found = await _year_economics(request, offer_id)
    chart = economics_pages.chart_of(found)
    return download(chart, "image/svg+xml", f"oekonomi-{offer_id}-{found.year}.svg")


ROUTES = [
    agreements_csv,
    announcements_csv,
    approvals_csv,
    rules_csv,
    report_csv,
    national_csv,
    offer_economics_csv,
    offer_economics_svg,
]
