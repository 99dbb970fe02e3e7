"""Settling an offer's year (writes) and listing the settlements (reads)."""

from __future__ import annotations

import calendar
import datetime
import uuid
from fractions import Fraction
from functools import partial
from typing import Any

from piccolo.columns.combination import Combinable

from agreements.economics import calc
from agreements.economics.financing import municipal_parties, share_by_population
from agreements.economics.models import SettlementCreate, SettlementView
from agreements.economics.service import (
    PLACE_UNITS,
    _contract_days,
    _price_list,
    _settlement_view,
    check_year,
    months,
    settlements_of,
)
from agreements.economics.tables import OfferSettlement
from agreements.frameworks import service as frameworks
from agreements.frameworks.models import AgreementRules
from agreements.frameworks.rows import AgreementRow
from marketplace.core.clock import today, utcnow
from marketplace.core.errors import DomainError, ErrorCode
from marketplace.core.identity import Principal, Role
from marketplace.core.money import to_ore
from marketplace.core.pagination import Page, PageRequest, all_of, paginate
from marketplace.core.unit_of_work import write_transaction
from marketplace.offers import service as offers
from marketplace.offers.models import OfferView, PriceListView, SpecialCondition
from marketplace.organisations.reference import region_of


def _bp(percent: Any) -> int | None:
    return None if percent is None else int(percent * 100)


def _year_is_over(year: int) -> None:
    if year >= today().year:
        raise DomainError(
            ErrorCode.INVALID_STATE,
            f"{year} is not over yet: a year is settled after its end.",
            ["year"],
        )


async def _agreement_of(offer: OfferView, year: int) -> tuple[AgreementRow, AgreementRules]:
    """The agreement made for the offer's region at the year's end, and its rules then."""
    last = datetime.date(year, 12, 31)
    facts = offers.rule_facts(offer, [])
    agreement = None
    if facts.owner_type != "private":
        agreement = await frameworks.agreement_in_force(facts.region_code, last)
    rules = None if agreement is None else await frameworks.rules_on(agreement, last)
    if agreement is None or rules is None:
        raise DomainError(
            ErrorCode.INVALID,
            "No agreement with rules covered the offer at the year's end: its year is "
            "settled by its own contract.",
            ["offer_id"],
        )
    return agreement, rules.rules


async def _conditions(agreement_id: uuid.UUID, offer_id: uuid.UUID, year: int) -> set[str]:
    """The special conditions of the agreement the offer had during the year."""
    first, last = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    return {
        c.condition.value
        for c in await frameworks.special_conditions(offer_ids=[offer_id])
        if c.agreement_id == agreement_id and c.valid_from <= last and c.valid_to >= first
    }


def _priced(price_list: PriceListView | None) -> PriceListView:
    if price_list is None or price_list.unit.value not in PLACE_UNITS:
        raise DomainError(
            ErrorCode.INVALID,
            "The year's settlement is for offers priced per day or per month.",
            ["offer_id"],
        )
    if price_list.budgeted_occupancy_bp is None:
        raise DomainError(
            ErrorCode.INVALID, "The year's price list states no budgeted occupancy.", ["offer_id"]
        )
    return price_list


def _day_price(price_list: PriceListView, year: int, place_days: int, places: int) -> Fraction:
    """Øre per place-day: the day price, or the month price over the year's days."""
    if price_list.unit.value == "per_day":
        return Fraction(price_list.base_price_ore)
    days = 366 if calendar.isleap(year) else 365
    return Fraction(price_list.base_price_ore * 12, days)


async def _figures(
    offer: OfferView, year: int, agreement: AgreementRow, rules: AgreementRules, cost: int | None
) -> dict[str, Any]:
    price_list = _priced(await _price_list(offer.id, year))
    spans = await _contract_days(offer.id, year)
    occupancy = months(year, offer.capacity_places, offer.occupied_places, spans, None)
    place_days = sum(m.place_days for m in occupancy)
    conditions = await _conditions(agreement.id, offer.id, year)
    given = calc.YearInput(
        day_price=_day_price(price_list, year, place_days, offer.capacity_places),
        place_days=place_days,
        occupied_days=sum(m.occupied_days for m in occupancy),
        budgeted_bp=price_list.budgeted_occupancy_bp or 0,
        regulation_share_bp=_bp(rules.budget_regulation_percent),
        allowed_deviation_bp=_bp(rules.allowed_budget_deviation_percent),
        carry_over_cap_bp=_bp(rules.carry_over_percent),
        actual_cost_ore=cost,
        objective_financing=SpecialCondition.OBJECTIVE_FINANCING_STARTUP.value in conditions,
        collective_cover=SpecialCondition.COLLECTIVE_DEFICIT_COVER.value in conditions,
    )
    figures = calc.settle(given)
    parties = municipal_parties(
        (await frameworks.get_agreement(frameworks.SYSTEM, agreement.id)).parties  # type: ignore[union-attr]
    )
    return {
        "unit": price_list.unit.value,
        "price_ore": price_list.base_price_ore,
        "price_list_version": price_list.version,
        "places": offer.capacity_places,
        "declared": offer.occupied_places,
        "place_days": place_days,
        "occupied_days": given.occupied_days,
        "budgeted_bp": given.budgeted_bp,
        "regulation_share_bp": given.regulation_share_bp,
        "allowed_deviation_bp": given.allowed_deviation_bp,
        "carry_over_cap_bp": given.carry_over_cap_bp,
        **{k: (str(v) if isinstance(v, Fraction) else v) for k, v in vars(figures).items()},
        "budgeted_days": str(float(figures.budgeted_days)),
        "regulated_days": str(float(figures.regulated_days)),
        "financing_shares": _shares(figures.objective_financing_ore, parties),
        "cover_shares": _shares(figures.collective_cover_ore, parties),
        "conditions": sorted(conditions),
    }


def _shares(amount: int, parties: dict[str, int]) -> dict[str, int]:
    return share_by_population(amount, parties) if amount else {}


async def settle_year(principal: Principal, command: SettlementCreate) -> SettlementView:
    """Settle an offer's year after its end (its provider, or the registry administrator):
    the figures are kept, and the result is carried into the price basis of the year after
    next within the agreement's cap."""
    principal.require(Role.PROVIDER_ADMIN, Role.REGISTRY_ADMIN)
    async with write_transaction(principal, "offerYearSettle") as unit:
        offer = await offers.managed_offer(principal, command.offer_id)
        _year_is_over(command.year)
        if await settlements_of([offer.id], command.year):
            raise DomainError(ErrorCode.DUPLICATE, f"{command.year} is already settled.", ["year"])
        agreement, rules = await _agreement_of(offer, command.year)
        cost = None if command.actual_cost is None else to_ore(command.actual_cost)
        figures = await _figures(offer, command.year, agreement, rules, cost)
        settlement_id = uuid.uuid4()
        await OfferSettlement.insert(
            OfferSettlement(
                id=settlement_id,
                offer=offer.id,
                year=command.year,
                region=region_of(offer.municipality_code) or "",
                agreement=agreement.id,
                result_ore=figures["result_ore"],
                carried_ore=figures["carried_ore"],
                carried_into_year=command.year + calc.CARRY_INTO,
                figures=figures,
                settled_by=principal.subject or "",
                settled_at=utcnow(),
            )
        ).run()
        await offers.record_event(
            offer.id,
            principal,
            "year_settled",
            reason="",
            detail=f"{command.year}: result {figures['result_ore']} øre, carried "
            f"{figures['carried_ore']} øre into {command.year + calc.CARRY_INTO}",
        )
        made = await unit.track(
            "OfferSettlement",
            settlement_id,
            partial(_one, offer.id, command.year),
            new=True,
        )
    return made.result


async def _one(offer_id: uuid.UUID, year: int) -> SettlementView | None:
    return (await settlements_of([offer_id], year)).get(offer_id)


def _readable(principal: Principal, region_code: str | None) -> Combinable | None:
    """Steering: its region's settlements and every national offer's; provider: its own."""
    if principal.is_registry_admin:
        return None if region_code is None else OfferSettlement.region == region_code
    if principal.role is Role.STEERING:
        own = OfferSettlement.region == principal.org_code
        national = OfferSettlement.offer._.coverage != "regional"
        mine: Combinable = own | national
        if region_code is not None:
            mine = mine & (OfferSettlement.region == region_code)
        return mine
    if principal.role is Role.PROVIDER_ADMIN:
        return OfferSettlement.offer._.provider._.org_code == principal.org_code
    raise DomainError(ErrorCode.PERMISSION_DENIED, "Settlements are read by their parties.")


async def list_settlements(
    principal: Principal,
    page: PageRequest,
    *,
    year: int | None = None,
    region_code: str | None = None,
) -> Page[SettlementView]:
    """The settlements the caller reads, by year and offer (keyset; two statements)."""
    if not principal.is_authenticated:
        raise DomainError(ErrorCode.UNAUTHENTICATED, "Sign in to read the settlements.")
    check_year(year)
    condition = all_of(
        [
            _readable(principal, region_code),
            None if year is None else OfferSettlement.year == year,
        ]
    )
    rows = await paginate(
        OfferSettlement,
        where=condition,
        order_by=[OfferSettlement.year, OfferSettlement.offer, OfferSettlement.id],
        page=page,
        load_json=True,
    )
    return rows.with_items([_settlement_view(row) for row in rows.items])
