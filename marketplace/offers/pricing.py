"""Price lists (takster): yearly, versioned, never edited in place once in use.

Every publication makes a new version; earlier versions stay and remain queryable. A version
is in force from its ``valid_from`` day; on any day the highest version already in force is
the price. A new version for a year already under way needs a reason and cannot take effect
before today, so no day already billed changes price; the same holds for a list a contract
refers to (``locked_at``).
"""

from __future__ import annotations

import datetime
import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import partial

from piccolo.columns.combination import Combinable

from marketplace.core.clock import today, utcnow
from marketplace.core.errors import DomainError, DomainErrors, ErrorCode
from marketplace.core.identity import Principal
from marketplace.core.money import to_ore
from marketplace.core.rows import fields_of, rows_as
from marketplace.core.rules import RuleFinding, rule_book
from marketplace.core.unit_of_work import write_transaction
from marketplace.offers import service as offers
from marketplace.offers.models import (
    AddOnView,
    OfferStatus,
    OfferView,
    PriceLevelView,
    PriceListPublish,
    PriceListView,
    PriceQuote,
)
from marketplace.offers.tables import PriceAddOn, PriceLevel, PriceList
from marketplace.offers.validity import in_force
from marketplace.organisations import service as organisations
from marketplace.organisations.tables import OwnerType

MAX_YEARS_AHEAD = 2


@dataclass(frozen=True)
class PriceListPublished:
    """A published version, and the advisory rules of the agreement it does not keep."""

    price_list: PriceListView
    warnings: list[RuleFinding]


@dataclass(frozen=True, slots=True)
class _PriceListRow:
    id: uuid.UUID
    offer: uuid.UUID
    year: int
    version: int
    valid_from: datetime.date
    unit: str
    base_price_ore: int
    vat_included: bool
    accepts_special_arrangements: bool
    overhead_bp: int | None
    budgeted_occupancy_bp: int | None
    notice_days: int | None
    notice_months: int | None
    bill_first_day: bool | None
    bill_last_day: bool | None
    reason: str
    published_at: datetime.datetime
    published_by: str
    locked_at: datetime.datetime | None


@dataclass(frozen=True, slots=True)
class _LevelRow:
    price_list: uuid.UUID
    name: str
    covers: str
    price_ore: int


@dataclass(frozen=True, slots=True)
class _AddOnRow:
    price_list: uuid.UUID
    name: str
    description: str
    unit: str
    price_ore: int


def _bp(percent: Decimal | None) -> int | None:
    return None if percent is None else int((percent * 100).to_integral_value())


async def price_lists_by_offer(
    offer_ids: Sequence[uuid.UUID], year: int | None = None
) -> dict[uuid.UUID, list[PriceListView]]:
    """Every version of the offers' price lists (of one year, if given), oldest first.

    Three statements, whatever the number of offers.
    """
    ids = list(offer_ids)
    result: dict[uuid.UUID, list[PriceListView]] = {i: [] for i in ids}
    if not ids or (year is not None and not datetime.MINYEAR <= year <= datetime.MAXYEAR):
        return result  # a year outside the calendar has no price list (nor fits the column)
    condition: Combinable = PriceList.offer.is_in(ids)
    if year is not None:
        condition = condition & (PriceList.year == year)
    lists = rows_as(
        _PriceListRow,
        await PriceList.select().where(condition).order_by(PriceList.year, PriceList.version).run(),
    )
    if not lists:
        return result
    list_ids = [row.id for row in lists]
    levels: dict[uuid.UUID, list[PriceLevelView]] = defaultdict(list)
    for level in rows_as(
        _LevelRow,
        await PriceLevel.select()
        .where(PriceLevel.price_list.is_in(list_ids))
        .order_by(PriceLevel.position)
        .run(),
    ):
        levels[level.price_list].append(PriceLevelView.model_validate(fields_of(level)))
    add_ons: dict[uuid.UUID, list[AddOnView]] = defaultdict(list)
    for add_on in rows_as(
        _AddOnRow,
        await PriceAddOn.select()
        .where(PriceAddOn.price_list.is_in(list_ids))
        .order_by(PriceAddOn.position)
        .run(),
    ):
        add_ons[add_on.price_list].append(AddOnView.model_validate(fields_of(add_on)))
    for row in lists:
        result[row.offer].append(
            PriceListView.model_validate(
                {
                    **fields_of(row),
                    "offer_id": row.offer,
                    "levels": levels[row.id],
                    "add_ons": add_ons[row.id],
                }
            )
        )
    return result


def latest(versions: Sequence[PriceListView], year: int) -> PriceListView | None:
    return max((v for v in versions if v.year == year), key=lambda v: v.version, default=None)


def quote(
    versions: Sequence[PriceListView], on: datetime.date, level: str | None
) -> PriceQuote | None:
    """The price in force on ``on`` at ``level`` (the base price when level is None)."""
    price_list = in_force(versions, on)
    if price_list is None:
        return None
    amount = price_list.base_price_ore
    if level is not None:
        match = [lv for lv in price_list.levels if lv.name.casefold() == level.strip().casefold()]
        if not match:
            names = ", ".join(lv.name for lv in price_list.levels) or "none"
            raise DomainError(
                ErrorCode.NOT_FOUND,
                f"The price list has no level {level!r} (levels: {names}).",
                ["level"],
            )
        amount = match[0].price_ore
    return PriceQuote(
        amount_ore=amount,
        unit=price_list.unit,
        level=level,
        vat_included=price_list.vat_included,
        price_list=price_list,
    )


def _takes_prices(offer: OfferView) -> None:
    if offer.status is OfferStatus.CLOSED:
        raise DomainError(ErrorCode.INVALID, "A closed offer takes no new prices.", ["offer_id"])


def _validate_year(year: int, day: datetime.date) -> None:
    if not day.year <= year <= day.year + MAX_YEARS_AHEAD:
        raise DomainError(
            ErrorCode.INVALID,
            f"Price lists are published for {day.year} to {day.year + MAX_YEARS_AHEAD}.",
            ["year"],
        )


async def _validate_vat(offer: OfferView) -> None:
    """Only a private provider's prices include VAT."""
    provider = await organisations.get_provider(offer.provider_id)
    if provider is None or provider.owner_type is not OwnerType.PRIVATE:
        raise DomainError(
            ErrorCode.INVALID,
            "Only private providers charge VAT; public prices are without VAT.",
            ["vat_included"],
        )


def _validate_correction(
    command: PriceListPublish,
    previous: PriceListView,
    valid_from: datetime.date,
    day: datetime.date,
) -> None:
    """A new version of a list in force or in use says why; it changes no day already past,
    and takes effect no earlier than the version it follows."""
    under_way = day >= datetime.date(command.year, 1, 1)
    if (under_way or previous.locked_at is not None) and len(command.reason) < 3:
        raise DomainError(
            ErrorCode.REQUIRED,
            "A price list already in force or in use changes only as a new version with a reason.",
            ["reason"],
        )
    if under_way and valid_from < day:
        raise DomainError(
            ErrorCode.INVALID,
            "A correction cannot take effect before today; days already past keep their price.",
            ["valid_from"],
        )
    if valid_from < previous.valid_from:
        raise DomainError(
            ErrorCode.INVALID,
            f"A new version cannot take effect before version {previous.version} "
            f"({previous.valid_from.isoformat()}).",
            ["valid_from"],
        )


def _first_day(
    command: PriceListPublish, previous: PriceListView | None, day: datetime.date
) -> datetime.date:
    """The version's first day in force: the one given; else 1 January for a year's first
    version, and for a new version today at the earliest."""
    new_year = datetime.date(command.year, 1, 1)
    if previous is None:
        return command.valid_from or new_year
    valid_from = command.valid_from or max(day, new_year)
    _validate_correction(command, previous, valid_from, day)
    return valid_from


async def _rule_findings(
    offer: OfferView, command: PriceListPublish, valid_from: datetime.date
) -> list[RuleFinding]:
    """The agreement's findings on the overhead and budgeted occupancy: a binding rule
    broken is an error; the advisory findings are answered."""
    findings = await rule_book().price_list_findings(
        offers.rule_facts(offer, (await offers.legal_bases_by_offer([offer.id]))[offer.id]),
        valid_from,
        _bp(command.overhead_percent),
        _bp(command.budgeted_occupancy_percent),
        unit=command.unit.value,
    )
    errors = [f for f in findings if not f.advisory]
    if errors:
        raise DomainErrors(
            [DomainError(ErrorCode.RULE_BROKEN, f.message, [f.field]) for f in errors]
        )
    return [f for f in findings if f.advisory]


async def _write_version(
    principal: Principal,
    offer_id: uuid.UUID,
    command: PriceListPublish,
    *,
    version: int,
    valid_from: datetime.date,
) -> uuid.UUID:
    """Store the version with its levels and add-ons, and the entry in the offer's history."""
    list_id = uuid.uuid4()
    head, levels, add_ons = price_list_rows(
        list_id,
        offer_id,
        command,
        version=version,
        valid_from=valid_from,
        published_by=principal.subject or "",
    )
    await PriceList.insert(head).run()
    if levels:
        await PriceLevel.insert(*levels).run()
    if add_ons:
        await PriceAddOn.insert(*add_ons).run()
    await offers.record_event(
        offer_id,
        principal,
        "price_list_published",
        reason=command.reason,
        detail=f"{command.year} version {version}, in force from {valid_from.isoformat()}",
    )
    return list_id


async def publish_price_list(
    principal: Principal,
    offer_id: uuid.UUID,
    command: PriceListPublish,
    *,
    on: datetime.date | None = None,
) -> PriceListPublished:
    """Publish a price list for a year: version 1, or a new version beside the old ones.

    The overhead and budgeted occupancy are checked against the rules of the agreement that
    covers the offer on the version's first day: a binding rule broken is an error; an
    advisory one a warning in the answer."""
    day = on or today()
    async with write_transaction(principal, "priceListPublish") as unit:
        offer = await offers.managed_offer(principal, offer_id)
        _takes_prices(offer)
        _validate_year(command.year, day)
        if command.vat_included:
            await _validate_vat(offer)
        existing = (await price_lists_by_offer([offer_id], command.year))[offer_id]
        previous = latest(existing, command.year)
        valid_from = _first_day(command, previous, day)
        warnings = await _rule_findings(offer, command, valid_from)
        version = 1 if previous is None else previous.version + 1
        list_id = await _write_version(
            principal, offer_id, command, version=version, valid_from=valid_from
        )
        unit.touch_offer(offer_id)
        published = await unit.track(
            "PriceList", list_id, partial(_version, offer_id, command.year, version), new=True
        )
    return PriceListPublished(published.result, warnings)


async def _version(offer_id: uuid.UUID, year: int, version: int) -> PriceListView | None:
    found = (await price_lists_by_offer([offer_id], year))[offer_id]
    return next((v for v in found if v.version == version), None)


def price_list_rows(
    list_id: uuid.UUID,
    offer_id: uuid.UUID,
    command: PriceListPublish,
    *,
    version: int,
    valid_from: datetime.date,
    published_by: str,
) -> tuple[PriceList, list[PriceLevel], list[PriceAddOn]]:
    """The rows of one price-list version: the list itself, its levels and its add-ons."""
    head = PriceList(
        id=list_id,
        offer=offer_id,
        year=command.year,
        version=version,
        valid_from=valid_from,
        unit=command.unit.value,
        base_price_ore=to_ore(command.base_price),
        vat_included=command.vat_included,
        accepts_special_arrangements=command.accepts_special_arrangements,
        overhead_bp=_bp(command.overhead_percent),
        budgeted_occupancy_bp=_bp(command.budgeted_occupancy_percent),
        notice_days=command.notice_days,
        notice_months=command.notice_months,
        bill_first_day=command.bill_first_day,
        bill_last_day=command.bill_last_day,
        reason=command.reason,
        published_at=utcnow(),
        published_by=published_by,
    )
    levels = [
        PriceLevel(
            price_list=list_id,
            position=i,
            name=level.name,
            covers=level.covers,
            price_ore=to_ore(level.price),
        )
        for i, level in enumerate(command.levels)
    ]
    add_ons = [
        PriceAddOn(
            price_list=list_id,
            position=i,
            name=add_on.name,
            description=add_on.description,
            unit=add_on.unit.value,
            price_ore=to_ore(add_on.price),
        )
        for i, add_on in enumerate(command.add_ons)
    ]
    return head, levels, add_ons


async def lock_price_list(price_list_id: uuid.UUID) -> None:
    """Mark a price-list version as referred to by a contract (called by contracting)."""
    await (
        PriceList.update({PriceList.locked_at: utcnow()})
        .where((PriceList.id == price_list_id) & PriceList.locked_at.is_null())
        .run()
    )
