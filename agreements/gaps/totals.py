"""The gap analysis' headline figures computed set-based, for the overviews that need many
of them at once: every region (or every municipality of a region, or of the country) for the
target groups on a day in one pass, and one target group in a region at many month-ends in
one pass.

They are the figures ``service.figures`` works out (places, places in use, free places, the
forecast, the searches and the declines) without the offers behind them or their risks: a
statement per kind of figure, grouped in SQL by region or municipality and target group,
instead of a statement per kind, region and day.

For a municipality the supply is the offers that lie in it, the forecast its own, and the
signals those of its purchasers (their searches and the requests and needs declined for them);
demand is, as for a region, the forecast and at least the places in use.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from typing import Any

from agreements.gaps.service import GroupFigures, _end_of, _raw
from agreements.gaps.signals import (
    FEW_RESULTS,
    Level,
    declined_sql,
    forecast_sql,
    key_of,
    searches_sql,
    where_of,
)
from marketplace.contracts.models import DeclineReason, NeedAnswerStatus, RequestStatus
from marketplace.offers.models import OfferStatus

_RUNNING = "c.start_date <= {} AND (c.end_date IS NULL OR c.end_date >= {})"


def totals_of(target_group: str, places: int, in_use: int, free: int, offers: int) -> GroupFigures:
    """Figures whose supply is known by its sums (the offers themselves are not listed)."""
    figures = GroupFigures(target_group)
    # the sums stand in for the cached sums over the offers
    figures.__dict__.update(places=places, in_use=in_use, free=free, offer_count=offers)
    return figures


def _supply_sql(
    level: Level, on: datetime.date, region: str | None, groups: Sequence[str] | None
) -> tuple[str, list[Any]]:
    where, args = where_of(level, "m", region, groups, "g.target_group")
    in_use = "o.occupied_places + COALESCE(c.n, 0)"
    return (
        f"SELECT {key_of(level, 'm')} AS place, g.target_group AS target_group, "
        "SUM(o.capacity_places) AS places, "
        f"SUM({in_use}) AS in_use, "
        f"SUM(CASE WHEN o.capacity_places > {in_use} THEN o.capacity_places - ({in_use}) "
        "ELSE 0 END) AS free, COUNT(*) AS offers "
        "FROM offer o JOIN municipality m ON m.code = o.municipality "
        "JOIN offer_target_group g ON g.offer = o.id "
        "LEFT JOIN (SELECT c.offer AS offer, COUNT(*) AS n FROM contract c "
        "JOIN municipality bm ON bm.code = c.buyer "
        f"WHERE c.status <> 'cancelled' AND {_RUNNING} GROUP BY c.offer) c ON c.offer = o.id "
        f"WHERE o.status = {{}} AND o.published_at < {{}}{where} "
        f"GROUP BY {key_of(level, 'm')}, g.target_group",
        [on, on, OfferStatus.PUBLISHED.value, _end_of(on), *args],
    )


Totals = dict[tuple[str, str], GroupFigures]


async def totals(
    level: Level,
    on: datetime.date,
    *,
    region: str | None = None,
    groups: Sequence[str] | None = None,
) -> Totals:
    """(target group, region or municipality code) -> the figures on the day, for every
    place with supply, a forecast or a signal (four statements). ``region`` limits the
    places to one region; ``groups`` the target groups."""
    found: Totals = {}

    def cell(row: dict[str, Any]) -> GroupFigures:
        key = (str(row["target_group"]), str(row["place"]))
        if key not in found:
            found[key] = totals_of(key[0], 0, 0, 0, 0)
        return found[key]

    for row in await _raw(_supply_sql(level, on, region, groups)):
        figures = cell(row)
        figures.__dict__.update(
            places=int(row["places"] or 0),
            in_use=int(row["in_use"] or 0),
            free=int(row["free"] or 0),
            offer_count=int(row["offers"] or 0),
        )
    for row in await _raw(forecast_sql(level, on.year, region, groups)):
        cell(row).forecast = int(row["places"] or 0)
    since, until = _end_of(on - datetime.timedelta(days=365)), _end_of(on)
    for row in await _raw(declined_sql(level, since, until, region, groups)):
        figures = cell(row)
        figures.declined_capacity = int(row["capacity"] or 0)
        figures.declined_fit = int(row["fit"] or 0)
    for row in await _raw(searches_sql(level, since, until, region, groups)):
        figures = cell(row)
        figures.searches_none = int(row["found_none"] or 0)
        figures.searches_few = int(row["few"] or 0)
    return found


# --- one target group at many month-ends ------------------------------------------------------


def _offers_at_ends_sql(
    region: str, group: str, ends: Sequence[datetime.date]
) -> tuple[str, list[Any]]:
    """The region's published offers for the group: their places, declared places in use and
    publishing time, and their contracts at each month-end (columns ``m0``, ``m1``, ...)."""
    columns = "".join(
        f", SUM(CASE WHEN c.id IS NOT NULL AND {_RUNNING} THEN 1 ELSE 0 END) AS m{i}"
        for i in range(len(ends))
    )
    args: list[Any] = [value for end in ends for value in (end, end)]
    return (
        "SELECT o.id AS id, o.capacity_places AS places, o.occupied_places AS declared, "
        f"o.published_at AS published_at{columns} FROM offer o "
        "JOIN municipality m ON m.code = o.municipality "
        "JOIN offer_target_group g ON g.offer = o.id "
        "LEFT JOIN (SELECT c.id AS id, c.offer AS offer, c.start_date AS start_date, "
        "c.end_date AS end_date FROM contract c JOIN municipality bm ON bm.code = c.buyer "
        "WHERE c.status <> 'cancelled' AND c.start_date <= {} "
        "AND (c.end_date IS NULL OR c.end_date >= {})) c ON c.offer = o.id "
        "WHERE o.status = {} AND m.region = {} AND g.target_group = {} AND o.published_at < {} "
        "GROUP BY o.id, o.capacity_places, o.occupied_places, o.published_at",
        [
            *args,
            max(ends),
            min(ends),
            OfferStatus.PUBLISHED.value,
            region,
            group,
            _end_of(max(ends)),
        ],
    )


def _windows_sql(
    source: str, region: str, group: str, ends: Sequence[datetime.date]
) -> tuple[str, list[Any]]:
    """Per month-end, the region's searches for the group with none or few results (``source``
    "searches") or its requests and needs declined for capacity or fit ("declines") in the
    year up to it (columns ``a0``, ``b0``, ``a1``, ...)."""
    args: list[Any] = []
    columns = []
    for i, end in enumerate(ends):
        since, until = _end_of(end - datetime.timedelta(days=365)), _end_of(end)
        window = "at >= {} AND at < {}"
        columns.append(
            f"SUM(CASE WHEN {window} AND is_first THEN 1 ELSE 0 END) AS a{i}, "
            f"SUM(CASE WHEN {window} AND NOT is_first THEN 1 ELSE 0 END) AS b{i}"
        )
        args += [since, until, since, until]
    earliest, latest = _end_of(min(ends) - datetime.timedelta(days=365)), _end_of(max(ends))
    if source == "searches":
        inner = (
            "SELECT e.at AS at, e.result_count = 0 AS is_first FROM search_event e "
            "JOIN search_event_group g ON g.event = e.id "
            "JOIN municipality m ON m.code = e.municipality WHERE m.region = {} "
            "AND g.target_group = {} AND e.result_count <= {} AND e.at >= {} AND e.at < {}"
        )
        inner_args: list[Any] = [region, group, FEW_RESULTS, earliest, latest]
    else:
        reasons = [DeclineReason.NO_CAPACITY.value, DeclineReason.TARGET_GROUP_MISMATCH.value]
        one = (
            "SELECT d.answered_at AS at, d.decline_reason = {{}} AS is_first FROM {source} d "
            "JOIN {groups} g ON g.{link} = d.{link} JOIN municipality m ON m.code = d.buyer "
            "WHERE m.region = {{}} AND g.target_group = {{}} AND d.status = {{}} "
            "AND d.decline_reason IN ({{}}, {{}}) AND d.answered_at >= {{}} "
            "AND d.answered_at < {{}}"
        )
        inner = (
            one.format(source="placement_request", groups="offer_target_group", link="offer")
            + " UNION ALL "
            + one.format(source="need_answer", groups="placement_need_group", link="need")
        )
        inner_args = [
            *(reasons[0], region, group, RequestStatus.DECLINED.value, *reasons),
            *(earliest, latest),
            *(reasons[0], region, group, NeedAnswerStatus.DECLINED.value, *reasons),
            *(earliest, latest),
        ]
    return (f"SELECT {', '.join(columns)} FROM ({inner}) signals", [*args, *inner_args])


async def month_series(
    region: str, group: str, ends: Sequence[datetime.date]
) -> list[tuple[datetime.date, GroupFigures]]:
    """The region's figures for one target group at each of the days ``ends`` (month-ends),
    in their order: a statement for the offers, one for each year's forecasts, one for the
    searches and one for the declines, however many days."""
    from agreements.gaps.service import _day_of

    series = {end: totals_of(group, 0, 0, 0, 0) for end in ends}
    sums = {end: [0, 0, 0, 0] for end in ends}  # places, in use, free, offers
    for row in await _raw(_offers_at_ends_sql(region, group, ends)):
        published = _day_of(row["published_at"])
        for i, end in enumerate(ends):
            if published is not None and published > end:
                continue
            places, in_use = int(row["places"]), int(row["declared"]) + int(row[f"m{i}"] or 0)
            total = sums[end]
            total[0] += places
            total[1] += in_use
            total[2] += max(places - in_use, 0)
            total[3] += 1
    for end, (places, in_use, free, offers) in sums.items():
        series[end].__dict__.update(places=places, in_use=in_use, free=free, offer_count=offers)
    for year in sorted({end.year for end in ends}):
        rows = await _raw(forecast_sql("region", year, region, [group]))
        for end in ends:
            if end.year == year and rows:
                series[end].forecast = int(rows[0]["places"] or 0)
    [searched] = await _raw(_windows_sql("searches", region, group, ends))
    [declined] = await _raw(_windows_sql("declines", region, group, ends))
    for i, end in enumerate(ends):
        series[end].searches_none = int(searched[f"a{i}"] or 0)
        series[end].searches_few = int(searched[f"b{i}"] or 0)
        series[end].declined_capacity = int(declined[f"a{i}"] or 0)
        series[end].declined_fit = int(declined[f"b{i}"] or 0)
    return [(end, series[end]) for end in ends]
