"""Supply and demand per target group and region, and the municipalities' demand forecasts.

For a region, a day and each target group:

- **supply**: the places of the region's published offers for the group; the places in use
  (declared by the providers, plus contracts on the day); free places and occupancy; the
  contracts by where the buyer sits (inside or outside the region);
- **demand**: the places the region's municipalities forecast for the year, and at least the
  places in use (a forecast may come from some municipalities only); and the signals of unmet
  demand from the region's municipalities in the year up to the day: searches for the group with no or few results
  (at most ``FEW_RESULTS``), and requests and answers to needs declined for lack of
  capacity or fit;
- the **gap** (demand minus places) and its severity: *critical* when demand exceeds the
  places and purchasers are being turned away (a decline for capacity, or a search with no
  result), *high* when demand exceeds the places, *medium* when no place is free or three or
  more signals came in, *low* otherwise;
- **offers at risk**: occupancy below the agreement's band at each of the last three month-ends
  the offer existed at (published by then; contracts then, with today's declared places; an
  offer published after all three is not judged on occupancy), unique offers in the
  reinforced cooperation, and offers in the emergency track;
- the central announcement that names the group, and the same figures a year earlier.

Every figure comes with the offers and counts behind it. Counts of people (places in use,
contracts, declines, searches) below ``SMALL_COUNT`` are shown as "< 3" to anyone but the
region's steering group, the registry administrator and, for its own offers, the provider.
"""

from __future__ import annotations

import datetime
import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property, partial
from typing import Any

from agreements.announcements.models import AnnouncementView, ForecastSet, ForecastView
from agreements.announcements.service import announcements_for_groups
from agreements.frameworks import service as frameworks
from agreements.gaps import signals
from agreements.gaps.tables import DemandForecast
from marketplace.core.clock import today, utcnow
from marketplace.core.errors import DomainError, ErrorCode
from marketplace.core.identity import Principal, Role
from marketplace.core.rows import RowT, row_as
from marketplace.core.unit_of_work import write_transaction
from marketplace.offers.models import OfferStatus, UniqueOfferStatus
from marketplace.offers.tables import Offer
from marketplace.offers.taxonomy import target_group_records
from marketplace.organisations.reference import municipality_records, region_of, region_records

SMALL_COUNT = 3
AT_RISK_MONTHS = 3
MAX_YEARS_AHEAD = 2
MAX_YEARS_BACK = 10  # the market's records are its own; a decade back is before any of them


def region_municipalities(region: str) -> list[str]:
    return sorted(m.code for m in municipality_records() if m.region_code == region)


def owns_region(principal: Principal, region: str) -> bool:
    """Who sees the small counts of a region's figures."""
    return principal.is_registry_admin or (
        principal.role is Role.STEERING and principal.org_code == region
    )


# --- forecasts --------------------------------------------------------------------------------


async def set_forecast(principal: Principal, command: ForecastSet) -> ForecastView:
    """A municipality's forecast of the places it will need for a group in a year (its
    purchasers for itself, or its region's steering group); a new one replaces the old."""
    region = region_of(command.municipality_code)
    if region is None:
        raise DomainError(
            ErrorCode.UNKNOWN_MUNICIPALITY, "No such municipality.", ["municipality_code"]
        )
    if not (principal.role is Role.PURCHASER and principal.org_code == command.municipality_code):
        frameworks.require_steering(principal, region, ["municipality_code"])
    key = f"{command.municipality_code}:{command.target_group}:{command.year}"
    async with write_transaction(principal, "demandForecastSet") as unit:
        forecast = await unit.track(
            "DemandForecast",
            key,
            partial(_forecast, command.municipality_code, command.target_group, command.year),
        )
        await (
            DemandForecast.delete()
            .where(
                (DemandForecast.municipality == command.municipality_code)
                & (DemandForecast.target_group == command.target_group)
                & (DemandForecast.year == command.year)
            )
            .run()
        )
        await DemandForecast.insert(
            DemandForecast(
                municipality=command.municipality_code,
                target_group=command.target_group,
                year=command.year,
                places=command.places,
                note=command.note,
                set_by=principal.subject or "",
                set_at=utcnow(),
            )
        ).run()
    return forecast.result


async def _forecast(municipality: str, target_group: str, year: int) -> ForecastView | None:
    row = (
        await DemandForecast.select(
            DemandForecast.municipality,
            DemandForecast.target_group,
            DemandForecast.year,
            DemandForecast.places,
            DemandForecast.note,
        )
        .where(
            (DemandForecast.municipality == municipality)
            & (DemandForecast.target_group == target_group)
            & (DemandForecast.year == year)
        )
        .first()
        .run()
    )
    return ForecastView.model_validate(row) if row else None


@dataclass(frozen=True)
class ForecastReport:
    region: str
    year: int
    totals: dict[str, int]
    rows: list[ForecastView]  # empty unless the caller may see the municipalities' own


def _require_region(code: str, field: Sequence[str]) -> None:
    if code not in region_records():
        raise DomainError(ErrorCode.UNKNOWN_REGION, f"No region {code!r}.", list(field))


async def forecasts(principal: Principal, region: str, year: int) -> ForecastReport:
    """The sums per target group for every signed-in user; the municipalities' own figures
    for the region's steering group (and a purchaser's own municipality)."""
    if not principal.is_authenticated:
        raise DomainError(ErrorCode.UNAUTHENTICATED, "Sign in to read the forecasts.")
    _require_region(region, ["region_code"])
    municipalities = region_municipalities(region)
    if not datetime.MINYEAR <= year <= datetime.MAXYEAR:  # none, and it would not fit the column
        return ForecastReport(region, year, {}, [])
    rows = (
        await DemandForecast.select()
        .where(DemandForecast.municipality.is_in(municipalities) & (DemandForecast.year == year))
        .order_by(DemandForecast.municipality, DemandForecast.target_group)
        .run()
    )
    found = [ForecastView.model_validate(row) for row in rows]
    totals: dict[str, int] = defaultdict(int)
    for forecast in found:
        totals[forecast.target_group] += forecast.places
    visible = [
        forecast
        for forecast in found
        if owns_region(principal, region)
        or (principal.role is Role.PURCHASER and principal.org_code == forecast.municipality)
    ]
    return ForecastReport(region, year, dict(totals), visible)


# --- the gap analysis ---------------------------------------------------------------------------


@dataclass
class OfferFigures:
    offer_id: uuid.UUID
    name: str
    provider_org: str
    places: int
    declared: int
    contracted: int = 0
    unique_status: str = UniqueOfferStatus.NONE.value
    month_ends: list[tuple[datetime.date, int]] = field(default_factory=list)  # contracts then
    published_on: datetime.date | None = None  # the offer exists from this day
    risks: list[str] = field(default_factory=list)  # besides a low occupancy
    # Occupancy (basis points, oldest first) at the month-ends, when every one of them lies
    # below the agreement's band (band_min_bp); empty otherwise.
    low_occupancy: list[int] = field(default_factory=list)
    band_min_bp: int | None = None

    @property
    def in_use(self) -> int:
        return self.declared + self.contracted

    @property
    def at_risk(self) -> bool:
        return bool(self.risks or self.low_occupancy)

    @property
    def occupancy_bp(self) -> int | None:
        return round(self.in_use * 10000 / self.places) if self.places else None


@dataclass
class GroupFigures:
    target_group: str
    offers: list[OfferFigures] = field(default_factory=list)
    contracts_inside: int = 0
    contracts_outside: int = 0
    forecast: int | None = None
    searches_none: int = 0
    searches_few: int = 0
    declined_capacity: int = 0
    declined_fit: int = 0

    @cached_property  # read after the figures are complete
    def places(self) -> int:
        return sum(o.places for o in self.offers)

    @cached_property  # read after the figures are complete
    def in_use(self) -> int:
        return sum(o.in_use for o in self.offers)

    @cached_property  # read after the figures are complete
    def free(self) -> int:
        return sum(max(o.places - o.in_use, 0) for o in self.offers)

    @property
    def occupancy_bp(self) -> int | None:
        return round(self.in_use * 10000 / self.places) if self.places else None

    @property
    def demand(self) -> int:
        return max(self.forecast or 0, self.in_use)

    @property
    def gap(self) -> int:
        return self.demand - self.places

    @property
    def signals(self) -> int:
        return self.searches_none + self.searches_few + self.declined_capacity + self.declined_fit

    @property
    def severity(self) -> str:
        if self.gap > 0 and (self.declined_capacity or self.searches_none):
            return "critical"
        if self.gap > 0:
            return "high"
        if (self.places and self.free == 0) or self.signals >= 3:
            return "medium"
        return "low"


@dataclass
class GapRow:
    now: GroupFigures
    year_earlier: GroupFigures
    announcement: AnnouncementView | None


@dataclass
class GapReport:
    region: str
    as_of: datetime.date
    rows: list[GapRow]
    band_min_bp: int | None
    band_source: str | None


def _end_of(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(
        day + datetime.timedelta(days=1), datetime.time(), datetime.UTC
    )


def month_ends(day: datetime.date, count: int = AT_RISK_MONTHS) -> list[datetime.date]:
    """The last ``count`` month-ends before ``day``, latest first."""
    ends = []
    first = day.replace(day=1)
    for _ in range(count):
        last = first - datetime.timedelta(days=1)
        ends.append(last)
        first = last.replace(day=1)
    return ends


def _offers_sql(region: str, on: datetime.date) -> tuple[str, list[Any]]:
    """The region's offers published by the day, one row per offer and target group."""
    return (
        "SELECT o.id AS id, o.name AS name, p.org_code AS org, o.capacity_places AS "
        "capacity_places, o.occupied_places AS occupied_places, o.unique_status AS "
        "unique_status, o.published_at AS published_at, g.target_group AS target_group "
        "FROM offer o "
        "JOIN provider p ON p.id = o.provider JOIN municipality m ON m.code = o.municipality "
        "LEFT JOIN offer_target_group g ON g.offer = o.id "
        "WHERE o.status = {} AND m.region = {} AND o.published_at < {}",
        [OfferStatus.PUBLISHED.value, region, _end_of(on)],
    )


def _contracts_sql(region: str, on: datetime.date) -> tuple[str, list[Any]]:
    """Per offer of the region: its contracts on the day bought from inside and from outside
    the region, and its contracts at each of the last month-ends, in one pass."""
    ends = month_ends(on)
    running = "c.start_date <= {} AND (c.end_date IS NULL OR c.end_date >= {})"
    at_ends = ", ".join(
        f"SUM(CASE WHEN {running} THEN 1 ELSE 0 END) AS m{i}" for i in range(len(ends))
    )
    args: list[Any] = [on, on, region, on, on, region]
    for end in ends:
        args += [end, end]
    return (
        f"SELECT c.offer AS offer, "
        f"SUM(CASE WHEN {running} AND bm.region = {{}} THEN 1 ELSE 0 END) AS inside, "
        f"SUM(CASE WHEN {running} AND bm.region <> {{}} THEN 1 ELSE 0 END) AS outside, "
        f"{at_ends} FROM contract c JOIN offer o ON o.id = c.offer "
        "JOIN municipality om ON om.code = o.municipality "
        "JOIN municipality bm ON bm.code = c.buyer "
        "WHERE om.region = {} AND c.status <> 'cancelled' AND c.start_date <= {} "
        "AND (c.end_date IS NULL OR c.end_date >= {}) GROUP BY c.offer",
        [*args, region, on, min(ends)],
    )


@dataclass(frozen=True, slots=True)
class SupplyRow:
    """One of the region's published offers with one of its target groups (``_offers_sql``).
    SQLite answers a raw query's UUIDs as text."""

    id: uuid.UUID | str
    name: str
    org: str
    capacity_places: int
    occupied_places: int
    unique_status: str
    target_group: str | None
    published_at: datetime.datetime | str | None


@dataclass(frozen=True, slots=True)
class ContractCounts:
    """An offer's contracts on the day, bought from inside and from outside the region
    (``_contracts_sql``; its counts at the month-ends are the columns ``m0``, ``m1``, ...)."""

    offer: uuid.UUID | str
    inside: int | None
    outside: int | None


@dataclass(frozen=True, slots=True)
class ForecastSum:
    """The places the region's municipalities forecast for a target group (``signals.forecast_sql``)."""

    target_group: str
    places: int


@dataclass(frozen=True, slots=True)
class DeclineCounts:
    """Requests declined for capacity and for fit, for a target group (``signals.declined_sql``)."""

    target_group: str
    capacity: int | None
    fit: int | None


@dataclass(frozen=True, slots=True)
class SearchCounts:
    """Searches that found no offer and that found few, for a target group (``signals.searches_sql``)."""

    target_group: str
    found_none: int | None
    few: int | None


async def _raw(sql: tuple[str, list[Any]]) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = await Offer.raw(sql[0], *sql[1]).run()
    return rows


async def _rows(cls: type[RowT], sql: tuple[str, list[Any]]) -> list[RowT]:
    return [row_as(cls, row) for row in await _raw(sql)]


async def figures(
    region: str, groups: Sequence[str], on: datetime.date, band_min_bp: int | None
) -> dict[str, GroupFigures]:
    """Every figure of the region's supply and demand for the groups on a day."""
    result = {code: GroupFigures(code) for code in groups}
    supply = await _published_offers(region, on, result)
    await _count_contracts(supply, result, region, on)
    _list_offers(supply, result, month_ends(on), band_min_bp)
    # demand: forecasts, and the signals from the region's municipalities in the year to ``on``
    await _count_forecasts(result, region, on.year)
    since, until = _end_of(on - datetime.timedelta(days=365)), _end_of(on)
    await _count_declines(result, region, since, until)
    await _count_searches(result, region, since, until)
    return result


@dataclass
class _Supply:
    """The region's offers published by the day, and each offer's target groups among those
    asked for."""

    offers: dict[uuid.UUID, OfferFigures] = field(default_factory=dict)
    groups_of: defaultdict[uuid.UUID, list[str]] = field(default_factory=lambda: defaultdict(list))


async def _published_offers(
    region: str, on: datetime.date, result: dict[str, GroupFigures]
) -> _Supply:
    supply = _Supply()
    for row in await _rows(SupplyRow, _offers_sql(region, on)):
        offer_id = _uuid(row.id)
        if offer_id not in supply.offers:
            supply.offers[offer_id] = OfferFigures(
                offer_id,
                row.name,
                row.org,
                row.capacity_places,
                row.occupied_places,
                unique_status=row.unique_status,
                published_on=_day_of(row.published_at),
            )
        if row.target_group in result:
            supply.groups_of[offer_id].append(row.target_group)
    return supply


async def _count_contracts(
    supply: _Supply, result: dict[str, GroupFigures], region: str, on: datetime.date
) -> None:
    """Each offer's contracts on the day and at the last month-ends; each group's contracts
    bought from inside and from outside the region."""
    ends = month_ends(on)
    keys = [f"m{i}" for i in range(len(ends))]
    for row in await _raw(_contracts_sql(region, on)):
        counts = row_as(ContractCounts, row)
        offer = supply.offers.get(_uuid(counts.offer))
        if offer is None:
            continue
        inside, outside = int(counts.inside or 0), int(counts.outside or 0)
        offer.contracted = inside + outside
        offer.month_ends = [(end, int(row[key] or 0)) for key, end in zip(keys, ends, strict=True)]
        for code in supply.groups_of[offer.offer_id]:
            result[code].contracts_inside += inside
            result[code].contracts_outside += outside


def _list_offers(
    supply: _Supply,
    result: dict[str, GroupFigures],
    ends: list[datetime.date],
    band_min_bp: int | None,
) -> None:
    """Judge each offer's risks (an offer without contracts had none at the month-ends) and
    list it under its groups."""
    for offer in supply.offers.values():
        if not offer.month_ends:
            offer.month_ends = [(end, 0) for end in ends]
        _risks(offer, band_min_bp)
        for code in supply.groups_of[offer.offer_id]:
            result[code].offers.append(offer)


async def _count_forecasts(result: dict[str, GroupFigures], region: str, year: int) -> None:
    for row in await _rows(ForecastSum, signals.forecast_sql("region", year, region, None)):
        group = result.get(row.target_group)
        if group is not None:
            group.forecast = int(row.places)


async def _count_declines(
    result: dict[str, GroupFigures],
    region: str,
    since: datetime.datetime,
    until: datetime.datetime,
) -> None:
    for row in await _rows(
        DeclineCounts, signals.declined_sql("region", since, until, region, None)
    ):
        group = result.get(row.target_group)
        if group is not None:
            group.declined_capacity = int(row.capacity or 0)
            group.declined_fit = int(row.fit or 0)


async def _count_searches(
    result: dict[str, GroupFigures],
    region: str,
    since: datetime.datetime,
    until: datetime.datetime,
) -> None:
    for row in await _rows(
        SearchCounts, signals.searches_sql("region", since, until, region, None)
    ):
        group = result.get(row.target_group)
        if group is not None:
            group.searches_none = int(row.found_none or 0)
            group.searches_few = int(row.few or 0)


def _day_of(value: datetime.datetime | str | None) -> datetime.date | None:
    """The day of a timestamp as a raw query answers it (SQLite: text)."""
    if value is None:
        return None
    stamp = (
        value if isinstance(value, datetime.datetime) else datetime.datetime.fromisoformat(value)
    )
    if stamp.tzinfo is not None:
        stamp = stamp.astimezone(datetime.UTC)
    return stamp.date()


def _uuid(value: Any) -> uuid.UUID:
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))


def _risks(offer: OfferFigures, band_min_bp: int | None) -> None:
    if offer.unique_status == UniqueOfferStatus.EMERGENCY_TRACK.value:
        offer.risks.append("in the emergency track (nødspor)")
    elif offer.unique_status == UniqueOfferStatus.REINFORCED_COOPERATION.value:
        offer.risks.append("a unique offer in the reinforced cooperation")
    if band_min_bp is not None and offer.places:
        existed = [
            (end, n)
            for end, n in offer.month_ends
            if offer.published_on is None or end >= offer.published_on
        ]
        shares = [round((offer.declared + n) * 10000 / offer.places) for _, n in existed]
        if shares and all(share < band_min_bp for share in shares):
            offer.low_occupancy, offer.band_min_bp = shares, band_min_bp


def _a_year_before(day: datetime.date) -> datetime.date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


async def supply_gaps(
    principal: Principal,
    region: str,
    target_groups: Sequence[str] | None = None,
    as_of: datetime.date | None = None,
) -> GapReport:
    """The gap analysis for a region (see the module's docstring); readable by every
    signed-in user, with small counts hidden outside the owning parties (see ``shown``)."""
    if not principal.is_authenticated:
        raise DomainError(ErrorCode.UNAUTHENTICATED, "Sign in to read the gap analysis.")
    _require_region(region, ["region_code"])
    known = [r.code for r in target_group_records()]
    groups = list(dict.fromkeys(target_groups)) if target_groups else known
    unknown = [g for g in groups if g not in known]
    if unknown:
        raise DomainError(
            ErrorCode.INVALID,
            f"Unknown target group code(s): {', '.join(unknown)}.",
            ["target_group_codes"],
        )
    day = as_of or today()
    if day > today() + datetime.timedelta(days=365 * MAX_YEARS_AHEAD):
        raise DomainError(
            ErrorCode.INVALID,
            f"The gap analysis looks at most {MAX_YEARS_AHEAD} years ahead.",
            ["as_of"],
        )
    if day < today() - datetime.timedelta(days=365 * MAX_YEARS_BACK):
        raise DomainError(
            ErrorCode.INVALID,
            f"The gap analysis looks at most {MAX_YEARS_BACK} years back.",
            ["as_of"],
        )
    band_min_bp, band_source = await occupancy_band(region, day)
    now = await figures(region, groups, day, band_min_bp)
    before = await figures(region, groups, _a_year_before(day), band_min_bp)
    announced = await announcements_for_groups(groups)
    rows = [GapRow(now[g], before[g], announced.get(g)) for g in groups]
    return GapReport(region, day, rows, band_min_bp, band_source)


async def occupancy_band(region: str, day: datetime.date) -> tuple[int | None, str | None]:
    """The lowest occupancy (basis points) the agreement in force for the region allows on
    the day, and the agreement's name; (None, None) without one."""
    agreement = await frameworks.agreement_in_force(region, day)
    if agreement is None:
        return None, None
    rules = await frameworks.rules_on(agreement, day)
    if rules is None or rules.rules.occupancy is None:
        return None, None
    return int(rules.rules.occupancy.min_percent * 100), agreement.name


async def offers_at_risk(region: str, day: datetime.date) -> list[OfferFigures]:
    """The region's published offers at risk on the day (see the module), judged as the gap
    analysis judges them, whatever their target groups."""
    band_min_bp, _ = await occupancy_band(region, day)
    supply = await _published_offers(region, day, {})
    await _count_contracts(supply, {}, region, day)
    _list_offers(supply, {}, month_ends(day), band_min_bp)
    return [offer for offer in supply.offers.values() if offer.at_risk]


def shown(count: int, visible: bool) -> str:
    """A count of people as anyone but the owning parties sees it."""
    return str(count) if visible or count == 0 or count >= SMALL_COUNT else f"< {SMALL_COUNT}"
