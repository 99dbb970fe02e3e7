"""The case load a municipality reviews: its running placements, each with how long it has
lasted, the hours a week agreed for an hourly price and what a month costs, filtered and
sorted by those (Rebild reviewed its SEL § 85 cases by the longest support, over 5 years; the
most hours a week; and 1 hour a week for more than a year: seed 003).

A placement is running when it has begun and not ended (active, or under notice). Its figures
are those of the term in force today: the hours a week are the agreed hours a month spread
over the weeks of a year (x 12 / 52, to the hundredth); a month costs the price in force this
year x the quantity (a price per day for 30 days, per hour for the hours a month, per year a
twelfth), and the add-ons the same way, as a request's expected cost is counted. The list is
computed whole with a fixed number of statements (the contracts, their terms, this year's
price lists) and paged by offset.
"""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from piccolo.columns.combination import Combinable

from marketplace.contracts import frames, parties
from marketplace.contracts.models import (
    CaseLoadFilter,
    CaseLoadOrder,
    CaseLoadSort,
    ContractView,
    HoursPer,
    TermView,
)
from marketplace.contracts.pricing import yearly_prices
from marketplace.contracts.rows import ContractRow
from marketplace.contracts.tables import Contract
from marketplace.core.clock import today
from marketplace.core.identity import Principal
from marketplace.core.money import to_ore
from marketplace.core.pagination import Page, PageRequest, all_of, page_of
from marketplace.core.rows import rows_as
from marketplace.offers import pricing
from marketplace.offers.models import PriceListView, PriceUnit

WEEKS_A_YEAR = 52
MONTHS_A_YEAR = 12


@dataclass(frozen=True)
class CaseLoadItem:
    """One running placement of a case load, with the figures it is reviewed by."""

    contract: ContractView
    days_of_stay: int  # days since the first day (0 on the first day)
    hourly: bool
    hours_per_month: Decimal | None  # for an hourly price
    hours_per_week: Decimal | None
    monthly_cost_ore: int


def years_before(day: datetime.date, years: int) -> datetime.date:
    """The same day ``years`` years earlier (28 February for 29 February)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def hours_a_week(hours_per_month: Decimal) -> Decimal:
    """Hours a month as hours a week: x 12 / 52, to the hundredth (half up)."""
    weekly = hours_per_month * MONTHS_A_YEAR / WEEKS_A_YEAR
    return weekly.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def hours_a_month(hours_per_week: Decimal) -> Decimal:
    """Hours a week as hours a month: x 52 / 12, to the hundredth (half up)."""
    monthly = hours_per_week * WEEKS_A_YEAR / MONTHS_A_YEAR
    return monthly.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def term_hours(term: TermView) -> tuple[Decimal, Decimal]:
    """An hourly term's hours a month and a week, whichever it was agreed in."""
    if term.hours_per is HoursPer.WEEK:
        return hours_a_month(term.quantity), term.quantity
    return term.quantity, hours_a_week(term.quantity)


def _running(principal: Principal, day: datetime.date, wanted: CaseLoadFilter) -> Combinable:
    """The caller's placements that have begun and not ended on ``day``, by the filter's
    legal basis, offer and length of stay (in SQL)."""
    started_before = day
    if wanted.stay_longer_than_years is not None:
        started_before = min(started_before, years_before(day, wanted.stay_longer_than_years))
    if wanted.stay_longer_than_days is not None:
        cutoff = day - datetime.timedelta(days=wanted.stay_longer_than_days)
        started_before = min(started_before, cutoff)
    longer = wanted.stay_longer_than_years is not None or wanted.stay_longer_than_days is not None
    conditions = [
        parties.visible(Contract, principal),
        Contract.status.is_in(list(parties.RUNNING)),
        Contract.end_date.is_null() | (Contract.end_date >= day),
        Contract.start_date < started_before if longer else Contract.start_date <= day,
        Contract.legal_basis == wanted.legal_basis.value if wanted.legal_basis else None,
        Contract.offer == wanted.offer_id if wanted.offer_id else None,
    ]
    combined = all_of(conditions)
    assert combined is not None
    return combined


def monthly_cost(term: TermView, versions: Sequence[PriceListView], day: datetime.date) -> int:
    """What a month of the term costs at this year's prices, in øre."""
    base, add_on_prices = yearly_prices(term, day.year, versions)
    price = {
        "price_ore": base,
        "unit": term.unit.value,
        "quantity": parties.hundredths(term.quantity),
        "hours_per": term.hours_per.value,
    }
    add_ons = [
        {"price_ore": add_on_prices[a.name], "unit": a.unit.value, "quantity": a.quantity}
        for a in term.add_ons
    ]
    return frames.monthly_cost(price, add_ons)


def _item(
    contract: ContractView, versions: Sequence[PriceListView], day: datetime.date
) -> CaseLoadItem:
    term = [t for t in contract.terms if t.valid_from <= day][-1]
    hourly = term.unit is PriceUnit.PER_HOUR
    monthly, weekly = term_hours(term) if hourly else (None, None)
    return CaseLoadItem(
        contract=contract,
        days_of_stay=(day - contract.start_date).days,
        hourly=hourly,
        hours_per_month=monthly,
        hours_per_week=weekly,
        monthly_cost_ore=monthly_cost(term, versions, day),
    )


def _within(
    value: Decimal | int | None, low: Decimal | int | None, high: Decimal | int | None
) -> bool:
    if low is None and high is None:
        return True
    return value is not None and (low is None or value >= low) and (high is None or value <= high)


def _kept(item: CaseLoadItem, wanted: CaseLoadFilter) -> bool:
    """Whether an item keeps the filter's bounds on hours and cost (and on hourly prices)."""
    if wanted.hourly is not None and item.hourly is not wanted.hourly:
        return False
    low = to_ore(wanted.min_monthly_cost) if wanted.min_monthly_cost is not None else None
    high = to_ore(wanted.max_monthly_cost) if wanted.max_monthly_cost is not None else None
    return _within(
        item.hours_per_week, wanted.min_hours_per_week, wanted.max_hours_per_week
    ) and _within(item.monthly_cost_ore, low, high)


_VALUES: dict[CaseLoadOrder, Callable[[CaseLoadItem], Decimal | int | None]] = {
    CaseLoadOrder.LENGTH_OF_STAY: lambda item: item.days_of_stay,
    CaseLoadOrder.HOURS_PER_WEEK: lambda item: item.hours_per_week,
    CaseLoadOrder.MONTHLY_COST: lambda item: item.monthly_cost_ore,
}


def ordered(items: Sequence[CaseLoadItem], sort: CaseLoadSort) -> list[CaseLoadItem]:
    """The items by the sort's figure (ties by contract), those without it (hours of a price
    that is not hourly) last."""
    value = _VALUES[sort.by]
    known = [i for i in items if value(i) is not None]
    known.sort(key=lambda i: (value(i), str(i.contract.id)), reverse=sort.descending)
    unknown = sorted((i for i in items if value(i) is None), key=lambda i: str(i.contract.id))
    return known + unknown


async def case_load(
    principal: Principal,
    page: PageRequest,
    wanted: CaseLoadFilter | None = None,
    sort: CaseLoadSort | None = None,
) -> Page[CaseLoadItem]:
    """The caller's running placements (a municipality's purchasers: those it bought; a
    provider's administrators: those it delivers), filtered and sorted by length of stay,
    hours a week or monthly cost (the longest stay first by default). Five statements."""
    wanted = wanted or CaseLoadFilter()
    day = today()
    rows = rows_as(
        ContractRow,
        await Contract.select()
        .where(_running(principal, day, wanted))
        .order_by(Contract.start_date, Contract.id)
        .run(),
    )
    views = await parties.contract_views(principal, rows)
    offer_ids: list[uuid.UUID] = sorted({v.offer_id for v in views})
    versions = await pricing.price_lists_by_offer(offer_ids, day.year)
    items = [_item(view, versions[view.offer_id], day) for view in views]
    return page_of(ordered([i for i in items if _kept(i, wanted)], sort or CaseLoadSort()), page)
