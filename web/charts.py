"""Charts and the map as SVG drawn on the server: they show without JavaScript, download as
files, and carry a title and a description; a data table sits beside each on its page.

Series differ by dash pattern and marker shape as well as by colour, and points on the map by
shape (the offer's category) and size (its free places), so nothing is told by colour alone.
The municipality boundaries are DAGI's (2014, generalised to 1:500,000), shipped with the
package as TopoJSON (``web/data/municipalities.topojson``; source and licence in
``web/data/SOURCES.md``)."""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from xml.sax.saxutils import escape

DATA = Path(__file__).parent / "data"
# Colours with at least 3:1 contrast against white, told apart by pattern too.
SERIES_STYLE = (
    ("#0b4f8a", "", "circle"),
    ("#a3461a", "6 4", "square"),
    ("#2f6b2f", "2 3", "triangle"),
    ("#6b2f6b", "10 3 2 3", "diamond"),
)


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[float | None]


def _marker(
    shape: str, x: float, y: float, size: float, colour: str, *, hollow: bool = False
) -> str:
    paint = f'fill="#ffffff" stroke="{colour}" stroke-width="2"' if hollow else f'fill="{colour}"'
    if shape == "square":
        return (
            f'<rect x="{x - size:.1f}" y="{y - size:.1f}" width="{2 * size:.1f}" '
            f'height="{2 * size:.1f}" {paint}/>'
        )
    if shape == "triangle":
        points = (
            f"{x:.1f},{y - size * 1.2:.1f} {x - size:.1f},{y + size:.1f} "
            f"{x + size:.1f},{y + size:.1f}"
        )
        return f'<polygon points="{points}" {paint}/>'
    if shape == "diamond":
        points = (
            f"{x:.1f},{y - size * 1.3:.1f} {x + size:.1f},{y:.1f} "
            f"{x:.1f},{y + size * 1.3:.1f} {x - size:.1f},{y:.1f}"
        )
        return f'<polygon points="{points}" {paint}/>'
    return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{size:.1f}" {paint}/>'


def _open(width: int, height: int, title: str, description: str, ident: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-labelledby="{ident}-t {ident}-d" '
        f'font-family="sans-serif" font-size="12">'
        f'<title id="{ident}-t">{escape(title)}</title><desc id="{ident}-d">{escape(description)}</desc>'
        f'<rect width="{width}" height="{height}" fill="#ffffff"/>'
    )


def line_chart(
    labels: Sequence[str],
    series: Sequence[Series],
    *,
    title: str,
    description: str,
    ident: str = "chart",
    width: int = 680,
    height: int = 300,
) -> str:
    """Lines over the labels (months), y from 0, with a legend above the plot."""
    left, right, top, bottom = 48, 16, 44, 36
    plot_w, plot_h = width - left - right, height - top - bottom
    top_value = max([v for s in series for v in s.values if v is not None] or [1])
    step = _nice_step(top_value)
    y_max = max(step * math.ceil(top_value / step), step)
    count = max(len(labels) - 1, 1)

    def x(i: int) -> float:
        return left + plot_w * i / count

    def y(value: float) -> float:
        return top + plot_h * (1 - value / y_max)

    parts = [_open(width, height, title, description, ident)]
    tick = 0.0
    while tick <= y_max + 1e-9:
        parts.append(
            f'<line x1="{left}" x2="{width - right}" y1="{y(tick):.1f}" y2="{y(tick):.1f}" '
            f'stroke="#d0d0d0"/><text x="{left - 6}" y="{y(tick) + 4:.1f}" text-anchor="end" '
            f'fill="#333">{_number(tick)}</text>'
        )
        tick += step
    for i, label in enumerate(labels):
        if len(labels) <= 13 or i % 2 == 0:
            parts.append(
                f'<text x="{x(i):.1f}" y="{height - bottom + 18}" text-anchor="middle" '
                f'fill="#333">{escape(label)}</text>'
            )
    for index, one in enumerate(series):
        colour, dash, shape = SERIES_STYLE[index % len(SERIES_STYLE)]
        points = [(x(i), y(v)) for i, v in enumerate(one.values) if v is not None]
        if points:
            path = " ".join(f"{px:.1f},{py:.1f}" for px, py in points)
            dashing = f' stroke-dasharray="{dash}"' if dash else ""
            parts.append(
                f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"{dashing}/>'
            )
            parts.extend(_marker(shape, px, py, 3.5, colour) for px, py in points)
        lx = left + index * 170
        dashing = f' stroke-dasharray="{dash}"' if dash else ""
        parts.append(
            f'<line x1="{lx}" x2="{lx + 28}" y1="18" y2="18" stroke="{colour}" stroke-width="2"{dashing}/>'
            + _marker(shape, lx + 14, 18, 3.5, colour)
            + f'<text x="{lx + 34}" y="22" fill="#1a1a1a">{escape(one.name)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def _nice_step(top: float) -> float:
    raw = top / 5 if top > 0 else 1
    magnitude = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 5, 10):
        if raw <= factor * magnitude:
            return max(factor * magnitude, 1)
    return 10 * magnitude


def _number(value: float) -> str:
    return f"{value:,.0f}".replace(",", ".")


# --- the map --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Point:
    """An offer on the map."""

    latitude: float
    longitude: float
    label: str
    category: str  # residential, day or outpatient
    free: int


CATEGORY_SHAPES = {"residential": "circle", "day": "square", "outpatient": "triangle"}
REGION_FILL = {
    "1081": "#eef3f8",
    "1082": "#f4f1ea",
    "1083": "#eef5ee",
    "1084": "#f6eef3",
    "1085": "#f2f2f2",
}
LAT_SCALE = 1.0
LON_SCALE = math.cos(math.radians(56.2))  # Denmark's middle latitude


@cache
def _topology() -> dict[str, object]:
    loaded: dict[str, object] = json.loads((DATA / "municipalities.topojson").read_text())
    return loaded


@cache
def _arcs() -> list[list[tuple[float, float]]]:
    topology = _topology()
    transform = topology["transform"]
    assert isinstance(transform, dict)
    (sx, sy), (tx, ty) = transform["scale"], transform["translate"]
    arcs = []
    raw_arcs = topology["arcs"]
    assert isinstance(raw_arcs, list)
    for arc in raw_arcs:
        x = y = 0
        points = []
        for dx, dy in arc:
            x, y = x + dx, y + dy
            points.append((x * sx + tx, y * sy + ty))  # longitude, latitude
        arcs.append(points)
    return arcs


def _ring(indexes: Sequence[int]) -> list[tuple[float, float]]:
    arcs = _arcs()
    ring: list[tuple[float, float]] = []
    for index in indexes:
        points = arcs[index] if index >= 0 else list(reversed(arcs[~index]))
        ring.extend(points[1:] if ring else points)
    return ring


@cache
def municipality_rings() -> dict[str, tuple[str, str, list[list[tuple[float, float]]]]]:
    """Each municipality's code -> (name, region code, rings of (longitude, latitude))."""
    topology = _topology()
    objects = topology["objects"]
    assert isinstance(objects, dict)
    found = {}
    for geometry in objects["municipalities"]["geometries"]:
        polygons = geometry["arcs"] if geometry["type"] == "MultiPolygon" else [geometry["arcs"]]
        rings = [_ring(ring) for polygon in polygons for ring in polygon]
        properties = geometry["properties"]
        found[properties["code"]] = (properties["name"], properties["region_code"], rings)
    return found


@dataclass(frozen=True)
class _Frame:
    west: float
    north: float
    scale: float

    def xy(self, longitude: float, latitude: float) -> tuple[float, float]:
        return (
            (longitude - self.west) * LON_SCALE * self.scale,
            (self.north - latitude) * self.scale,
        )


def _frame(codes: Sequence[str], width: int) -> tuple[_Frame, int]:
    rings = municipality_rings()
    points = [p for code in codes for ring in rings[code][2] for p in ring]
    west, east = min(p[0] for p in points), max(p[0] for p in points)
    south, north = min(p[1] for p in points), max(p[1] for p in points)
    scale = (width - 20) / ((east - west) * LON_SCALE)
    height = int((north - south) * scale) + 20
    return _Frame(west - 10 / (scale * LON_SCALE), north + 10 / scale, scale), height


@dataclass(frozen=True)
class Outlines:
    """The municipalities of a region (or all), projected for a map ``width`` wide: each as
    (code, name, region code, SVG path), the frame and the map's height."""

    shapes: tuple[tuple[str, str, str, str], ...]
    frame: _Frame
    height: int


@cache
def outlines(region: str | None, width: int) -> Outlines:
    """Drawn once per region and width: the boundaries never change while the app runs."""
    rings = municipality_rings()
    codes = [c for c, (_, r, _) in rings.items() if region is None or r == region]
    frame, height = _frame(codes, width)
    shapes = []
    for code in codes:
        name, region_code, parts = rings[code]
        path = "".join(
            "M" + "L".join(f"{x:.1f},{y:.1f}" for x, y in (frame.xy(*p) for p in ring)) + "Z"
            for ring in parts
        )
        shapes.append((code, name, region_code, path))
    return Outlines(tuple(shapes), frame, height)


def offer_map(
    points: Sequence[Point],
    *,
    region: str | None,
    title: str,
    description: str,
    ident: str = "map",
    width: int = 640,
) -> str:
    """The municipalities (one region's, or all) with the offers as shapes sized by their
    free places; a legend under the map."""
    drawn = outlines(region, width)
    frame, map_height = drawn.frame, drawn.height
    legend_height = 70
    parts = [_open(width, map_height + legend_height, title, description, ident)]
    for _, name, region_code, path in drawn.shapes:
        parts.append(
            f'<path d="{path}" fill="{REGION_FILL.get(region_code, "#f2f2f2")}" '
            f'stroke="#7a7a7a" stroke-width="0.6" fill-rule="evenodd"><title>{escape(name)}</title></path>'
        )
    for point in sorted(points, key=lambda p: -p.free):
        x, y = frame.xy(point.longitude, point.latitude)
        size = 3 + min(point.free, 20) * 0.4
        shape = CATEGORY_SHAPES.get(point.category, "circle")
        marker = _marker(shape, x, y, size, "#0b4f8a", hollow=point.free == 0)
        parts.append(f"<g>{marker}<title>{escape(point.label)}</title></g>")
    parts.append(_legend(map_height))
    parts.append("</svg>")
    return "".join(parts)


# --- the gap per municipality -----------------------------------------------------------------

# Severity: the fill (the heat map's colours) and a pattern over it, so the map reads in black
# and white too; the words stand in the legend, in each municipality's title and in the table.
SEVERITY_STYLE = {
    "critical": ("#8b1a1a", "cross", "#ffffff", "Kritisk"),
    "high": ("#f3c4a8", "diagonal", "#7a2e0e", "Høj"),
    "medium": ("#fbe8a6", "dots", "#6b5200", "Middel"),
    "low": ("#e3f0e3", "", "", "Lav"),
    "none": ("#ffffff", "", "", "Ingen tal"),
}


def _patterns(ident: str) -> str:
    """The patterns of the severities, as SVG definitions (ids ``{ident}-{severity}``)."""
    parts = ["<defs>"]
    for severity, (fill, pattern, ink, _) in SEVERITY_STYLE.items():
        if not pattern:
            continue
        if pattern == "cross":
            marks = f'<path d="M0,0L6,6M6,0L0,6" stroke="{ink}" stroke-width="1.2"/>'
        elif pattern == "diagonal":
            marks = f'<path d="M0,6L6,0" stroke="{ink}" stroke-width="1.2"/>'
        else:
            marks = f'<circle cx="3" cy="3" r="1.1" fill="{ink}"/>'
        parts.append(
            f'<pattern id="{ident}-{severity}" width="6" height="6" '
            f'patternUnits="userSpaceOnUse"><rect width="6" height="6" fill="{fill}"/>'
            f"{marks}</pattern>"
        )
    parts.append("</defs>")
    return "".join(parts)


def _paint(severity: str, ident: str) -> str:
    fill, pattern, _, _ = SEVERITY_STYLE.get(severity, SEVERITY_STYLE["none"])
    return f"url(#{ident}-{severity})" if pattern else fill


def gap_map(
    cells: dict[str, tuple[str, str]],
    *,
    region: str | None,
    title: str,
    description: str,
    ident: str = "gapmap",
    width: int = 640,
) -> str:
    """The municipalities (one region's, or all) coloured and patterned by the severity of
    the gap: ``cells`` maps a municipality's code to (severity, what its title says); one
    without a cell shows as "Ingen tal"."""
    drawn = outlines(region, width)
    legend_height = 50
    parts = [_open(width, drawn.height + legend_height, title, description, ident)]
    parts.append(_patterns(ident))
    for code, name, _, path in drawn.shapes:
        severity, text = cells.get(code, ("none", "ingen pladser, prognose eller signaler"))
        words = SEVERITY_STYLE.get(severity, SEVERITY_STYLE["none"])[3]
        parts.append(
            f'<path d="{path}" fill="{_paint(severity, ident)}" stroke="#4a4a4a" '
            f'stroke-width="0.6" fill-rule="evenodd">'
            f"<title>{escape(name)}: {escape(words)}, {escape(text)}</title></path>"
        )
    top = drawn.height
    for i, (severity, (_, _, _, words)) in enumerate(SEVERITY_STYLE.items()):
        x = 20 + i * 120
        parts.append(
            f'<rect x="{x}" y="{top + 14}" width="18" height="18" '
            f'fill="{_paint(severity, ident)}" stroke="#4a4a4a"/>'
            f'<text x="{x + 24}" y="{top + 28}" fill="#1a1a1a">{escape(words)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def _legend(top: int) -> str:
    items = [
        ("circle", "Botilbud"),
        ("square", "Dagtilbud"),
        ("triangle", "Ambulant tilbud"),
    ]
    parts = []
    for i, (shape, text) in enumerate(items):
        x = 20 + i * 150
        parts.append(_marker(shape, x, top + 20, 5, "#0b4f8a"))
        parts.append(f'<text x="{x + 12}" y="{top + 24}" fill="#1a1a1a">{text}</text>')
    parts.append(_marker("circle", 20, top + 50, 5, "#0b4f8a", hollow=True))
    parts.append(
        f'<text x="32" y="{top + 54}" fill="#1a1a1a">Kun omrids: ingen ledige pladser; '
        "større figur: flere ledige pladser</text>"
    )
    return "".join(parts)
