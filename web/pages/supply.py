"""The supply picture for the steering group: the gap per target group and region as a heat
map (severity in words and colour, with the small-count rule of the gap analysis), one target
group in the region month by month as a line chart with its table and its offers at risk, and
a map of the offers. Each view downloads: the heat map as CSV, the charts and the map as SVG."""

from __future__ import annotations

import csv
import datetime
import io
from dataclasses import dataclass
from typing import Any

from litestar import Request, Response, get
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Template

from agreements.gaps import report as gap_report
from agreements.gaps import service as gaps
from marketplace.contracts import capacity
from marketplace.core.clock import today
from marketplace.core.identity import Principal, Role
from marketplace.core.pagination import PageRequest
from marketplace.offers import service as offers
from marketplace.offers.models import OfferCategory, OfferStatus
from marketplace.offers.taxonomy import target_group_records
from marketplace.organisations.reference import region_records
from web import charts, labels
from web.render import month_name, page
from web.security import principal_of, requires

STEERING = requires(Role.STEERING)
SEVERITY = {"critical": "Kritisk", "high": "Høj", "medium": "Middel", "low": "Lav"}
MONTHS = 12
MAP_PAGE = 500
MAP_MOST = 5000


@dataclass(frozen=True)
class Cell:
    severity: str
    gap: str
    places: int
    in_use: str


async def _heat(principal: Principal) -> tuple[list[tuple[str, str]], list[str], dict[Any, Cell]]:
    """(target groups with supply or demand anywhere, regions (the reader's own first), cell
    per (group, region))."""
    regions = sorted(region_records(), key=lambda code: (code != principal.org_code, code))
    cells: dict[Any, Cell] = {}
    day = today()
    for region in regions:
        report = await gaps.supply_gaps(principal, region, None, day)
        for line in gap_report.present(report, principal):
            cells[(line.target_group, region)] = Cell(
                line.severity, line.now.gap.display, line.now.places, line.now.in_use.display
            )
    groups = [
        (r.code, r.label_da)
        for r in target_group_records()
        if any(
            cells[(r.code, region)].places or cells[(r.code, region)].gap not in ("0", "hidden")
            for region in regions
        )
    ]
    return groups, regions, cells


@get("/styregruppe/forsyning", name="supply", guards=[STEERING])
async def heat_map(request: Request[Any, Any, Any]) -> Template:
    groups, regions, cells = await _heat(principal_of(request))
    return page(
        request,
        "steering/supply.html",
        groups=groups,
        regions=regions,
        cells=cells,
        severity=SEVERITY,
        day=today(),
    )


@get("/styregruppe/forsyning.csv", name="supply_csv", guards=[STEERING])
async def heat_map_csv(request: Request[Any, Any, Any]) -> Response[str]:
    groups, regions, cells = await _heat(principal_of(request))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["target_group", "label", "region", "severity", "places", "in_use", "gap"])
    for code, label in groups:
        for region in regions:
            cell = cells[(code, region)]
            writer.writerow(
                [code, label, region, cell.severity, cell.places, cell.in_use, cell.gap]
            )
    return _download(out.getvalue(), "text/csv; charset=utf-8", f"forsyning-{today()}.csv")


def _download(body: str, media_type: str, filename: str) -> Response[str]:
    return Response(
        body,
        media_type=media_type,
        headers={
            "content-disposition": f'attachment; filename="{filename}"',
            "cache-control": "no-store",
        },
    )


def month_ends(day: datetime.date, count: int) -> list[datetime.date]:
    """The last ``count`` month-ends up to ``day``, oldest first."""
    return list(reversed(gaps.month_ends(day, count)))


async def _group_months(region: str, code: str) -> list[tuple[datetime.date, Any]]:
    ends = month_ends(today(), MONTHS)
    return [(end, (await gaps.figures(region, [code], end, None))[code]) for end in ends]


def _group_label(code: str) -> str:
    known = {r.code: r.label_da for r in target_group_records()}
    if code not in known:
        raise NotFoundException()
    return known[code]


def _group_chart(region: str, label: str, months: list[tuple[datetime.date, Any]]) -> str:
    names = [month_name(end)[:3] + f" {end:%y}" for end, _ in months]
    return charts.line_chart(
        names,
        [
            charts.Series("Pladser", [f.places for _, f in months]),
            charts.Series("I brug", [f.in_use for _, f in months]),
            charts.Series("Efterspørgsel", [f.demand for _, f in months]),
        ],
        title=f"{label} i {labels.region_name(region)}, måned for måned",
        description=(
            "Pladser i regionens offentliggjorte tilbud, pladser i brug og efterspørgsel "
            "(kommunernes prognose, mindst pladserne i brug) ved hver månedsafslutning. "
            "Tallene står i tabellen under figuren."
        ),
    )


@get("/styregruppe/forsyning/{code:str}", name="supply_group", guards=[STEERING])
async def group_detail(request: Request[Any, Any, Any], code: FromPath[str]) -> Template:
    principal = principal_of(request)
    region = principal.org_code or ""
    label = _group_label(code)
    months = await _group_months(region, code)
    report = await gaps.supply_gaps(principal, region, [code], today())
    [line] = gap_report.present(report, principal)
    return page(
        request,
        "steering/group.html",
        code=code,
        label=label,
        region=region,
        months=months,
        chart=_group_chart(region, label, months),
        line=line,
        severity=SEVERITY,
    )


@get("/styregruppe/forsyning/{code:str}/graf.svg", name="supply_group_svg", guards=[STEERING])
async def group_svg(request: Request[Any, Any, Any], code: FromPath[str]) -> Response[str]:
    region = principal_of(request).org_code or ""
    label = _group_label(code)
    chart = _group_chart(region, label, await _group_months(region, code))
    return _download(chart, "image/svg+xml", f"forsyning-{code}-{region}.svg")


async def _points(principal: Principal, region: str | None, category: str | None) -> list[Any]:
    chosen = OfferCategory(category) if category in {c.value for c in OfferCategory} else None
    found: list[Any] = []
    after = None
    while len(found) < MAP_MOST:
        page_rows = await offers.list_offers(
            principal,
            PageRequest(MAP_PAGE, after),
            status=OfferStatus.PUBLISHED,
            region_code=region,
        )
        found.extend(
            o
            for o in page_rows.items
            if o.latitude is not None and (chosen is None or o.category is chosen)
        )
        if not page_rows.has_next_page or not page_rows.cursors:
            break
        after = page_rows.cursors[-1]
    contracted = await capacity.contracted_on([o.id for o in found], today())
    return [
        (o, max(o.capacity_places - o.occupied_places - contracted.get(o.id, 0), 0)) for o in found
    ]


def _map_svg(points: list[Any], region: str | None) -> str:
    where = labels.region_name(region) if region else "Danmark"
    return charts.offer_map(
        [
            charts.Point(
                o.latitude, o.longitude, f"{o.name}: {free} ledige", o.category.value, free
            )
            for o, free in points
        ],
        region=region,
        title=f"Offentliggjorte tilbud i {where}",
        description=(
            f"{len(points)} tilbud som figurer efter type; udfyldte figurer har ledige pladser, "
            "større figurer flere. Tilbuddene står i tabellen under kortet."
        ),
    )


def _map_choice(request: Request[Any, Any, Any]) -> tuple[str | None, str | None]:
    region = request.query_params.get("region") or principal_of(request).org_code
    if region == "alle":
        region = None
    elif region not in region_records():
        raise NotFoundException()
    return region, request.query_params.get("kategori") or None


@get("/styregruppe/kort", name="supply_map", guards=[STEERING])
async def offer_map(request: Request[Any, Any, Any]) -> Template:
    region, category = _map_choice(request)
    points = await _points(principal_of(request), region, category)
    return page(
        request,
        "steering/map.html",
        region=region,
        category=category,
        categories=labels.options(OfferCategory),
        regions=list(region_records().items()),
        points=sorted(points, key=lambda p: p[0].name),
        svg=_map_svg(points, region),
    )


@get("/styregruppe/kort.svg", name="supply_map_svg", guards=[STEERING])
async def offer_map_svg(request: Request[Any, Any, Any]) -> Response[str]:
    region, category = _map_choice(request)
    points = await _points(principal_of(request), region, category)
    return _download(_map_svg(points, region), "image/svg+xml", f"tilbud-{region or 'danmark'}.svg")


ROUTES = [heat_map, heat_map_csv, group_detail, group_svg, offer_map, offer_map_svg]
