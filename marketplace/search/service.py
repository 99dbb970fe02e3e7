"""Offer search: one portable SQL statement per page, the same on SQLite and PostgreSQL.

Text matching uses the project's own index (``offer_term``): query words become Danish stems;
each stem matches the vocabulary exactly or, from four letters, as a part of longer stems
(compound words). Every query word must match (AND); the score is the sum, over the query
words, of the best field weight the offer has for it (+1 for an exact stem). Distances use the
equirectangular approximation, which is exact to well under 1% across Denmark, in plain
arithmetic both databases evaluate alike.
"""

from __future__ import annotations

import asyncio
import datetime
import json
import math
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from marketplace.core.clock import today, utcnow
from marketplace.core.db import json_rows, relax_commit_durability
from marketplace.core.identity import Principal, Role
from marketplace.core.money import to_ore
from marketplace.core.pagination import PageRequest, decode_offset, encode_offset
from marketplace.core.unit_of_work import write_transaction
from marketplace.offers.models import OfferStatus, OfferView
from marketplace.offers.service import offers_by_id
from marketplace.offers.tables import Offer
from marketplace.search import index as search_index
from marketplace.search.index import EXACT_BONUS, DayFacts
from marketplace.search.models import OfferSort, SearchCriteria
from marketplace.search.tables import OfferSearch, SearchEvent, SearchEventGroup, SearchTerm
from marketplace.search.text import MAX_QUERY_TERMS, MIN_PART_LENGTH, terms

KM_PER_DEGREE = 111.195
MAX_MATCHING_TERMS = 200
# Price bands (DKK per day) for the price facet.
PRICE_BANDS: tuple[tuple[str, int, int | None], ...] = (
    ("under 1.000", 0, 1000),
    ("1.000-2.000", 1000, 2000),
    ("2.000-3.500", 2000, 3500),
    ("3.500-5.000", 3500, 5000),
    ("5.000-7.500", 5000, 7500),
    ("over 7.500", 7500, None),
)
OTHER_UNIT_BAND = "anden enhed"


@dataclass
class Sql:
    """A fragment of SQL with ``{}`` placeholders and its arguments, in order."""

    text: str
    args: list[Any] = field(default_factory=list)

    def __add__(self, other: Sql) -> Sql:
        return Sql(self.text + other.text, self.args + other.args)


def _marks(values: list[Any]) -> str:
    return ", ".join("{}" for _ in values)


@dataclass
class TextMatch:
    """The query's stems and the vocabulary terms each one matches."""

    stems: list[str]
    matches: list[list[str]]

    @property
    def impossible(self) -> bool:
        return any(not m for m in self.matches)


def query_stems(query: str) -> list[str]:
    return terms(query)[:MAX_QUERY_TERMS]


def vocabulary_sql(stems: list[str]) -> Sql:
    """The vocabulary terms any of the stems can match (exactly, or as a compound part)."""
    conditions: list[str] = []
    args: list[Any] = []
    for stem in stems:
        if len(stem) >= MIN_PART_LENGTH:
            conditions.append("term LIKE {}")
            args.append(f"%{stem}%")
        else:
            conditions.append("term = {}")
            args.append(stem)
    return Sql(f"SELECT term FROM search_term WHERE {' OR '.join(conditions)}", args)


def text_match(stems: list[str], vocabulary: list[str]) -> TextMatch:
    """Which vocabulary terms each stem matches, shortest (closest) first."""
    ordered = sorted(vocabulary, key=lambda t: (len(t), t))
    matches = []
    for stem in stems:
        if len(stem) >= MIN_PART_LENGTH:
            found = [t for t in ordered if stem in t]
        else:
            found = [t for t in ordered if t == stem]
        matches.append(found[:MAX_MATCHING_TERMS])
    return TextMatch(stems=stems, matches=matches)


async def match_text(query: str) -> TextMatch | None:
    stems = query_stems(query)
    if not stems:
        return None
    sql = vocabulary_sql(stems)
    rows = await SearchTerm.raw(sql.text, *sql.args).run()
    return text_match(stems, [r["term"] for r in rows])


def _matches_cte(text: TextMatch) -> Sql:
    columns = []
    args: list[Any] = []
    for i, (stem, found) in enumerate(zip(text.stems, text.matches, strict=True)):
        columns.append(
            f"MAX(CASE WHEN ot.term IN ({_marks(found)}) THEN ot.weight + "
            f"(CASE WHEN ot.term = {{}} THEN {EXACT_BONUS} ELSE 0 END) END) AS w{i}"
        )
        args += [*found, stem]
    every = sorted({t for found in text.matches for t in found})
    return Sql(
        "WITH matches AS (SELECT ot.offer AS offer, "
        + ", ".join(columns)
        + f" FROM offer_term ot WHERE ot.term IN ({_marks(every)}) GROUP BY ot.offer) ",
        args + every,
    )


@dataclass
class Clause:
    """A WHERE condition and the facet dimension it filters (facets leave out their own)."""

    dimension: str | None
    sql: Sql


def _distance_sql(criteria: SearchCriteria) -> Sql:
    """Squared distance in degrees of latitude (multiply the root by KM_PER_DEGREE)."""
    assert criteria.near is not None
    lat, lon = criteria.near.point()
    scale = math.cos(math.radians(lat))
    return Sql(
        "(((s.longitude - {}) * {}) * ((s.longitude - {}) * {}) "
        "+ (s.latitude - {}) * (s.latitude - {}))",
        [lon, scale, lon, scale, lat, lat],
    )


def _visibility(principal: Principal) -> list[Clause]:
    """Published offers; a provider also sees its own in any status, the registry all."""
    if principal.is_registry_admin:
        return []
    if principal.role is Role.PROVIDER_ADMIN and principal.org_code:
        return [
            Clause(
                None,
                Sql(
                    "(s.status = {} OR s.owner_org = {})",
                    [OfferStatus.PUBLISHED.value, principal.org_code],
                ),
            )
        ]
    return [Clause(None, Sql("s.status = {}", [OfferStatus.PUBLISHED.value]))]


def _one_of(dimension: str | None, column: str, values: Sequence[Any]) -> list[Clause]:
    """The documents whose ``column`` is one of ``values`` (no condition when there are none)."""
    if not values:
        return []
    return [Clause(dimension, Sql(f"{column} IN ({_marks(list(values))})", list(values)))]


def _linked_to_one_of(
    dimension: str | None, table: str, column: str, values: Sequence[Any]
) -> list[Clause]:
    """The offers linked in ``table`` to one of ``values`` (no condition when there are none)."""
    if not values:
        return []
    return [
        Clause(
            dimension,
            Sql(
                f"s.offer IN (SELECT offer FROM {table} WHERE {column} IN ({_marks(list(values))}))",
                list(values),
            ),
        )
    ]


def _any_target_groups(criteria: SearchCriteria) -> list[Clause]:
    return _linked_to_one_of(
        "target_group", "offer_target_group", "target_group", criteria.any_target_groups
    )


def _all_target_groups(criteria: SearchCriteria) -> list[Clause]:
    return [
        Clause(
            "target_group",
            Sql(
                "s.offer IN (SELECT offer FROM offer_target_group WHERE target_group = {})",
                [code],
            ),
        )
        for code in criteria.all_target_groups
    ]


def _legal_bases(criteria: SearchCriteria) -> list[Clause]:
    codes = [b.value for b in criteria.legal_bases]
    return _linked_to_one_of("legal_basis", "offer_legal_basis", "legal_basis", codes)


def _categories(criteria: SearchCriteria) -> list[Clause]:
    return _one_of("category", "s.category", [c.value for c in criteria.categories])


def _service_types(criteria: SearchCriteria) -> list[Clause]:
    return _linked_to_one_of(None, "offer_service_type", "service_type", criteria.service_types)


def _regions(criteria: SearchCriteria) -> list[Clause]:
    return _one_of("region", "s.region", criteria.region_codes)


def _municipalities(criteria: SearchCriteria) -> list[Clause]:
    return _one_of(None, "s.municipality", criteria.municipality_codes)


def _within_radius(criteria: SearchCriteria) -> list[Clause]:
    """A box first (the latitude index narrows it), then the circle."""
    if criteria.near is None or criteria.near.radius_km is None:
        return []
    lat, lon = criteria.near.point()
    degrees = criteria.near.radius_km / KM_PER_DEGREE
    wide = degrees / math.cos(math.radians(lat))
    box = Sql(
        "s.latitude BETWEEN {} AND {} AND s.longitude BETWEEN {} AND {} AND ",
        [lat - degrees, lat + degrees, lon - wide, lon + wide],
    )
    return [Clause(None, box + _distance_sql(criteria) + Sql(" <= {}", [degrees**2]))]


def _located(criteria: SearchCriteria) -> list[Clause]:
    """A search near a place finds only offers whose place is known."""
    if criteria.near is None:
        return []
    return [Clause(None, Sql("s.latitude IS NOT NULL"))]


def _age(criteria: SearchCriteria) -> list[Clause]:
    if criteria.age is None:
        return []
    return [Clause(None, Sql("s.min_age <= {} AND s.max_age >= {}", [criteria.age, criteria.age]))]


def _max_price(criteria: SearchCriteria) -> list[Clause]:
    if criteria.max_price_per_day is None:
        return []
    return [
        Clause(
            "price_band",
            Sql(
                "s.price_unit = {} AND s.price_ore <= {}",
                ["per_day", to_ore(criteria.max_price_per_day)],
            ),
        )
    ]


def _free(criteria: SearchCriteria) -> list[Clause]:
    """A place free by a day, or (without a day) free now."""
    if criteria.free_from is not None:
        return [Clause(None, Sql("s.free_from <= {}", [criteria.free_from]))]
    if criteria.free_places:
        return [Clause(None, Sql("s.capacity > s.occupied"))]
    return []


def _methods(criteria: SearchCriteria) -> list[Clause]:
    keys = [m.casefold() for m in criteria.methods]
    return _linked_to_one_of(None, "offer_method", "term_key", keys)


def _unique_statuses(criteria: SearchCriteria) -> list[Clause]:
    return _one_of(None, "s.unique_status", [s.value for s in criteria.unique_statuses])


def _acute(criteria: SearchCriteria) -> list[Clause]:
    return [Clause(None, Sql("s.takes_acute = {}", [True]))] if criteria.acute else []


# The clauses of each criterion, in the order they appear in the statement.
_CRITERIA: tuple[Callable[[SearchCriteria], list[Clause]], ...] = (
    _any_target_groups,
    _all_target_groups,
    _legal_bases,
    _categories,
    _service_types,
    _regions,
    _municipalities,
    _within_radius,
    _located,
    _age,
    _max_price,
    _free,
    _methods,
    _unique_statuses,
    _acute,
)


def _clauses(principal: Principal, criteria: SearchCriteria) -> list[Clause]:
    """What the caller may see, and every criterion's conditions."""
    return _visibility(principal) + [
        clause for criterion in _CRITERIA for clause in criterion(criteria)
    ]


# The columns of a search document that hold for one day (see ``OfferSearch``).
DAY_COLUMNS = {
    "offer": "uuid",
    "occupied": "integer",
    "free_from": "date",
    "price_unit": "text",
    "price_ore": "bigint",
}


def _documents(overlay: dict[uuid.UUID, DayFacts]) -> Sql:
    """The search documents as they hold on the search's day. Documents whose day facts the
    calendar has not yet worked out for the day take them from ``overlay``, read for this
    search (so a read never writes)."""
    if not overlay:
        return Sql("offer_search s ")
    names = [c._meta.db_column_name for c in OfferSearch._meta.columns]
    columns = ", ".join(
        f"CASE WHEN f.offer IS NULL THEN s0.{name} ELSE f.{name} END AS {name}"
        if name in DAY_COLUMNS
        else f"s0.{name} AS {name}"
        for name in names
    )
    rows = [
        {
            "offer": str(offer_id),
            "occupied": facts.occupied,
            "free_from": facts.free_from.isoformat() if facts.free_from else None,
            "price_unit": facts.price_unit,
            "price_ore": facts.price_ore,
        }
        for offer_id, facts in overlay.items()
    ]
    return Sql(
        f"(SELECT {columns} FROM offer_search s0 LEFT JOIN "
        f"{json_rows('f', DAY_COLUMNS)} ON f.offer = s0.offer) s ",
        [json.dumps(rows)],
    )


def _from(plan: SearchPlan) -> Sql:
    sql = Sql("FROM ") + _documents(plan.overlay)
    if plan.text is not None:
        sql += Sql("JOIN matches m ON m.offer = s.offer ")
    return sql


def _where(parts: list[Sql], text: TextMatch | None) -> Sql:
    """``parts`` and, with text, that every query word matched; joined with AND."""
    if text is not None:
        parts = [*parts, *(Sql(f"m.w{i} IS NOT NULL") for i in range(len(text.stems)))]
    if not parts:
        return Sql("")
    sql = Sql("WHERE ")
    for i, part in enumerate(parts):
        sql += Sql(" AND " if i else "") + part
    return sql + Sql(" ")


def _score(text: TextMatch | None) -> str:
    if text is None:
        return "0"
    return " + ".join(f"m.w{i}" for i in range(len(text.stems)))


@dataclass
class SearchHit:
    offer: OfferView
    score: int | None
    distance_km: float | None


@dataclass
class SearchPage:
    hits: list[SearchHit]
    cursors: list[str]
    total_count: int
    has_next_page: bool
    has_previous_page: bool
    plan: SearchPlan | None


@dataclass
class SearchPlan:
    """What a search resolved to, kept for its facets (computed only when asked for)."""

    principal: Principal
    criteria: SearchCriteria
    text: TextMatch | None
    overlay: dict[uuid.UUID, DayFacts] = field(default_factory=dict)


def search_sql(plan: SearchPlan, first: int, offset: int) -> tuple[Sql, Sql]:
    """The page statement and the count statement of a search (also used by the benchmark)."""
    criteria, text = plan.criteria, plan.text
    clauses = _clauses(plan.principal, criteria)
    cte = _matches_cte(text) if text is not None else Sql("")
    sort = criteria.effective_sort
    select = Sql(
        f"SELECT s.offer AS id, s.name_key AS name_key, {_score(text)} AS score, "
        "(s.capacity - s.occupied) AS free"
    )
    if criteria.near is not None:
        select += Sql(", ") + _distance_sql(criteria) + Sql(" AS d2")
    if sort is OfferSort.PRICE:
        select += Sql(", s.price_ore AS price, s.price_unit AS unit")
    select += Sql(" ")
    order = {
        OfferSort.RELEVANCE: "score DESC, name_key, id",
        OfferSort.DISTANCE: "d2, name_key, id",
        # per-day prices first, then other units, then offers without a price in force
        OfferSort.PRICE: (
            "CASE WHEN unit = 'per_day' THEN 0 WHEN unit IS NULL THEN 2 ELSE 1 END, "
            "price, name_key, id"
        ),
        OfferSort.FREE_PLACES: "free DESC, name_key, id",
        OfferSort.NAME: "name_key, id",
    }[sort]
    where = _where([c.sql for c in clauses], text)
    # The ranking columns are named in a derived table, so ORDER BY can use them in
    # expressions on both backends (PostgreSQL allows output names there only bare); the
    # window count gives the total in the same statement.
    page = (
        cte
        + Sql("SELECT ranked.*, COUNT(*) OVER () AS total_count FROM (")
        + select
        + _from(plan)
        + where
        + Sql(f") ranked ORDER BY {order} LIMIT {{}} OFFSET {{}}", [first + 1, offset])
    )
    count = cte + Sql("SELECT COUNT(*) AS n ") + _from(plan) + where
    return page, count


async def search_offers(
    principal: Principal,
    criteria: SearchCriteria,
    page: PageRequest,
    *,
    on: datetime.date | None = None,
) -> SearchPage:
    """One page of offers matching ``criteria``, best first, with the total count."""
    day = on or today()
    offset = decode_offset(page.after) if page.after else 0
    stale = await search_index.stale_documents(day)
    text = await match_text(criteria.query) if criteria.query else None
    plan = SearchPlan(
        principal=principal,
        criteria=criteria,
        text=text,
        overlay=await search_index.day_facts(stale, day),
    )
    if text is not None and text.impossible:
        await _record(principal, criteria, 0)
        return SearchPage([], [], 0, False, offset > 0, plan)
    page_sql, count_sql = search_sql(plan, page.first, offset)
    rows = await Offer.raw(page_sql.text, *page_sql.args).run() if page.first > 0 else []
    if rows:
        total = int(rows[0]["total_count"])
    else:  # an empty page says nothing about the rows before it
        total = int((await Offer.raw(count_sql.text, *count_sql.args).run())[0]["n"])
    has_next = len(rows) > page.first if page.first > 0 else total > 0
    rows = rows[: page.first]
    # the demand signal needs only the count: it is written while the page's offers load
    views, _ = await asyncio.gather(
        offers_by_id(principal, [_uuid(r["id"]) for r in rows]),
        _record(principal, criteria, total),
    )
    hits = []
    for row in rows:
        view = views.get(_uuid(row["id"]))
        if view is None:  # changed since the page was read
            continue
        distance = math.sqrt(row["d2"]) * KM_PER_DEGREE if row.get("d2") is not None else None
        hits.append(SearchHit(view, int(row["score"]) if text is not None else None, distance))
    cursors = [encode_offset(offset + i + 1) for i in range(len(hits))]
    return SearchPage(hits, cursors, total, has_next, offset > 0, plan)


def _uuid(value: Any) -> uuid.UUID:
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))


async def _record(principal: Principal, criteria: SearchCriteria, result_count: int) -> None:
    """A purchaser's search is a demand signal; nobody else's is recorded."""
    if principal.role is not Role.PURCHASER or principal.org_code is None:
        return
    async with write_transaction():
        await relax_commit_durability()
        await record_search(
            principal.org_code, criteria.signal(), bool(criteria.query), result_count
        )


async def record_search(
    municipality: str,
    filters: dict[str, Any],
    had_query: bool,
    result_count: int,
    at: datetime.datetime | None = None,
) -> None:
    """Record a search with the target groups it asked for (any or all of), one row each."""
    event = uuid.uuid4()
    await SearchEvent.insert(
        SearchEvent(
            id=event,
            at=at or utcnow(),
            municipality=municipality,
            filters=filters,
            had_query=had_query,
            result_count=result_count,
        )
    ).run()
    groups = sorted({*filters.get("any_target_groups", []), *filters.get("all_target_groups", [])})
    if groups:
        await SearchEventGroup.insert(
            *(SearchEventGroup(event=event, target_group=code) for code in groups)
        ).run()


# --- facets ----------------------------------------------------------------------------------


FACETS = ("category", "region", "target_group", "legal_basis", "price_band")


def _facet_select(dimension: str, condition: str) -> str:
    """Counts of one dimension over the rows of ``base`` that pass ``condition``."""
    where = f" WHERE {condition}" if condition else ""
    if dimension in ("category", "region"):
        return (
            f"SELECT '{dimension}' AS facet, base.{dimension} AS value, COUNT(*) AS n "
            f"FROM base{where} GROUP BY base.{dimension}"
        )
    if dimension in ("target_group", "legal_basis"):
        table = f"offer_{dimension}"
        return (
            f"SELECT '{dimension}' AS facet, link.{dimension} AS value, COUNT(*) AS n "
            f"FROM base JOIN {table} link ON link.offer = base.offer{where} "
            f"GROUP BY link.{dimension}"
        )
    cases = " ".join(
        f"WHEN base.price < {high * 100} THEN '{name}'"
        for name, _low, high in PRICE_BANDS
        if high is not None
    )
    band = (
        f"CASE WHEN base.unit IS NULL THEN NULL WHEN base.unit <> 'per_day' THEN "
        f"'{OTHER_UNIT_BAND}' {cases} ELSE '{PRICE_BANDS[-1][0]}' END"
    )
    return (
        f"SELECT 'price_band' AS facet, {band} AS value, COUNT(*) AS n FROM base{where} "
        f"GROUP BY {band}"
    )


def facet_sql(plan: SearchPlan) -> Sql:
    """The one statement that counts every facet of a search (also used by the benchmark).

    ``base`` holds the offers that pass the text and every filter outside the facet
    dimensions, with a flag per filtered dimension; each facet counts the rows whose other
    dimensions pass, so it ignores its own filter only. One pass over the matching offers.
    """
    clauses = _clauses(plan.principal, plan.criteria)
    filtered: dict[str, list[Sql]] = {}
    for clause in clauses:
        if clause.dimension is not None:
            filtered.setdefault(clause.dimension, []).append(clause.sql)
    flags = Sql("")
    for dimension, parts in filtered.items():
        condition = Sql("CASE WHEN ")
        for i, part in enumerate(parts):
            condition += Sql(" AND " if i else "") + part
        flags += Sql(", ") + condition + Sql(f" THEN 1 ELSE 0 END AS f_{dimension}")
    head = Sql("WITH ")
    if plan.text is not None:
        matches = _matches_cte(plan.text)
        head = Sql(matches.text.rstrip() + ", ", matches.args)
    base = (
        Sql(
            "base AS (SELECT s.offer AS offer, s.category AS category, s.region AS region, "
            "s.price_unit AS unit, s.price_ore AS price"
        )
        + flags
        + Sql(" ")
        + _from(plan)
        + _where([c.sql for c in clauses if c.dimension is None], plan.text)
        + Sql(") ")
    )
    selects = []
    for dimension in FACETS:
        others = [f"base.f_{d} = 1" for d in filtered if d != dimension]
        selects.append(_facet_select(dimension, " AND ".join(others)))
    return head + base + Sql(" UNION ALL ".join(selects))


async def facets(plan: SearchPlan) -> dict[str, dict[str, int]]:
    """Counts per target group, category, legal basis, region and price band, each under all
    the other active filters (a facet leaves out its own filter)."""
    result: dict[str, dict[str, int]] = {d: {} for d in FACETS}
    if plan.text is not None and plan.text.impossible:
        return result
    sql = facet_sql(plan)
    for row in await Offer.raw(sql.text, *sql.args).run():
        if row["value"] is not None:
            result[str(row["facet"])][str(row["value"])] = int(row["n"])
    return result
