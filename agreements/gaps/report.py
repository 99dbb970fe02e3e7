"""The gap analysis as people read it: small counts of people hidden outside the owning
parties, and a flat table for spreadsheets (the CSV and JSON exports)."""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, replace
from decimal import Decimal
from typing import Any, overload

from agreements.gaps.service import SMALL_COUNT, GapReport, GroupFigures, OfferFigures, owns_region
from marketplace.core.identity import Principal, Role
from marketplace.offers.taxonomy import target_group_records


@dataclass(frozen=True)
class Figure:
    """A count as shown: ``value`` is None when it is hidden ("< 3")."""

    value: int | None
    display: str

    @classmethod
    def of(cls, count: int, visible: bool = True) -> Figure:
        if visible or count == 0 or abs(count) >= SMALL_COUNT:
            return cls(count, str(count))
        return cls(None, f"< {SMALL_COUNT}")

    @property
    def hidden(self) -> bool:
        return self.value is None


def _percent(bp: int | None) -> Decimal | None:
    return None if bp is None else (Decimal(bp) / 100).quantize(Decimal("0.1"))


@dataclass(frozen=True)
class OfferLine:
    offer_id: uuid.UUID
    name: str
    provider_org: str
    places: int
    in_use: Figure
    free: Figure
    occupancy_percent: Decimal | None
    risks: list[str]


class OfferLines(Sequence[OfferLine]):
    """The offers behind a row as lines, made only for the part that is read (a page)."""

    def __init__(self, offers: list[OfferFigures], visible: Callable[[OfferFigures], bool]):
        self._offers = offers
        self._visible = visible

    def __len__(self) -> int:
        return len(self._offers)

    @overload
    def __getitem__(self, index: int) -> OfferLine: ...

    @overload
    def __getitem__(self, index: slice) -> list[OfferLine]: ...

    def __getitem__(self, index: int | slice) -> OfferLine | list[OfferLine]:
        if isinstance(index, slice):
            return [_offer_line(o, self._visible(o)) for o in self._offers[index]]
        offer = self._offers[index]
        return _offer_line(offer, self._visible(offer))


@dataclass(frozen=True)
class Side:
    """The headline figures of one day."""

    places: int
    in_use: Figure
    free: Figure
    occupancy_percent: Decimal | None
    forecast: int | None
    demand: Figure
    gap: Figure


@dataclass(frozen=True)
class GapLine:
    target_group: str
    label: str
    now: Side
    contracts_inside: Figure
    contracts_outside: Figure
    searches_none: Figure
    searches_few: Figure
    declined_capacity: Figure
    declined_fit: Figure
    severity: str
    offers: OfferLines
    at_risk: OfferLines
    announcement_id: uuid.UUID | None
    announcement_title: str | None
    year_earlier: Side
    change_places: int
    change_in_use: Figure
    change_gap: Figure
    explanation: list[str]


def side(figures: GroupFigures, visible: bool) -> Side:
    in_use = Figure.of(figures.in_use, visible)
    derived_hidden = in_use.hidden
    return Side(
        places=figures.places,
        in_use=in_use,
        free=Figure(None, f"< {SMALL_COUNT}") if derived_hidden else Figure.of(figures.free),
        occupancy_percent=None if derived_hidden else _percent(figures.occupancy_bp),
        forecast=figures.forecast,
        demand=Figure(None, f"< {SMALL_COUNT}")
        if derived_hidden and figures.demand == figures.in_use
        else Figure.of(figures.demand),
        gap=Figure(None, "hidden")
        if derived_hidden and figures.demand == figures.in_use
        else Figure.of(figures.gap),
    )


def _offer_line(offer: OfferFigures, visible: bool) -> OfferLine:
    in_use = Figure.of(offer.in_use, visible)
    return OfferLine(
        offer_id=offer.offer_id,
        name=offer.name,
        provider_org=offer.provider_org,
        places=offer.places,
        in_use=in_use,
        free=Figure(None, f"< {SMALL_COUNT}")
        if in_use.hidden
        else Figure.of(max(offer.places - offer.in_use, 0)),
        occupancy_percent=None if in_use.hidden else _percent(offer.occupancy_bp),
        risks=[*offer.risks, *_low_occupancy(offer, in_use.hidden)],
    )


def _low_occupancy(offer: OfferFigures, hidden: bool) -> list[str]:
    """The risk of a low occupancy, with the month-ends' occupancy unless the places in use
    are hidden from the reader (the percentages would tell them)."""
    if not offer.low_occupancy or offer.band_min_bp is None:
        return []
    text = (
        f"occupancy below the agreement's {offer.band_min_bp / 100:g}% at the last "
        f"{len(offer.low_occupancy)} month-ends"
    )
    if hidden:
        return [text]
    listed = ", ".join(f"{share / 100:g}%" for share in reversed(offer.low_occupancy))
    return [f"{text} ({listed})"]


def _change(now: Figure, before: Figure) -> Figure:
    if now.value is None or before.value is None:
        return Figure(None, "hidden")
    return Figure(now.value - before.value, str(now.value - before.value))


def present(report: GapReport, principal: Principal) -> list[GapLine]:
    owner = owns_region(principal, report.region)
    labels = {r.code: r.label_da for r in target_group_records()}

    def offer_visible(offer: OfferFigures) -> bool:
        own = principal.role is Role.PROVIDER_ADMIN and principal.org_code == offer.provider_org
        return owner or own

    lines = []
    for row in report.rows:
        now, before = row.now, row.year_earlier
        now_side, before_side = side(now, owner), side(before, owner)
        by_name = sorted(now.offers, key=lambda o: o.name)
        explanation = [
            f"{len(now.offers)} published offer(s) in region {report.region} serve the group "
            f"with {now.places} place(s).",
            f"Demand is the municipalities' forecast for {report.as_of.year}"
            if now.forecast is not None
            else "Demand is the places in use (no municipality has forecast the group).",
            f"Signals in the year to {report.as_of.isoformat()}: searches with no result "
            f"{Figure.of(now.searches_none, owner).display}, with at most two "
            f"{Figure.of(now.searches_few, owner).display}; requests declined for capacity "
            f"{Figure.of(now.declined_capacity, owner).display}, for fit "
            f"{Figure.of(now.declined_fit, owner).display}.",
        ]
        lines.append(
            GapLine(
                target_group=now.target_group,
                label=labels.get(now.target_group, now.target_group),
                now=now_side,
                contracts_inside=Figure.of(now.contracts_inside, owner),
                contracts_outside=Figure.of(now.contracts_outside, owner),
                searches_none=Figure.of(now.searches_none, owner),
                searches_few=Figure.of(now.searches_few, owner),
                declined_capacity=Figure.of(now.declined_capacity, owner),
                declined_fit=Figure.of(now.declined_fit, owner),
                severity=now.severity,
                offers=OfferLines(by_name, offer_visible),
                at_risk=OfferLines([o for o in by_name if o.at_risk], offer_visible),
                announcement_id=row.announcement.id if row.announcement else None,
                announcement_title=row.announcement.title if row.announcement else None,
                year_earlier=before_side,
                change_places=now.places - before.places,
                change_in_use=_change(now_side.in_use, before_side.in_use),
                change_gap=_change(now_side.gap, before_side.gap),
                explanation=explanation,
            )
        )
    return lines


TABLE_COLUMNS = [
    "region",
    "as_of",
    "target_group",
    "label",
    "places",
    "in_use",
    "free",
    "occupancy_percent",
    "contracts_inside",
    "contracts_outside",
    "forecast",
    "demand",
    "gap",
    "severity",
    "searches_no_result",
    "searches_few_results",
    "declined_no_capacity",
    "declined_fit",
    "offers",
    "offers_at_risk",
    "announcement",
    "places_a_year_earlier",
    "in_use_a_year_earlier",
    "gap_a_year_earlier",
]


def table(report: GapReport, lines: list[GapLine]) -> list[dict[str, Any]]:
    """One row per target group, with the shown figures (hidden counts as "< 3")."""
    return [
        {
            "region": report.region,
            "as_of": report.as_of.isoformat(),
            "target_group": line.target_group,
            "label": line.label,
            "places": line.now.places,
            "in_use": line.now.in_use.display,
            "free": line.now.free.display,
            "occupancy_percent": str(line.now.occupancy_percent)
            if line.now.occupancy_percent is not None
            else "",
            "contracts_inside": line.contracts_inside.display,
            "contracts_outside": line.contracts_outside.display,
            "forecast": "" if line.now.forecast is None else line.now.forecast,
            "demand": line.now.demand.display,
            "gap": line.now.gap.display,
            "severity": line.severity,
            "searches_no_result": line.searches_none.display,
            "searches_few_results": line.searches_few.display,
            "declined_no_capacity": line.declined_capacity.display,
            "declined_fit": line.declined_fit.display,
            "offers": len(line.offers),
            "offers_at_risk": "; ".join(f"{o.name}: {', '.join(o.risks)}" for o in line.at_risk),
            "announcement": line.announcement_title or "",
            "places_a_year_earlier": line.year_earlier.places,
            "in_use_a_year_earlier": line.year_earlier.in_use.display,
            "gap_a_year_earlier": line.year_earlier.gap.display,
        }
        for line in lines
    ]


def as_json(report: GapReport, lines: list[GapLine]) -> dict[str, Any]:
    """The whole analysis for the JSON export (the offers behind each figure included)."""

    def plain(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: plain(v) for k, v in value.items()}
        if isinstance(value, list):
            return [plain(v) for v in value]
        if isinstance(value, uuid.UUID | datetime.date | Decimal):
            return str(value)
        return value

    return {
        "region": report.region,
        "as_of": report.as_of.isoformat(),
        "occupancy_band_min_percent": _percent(report.band_min_bp)
        and str(_percent(report.band_min_bp)),
        "rows": [
            plain(asdict(replace(line, offers=line.offers[:], at_risk=line.at_risk[:])))  # type: ignore[arg-type]
            for line in lines
        ],
    }
