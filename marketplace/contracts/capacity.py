"""Places in use: a contract occupies one of its offer's places on every day from its start to
its end (or for good, until notice is given); places the provider declares in use outside the
market (``occupied_places``) occupy theirs on every day.

``check_capacity`` runs inside the accepting transaction after ``lock_row`` on the offer, so
two acceptances competing for the last place take turns and the second sees the first.
"""

from __future__ import annotations

import datetime
import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeVar

from piccolo.columns.combination import Combinable
from piccolo.query.methods.select import Select

from marketplace.contracts.models import ContractStatus
from marketplace.contracts.tables import Contract
from marketplace.core.db import fetch_compiled, lock_row
from marketplace.core.errors import DomainError, ErrorCode
from marketplace.core.rows import columns_of, row_as, rows_as
from marketplace.offers.tables import Offer

FOREVER = datetime.date.max


@dataclass(frozen=True, slots=True)
class Stay:
    """The days a contract occupies a place, both ends included."""

    start: datetime.date
    end: datetime.date  # FOREVER while no end is agreed


@dataclass(frozen=True, slots=True)
class _OfferStay:
    """The days of a contract of an offer (a row)."""

    offer: uuid.UUID
    start_date: datetime.date
    end_date: datetime.date | None


@dataclass(frozen=True, slots=True)
class _ContractStay:
    """The days of one contract (a row)."""

    id: uuid.UUID
    start_date: datetime.date
    end_date: datetime.date | None


@dataclass(frozen=True, slots=True)
class OfferPlaces:
    """An offer's places and those its provider declares in use outside the market."""

    capacity_places: int
    occupied_places: int


@dataclass(frozen=True, slots=True)
class OfferIntake:
    """Whether an offer takes people in now (its status), and its places."""

    status: str
    capacity_places: int
    occupied_places: int


PlacesT = TypeVar("PlacesT", OfferPlaces, OfferIntake)


async def lock_offer(kind: type[PlacesT], offer_id: uuid.UUID) -> PlacesT:
    """The offer's columns that ``kind`` names, read and held until the transaction ends, so
    acceptances and changes competing for its places take turns (see the module doc)."""
    row = await lock_row(Offer, offer_id, *columns_of(Offer, kind))
    assert row is not None  # offers are never deleted
    return row_as(kind, row)


def _overlaps(start: datetime.date, end: datetime.date):  # type: ignore[no-untyped-def]
    return (
        (Contract.status != ContractStatus.CANCELLED.value)
        & (Contract.start_date <= end)
        & (Contract.end_date.is_null() | (Contract.end_date >= start))
    )


async def stays_by_offer(
    offer_ids: Sequence[uuid.UUID], start: datetime.date, end: datetime.date = FOREVER
) -> dict[uuid.UUID, list[Stay]]:
    """The stays of the offers' contracts that touch the days from ``start`` to ``end``."""
    stays: dict[uuid.UUID, list[Stay]] = defaultdict(list)
    if not offer_ids:
        return stays
    wanted = list(offer_ids)

    def select(offers: Combinable) -> Select:
        return Contract.select(Contract.offer, Contract.start_date, Contract.end_date).where(
            offers & _overlaps(start, end)
        )

    # a search's or a list's capacity: its SQL made once on PostgreSQL (the parameters in
    # the select's order: the offers, the status left out, the last day, the first day)
    rows = await fetch_compiled(
        "stays_by_offer",
        lambda: select(Contract.offer == wanted[0]),
        [wanted, ContractStatus.CANCELLED.value, end, start],
        any_of=True,
    )
    if rows is None:
        rows = await select(Contract.offer.is_in(wanted)).run()
    for row in rows_as(_OfferStay, rows):
        stays[row.offer].append(Stay(row.start_date, row.end_date or FOREVER))
    return stays


async def contracted_on(offer_ids: Sequence[uuid.UUID], day: datetime.date) -> dict[uuid.UUID, int]:
    """Places under contract on ``day``, per offer (one statement)."""
    stays = await stays_by_offer(offer_ids, day, day)
    return {offer_id: len(stays[offer_id]) for offer_id in offer_ids}


def in_use_on(stays: Sequence[Stay], day: datetime.date) -> int:
    return sum(1 for s in stays if s.start <= day <= s.end)


def peak(stays: Sequence[Stay], start: datetime.date, end: datetime.date) -> int:
    """The most stays on any one day from ``start`` to ``end``."""
    deltas: dict[datetime.date, int] = defaultdict(int)
    for stay in stays:
        if stay.start > end or stay.end < start:
            continue
        deltas[max(stay.start, start)] += 1
        if stay.end < end:
            deltas[stay.end + datetime.timedelta(days=1)] -= 1
    highest = current = 0
    for day in sorted(deltas):
        current += deltas[day]
        highest = max(highest, current)
    return highest


def next_change(stays: Sequence[Stay], day: datetime.date) -> datetime.date:
    """The first day after ``day`` on which the number of stays may differ."""
    later = [s.start for s in stays if s.start > day]
    later += [s.end + datetime.timedelta(days=1) for s in stays if day <= s.end < FOREVER]
    return min(later, default=FOREVER)


def free_from(
    stays: Sequence[Stay], places: int, declared: int, day: datetime.date
) -> datetime.date | None:
    """The first day from ``day`` on which a place is free, as far as the contracts know
    (contracts that end free their place the day after); None when none ends."""
    candidates = [day] + [
        s.end + datetime.timedelta(days=1) for s in stays if day <= s.end < FOREVER
    ]
    for candidate in sorted(set(candidates)):
        if declared + in_use_on(stays, candidate) < places:
            return candidate
    return None


async def check_capacity(
    offer_id: uuid.UUID,
    places: int,
    declared: int,
    start: datetime.date,
    end: datetime.date = FOREVER,
    *,
    ignore: uuid.UUID | None = None,
) -> None:
    """Raise CAPACITY_EXHAUSTED unless one more stay from ``start`` to ``end`` fits every day.

    ``ignore`` leaves one contract out (when its own end date moves).
    """
    query = Contract.select(Contract.id, Contract.start_date, Contract.end_date).where(
        (Contract.offer == offer_id) & _overlaps(start, end)
    )
    stays = [
        Stay(row.start_date, row.end_date or FOREVER)
        for row in rows_as(_ContractStay, await query.run())
        if row.id != ignore
    ]
    if declared + peak(stays, start, end) + 1 > places:
        raise DomainError(
            ErrorCode.CAPACITY_EXHAUSTED,
            "The offer has no free place for the whole period asked for.",
            ["id"],
        )


async def peak_from(offer_id: uuid.UUID, day: datetime.date) -> int:
    """The most places the offer's contracts hold on any one day from ``day`` on."""
    stays = (await stays_by_offer([offer_id], day))[offer_id]
    return peak(stays, day, FOREVER)
