"""Monthly billing: what each contract costs in a month, for the buying (acting) municipality,
which pays (retssikkerhedsloven § 9, stk. 1), and for the provider; the same lines make the
refund statement between two municipalities (see ``refund_statement``).

Rules (the agreed terms of each contract):
- a contract is billed for its days in the month; whether its first and its last day are
  billed is the agreement's convention, kept on the contract;
- a price per day is paid for every billed day; a price per month, per hour (the agreed hours a
  month) or per year (a twelfth a month) is paid in proportion to the billed days of the month;
- add-ons follow the same rules with their own unit, price and quantity;
- each day is priced by the term in force that day, at its year's price (see ``pricing``);
- every charge is rounded to whole øre, half up, and the line is the sum of its charges.
"""

from __future__ import annotations

import calendar
import datetime
import uuid
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import Any

from piccolo.columns.combination import Combinable

from marketplace.contracts import parties
from marketplace.contracts.capacity import FOREVER
from marketplace.contracts.models import ContractStatus, TermView
from marketplace.contracts.pricing import yearly_prices
from marketplace.contracts.tables import Contract
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

    @property
    def base_ore(self) -> int:
        return sum(c.amount_ore for c in self.charges if c.name == BASE)

    @property
    def add_ons_ore(self) -> int:
        return sum(c.amount_ore for c in self.charges if c.name != BASE)

    @property
    def total_ore(self) -> int:
        return self.base_ore + self.add_ons_ore


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


def charge_amount(
    unit: PriceUnit, price_ore: int, quantity: Decimal, days: int, days_in_month: int
) -> int:
    """What ``days`` billed days of a month cost at a price per ``unit`` (see module doc)."""
    amount = Fraction(price_ore) * Fraction(quantity)
    if unit is PriceUnit.PER_DAY:
        return _round(amount * days)
    if unit is PriceUnit.PER_YEAR:
        amount /= 12
    return _round(amount * Fraction(days, days_in_month))


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


def _term_charges(
    stay: BilledStay, term: TermView, window: Window, month: datetime.date, versions: Sequence[Any]
) -> list[Charge]:
    """The charges of one term over its billed days in ``window`` (inside the month)."""
    end = stay.end_date or FOREVER
    first, last = stay.bill_first_day, stay.bill_last_day
    days = billed_days(stay.start_date, end, first, last, *window)
    if days == 0:
        return []
    days_in_month = calendar.monthrange(month.year, month.month)[1]
    base, add_on_prices = yearly_prices(term, month.year, versions)
    charges = [
        Charge(
            name=BASE,
            unit=term.unit,
            quantity=term.quantity,
            unit_price_ore=base,
            days=days,
            amount_ore=charge_amount(term.unit, base, term.quantity, days, days_in_month),
        )
    ]
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
    return charges


def month_window(month: datetime.date, within: Window | None = None) -> Window:
    """The days of a month, or of the part of it ``within`` covers (possibly none: the first
    day after the last)."""
    month_end = month.replace(day=calendar.monthrange(month.year, month.month)[1])
    if within is None:
        return month, month_end
    return max(month, within[0]), min(month_end, within[1])


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
    window = month_window(month, within)
    end = stay.end_date or FOREVER
    total_days = billed_days(stay.start_date, end, stay.bill_first_day, stay.bill_last_day, *window)
    charges: list[Charge] = []
    for i, term in enumerate(terms):
        term_end = (
            terms[i + 1].valid_from - datetime.timedelta(days=1) if i + 1 < len(terms) else FOREVER
        )
        term_window = (max(window[0], term.valid_from), min(window[1], term_end))
        if term_window[0] <= term_window[1]:
            charges += _term_charges(stay, term, term_window, month, versions)
    return total_days, charges


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
) -> BillingLine:
    """One contract's line (over its days ``within`` a period, if given); the citizen only
    when ``shown``."""
    days, charges = contract_charges(contract, terms, month, versions, within)
    window = month_window(month, within)
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
        days=days,
        vat_included=any(t.vat_included for t in terms),
        charges=charges,
    )


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
) -> BillingStatement:
    """A month's statement: what a municipality pays (the contracts it bought: the acting
    municipality pays), or what a provider bills (its contracts). The citizen is shown to the
    contracts' parties only."""
    if (municipality_code is None) == (provider_id is None):
        raise DomainError(
            ErrorCode.INVALID,
            "Give either a municipality code or a provider ID.",
            ["municipality_code"],
        )
    principal.require(Role.PURCHASER, Role.PROVIDER_ADMIN, Role.REGISTRY_ADMIN)
    scope = await _scope(principal, municipality_code, provider_id)
    month_end = month.replace(day=calendar.monthrange(month.year, month.month)[1])
    contracts = await _billed_contracts(scope.condition, month, month_end)
    terms = await parties.terms_by_contract([c.id for c in contracts])
    versions = await pricing.price_lists_by_offer(list({c.offer for c in contracts}), month.year)
    lines = [
        billing_line(
            c,
            terms[c.id],
            month,
            versions[c.offer],
            shown=parties.is_party(principal, c.buyer, c.provider_org),
        )
        for c in contracts
    ]
    return BillingStatement(month, municipality_code, scope.provider_org, lines, subtotals(lines))
