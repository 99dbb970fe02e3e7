"""National and supra-regional offers (lands- og landsdelsdækkende tilbud, sikrede
afdelinger; seed 003: followed by KL across the regions): every region's steering group
follows them, with their occupancy in the year and their price development."""

from __future__ import annotations

import datetime
import uuid
from collections import defaultdict
from fractions import Fraction

from pydantic import BaseModel, ConfigDict

from agreements.economics import calc
from marketplace.contracts.tables import Contract
from marketplace.core.clock import today
from marketplace.core.errors import DomainError, ErrorCode
from marketplace.core.identity import SYSTEM, Principal, Role
from marketplace.core.pagination import Page, PageRequest, paginate
from marketplace.offers import pricing
from marketplace.offers import service as offers
from marketplace.offers.models import Coverage, OfferStatus, PriceListView
from marketplace.offers.tables import Offer
from marketplace.organisations.reference import region_of


class NationalOfferView(BaseModel):
    model_config = ConfigDict(frozen=True)

    offer_id: uuid.UUID
    name: str
    coverage: Coverage
    region_code: str | None
    year: int
    period_end: datetime.date  # the year's last day, or today in the year under way
    places: int
    occupied_days: int
    place_days: int
    occupancy_bp: int | None
    price_ore: int | None
    previous_price_ore: int | None
    price_change_bp: int | None


def _last_price(versions: list[PriceListView], year: int) -> int | None:
    of_year = [v for v in versions if v.year == year]
    return max(of_year, key=lambda v: v.version).base_price_ore if of_year else None


async def _contract_days(
    ids: list[uuid.UUID], first: datetime.date, last: datetime.date
) -> dict[uuid.UUID, int]:
    """Each offer's contract days within the period (one statement for any number)."""
    found: dict[uuid.UUID, int] = defaultdict(int)
    if not ids:
        return found
    rows = (
        await Contract.select(Contract.offer, Contract.start_date, Contract.end_date)
        .where(
            Contract.offer.is_in(ids)
            & (Contract.status != "cancelled")
            & (Contract.start_date <= last)
            & (Contract.end_date.is_null() | (Contract.end_date >= first))
        )
        .run()
    )
    for row in rows:
        since, to = max(row["start_date"], first), min(row["end_date"] or last, last)
        found[row["offer"]] += (to - since).days + 1
    return found


async def national_offers(
    principal: Principal, page: PageRequest, year: int | None = None
) -> Page[NationalOfferView]:
    """The published national and supra-regional offers of every region, by name, with the
    year's occupancy (declared places and contracts, to today in the year under way) and the
    year's price against the year before's (a few statements for any page)."""
    principal.require(Role.STEERING, Role.REGISTRY_ADMIN)
    day = today()
    year = year or day.year
    if not 2000 <= year <= day.year + 2:
        raise DomainError(
            ErrorCode.INVALID, "Ask for a year from 2000 to two years ahead.", ["year"]
        )
    first, last = datetime.date(year, 1, 1), min(datetime.date(year, 12, 31), day)
    rows = await paginate(
        Offer,
        where=(Offer.coverage != Coverage.REGIONAL.value)
        & (Offer.status == OfferStatus.PUBLISHED.value),
        order_by=[Offer.name, Offer.id],
        page=page,
        columns=[Offer.id, Offer.name],
    )
    ids = [row["id"] for row in rows.items]
    views = await offers.offers_by_id(SYSTEM, ids)
    prices = await pricing.price_lists_by_offer(ids)
    contracted = await _contract_days(ids, first, last)
    days = max(0, (last - first).days + 1)
    found = []
    for offer_id in ids:
        offer = views[offer_id]
        place_days = offer.capacity_places * days
        occupied = offer.occupied_places * days + contracted[offer_id]
        price = _last_price(prices[offer_id], year)
        previous = _last_price(prices[offer_id], year - 1)
        found.append(
            NationalOfferView(
                offer_id=offer_id,
                name=offer.name,
                coverage=offer.coverage,
                region_code=region_of(offer.municipality_code),
                year=year,
                period_end=last,
                places=offer.capacity_places,
                occupied_days=occupied,
                place_days=place_days,
                occupancy_bp=calc.bp(Fraction(occupied, place_days)) if place_days else None,
                price_ore=price,
                previous_price_ore=previous,
                price_change_bp=(
                    calc.bp(Fraction(price - previous, previous)) if price and previous else None
                ),
            )
        )
    return rows.with_items(found)
