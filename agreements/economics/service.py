"""The year's economics per offer: occupancy per month from contracts and declared places
against the price list's budgeted occupancy, and the settlement at the year's end (see
``agreements.economics.calc`` for the rules). The region's steering group reads its
region's offers (and the national and supra-regional offers of every region); a provider
reads and settles its own; the registry administrator everything."""

from __future__ import annotations

import calendar
import datetime
import uuid
from fractions import Fraction
from typing import Any

from agreements.economics import calc
from agreements.economics.models import (
    MonthOccupancy,
    SettlementView,
    YearEconomics,
)
from agreements.economics.tables import OfferSettlement
from marketplace.contracts.tables import Contract
from marketplace.core.errors import DomainError, ErrorCode
from marketplace.core.identity import SYSTEM, Principal, Role
from marketplace.offers import pricing
from marketplace.offers import service as offers
from marketplace.offers.models import OfferView, PriceListView
from marketplace.organisations.reference import region_of

_NOT_FOUND = "There is no such offer."
PLACE_UNITS = ("per_day", "per_month")


def is_national(offer: OfferView) -> bool:
    return getattr(offer, "coverage", "regional") != "regional"


def may_read(principal: Principal, offer: OfferView) -> bool:
    """The offer's provider, its region's steering group (every steering group for a national
    or supra-regional offer), the registry administrator."""
    if principal.is_registry_admin or offers.can_manage(principal, offer.provider_org_code):
        return True
    if principal.role is Role.STEERING:
        return is_national(offer) or region_of(offer.municipality_code) == principal.org_code
    return False


async def _offer(principal: Principal, offer_id: uuid.UUID) -> OfferView:
    offer = (await offers.offers_by_id(SYSTEM, [offer_id])).get(offer_id)
    if offer is None or not may_read(principal, offer):
        raise DomainError(ErrorCode.NOT_FOUND, _NOT_FOUND, ["offer_id"])
    return offer


async def _contract_days(
    offer_id: uuid.UUID, year: int
) -> list[tuple[datetime.date, datetime.date]]:
    """The offer's contracts' days within the year (first and last), one statement."""
    first, last = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    rows = (
        await Contract.select(Contract.start_date, Contract.end_date)
        .where(
            (Contract.offer == offer_id)
            & (Contract.status != "cancelled")
            & (Contract.start_date <= last)
            & (Contract.end_date.is_null() | (Contract.end_date >= first))
        )
        .run()
    )
    return [(max(r["start_date"], first), min(r["end_date"] or last, last)) for r in rows]


def months(
    year: int,
    places: int,
    declared: int,
    spans: list[tuple[datetime.date, datetime.date]],
    budgeted_bp: int | None,
) -> list[MonthOccupancy]:
    """Each month's occupancy: the declared places every day, and each contract's days."""
    found = []
    for month in range(1, 13):
        days = calendar.monthrange(year, month)[1]
        start, end = datetime.date(year, month, 1), datetime.date(year, month, days)
        contracted = sum(max(0, (min(to, end) - max(since, start)).days + 1) for since, to in spans)
        occupied = declared * days + contracted
        available = places * days
        found.append(
            MonthOccupancy(
                month=start,
                place_days=available,
                occupied_days=occupied,
                occupancy_bp=calc.bp(Fraction(occupied, available)) if available else 0,
                budgeted_bp=budgeted_bp,
            )
        )
    return found


async def _price_list(offer_id: uuid.UUID, year: int) -> PriceListView | None:
    """The year's price list as it stood at the year's end."""
    versions = (await pricing.price_lists_by_offer([offer_id], year))[offer_id]
    return max(versions, key=lambda v: v.version, default=None)


def check_year(year: int | None) -> None:
    """A year of the calendar (a year with no data answers empty figures)."""
    if year is not None and not datetime.MINYEAR <= year < datetime.MAXYEAR:
        raise DomainError(ErrorCode.INVALID, "Ask for a year of the calendar.", ["year"])


async def year_economics(principal: Principal, offer_id: uuid.UUID, year: int) -> YearEconomics:
    offer = await _offer(principal, offer_id)  # who may read it first, then what is asked
    check_year(year)
    price_list = await _price_list(offer_id, year)
    budgeted = price_list.budgeted_occupancy_bp if price_list else None
    occupancy = months(
        year,
        offer.capacity_places,
        offer.occupied_places,
        await _contract_days(offer_id, year),
        budgeted,
    )
    place_days = sum(m.place_days for m in occupancy)
    occupied = sum(m.occupied_days for m in occupancy)
    settled = await settlements_of([offer_id], year)
    return YearEconomics(
        offer_id=offer.id,
        offer_name=offer.name,
        region_code=region_of(offer.municipality_code),
        year=year,
        unit=price_list.unit.value if price_list else None,
        price_ore=price_list.base_price_ore if price_list else None,
        places=offer.capacity_places,
        declared=offer.occupied_places,
        budgeted_bp=budgeted,
        months=occupancy,
        place_days=place_days,
        occupied_days=occupied,
        occupancy_bp=calc.bp(Fraction(occupied, place_days)) if place_days else None,
        settlement=settled.get(offer_id),
    )


def _settlement_view(row: dict[str, Any]) -> SettlementView:
    return SettlementView(
        id=row["id"],
        offer_id=row["offer"],
        year=row["year"],
        region_code=row["region"],
        agreement_id=row["agreement"],
        result_ore=row["result_ore"],
        carried_ore=row["carried_ore"],
        carried_into_year=row["carried_into_year"],
        figures=row["figures"],
        settled_by=row["settled_by"],
        settled_at=row["settled_at"],
    )


async def settlements_of(offer_ids: list[uuid.UUID], year: int) -> dict[uuid.UUID, SettlementView]:
    rows = (
        await OfferSettlement.select()
        .where(OfferSettlement.offer.is_in(offer_ids) & (OfferSettlement.year == year))
        .output(load_json=True)
        .run()
    )
    return {row["offer"]: _settlement_view(row) for row in rows}
