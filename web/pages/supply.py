"""The supply picture for the steering group: the gap per target group and region as a heat
map (severity in words and colour, with the small-count rule of the gap analysis), one target
group in the region month by month as a line chart with its table and its offers at risk, and
a map of the offers, and a map of the gap per municipality for a target group. Each view
downloads its figures as CSV and its chart or map as SVG.

The figures come set-based (``agreements.gaps.totals``: every region in one pass, a group's
twelve month-ends in one pass) and are kept for the day until the data changes
(``agreements.gaps.cache``); the municipality outlines are drawn once (``charts.outlines``)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from litestar import Request, Response, get
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Template

from agreements.gaps import cache, totals
from agreements.gaps import report as gap_report
from agreements.gaps import service as gaps
from agreements.gaps.service import GroupFigures
from marketplace.core.clock import today
from marketplace.core.identity import Principal, Role
from marketplace.offers.models import OfferCategory, OfferStatus
from marketplace.offers.tables import Offer
from marketplace.offers.taxonomy import target_group_records
from marketplace.organisations.reference import region_of, region_records
from web import charts, labels
from web.downloads import csv_file, download
from web.render import month_name, page
from web.security import principal_of, requires

STEERING = requires(Role.STEERING)
SEVERITY = {"critical": "Kritisk", "high": "Høj", "medium": "Middel", "low": "Lav"}
MONTHS = 12
MAP_ROWS = 50  # offers in the table beside the map, a page at a time


@dataclass(frozen=True)
class Cell:
    severity: str
    gap: str
    places: int
    in_use: str


def _cell(figures: GroupFigures, visible: bool) -> Cell:
    shown = gap_report.side(figures, visible)
    return Cell(figures.severity, shown.gap.display, figures.places, shown.in_use.display)


async def _heat(principal: Principal) -> tuple[list[tuple[str, str]], list[str], dict[Any, Cell]]:
    """(target groups with supply or demand anywhere, regions (the reader's own first), cell
    per (group, region))."""
    regions = sorted(region_records(), key=lambda code: (code != principal.org_code, code))
    day = today()
    every = await cache.kept(("regions",), day, lambda: totals.totals("region", day))
    cells: dict[Any, Cell] = {}
    for record in target_group_records():
        for region in regions:
            figures = every.get((record.code, region)) or totals.totals_of(record.code, 0, 0, 0, 0)
            cells[(record.code, region)] = _cell(figures, gaps.owns_region(principal, region))
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
    rows = []
    for code, label in groups:
        for region in regions:
            cell = cells[(code, region)]
            rows.append([code, label, region, cell.severity, cell.places, cell.in_use, cell.gap])
    header = ["target_group", "label", "region", "severity", "places", "in_use", "gap"]
    return csv_file(header, rows, "forsyning")


def month_ends(day: datetime.date, count: int) -> list[datetime.date]:
    """The last ``count`` month-ends up to ``day``, oldest first."""
    return list(reversed(gaps.month_ends(day, count)))


async def _group_months(region: str, code: str) -> list[tuple[datetime.date, Any]]:
    day = today()
    ends = month_ends(day, MONTHS)
    return await cache.kept(
        ("months", region, code), day, lambda: totals.month_series(region, code, ends)
    )


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
    day = today()
    report = await cache.kept(
        ("group", region, code), day, lambda: gaps.supply_gaps(principal, region, [code], day)
    )
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
    return download(chart, "image/svg+xml", f"forsyning-{code}-{region}.svg")


@get("/styregruppe/forsyning/{code:str}/tal.csv", name="supply_group_csv", guards=[STEERING])
async def group_csv(request: Request[Any, Any, Any], code: FromPath[str]) -> Response[str]:
    """The figures behind the chart, month-end by month-end."""
    region = principal_of(request).org_code or ""
    _group_label(code)
    header = ["month_end", "region", "target_group", "places", "in_use", "free", "forecast"]
    header += ["demand", "gap", "declined_no_capacity", "declined_fit"]
    header += ["searches_no_result", "searches_few_results"]
    rows = [
        [
            end.isoformat(),
            region,
            code,
            f.places,
            f.in_use,
            f.free,
            "" if f.forecast is None else f.forecast,
            f.demand,
            f.gap,
            f.declined_capacity,
            f.declined_fit,
            f.searches_none,
            f.searches_few,
        ]
        for end, f in await _group_months(region, code)
    ]
    return csv_file(header, rows, f"forsyning-{code}-{region}")


@dataclass(frozen=True)
class MapOffer:
    """A published offer on the map, with its free places today."""

    id: str
    name: str
    category: OfferCategory
    municipality_code: str
    capacity_places: int
    latitude: float
    longitude: float
    free: int


def _points_sql(region: str | None, category: str | None) -> tuple[str, list[Any]]:
    day = today()
    where, args = "", []
    if region is not None:
        where += " AND m.region = {}"
        args.append(region)
    if category is not None:
        where += " AND o.category = {}"
        args.append(category)
    return (
        "SELECT o.id AS id, o.name AS name, o.category AS category, o.municipality AS "
        "municipality, o.capacity_places AS capacity_places, o.occupied_places AS "
        "occupied_places, o.latitude AS latitude, o.longitude AS longitude, "
        "COALESCE(c.n, 0) AS contracted FROM offer o "
        "JOIN municipality m ON m.code = o.municipality "
        "LEFT JOIN (SELECT c.offer AS offer, COUNT(*) AS n FROM contract c "
        "JOIN offer co ON co.id = c.offer JOIN municipality cm ON cm.code = co.municipality "
        "WHERE c.status <> 'cancelled' AND c.start_date <= {} "
        "AND (c.end_date IS NULL OR c.end_date >= {})"
        + where.replace("m.region", "cm.region").replace("o.category", "co.category")
        + " GROUP BY c.offer) c ON c.offer = o.id "
        "WHERE o.status = {} AND o.latitude IS NOT NULL" + where + " "
        "ORDER BY o.name_key, o.id",
        [day, day, *args, OfferStatus.PUBLISHED.value, *args],
    )


async def _load_points(region: str | None, category: str | None) -> list[MapOffer]:
    sql, args = _points_sql(region, category)
    rows = await Offer.raw(sql, *args).run()
    return [
        MapOffer(
            str(row["id"]),
            row["name"],
            OfferCategory(row["category"]),
            row["municipality"],
            int(row["capacity_places"]),
            float(row["latitude"]),
            float(row["longitude"]),
            max(
                int(row["capacity_places"]) - int(row["occupied_places"]) - int(row["contracted"]),
                0,
            ),
        )
        for row in rows
    ]


@dataclass(frozen=True)
class DrawnMap:
    """The offers of a map choice and the map drawn from them, kept together for the day."""

    points: list[MapOffer]
    svg: str


def _category(category: str | None) -> str | None:
    return category if category in {c.value for c in OfferCategory} else None


async def _drawn(region: str | None, category: str | None) -> DrawnMap:
    """The published offers with a position (the region's, or all; of a category), by name,
    and the map drawn from them: worked out once per choice and data version (one small
    statement to read the version on the next request)."""
    chosen = _category(category)

    async def draw() -> DrawnMap:
        points = await _load_points(region, chosen)
        return DrawnMap(points, _map_svg(points, region))

    return await cache.kept(("map", region, chosen), today(), draw)


def _map_svg(points: list[MapOffer], region: str | None) -> str:
    where = labels.region_name(region) if region else "Danmark"
    return charts.offer_map(
        [
            charts.Point(
                o.latitude, o.longitude, f"{o.name}: {o.free} ledige", o.category.value, o.free
            )
            for o in points
        ],
        region=region,
        title=f"Offentliggjorte tilbud i {where}",
        description=(
            f"{len(points)} tilbud som figurer efter type; udfyldte figurer har ledige pladser, "
            "større figurer flere. Tilbuddene står i tabellen ved siden af kortet."
        ),
    )


def _map_choice(request: Request[Any, Any, Any]) -> tuple[str | None, str | None]:
    region = request.query_params.get("region") or principal_of(request).org_code
    if region == "alle":
        region = None
    elif region not in region_records():
        raise NotFoundException()
    return region, request.query_params.get("kategori") or None


def page_number(request: Request[Any, Any, Any], pages: int) -> int:
    """The table page asked for (``side``), within 1..pages; text that is not a number is 1."""
    text = request.query_params.get("side") or "1"
    number = int(text) if text.isdigit() else 1
    return min(max(number, 1), max(pages, 1))


@get("/styregruppe/kort", name="supply_map", guards=[STEERING])
async def offer_map(request: Request[Any, Any, Any]) -> Template:
    region, category = _map_choice(request)
    drawn = await _drawn(region, category)
    pages = -(-len(drawn.points) // MAP_ROWS)
    number = page_number(request, pages)
    return page(
        request,
        "steering/map.html",
        region=region,
        category=_category(category),
        categories=labels.options(OfferCategory),
        regions=list(region_records().items()),
        count=len(drawn.points),
        rows=drawn.points[(number - 1) * MAP_ROWS : number * MAP_ROWS],
        first_row=(number - 1) * MAP_ROWS + 1,
        number=number,
        pages=pages,
        svg=drawn.svg,
    )


@get("/styregruppe/kort.svg", name="supply_map_svg", guards=[STEERING])
async def offer_map_svg(request: Request[Any, Any, Any]) -> Response[str]:
    region, category = _map_choice(request)
    drawn = await _drawn(region, category)
    return download(drawn.svg, "image/svg+xml", f"tilbud-{region or 'danmark'}.svg")


@get("/styregruppe/kort.csv", name="supply_map_csv", guards=[STEERING])
async def offer_map_csv(request: Request[Any, Any, Any]) -> Response[str]:
    region, category = _map_choice(request)
    rows = [
        [
            o.id,
            o.name,
            o.category.value,
            o.municipality_code,
            labels.municipality_name(o.municipality_code),
            o.capacity_places,
            o.free,
            o.latitude,
            o.longitude,
        ]
        for o in (await _drawn(region, category)).points
    ]
    header = ["offer_id", "name", "category", "municipality_code", "municipality"]
    return csv_file(
        [*header, "places", "free", "latitude", "longitude"], rows, f"tilbud-{region or 'danmark'}"
    )


# --- the gap per municipality -------------------------------------------------------------------


@dataclass(frozen=True)
class Place:
    """A municipality's row beside the gap map, as the reader may see it."""

    code: str
    name: str
    severity: str
    places: int
    in_use: str
    forecast: int | None
    demand: str
    gap: str
    searches_none: str
    declined_capacity: str


async def _municipality_figures(region: str | None, group: str) -> totals.Totals:
    day = today()
    return await cache.kept(
        ("municipalities", region, group),
        day,
        lambda: totals.totals("municipality", day, region=region, groups=[group]),
    )


def _places(
    principal: Principal, region: str | None, group: str, found: totals.Totals
) -> list[Place]:
    """Every municipality of the map, by name, with the small-count rule applied to the
    municipalities of other regions."""
    listed = []
    for code, (name, region_code, _) in charts.municipality_rings().items():
        if region is not None and region_code != region:
            continue
        figures = found.get((group, code))
        if figures is None:
            listed.append(Place(code, name, "none", 0, "0", None, "0", "0", "0", "0"))
            continue
        visible = gaps.owns_region(principal, region_of(code) or "")
        shown = gap_report.side(figures, visible)
        listed.append(
            Place(
                code,
                name,
                figures.severity,
                figures.places,
                shown.in_use.display,
                figures.forecast,
                shown.demand.display,
                shown.gap.display,
                gap_report.Figure.of(figures.searches_none, visible).display,
                gap_report.Figure.of(figures.declined_capacity, visible).display,
            )
        )
    return sorted(listed, key=lambda p: p.name)


def _gap_choice(request: Request[Any, Any, Any], principal: Principal) -> tuple[str | None, str]:
    region, _ = _map_choice(request)
    group = request.query_params.get("maalgruppe") or ""
    if not group:
        return region, ""
    _group_label(group)
    return region, group


async def _worst_group(principal: Principal) -> str:
    """The reader's region's most severe target group (the map's first choice)."""
    day = today()
    every = await cache.kept(("regions",), day, lambda: totals.totals("region", day))
    order = list(SEVERITY)
    ranked = sorted(
        (order.index(f.severity), -f.gap, code)
        for (code, region), f in every.items()
        if region == principal.org_code
    )
    return ranked[0][2] if ranked else target_group_records()[0].code


def _gap_svg(places: list[Place], region: str | None, label: str) -> str:
    where = labels.region_name(region) if region else "Danmark"
    cells = {
        p.code: (p.severity, f"gab {_gap_words(p.gap)}, {p.places} pladser")
        for p in places
        if p.severity != "none"
    }
    return charts.gap_map(
        cells,
        region=region,
        title=f"Gabet for {label} pr. kommune i {where}",
        description=(
            "Hver kommune er farvet og mønstret efter gabets alvor: kryds for kritisk, "
            "skrå streger for høj, prikker for middel, ensfarvet for lav, hvid uden tal. "
            "Tallene står i tabellen ved siden af kortet."
        ),
    )


def _gap_words(gap: str) -> str:
    return "skjult" if gap == "hidden" else gap


@get("/styregruppe/gabkort", name="supply_gap_map", guards=[STEERING])
async def gap_map(request: Request[Any, Any, Any]) -> Template:
    principal = principal_of(request)
    region, group = _gap_choice(request, principal)
    group = group or await _worst_group(principal)
    label = _group_label(group)
    places = _places(principal, region, group, await _municipality_figures(region, group))
    return page(
        request,
        "steering/gap_map.html",
        region=region,
        group=group,
        label=label,
        groups=[(r.code, r.label_da) for r in target_group_records()],
        regions=list(region_records().items()),
        places=places,
        severity={**SEVERITY, "none": "Ingen tal"},
        svg=_gap_svg(places, region, label),
        day=today(),
    )


@get("/styregruppe/gabkort.svg", name="supply_gap_map_svg", guards=[STEERING])
async def gap_map_svg(request: Request[Any, Any, Any]) -> Response[str]:
    principal = principal_of(request)
    region, group = _gap_choice(request, principal)
    group = group or await _worst_group(principal)
    places = _places(principal, region, group, await _municipality_figures(region, group))
    svg = _gap_svg(places, region, _group_label(group))
    return download(svg, "image/svg+xml", f"gab-{group}-{region or 'danmark'}.svg")


@get("/styregruppe/gabkort.csv", name="supply_gap_map_csv", guards=[STEERING])
async def gap_map_csv(request: Request[Any, Any, Any]) -> Response[str]:
    principal = principal_of(request)
    region, group = _gap_choice(request, principal)
    group = group or await _worst_group(principal)
    places = _places(principal, region, group, await _municipality_figures(region, group))
    header = ["municipality_code", "municipality", "target_group", "severity", "places"]
    header += ["in_use", "forecast", "demand", "gap", "searches_no_result"]
    header += ["declined_no_capacity"]
    rows = [
        [
            p.code,
            p.name,
            group,
            p.severity,
            p.places,
            p.in_use,
            "" if p.forecast is None else p.forecast,
            p.demand,
            p.gap,
            p.searches_none,
            p.declined_capacity,
        ]
        for p in places
    ]
    return csv_file(header, rows, f"gab-{group}-{region or 'danmark'}")


ROUTES = [
    heat_map,
    heat_map_csv,
    group_detail,
    group_svg,
    group_csv,
    offer_map,
    offer_map_svg,
    offer_map_csv,
    gap_map,
    gap_map_svg,
    gap_map_csv,
]
