"""Monthly billing: what each contract costs in a month, for the buying (acting) municipality,
which pays (retssikkerhedsloven § 9, stk. 1), and for the provider; the same lines make the
refund statement between two municipalities (see ``refund_statement``).

Rules (the agreed terms of each contract):
- a contract is billed for its days in the month; whether its first and its last day are
  billed is the agreement's convention, kept on the contract;
- a price per day is paid for every billed day; a price per month, per hour (the agreed hours a
  month) or per year (a twelfth a month) is paid in proportion to the billed days of the month;
  hours agreed a week are paid per week of 7 billed days;
- an hourly service whose provider reported the hours delivered in the month (``hours``) is
  billed for those hours instead of the agreed ones (shared between its terms by their billed
  days), and its line says which hours it was billed by;
- add-ons follow the same rules with their own unit, price and quantity (always as agreed);
- each day is priced by the term in force that day, at its year's price (see ``pricing``);
- every charge is rounded to whole øre, half up, and the line is the sum of its charges; the
  VAT a VAT-inclusive price holds is a fifth of the line (the price x 20%), to the øre.

A month's statement is the preview of the coming invoice: the invoice of a provider to a
municipality (``invoices``) is made of exactly these lines.
"""

from __future__ import annotations

import calendar
import datetime
import uuid
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any

from piccolo.columns import Column
from piccolo.columns.combination import Combinable

from marketplace.contracts import parties
from marketplace.contracts.capacity import FOREVER
from marketplace.contracts.models import ContractStatus, HoursPer, HoursSource, TermView
from marketplace.contracts.pricing import yearly_prices
from marketplace.contracts.tables import Contract, DeliveredHours
from marketplace.core.errors import DomainError, ErrorCode
from marketplace.core.identity import Principal, Role
from marketplace.core.rows import row_as, rows_as
from marketplace.offers import pricing
from marketplace.offers.models import PriceUnit
from marketplace.organisations import service as organisations


@dataclass(frozen=True)
class Charge:
    """One priced part of a line: the base price or an add-on, over some billed days."""

    name: str
    unit: PriceUnit
    quantity: Decimal
    unit_price_ore: int
    days: int
    amount_ore: int
    price_level: str | None = None  # the base price's level (an hourly service's tier)
    # What an agreed hourly quantity counts (a month's or a week's hours); None for delivered
    # hours (``quantity`` is then the hours delivered on these days) and other units.
    hours_per: HoursPer | None = None

    def as_json(self) -> dict[str, Any]:
        """The charge as an invoice line keeps it."""
        return {
            "name": self.name,
            "unit": self.unit.value,
            "quantity": str(self.quantity),
            "unit_price_ore": self.unit_price_ore,
            "days": self.days,
            "amount_ore": self.amount_ore,
            "price_level": self.price_level,
            "hours_per": self.hours_per.value if self.hours_per else None,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Charge:
        per = data.get("hours_per")
        return cls(
            name=data["name"],
            unit=PriceUnit(data["unit"]),
            quantity=Decimal(data["quantity"]),
            unit_price_ore=int(data["unit_price_ore"]),
            days=int(data["days"]),
            amount_ore=int(data["amount_ore"]),
            price_level=data.get("price_level"),
            hours_per=HoursPer(per) if per else None,
        )


@dataclass(frozen=True)
class BillingLine:
    contract_id: uuid.UUID
    offer_id: uuid.UUID
    provider_org: str
    buyer: str
    citizen_ref: str | None
    cpr_masked: str | None
    legal_basis: str
    period_start: datetime.date
    period_end: datetime.date
    days: int
    vat_included: bool
    charges: list[Charge]
    hours: Decimal | None  # the hours an hourly service is billed for, to 0.01
    hours_source: HoursSource | None  # which hours: delivered, or agreed (None: not hourly)

    @property
    def base_ore(self) -> int:
        return sum(c.amount_ore for c in self.charges if c.name == BASE)

    @property
    def add_ons_ore(self) -> int:
        return sum(c.amount_ore for c in self.charges if c.name != BASE)

    @property
    def total_ore(self) -> int:
        return self.base_ore + self.add_ons_ore

    @property
    def vat_ore(self) -> int:
        """The VAT included in the total of VAT-inclusive prices (0 for others)."""
        return vat_in(self.total_ore) if self.vat_included else 0


@dataclass(frozen=True)
class Subtotal:
    legal_basis: str
    lines: int
    total_ore: int


@dataclass(frozen=True)
class BillingStatement:
    month: datetime.date
    municipality_code: str | None
    provider_org: str | None
    lines: list[BillingLine]
    subtotals: list[Subtotal] = field(default_factory=list)

    @property
    def total_ore(self) -> int:
        return sum(line.total_ore for line in self.lines)

    @property
    def vat_ore(self) -> int:
        return sum(line.vat_ore for line in self.lines)


BASE = "base price"


def parse_month(value: str) -> datetime.date:
    """A month written ``YYYY-MM`` as its first day."""
    try:
        year, month = value.split("-")
        if len(year) != 4 or len(month) != 2:
            raise ValueError(value)
        return datetime.date(int(year), int(month), 1)
    except ValueError:
        raise DomainError(ErrorCode.INVALID, "Give the month as YYYY-MM.", ["month"]) from None


def _round(amount: Fraction) -> int:
    """Whole øre, half up (amounts are never negative)."""
    return int(amount + Fraction(1, 2))


def vat_in(price_ore: int | Fraction) -> int:
    """The VAT a price with 25% VAT included holds: a fifth of it (the price x 20%), to the
    øre, half up."""
    return _round(Fraction(price_ore) / 5)


def charge_amount(
    unit: PriceUnit,
    price_ore: int,
    quantity: Decimal,
    days: int,
    days_in_month: int,
    *,
    per_week: bool = False,
) -> int:
    """What ``days`` billed days of a month cost at a price per ``unit`` (see module doc);
    ``per_week``: the quantity is hours a week, so the days are counted in weeks."""
    amount = Fraction(price_ore) * Fraction(quantity)
    if unit is PriceUnit.PER_DAY:
        return _round(amount * days)
    if per_week:
        return _round(amount * Fraction(days, 7))
    if unit is PriceUnit.PER_YEAR:
        amount /= 12
    return _round(amount * Fraction(days, days_in_month))


def agreed_hours(quantity: Decimal, per: HoursPer, days: int, days_in_month: int) -> Fraction:
    """The hours agreed for ``days`` billed days of a month: hours a week over weeks of 7
    days, hours a month in proportion to the month's days."""
    return Fraction(quantity) * Fraction(days, 7 if per is HoursPer.WEEK else days_in_month)


def billed_days(
    start: datetime.date,
    end: datetime.date,
    first_billed: bool,
    last_billed: bool,
    window_start: datetime.date,
    window_end: datetime.date,
) -> int:
    """How many days from ``window_start`` to ``window_end`` a stay from ``start`` to ``end``
    is billed for, under the first- and last-day convention."""
    first, last = max(start, window_start), min(end, window_end)
    if first > last:
        return 0
    days = (last - first).days + 1
    if start == end:  # one day: billed if either end is
        return 1 if first_billed or last_billed else 0
    if not first_billed and window_start <= start <= window_end:
        days -= 1
    if not last_billed and window_start <= end <= window_end:
        days -= 1
    return days


@dataclass(frozen=True, slots=True)
class BilledStay:
    """What billing needs to know of a contract to count its billed days."""

    start_date: datetime.date
    end_date: datetime.date | None
    bill_first_day: bool
    bill_last_day: bool


@dataclass(frozen=True, slots=True)
class BilledContract(BilledStay):
    """A contract as a statement reads it (a row)."""

    id: uuid.UUID
    offer: uuid.UUID
    provider_org: str
    buyer: str
    citizen_ref: str
    cpr_masked: str | None
    legal_basis: str


Window = tuple[datetime.date, datetime.date]


def is_hourly(term: TermView) -> bool:
    """A term priced per hour (a special arrangement is priced per day)."""
    return term.unit is PriceUnit.PER_HOUR and not term.special_arrangement


def _base_charge(
    term: TermView, price: int, days: int, days_in_month: int, delivered: Fraction | None
) -> tuple[Charge, Fraction | None]:
    """The base price's charge over ``days`` billed days, and the hours it bills (an hourly
    term's): ``delivered`` hours where the provider reported them, else the agreed hours."""
    if not is_hourly(term):
        amount = charge_amount(term.unit, price, term.quantity, days, days_in_month)
        return Charge(BASE, term.unit, term.quantity, price, days, amount, term.price_level), None
    if delivered is not None:
        quantity = Decimal(delivered.numerator) / Decimal(delivered.denominator)
        charge = Charge(
            BASE,
            term.unit,
            quantity.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP),
            price,
            days,
            _round(price * delivered),
            term.price_level,
        )
        return charge, delivered
    weekly = term.hours_per is HoursPer.WEEK
    amount = charge_amount(term.unit, price, term.quantity, days, days_in_month, per_week=weekly)
    charge = Charge(
        BASE, term.unit, term.quantity, price, days, amount, term.price_level, term.hours_per
    )
    return charge, agreed_hours(term.quantity, term.hours_per, days, days_in_month)


@dataclass(frozen=True, slots=True)
class _TermBill:
    """What one term bills over its days in a window: its charges and an hourly term's
    hours."""

    charges: list[Charge]
    hours: Fraction | None


def _term_charges(
    stay: BilledStay,
    term: TermView,
    window: Window,
    month: datetime.date,
    versions: Sequence[Any],
    delivered: Fraction | None = None,
) -> _TermBill:
    """The charges of one term over its billed days in ``window`` (inside the month);
    ``delivered``: the term's share of the hours delivered in the month."""
    end = stay.end_date or FOREVER
    first, last = stay.bill_first_day, stay.bill_last_day
    days = billed_days(stay.start_date, end, first, last, *window)
    if days == 0:
        return _TermBill([], None)
    days_in_month = calendar.monthrange(month.year, month.month)[1]
    base, add_on_prices = yearly_prices(term, month.year, versions)
    base_charge, hours = _base_charge(term, base, days, days_in_month, delivered)
    charges = [base_charge]
    for add_on in term.add_ons:
        price = add_on_prices[add_on.name]
        charges.append(
            Charge(
                name=add_on.name,
                unit=add_on.unit,
                quantity=add_on.quantity,
                unit_price_ore=price,
                days=days,
                amount_ore=charge_amount(add_on.unit, price, add_on.quantity, days, days_in_month),
            )
        )
    return _TermBill(charges, hours)


def month_window(month: datetime.date, within: Window | None = None) -> Window:
    """The days of a month, or of the part of it ``within`` covers (possibly none: the first
    day after the last)."""
    month_end = month.replace(day=calendar.monthrange(month.year, month.month)[1])
    if within is None:
        return month, month_end
    return max(month, within[0]), min(month_end, within[1])


def term_windows(terms: Sequence[TermView], window: Window) -> list[tuple[TermView, Window]]:
    """Each term with the days of ``window`` it is in force on (terms without any left out)."""
    spans = []
    for i, term in enumerate(terms):
        term_end = (
            terms[i + 1].valid_from - datetime.timedelta(days=1) if i + 1 < len(terms) else FOREVER
        )
        span = (max(window[0], term.valid_from), min(window[1], term_end))
        if span[0] <= span[1]:
            spans.append((term, span))
    return spans


def stay_days(stay: BilledStay, window: Window) -> int:
    end = stay.end_date or FOREVER
    return billed_days(stay.start_date, end, stay.bill_first_day, stay.bill_last_day, *window)


@dataclass(frozen=True, slots=True)
class Billed:
    """What one contract bills in a month (or in part of it): its billed days, its charges,
    and the hours its hourly service is billed for (None: it has none in the window)."""

    days: int
    charges: list[Charge]
    hours: Fraction | None


def bill(
    stay: BilledStay,
    terms: Sequence[TermView],
    month: datetime.date,
    versions: Sequence[Any],
    within: Window | None = None,
    delivered: Decimal | None = None,
) -> Billed:
    """The billed days, charges and hours of one contract in one month; with ``within``, of
    its days inside that period only (a refund claim's). ``delivered``: the hours delivered
    in the month, which its hourly terms bill instead of the agreed hours, shared between
    them by their billed days in the month."""
    hourly_days = sum(
        stay_days(stay, span)
        for term, span in term_windows(terms, month_window(month))
        if is_hourly(term)
    )
    charges: list[Charge] = []
    hours: Fraction | None = None
    for term, span in term_windows(terms, month_window(month, within)):
        share = None
        if delivered is not None and hourly_days and is_hourly(term):
            share = Fraction(delivered) * Fraction(stay_days(stay, span), hourly_days)
        billed = _term_charges(stay, term, span, month, versions, share)
        charges += billed.charges
        if billed.hours is not None:
            hours = billed.hours + (hours or 0)
    return Billed(stay_days(stay, month_window(month, within)), charges, hours)


def contract_charges(
    contract: BilledStay | Mapping[str, Any],
    terms: Sequence[TermView],
    month: datetime.date,
    versions: Sequence[Any],
    within: Window | None = None,
) -> tuple[int, list[Charge]]:
    """The billed days and charges of one contract in one month (the contract as a
    ``BilledStay``, or a mapping with its fields); with ``within``, of its days inside that
    period only (a refund claim's), priced and counted as the month's statement does."""
    stay = contract if isinstance(contract, BilledStay) else row_as(BilledStay, contract)
    billed = bill(stay, terms, month, versions, within)
    return billed.days, billed.charges


@dataclass(frozen=True, slots=True)
class _Scope:
    """Whose statement: the contracts it covers, and the provider's organisation code."""

    condition: Combinable
    provider_org: str | None


async def _scope(
    principal: Principal, municipality_code: str | None, provider_id: uuid.UUID | None
) -> _Scope:
    """The contracts of the buying municipality or of the provider, if the caller may read
    their statement."""
    provider_org = None
    if municipality_code is not None:
        await organisations.require_municipality(municipality_code, ["municipality_code"])
        allowed = principal.role is Role.PURCHASER and principal.org_code == municipality_code
        condition = Contract.buyer == municipality_code
    else:
        assert provider_id is not None
        provider = await organisations.get_provider(provider_id)
        if provider is None:
            raise parties.not_found("provider", ["provider_id"])
        provider_org = provider.org_code
        allowed = principal.role is Role.PROVIDER_ADMIN and principal.org_code == provider_org
        condition = Contract.provider_org == provider_org
    if not (allowed or principal.is_registry_admin):
        raise DomainError(
            ErrorCode.PERMISSION_DENIED,
            "A statement is for the buying municipality's purchasers or the provider's administrators.",
            ["municipality_code" if municipality_code else "provider_id"],
        )
    return _Scope(condition, provider_org)


def changed_since(moment: datetime.datetime, updated_at: Column, contract: Column) -> Combinable:
    """Contracts changed on or after ``moment``: the contract itself (its terms, notice,
    status), or the hours delivered under it."""
    reported = DeliveredHours.select(DeliveredHours.contract).where(
        DeliveredHours.reported_at >= moment
    )
    return (updated_at >= moment) | contract.is_in(reported)


async def _billed_contracts(
    condition: Combinable, month: datetime.date, month_end: datetime.date
) -> list[BilledContract]:
    """The contracts that run on some day of the month, by legal basis and start."""
    rows = (
        await Contract.select()
        .where(
            condition
            & (Contract.status != ContractStatus.CANCELLED.value)
            & (Contract.start_date <= month_end)
            & (Contract.end_date.is_null() | (Contract.end_date >= month))
        )
        .order_by(Contract.legal_basis, Contract.start_date, Contract.id)
        .run()
    )
    return rows_as(BilledContract, rows)


def billing_line(
    contract: BilledContract,
    terms: Sequence[TermView],
    month: datetime.date,
    versions: Sequence[Any],
    *,
    shown: bool,
    within: Window | None = None,
    delivered: Decimal | None = None,
) -> BillingLine:
    """One contract's line (over its days ``within`` a period, if given), by the hours
    ``delivered`` in the month where the provider reported them; the citizen only when
    ``shown``."""
    billed = bill(contract, terms, month, versions, within, delivered)
    window = month_window(month, within)
    source = None
    if billed.hours is not None:
        source = HoursSource.AGREED if delivered is None else HoursSource.DELIVERED
    return BillingLine(
        contract_id=contract.id,
        offer_id=contract.offer,
        provider_org=contract.provider_org,
        buyer=contract.buyer,
        citizen_ref=contract.citizen_ref if shown else None,
        cpr_masked=contract.cpr_masked if shown else None,
        legal_basis=contract.legal_basis,
        period_start=max(contract.start_date, window[0]),
        period_end=min(contract.end_date or FOREVER, window[1]),
        days=billed.days,
        vat_included=any(t.vat_included for t in terms),
        charges=billed.charges,
        hours=_to_hundredths(billed.hours),
        hours_source=source,
    )


def _to_hundredths(hours: Fraction | None) -> Decimal | None:
    if hours is None:
        return None
    exact = Decimal(hours.numerator) / Decimal(hours.denominator)
    return exact.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def subtotals(lines: Sequence[BillingLine]) -> list[Subtotal]:
    """The number of lines and their total per legal basis."""
    sums: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for line in lines:
        sums[line.legal_basis][0] += 1
        sums[line.legal_basis][1] += line.total_ore
    return [Subtotal(basis, n, total) for basis, (n, total) in sorted(sums.items())]


async def billing_statement(
    principal: Principal,
    month: datetime.date,
    *,
    municipality_code: str | None = None,
    provider_id: uuid.UUID | None = None,
    modified_after: datetime.datetime | None = None,
) -> BillingStatement:
    """A month's statement: what a municipality pays (the contracts it bought: the acting
    municipality pays), or what a provider bills (its contracts). The citizen is shown to the
    contracts' parties only. With ``modified_after``, only the lines of contracts changed on
    or after that moment (see ``changed_since``), and the subtotals of those."""
    if (municipality_code is None) == (provider_id is None):
        raise DomainError(
            ErrorCode.INVALID,
            "Give either a municipality code or a provider ID.",
            ["municipality_code"],
        )
    principal.require(Role.PURCHASER, Role.PROVIDER_ADMIN, Role.REGISTRY_ADMIN)
    scope = await _scope(principal, municipality_code, provider_id)
    condition = scope.condition
    if modified_after is not None:
        condition = condition & changed_since(modified_after, Contract.updated_at, Contract.id)
    lines = await month_lines(principal, condition, month)
    return BillingStatement(month, municipality_code, scope.provider_org, lines, subtotals(lines))


async def month_lines(
    principal: Principal, condition: Combinable, month: datetime.date
) -> list[BillingLine]:
    """The month's line of every contract ``condition`` finds that runs in it, by legal
    basis and start, by the hours delivered where they were reported; the citizen for the
    contracts' parties only (four statements, whatever the number of contracts)."""
    month_end = month.replace(day=calendar.monthrange(month.year, month.month)[1])
    contracts = await _billed_contracts(condition, month, month_end)
    ids = [c.id for c in contracts]
    terms = await parties.terms_by_contract(ids)
    versions = await pricing.price_lists_by_offer(list({c.offer for c in contracts}), month.year)
    delivered = await delivered_in(month, ids)
    return [
        billing_line(
            c,
            terms[c.id],
            month,
            versions[c.offer],
            shown=parties.is_party(principal, c.buyer, c.provider_org),
            delivered=delivered.get(c.id),
        )
        for c in contracts
    ]


async def delivered_in(
    month: datetime.date, contract_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, Decimal]:
    """The hours delivered in the month under each of these contracts, where reported."""
    if not contract_ids:
        return {}
    rows = (
        await DeliveredHours.select(DeliveredHours.contract, DeliveredHours.hours)
        .where((DeliveredHours.month == month) & DeliveredHours.contract.is_in(list(contract_ids)))
        .run()
    )
    return {row["contract"]: parties.from_hundredths(row["hours"]) for row in rows}
