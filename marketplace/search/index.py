"""Keeping the search index in step with the offers.

Two parts, both written in the same transaction as every change to an offer or its prices:

- the **terms** (``offer_term``): each offer's text turned into stems with the weight of the
  best field they come from;
- the **document** (``offer_search``): one narrow row with what search filters, sorts and
  counts on, including the price in force on a day (a day fact, see ``OfferSearch``).

Every unit of work refreshes the offers it touched just before it commits
(``refresh_touched``, registered by the composition root); the calendar's tick works out the
day facts that a new day changes (``refresh_stale``); the demo seed loads in bulk and
`socialmarked reindex` rebuilds everything.
"""

from __future__ import annotations

import datetime
import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from piccolo.query.methods.select import Select

from marketplace.contracts import capacity
from marketplace.core.clock import today
from marketplace.core.db import fetch_compiled
from marketplace.core.identity import SYSTEM
from marketplace.core.rows import columns_of, rows_as
from marketplace.core.unit_of_work import UnitOfWork, write_transaction
from marketplace.offers.tables import Offer, OfferMethod, OfferTargetGroup, PriceList
from marketplace.offers.validity import in_force, in_force_until
from marketplace.search.tables import OfferSearch, OfferTerm, SearchTerm
from marketplace.search.text import terms

# How much a match in each field counts towards the score.
WEIGHTS = {"name": 8, "target_groups": 6, "methods": 4, "description": 2}
EXACT_BONUS = 1
_BATCH = 500


def offer_terms(
    name: str, description: str, target_groups: Sequence[str], methods: Sequence[str]
) -> dict[str, int]:
    """Stem -> weight of the best field it occurs in."""
    weighted: dict[str, int] = {}
    for field, text in (
        ("name", name),
        ("target_groups", " ".join(target_groups)),
        ("methods", " ".join(methods)),
        ("description", description),
    ):
        for term in terms(text):
            if len(term) <= 60:
                weighted[term] = max(weighted.get(term, 0), WEIGHTS[field])
    return weighted


async def _add_vocabulary(new_terms: set[str]) -> None:
    wanted = sorted(new_terms)
    for start in range(0, len(wanted), _BATCH):
        chunk = wanted[start : start + _BATCH]
        await (
            SearchTerm.insert(*(SearchTerm(term=t) for t in chunk))
            .on_conflict(action="DO NOTHING")
            .run()
        )


async def write_terms(index: dict[uuid.UUID, dict[str, int]]) -> None:
    """Replace the term rows of these offers (call inside the writing transaction)."""
    if not index:
        return
    ids = list(index)
    await OfferTerm.delete().where(OfferTerm.offer.is_in(ids)).run()
    await _add_vocabulary({t for weighted in index.values() for t in weighted})
    rows = [
        OfferTerm(offer=offer_id, term=term, weight=weight)
        for offer_id, weighted in index.items()
        for term, weight in weighted.items()
    ]
    for start in range(0, len(rows), 1000):
        await OfferTerm.insert(*rows[start : start + 1000]).run()


@dataclass(frozen=True, slots=True)
class _OfferText:
    id: uuid.UUID
    name: str
    description: str


@dataclass(frozen=True, slots=True)
class _GroupLabel:
    offer: uuid.UUID
    label_da: str


@dataclass(frozen=True, slots=True)
class _MethodTerm:
    offer: uuid.UUID
    term: str


async def _index_text(ids: list[uuid.UUID]) -> None:
    offers = rows_as(
        _OfferText,
        await Offer.select(Offer.id, Offer.name, Offer.description)
        .where(Offer.id.is_in(ids))
        .run(),
    )
    groups: dict[uuid.UUID, list[str]] = defaultdict(list)
    for group in rows_as(
        _GroupLabel,
        await OfferTargetGroup.select(
            OfferTargetGroup.offer,
            OfferTargetGroup.target_group._.label_da.as_alias("label_da"),
        )
        .where(OfferTargetGroup.offer.is_in(ids))
        .run(),
    ):
        groups[group.offer].append(group.label_da)
    methods: dict[uuid.UUID, list[str]] = defaultdict(list)
    for method in rows_as(
        _MethodTerm, await OfferMethod.select().where(OfferMethod.offer.is_in(ids)).run()
    ):
        methods[method.offer].append(method.term)
    await write_terms(
        {o.id: offer_terms(o.name, o.description, groups[o.id], methods[o.id]) for o in offers}
    )


@dataclass(frozen=True, slots=True)
class _Version:
    """A version of an offer's price list, as the day facts need it."""

    offer: uuid.UUID
    year: int
    version: int
    valid_from: datetime.date
    unit: str
    base_price_ore: int


@dataclass(frozen=True, slots=True)
class _Places:
    """An offer's places, those declared in use, and the day the provider expects one free."""

    id: uuid.UUID
    capacity_places: int
    occupied_places: int
    expected_free_from: datetime.date | None


@dataclass(frozen=True, slots=True)
class _Offer(_Places):
    """What an offer's search document holds besides the day facts."""

    status: str
    owner_org: str
    name_key: str
    category: str
    region: str | None
    municipality: str | None
    latitude: float | None
    longitude: float | None
    min_age: int
    max_age: int
    unique_status: str
    takes_acute: bool


@dataclass(frozen=True)
class DayFacts:
    """What a search document says about one day: the places in use, the first day a place
    is free, and the price in force."""

    occupied: int
    free_from: datetime.date | None
    price_unit: str | None
    price_ore: int | None


@dataclass(frozen=True)
class _DocumentFacts(DayFacts):
    """The day facts, and the days they hold for (from ``facts_on`` to before
    ``facts_until``)."""

    facts_on: datetime.date
    facts_until: datetime.date


async def _versions(ids: list[uuid.UUID], year: int) -> dict[uuid.UUID, list[_Version]]:
    versions: dict[uuid.UUID, list[_Version]] = defaultdict(list)
    for version in rows_as(
        _Version,
        await PriceList.select(*columns_of(PriceList, _Version))
        .where(PriceList.offer.is_in(ids) & (PriceList.year == year))
        .run(),
    ):
        versions[version.offer].append(version)
    return versions


async def _day_facts(
    offers: Sequence[_Places], day: datetime.date
) -> dict[uuid.UUID, _DocumentFacts]:
    """Per offer, on ``day``: the price in force, the places in use, the first day a place is
    free, and the first day any of these may differ."""
    ids = [offer.id for offer in offers]
    versions = await _versions(ids, day.year)
    stays = await capacity.stays_by_offer(ids, day)
    facts = {}
    for offer in offers:
        offer_id = offer.id
        current = in_force(versions[offer_id], day)
        places, declared = offer.capacity_places, offer.occupied_places
        candidates = [
            capacity.free_from(stays[offer_id], places, declared, day),
            offer.expected_free_from,
        ]
        facts[offer_id] = _DocumentFacts(
            occupied=declared + capacity.in_use_on(stays[offer_id], day),
            free_from=min((d for d in candidates if d is not None), default=None),
            price_unit=current.unit if current else None,
            price_ore=current.base_price_ore if current else None,
            facts_on=day,
            facts_until=min(
                in_force_until(versions[offer_id], day), capacity.next_change(stays[offer_id], day)
            ),
        )
    return facts


async def _index_documents(ids: list[uuid.UUID], day: datetime.date) -> None:
    found = (
        await Offer.select(
            Offer.id,
            Offer.status,
            Offer.provider._.org_code.as_alias("owner_org"),
            Offer.name_key,
            Offer.category,
            Offer.municipality._.region.as_alias("region"),
            Offer.municipality,
            Offer.latitude,
            Offer.longitude,
            Offer.min_age,
            Offer.max_age,
            Offer.capacity_places,
            Offer.occupied_places,
            Offer.expected_free_from,
            Offer.unique_status,
            Offer.takes_acute,
        )
        .where(Offer.id.is_in(ids))
        .run()
    )
    if not found:
        return
    offers = rows_as(_Offer, found)
    facts = await _day_facts(offers, day)
    documents = OfferSearch.insert(*(_document(offer, facts[offer.id]) for offer in offers))
    # an upsert, so two transactions refreshing the same offer never collide on its key
    await documents.on_conflict(
        target=OfferSearch.offer,
        action="DO UPDATE",
        values=[c for c in OfferSearch._meta.columns if c is not OfferSearch.offer],
    ).run()


def _document(offer: _Offer, facts: _DocumentFacts) -> OfferSearch:
    return OfferSearch(
        offer=offer.id,
        status=offer.status,
        owner_org=offer.owner_org,
        name_key=offer.name_key,
        category=offer.category,
        region=offer.region,
        municipality=offer.municipality,
        latitude=offer.latitude,
        longitude=offer.longitude,
        min_age=offer.min_age,
        max_age=offer.max_age,
        capacity=offer.capacity_places,
        expected_free_from=offer.expected_free_from,
        unique_status=offer.unique_status,
        takes_acute=offer.takes_acute,
        occupied=facts.occupied,
        free_from=facts.free_from,
        price_unit=facts.price_unit,
        price_ore=facts.price_ore,
        facts_on=facts.facts_on,
        facts_until=facts.facts_until,
    )


async def refresh(offer_ids: Sequence[uuid.UUID], day: datetime.date, *, text: bool = True) -> None:
    """Bring the offers' search documents (and, with ``text``, their terms) in step with what
    is stored about them. Call inside the transaction that changed them."""
    ids = list(dict.fromkeys(offer_ids))
    for start in range(0, len(ids), _BATCH):
        chunk = ids[start : start + _BATCH]
        if text:
            await _index_text(chunk)
        await _index_documents(chunk, day)


async def refresh_touched(unit: UnitOfWork) -> None:
    """A unit of work's side effect: the search documents of the offers it touched, each
    once, and the terms of those whose text changed."""
    day = today()
    texts = [offer for offer, text in unit.offers.items() if text]
    facts = [offer for offer, text in unit.offers.items() if not text]
    if texts:
        await refresh(texts, day)
    if facts:
        await refresh(facts, day, text=False)


@dataclass(frozen=True, slots=True)
class _Document:
    offer: uuid.UUID


async def stale_documents(day: datetime.date) -> list[uuid.UUID]:
    """Offers whose day facts were worked out for a window that does not hold ``day`` (asked
    by every search: its SQL made once on PostgreSQL)."""

    def stale() -> Select:
        return OfferSearch.select(OfferSearch.offer).where(
            (OfferSearch.facts_on > day) | (OfferSearch.facts_until <= day)
        )

    rows = await fetch_compiled("stale search documents", stale, [day, day])
    if rows is None:
        rows = await stale().run()
    return [row.offer for row in rows_as(_Document, rows)]


async def refresh_stale(day: datetime.date) -> int:
    """The calendar's work: the day facts of every document that does not hold for ``day``;
    returns how many were stale. Until it has run, searches work out the stale documents'
    facts for the day as they read (``day_facts``), so a new year or a new price version
    shows up on the day it takes effect."""
    stale = await stale_documents(day)
    for start in range(0, len(stale), _BATCH):
        async with write_transaction(SYSTEM, "searchFactsRefresh"):
            await refresh(stale[start : start + _BATCH], day, text=False)
    return len(stale)


async def day_facts(ids: Sequence[uuid.UUID], day: datetime.date) -> dict[uuid.UUID, DayFacts]:
    """The facts the documents of these offers would hold on ``day``, read without writing."""
    if not ids:
        return {}
    rows = await Offer.select(*columns_of(Offer, _Places)).where(Offer.id.is_in(list(ids))).run()
    return {
        offer_id: DayFacts(
            occupied=facts.occupied,
            free_from=facts.free_from,
            price_unit=facts.price_unit,
            price_ore=facts.price_ore,
        )
        for offer_id, facts in (await _day_facts(rows_as(_Places, rows), day)).items()
    }


@dataclass(frozen=True, slots=True)
class _Id:
    id: uuid.UUID


async def reindex_all(day: datetime.date) -> int:
    """Rebuild the terms and documents of every offer, a transaction per batch."""
    ids = [row.id for row in rows_as(_Id, await Offer.select(Offer.id).order_by(Offer.id).run())]
    for start in range(0, len(ids), _BATCH):
        async with write_transaction(SYSTEM, "searchReindex"):
            await refresh(ids[start : start + _BATCH], day)
    return len(ids)
