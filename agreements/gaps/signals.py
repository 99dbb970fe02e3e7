"""The demand figures of the gap analysis as SQL, grouped by region or municipality
(``Level``) and target group: the municipalities' forecasts, the requests and answers to needs
declined for capacity or fit, and the searches that found none or few offers. The analysis of
one region (``service``) and the overviews of many (``totals``) read them alike."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from typing import Any, Literal

from marketplace.contracts.models import DeclineReason, NeedAnswerStatus, RequestStatus

Level = Literal["region", "municipality"]
# a search "found few" with at most this many results
FEW_RESULTS = 2


def where_of(
    level: Level, alias: str, region: str | None, groups: Sequence[str] | None, grouped: str
) -> tuple[str, list[Any]]:
    """Conditions on the place (``alias``: a municipality row) and the target groups."""
    sql, args = "", []
    if region is not None:
        sql += f" AND {alias}.region = {{}}"
        args.append(region)
    if groups is not None:
        sql += f" AND {grouped} IN ({', '.join('{}' for _ in groups)})"
        args.extend(groups)
    return sql, args


def key_of(level: Level, alias: str) -> str:
    return f"{alias}.region" if level == "region" else f"{alias}.code"


def forecast_sql(
    level: Level, year: int, region: str | None, groups: Sequence[str] | None
) -> tuple[str, list[Any]]:
    where, args = where_of(level, "m", region, groups, "f.target_group")
    return (
        f"SELECT {key_of(level, 'm')} AS place, f.target_group AS target_group, "
        "SUM(f.places) AS places FROM demand_forecast f "
        f"JOIN municipality m ON m.code = f.municipality WHERE f.year = {{}}{where} "
        f"GROUP BY {key_of(level, 'm')}, f.target_group",
        [year, *args],
    )


def declined_sql(
    level: Level,
    since: datetime.datetime,
    until: datetime.datetime,
    region: str | None,
    groups: Sequence[str] | None,
) -> tuple[str, list[Any]]:
    reasons = [DeclineReason.NO_CAPACITY.value, DeclineReason.TARGET_GROUP_MISMATCH.value]
    where, args = where_of(level, "m", region, groups, "g.target_group")
    declined = (
        f"SELECT {key_of(level, 'm')} AS place, g.target_group AS target_group, "
        "d.decline_reason AS reason FROM {source} d JOIN {groups} g ON g.{link} = d.{link} "
        "JOIN municipality m ON m.code = d.buyer WHERE d.status = {{}} "
        "AND d.decline_reason IN ({{}}, {{}}) AND d.answered_at >= {{}} AND d.answered_at < {{}}"
        + where.replace("{}", "{{}}")
    )
    requests = declined.format(
        source="placement_request", groups="offer_target_group", link="offer"
    )
    answers = declined.format(source="need_answer", groups="placement_need_group", link="need")
    return (
        "SELECT place, target_group, "
        "SUM(CASE WHEN reason = {} THEN 1 ELSE 0 END) AS capacity, "
        "SUM(CASE WHEN reason = {} THEN 1 ELSE 0 END) AS fit "
        f"FROM ({requests} UNION ALL {answers}) declines GROUP BY place, target_group",
        [
            *reasons,
            *(RequestStatus.DECLINED.value, *reasons, since, until, *args),
            *(NeedAnswerStatus.DECLINED.value, *reasons, since, until, *args),
        ],
    )


def searches_sql(
    level: Level,
    since: datetime.datetime,
    until: datetime.datetime,
    region: str | None,
    groups: Sequence[str] | None,
) -> tuple[str, list[Any]]:
    where, args = where_of(level, "m", region, groups, "g.target_group")
    return (
        f"SELECT {key_of(level, 'm')} AS place, g.target_group AS target_group, "
        "SUM(CASE WHEN e.result_count = 0 THEN 1 ELSE 0 END) AS found_none, "
        "SUM(CASE WHEN e.result_count > 0 THEN 1 ELSE 0 END) AS few "
        "FROM search_event e JOIN search_event_group g ON g.event = e.id "
        "JOIN municipality m ON m.code = e.municipality "
        f"WHERE e.result_count <= {{}} AND e.at >= {{}} AND e.at < {{}}{where} "
        f"GROUP BY {key_of(level, 'm')}, g.target_group",
        [FEW_RESULTS, since, until, *args],
    )
