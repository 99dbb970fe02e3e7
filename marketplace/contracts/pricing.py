"""What a contract's price is: taken from the offer's price list when it is agreed, and kept.

A term's price is a snapshot of the price list in force on the day the term begins; a later
version of that year's price list does not change it. From the next 1 January the same level
is priced by that year's price list (the version in force on 1 January), so the new year's
takster apply to running contracts as the agreements prescribe. A special arrangement
(særforanstaltning) has an individually agreed price per day, worked out from its costs
(staff hours and rates, other direct costs, overhead within the agreement's cap) and agreed
by both parties, and keeps it.
"""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from marketplace.contracts.models import (
    AddOnRequest,
    AgreedAddOn,
    HoursPer,
    SpecialArrangementCost,
    TermView,
)
from marketplace.contracts.parties import hundredths
from marketplace.core.errors import DomainError, ErrorCode
from marketplace.offers import pricing
from marketplace.offers.models import PriceListView, PriceUnit
from marketplace.offers.validity import in_force


async def price_list_on(
    offer_id: uuid.UUID, day: datetime.date, field: Sequence[str]
) -> PriceListView:
    versions = (await pricing.price_lists_by_offer([offer_id], day.year))[offer_id]
    version = in_force(versions, day)
    if version is None:
        raise DomainError(
            ErrorCode.INVALID,
            f"The offer has no price list in force on {day.isoformat()}.",
            list(field),
        )
    return version


def level_price(version: PriceListView, level: str | None) -> int | None:
    """The price of a level (the base price for None) in a version; None when it lacks it."""
    if level is None:
        return version.base_price_ore
    for candidate in version.levels:
        if candidate.name.casefold() == level.casefold():
            return candidate.price_ore
    return None


def require_level(version: PriceListView, level: str | None) -> int:
    price = level_price(version, level)
    if price is None:
        names = ", ".join(lv.name for lv in version.levels) or "none"
        raise DomainError(
            ErrorCode.INVALID,
            f"The price list has no level {level!r} (levels: {names}).",
            ["price_level"],
        )
    return price


def agreed_price(
    version: PriceListView,
    level: str | None,
    hours: Decimal | None,
    *,
    special: SpecialArrangementCost | None = None,
    per_week: bool = False,
) -> dict[str, Any]:
    """The price columns of a term agreed on ``version``: a level's price (for an hourly
    price, ``hours`` a month, or a week with ``per_week``), or a special arrangement's price
    per day worked out from its costs."""
    if special is not None:
        if not version.accepts_special_arrangements:
            raise DomainError(
                ErrorCode.INVALID,
                "The offer's price list takes no special arrangements.",
                ["special_arrangement"],
            )
        return {
            "price_level": None,
            "special_arrangement": True,
            "unit": PriceUnit.PER_DAY.value,
            "price_ore": special.price_ore,
            "quantity": 100,
            "price_list": version.id,
            "vat_included": version.vat_included,
            "cost": special.model_dump(mode="json"),
            "hours_per": HoursPer.MONTH.value,
        }
    price = require_level(version, level)
    hourly = version.unit is PriceUnit.PER_HOUR
    if hourly and hours is None:
        raise DomainError(
            ErrorCode.REQUIRED,
            "The offer is priced per hour: say how many hours a month or a week.",
            ["hours_per_month"],
        )
    return {
        "price_level": level,
        "special_arrangement": False,
        "unit": version.unit.value,
        "price_ore": price,
        "quantity": hundredths(hours) if hourly and hours is not None else 100,
        "price_list": version.id,
        "vat_included": version.vat_included,
        "hours_per": (HoursPer.WEEK if hourly and per_week else HoursPer.MONTH).value,
    }


def agreed_add_ons(version: PriceListView, wanted: Sequence[AddOnRequest]) -> list[dict[str, Any]]:
    """The add-ons asked for, priced by ``version`` (as stored on a term)."""
    by_name = {a.name.casefold(): a for a in version.add_ons}
    agreed = []
    for request in wanted:
        found = by_name.get(request.name.casefold())
        if found is None:
            names = ", ".join(a.name for a in version.add_ons) or "none"
            raise DomainError(
                ErrorCode.INVALID,
                f"The price list has no add-on {request.name!r} (add-ons: {names}).",
                ["add_ons"],
            )
        agreed.append(
            AgreedAddOn(
                name=found.name,
                unit=found.unit,
                price_ore=found.price_ore,
                quantity=request.quantity,
            ).model_dump(mode="json")
        )
    return agreed


def yearly_prices(
    term: TermView, year: int, versions: Sequence[PriceListView]
) -> tuple[int, dict[str, int]]:
    """The term's base and add-on prices for days in ``year``: the snapshot in the term's own
    year and for special arrangements; else the same level and add-ons in ``year``'s price
    list in force on 1 January (the snapshot when that year has none or lacks them)."""
    if year == term.valid_from.year or term.special_arrangement:
        return term.price_ore, {a.name: a.price_ore for a in term.add_ons}
    version = in_force(versions, datetime.date(year, 1, 1))
    if version is None:
        return term.price_ore, {a.name: a.price_ore for a in term.add_ons}
    base = level_price(version, term.price_level)
    listed = {a.name.casefold(): a.price_ore for a in version.add_ons}
    return (
        base if base is not None else term.price_ore,
        {a.name: listed.get(a.name.casefold(), a.price_ore) for a in term.add_ons},
    )
