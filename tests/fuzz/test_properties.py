"""Property-based tests of the pure rules: CPR numbers, money, and the billing day counts and
charges of "Contracting a place" (README). No database.

Each property runs on ``EXAMPLES`` generated cases (see ``PROPERTY``)."""

from __future__ import annotations

import calendar
import datetime
import re
import uuid
from collections.abc import Callable, Iterator
from decimal import Decimal
from fractions import Fraction
from typing import TypeVar

import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, SecretStr

from marketplace.contracts.billing import BASE, billed_days, charge_amount, contract_charges
from marketplace.contracts.models import AgreedAddOn, TermView
from marketplace.core import cpr
from marketplace.core.errors import DomainError, DomainErrors, ErrorCode, parse
from marketplace.core.money import CURRENCY, DKKAmount, to_dkk, to_ore
from marketplace.core.settings import Settings, get_settings
from marketplace.offers.models import PriceUnit
from schema.money import Money

EXAMPLES = 300
# Examples are drawn afresh each run (no example database is written to the work tree).
PROPERTY = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)

T = TypeVar("T")


def attempt(action: Callable[..., T], *args: object) -> tuple[T, None] | tuple[None, DomainError]:
    """The result, or the DomainError raised instead (any other exception propagates)."""
    try:
        return action(*args), None
    except DomainError as error:
        return None, error


# -- CPR numbers ---------------------------------------------------------------------------

# CPR-kontoret's table: the 7th digit and the two-digit year give the century.
CENTURIES = {
    **{d: [(1900, 0, 99)] for d in (0, 1, 2, 3)},
    **{d: [(2000, 0, 36), (1900, 37, 99)] for d in (4, 9)},
    **{d: [(2000, 0, 57), (1800, 58, 99)] for d in (5, 6, 7, 8)},
}


@st.composite
def cpr_numbers(draw: st.DrawFn) -> tuple[str, datetime.date]:
    """A valid CPR number ``DDMMYYSSSS`` (no dash) and the birth date it states."""
    seventh = draw(st.integers(0, 9))
    century, low, high = draw(st.sampled_from(CENTURIES[seventh]))
    born = draw(st.dates(datetime.date(century + low, 1, 1), datetime.date(century + high, 12, 31)))
    serial = f"{seventh}{draw(st.integers(0, 999)):03d}"
    return f"{born:%d%m%y}{serial}", born


def with_dash(digits: str) -> str:
    return f"{digits[:6]}-{digits[6:]}"


def keyed(key: str) -> Settings:
    return get_settings().model_copy(update={"cpr_hmac_key": SecretStr(key)})


KEYS = st.text(min_size=1, max_size=64)


@PROPERTY
@given(cpr_numbers(), st.booleans(), st.sampled_from(["", " ", "\t", "\n"]))
def test_a_valid_cpr_number_parses_with_and_without_the_dash(
    number: tuple[str, datetime.date], dash: bool, padding: str
) -> None:
    digits, born = number
    text = with_dash(digits) if dash else digits
    assert cpr.birth_date(text) == born
    assert cpr.birth_date(f"{padding}{text}{padding}") == born


@PROPERTY
@given(cpr_numbers(), st.booleans(), KEYS)
def test_the_masked_form_is_the_birth_date_and_stars(
    number: tuple[str, datetime.date], dash: bool, key: str
) -> None:
    digits, _ = number
    citizen = cpr.citizen_id(with_dash(digits) if dash else digits, keyed(key))
    assert re.fullmatch(r"\d{6}-\*{4}", citizen.masked, re.ASCII)
    assert citizen.masked == f"{digits[:6]}-****"
    # The serial (the last four digits) is never kept: not after the dash, not anywhere in the
    # masked form beyond the birth date (which may itself happen to hold the same four digits),
    # nor in the repr; the hash is hex.
    assert digits[6:] not in citizen.masked[6:]
    assert digits not in citizen.masked and with_dash(digits) not in repr(citizen)
    assert digits[6:] not in repr(citizen).replace(citizen.masked, "")
    assert re.fullmatch(r"[0-9a-f]{64}", citizen.hash)


@PROPERTY
@given(cpr_numbers(), KEYS, KEYS)
def test_the_keyed_hash_is_deterministic_per_key_and_differs_between_keys(
    number: tuple[str, datetime.date], key: str, other_key: str
) -> None:
    digits, _ = number
    first = cpr.citizen_id(digits, keyed(key))
    assert cpr.citizen_id(digits, keyed(key)) == first
    assert cpr.citizen_id(with_dash(digits), keyed(key)).hash == first.hash
    assert cpr.citizen_id(f" {with_dash(digits)} ", keyed(key)).hash == first.hash
    if other_key != key:
        assert cpr.citizen_id(digits, keyed(other_key)).hash != first.hash


@PROPERTY
@given(cpr_numbers(), cpr_numbers(), KEYS)
def test_different_numbers_hash_differently_under_one_key(
    one: tuple[str, datetime.date], other: tuple[str, datetime.date], key: str
) -> None:
    assume(one[0] != other[0])
    assert cpr.citizen_id(one[0], keyed(key)).hash != cpr.citizen_id(other[0], keyed(key)).hash


CPR_LIKE = st.one_of(
    st.text(),
    st.text(alphabet="0123456789-", max_size=14),
    st.from_regex(r"\A\s*\d{6}-?\d{4}\s*\Z"),  # any digits, Unicode ones too
    cpr_numbers().map(lambda n: n[0] + "\n"),
)


@PROPERTY
@given(CPR_LIKE)
@example("01١0000000")  # found: other scripts' digits were read as a date (now refused)
@example("０１０１９０-１２３４")
def test_any_text_is_a_cpr_number_or_the_typed_error(text: str) -> None:
    settings_ = keyed("fuzz")
    born, error = attempt(cpr.birth_date, text)
    if error is not None:
        assert error.code is ErrorCode.INVALID_CPR
        assert not re.search(r"\d", error.message)  # nothing of the number in the message
        with pytest.raises(DomainError) as again:
            cpr.citizen_id(text, settings_)
        assert again.value.code is ErrorCode.INVALID_CPR
        return
    assert born is not None
    # Accepted: the form DDMMYY[-]SSSS in ASCII digits and a real date.
    assert re.fullmatch(r"(\d{6})-?(\d{4})", text.strip(), re.ASCII)
    assert born.strftime("%d%m%y") == text.strip()[:6]
    assert cpr.citizen_id(text, settings_).masked == f"{text.strip()[:6]}-****"


# -- Money ----------------------------------------------------------------------------------

MAX_ORE = 100_000_000 * 100 - 1  # DKKAmount is below 100 million kroner


class Amount(BaseModel):
    amount: DKKAmount


@PROPERTY
@given(st.integers(0, MAX_ORE))
def test_ore_to_dkk_text_and_back_is_exact(ore: int) -> None:
    kroner, rest = divmod(ore, 100)
    text = f"{kroner}.{rest:02d}"
    dkk = to_dkk(ore)
    assert str(dkk) == text  # two decimals, never a float's digits
    assert to_ore(dkk) == ore
    assert to_ore(Decimal(text)) == ore
    assert to_ore(parse(Amount, {"amount": text}).amount) == ore
    money = Money.from_ore(ore)
    assert (str(money.amount), money.currency) == (text, CURRENCY)


@PROPERTY
@given(st.lists(st.integers(0, MAX_ORE // 1000), min_size=1, max_size=50))
def test_sums_in_ore_have_no_float_drift(amounts: list[int]) -> None:
    texts = [str(to_dkk(a)) for a in amounts]
    assert to_dkk(sum(amounts)) == sum(Decimal(t) for t in texts)
    assert sum(to_ore(Decimal(t)) for t in texts) == sum(amounts)


DKK_LIKE = st.one_of(
    st.text(max_size=20),
    st.text(alphabet="0123456789.-+eE_ ", max_size=16),
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
    st.decimals(places=2, min_value=-1, max_value=200_000_000).map(str),
    st.floats().map(str),
    st.sampled_from(["NaN", "sNaN", "Infinity", "-Infinity", "1e999999", "-0", "0.001", ""]),
)


@PROPERTY
@given(DKK_LIKE)
def test_dkk_text_is_an_exact_amount_or_a_typed_error(text: str) -> None:
    parsed, error = attempt(parse, Amount, {"amount": text})
    if error is not None:
        assert isinstance(error, DomainErrors)
        assert all(e.code is ErrorCode.INVALID and e.field == ["amount"] for e in error.errors)
        return
    assert parsed is not None
    amount = parsed.amount
    assert amount.is_finite() and 0 <= amount < 100_000_000
    assert amount * 100 == (amount * 100).to_integral_value()  # whole øre
    assert to_dkk(to_ore(amount)) == amount


# -- Billing days and charges ---------------------------------------------------------------

DAYS = st.dates(datetime.date(2020, 1, 1), datetime.date(2040, 12, 31))


def months(first: datetime.date, last: datetime.date) -> Iterator[tuple[datetime.date, int]]:
    """The months from ``first``'s to ``last``'s: first day and number of days."""
    month = first.replace(day=1)
    while month <= last:
        dim = calendar.monthrange(month.year, month.month)[1]
        yield month, dim
        month = month + datetime.timedelta(days=dim)


def month_window(month: datetime.date, dim: int) -> tuple[datetime.date, datetime.date]:
    return month, month.replace(day=dim)


def stay_days(start: datetime.date, end: datetime.date, first: bool, last: bool) -> int:
    """README: a contract is billed for its days, first and last day by the convention; a
    one-day stay is billed when either end is."""
    if start == end:
        return int(first or last)
    return (end - start).days + 1 - (not first) - (not last)


@st.composite
def stays(draw: st.DrawFn) -> tuple[datetime.date, datetime.date]:
    start = draw(DAYS)
    return start, start + datetime.timedelta(days=draw(st.integers(0, 800)))


@PROPERTY
@given(stays(), st.booleans(), st.booleans(), st.integers(-3, 3))
def test_billed_days_of_a_month_lie_within_the_month(
    stay: tuple[datetime.date, datetime.date], first: bool, last: bool, shift: int
) -> None:
    start, end = stay
    for month, dim in months(start - datetime.timedelta(days=70), end + datetime.timedelta(70)):
        days = billed_days(start, end, first, last, *month_window(month, dim))
        assert 0 <= days <= dim
        if month_window(month, dim)[1] < start or month > end:
            assert days == 0
    # an open-ended stay (no end agreed) too
    month = (start.replace(day=15) + datetime.timedelta(days=31 * shift)).replace(day=1)
    dim = calendar.monthrange(month.year, month.month)[1]
    days = billed_days(start, datetime.date.max, first, last, month, month.replace(day=dim))
    assert 0 <= days <= dim


@PROPERTY
@given(stays(), st.booleans(), st.booleans())
def test_the_months_add_up_to_the_stay(
    stay: tuple[datetime.date, datetime.date], first: bool, last: bool
) -> None:
    start, end = stay
    total = sum(
        billed_days(start, end, first, last, *month_window(month, dim))
        for month, dim in months(start, end)
    )
    assert total == stay_days(start, end, first, last)


@PROPERTY
@given(DAYS, st.integers(0, 30), st.booleans(), st.booleans())
def test_an_open_ended_stay_is_billed_every_day_after_its_first(
    start: datetime.date, extra_months: int, first: bool, last: bool
) -> None:
    until = start
    for _ in range(extra_months):
        until = until.replace(day=1) + datetime.timedelta(days=32)
    until = until.replace(day=calendar.monthrange(until.year, until.month)[1])
    total = sum(
        billed_days(start, datetime.date.max, first, last, *month_window(month, dim))
        for month, dim in months(start, until)
    )
    assert total == (until - start).days + 1 - (not first)  # the last day never comes


UNITS = st.sampled_from(list(PriceUnit))
PRICES = st.integers(0, 10_000_000_00)  # øre, up to 10 million kroner
QUANTITIES = st.decimals(min_value=Decimal("0.01"), max_value=Decimal(10_000), places=2)


def exact(unit: PriceUnit, price_ore: int, quantity: Decimal, days: int, dim: int) -> Fraction:
    """README: per day for every billed day; per month, per hour (the agreed hours a month) or
    per year (a twelfth a month) in proportion to the billed days of the month."""
    amount = Fraction(price_ore) * Fraction(quantity)
    if unit is PriceUnit.PER_DAY:
        return amount * days
    monthly = amount / 12 if unit is PriceUnit.PER_YEAR else amount
    return monthly * Fraction(days, dim)


def half_up(amount: Fraction) -> int:
    whole, rest = divmod(amount, 1)
    return int(whole) + (1 if rest >= Fraction(1, 2) else 0)


@PROPERTY
@given(UNITS, PRICES, QUANTITIES, st.sampled_from([28, 29, 30, 31]), st.data())
def test_each_charge_is_rounded_half_up_to_whole_ore(
    unit: PriceUnit, price_ore: int, quantity: Decimal, dim: int, data: st.DataObject
) -> None:
    days = data.draw(st.integers(0, dim))
    amount = charge_amount(unit, price_ore, quantity, days, dim)
    assert amount == half_up(exact(unit, price_ore, quantity, days, dim))
    assert abs(amount - exact(unit, price_ore, quantity, days, dim)) <= Fraction(1, 2)
    assert 0 <= amount <= charge_amount(unit, price_ore, quantity, dim, dim)
    if unit is PriceUnit.PER_MONTH or unit is PriceUnit.PER_HOUR:  # a whole month: the price
        assert charge_amount(unit, price_ore, quantity, dim, dim) == half_up(
            Fraction(price_ore) * Fraction(quantity)
        )


def term(valid_from: datetime.date, unit: PriceUnit, price: int, quantity: Decimal) -> TermView:
    return TermView(
        id=uuid.uuid4(),
        valid_from=valid_from,
        price_level=None,
        special_arrangement=False,
        unit=unit,
        price_ore=price,
        quantity=quantity,
        price_list_id=None,
        vat_included=False,
        add_ons=[],
    )


@st.composite
def contracts(draw: st.DrawFn) -> tuple[dict[str, object], list[TermView]]:
    """A contract (open-ended or not) with 1-3 terms, the first from its start, each with 0-2
    add-ons."""
    start, end = draw(stays())
    open_ended = draw(st.booleans())
    last_day = datetime.date(2043, 12, 31) if open_ended else end
    changes = draw(
        st.lists(st.integers(1, max((last_day - start).days, 1)), max_size=2, unique=True)
    )
    froms = [start, *sorted(start + datetime.timedelta(days=d) for d in changes)]
    terms = []
    for valid_from in froms:
        add_ons = [
            AgreedAddOn(name=f"add-on {i}", unit=u, price_ore=p, quantity=q)
            for i, (u, p, q) in enumerate(
                draw(st.lists(st.tuples(UNITS, PRICES, QUANTITIES), max_size=2))
            )
        ]
        base = term(valid_from, draw(UNITS), draw(PRICES), draw(QUANTITIES))
        terms.append(base.model_copy(update={"add_ons": add_ons}))
    contract = {
        "start_date": start,
        "end_date": None if open_ended else end,
        "bill_first_day": draw(st.booleans()),
        "bill_last_day": draw(st.booleans()),
    }
    return contract, terms


@PROPERTY
@given(contracts(), st.integers(-1, 30))
def test_a_months_charges_split_its_billed_days_by_term_and_add_up(
    case: tuple[dict[str, object], list[TermView]], offset: int
) -> None:
    contract, terms = case
    start = contract["start_date"]
    assert isinstance(start, datetime.date)
    month = start.replace(day=1)
    for _ in range(offset):
        month = (month + datetime.timedelta(days=32)).replace(day=1)
    if offset < 0:
        month = (month - datetime.timedelta(days=1)).replace(day=1)
    dim = calendar.monthrange(month.year, month.month)[1]
    # Only the snapshot prices are in play: every term is billed in its own year or, with no
    # price list for a later year (no versions given), at its snapshot.
    days, charges = contract_charges(contract, terms, month, versions=[])
    assert 0 <= days <= dim
    base = [c for c in charges if c.name == BASE]
    assert sum(c.days for c in base) == days
    for charge in charges:
        assert 0 < charge.days <= dim
        assert charge.amount_ore == half_up(
            exact(charge.unit, charge.unit_price_ore, charge.quantity, charge.days, dim)
        )
    by_term = {t.price_ore for t in terms}
    assert all(c.unit_price_ore in by_term for c in base)


@PROPERTY
@given(contracts())
def test_the_months_of_a_contract_add_up_to_its_stay(
    case: tuple[dict[str, object], list[TermView]],
) -> None:
    contract, terms = case
    start, end = contract["start_date"], contract["end_date"]
    assert isinstance(start, datetime.date)
    first, last = bool(contract["bill_first_day"]), bool(contract["bill_last_day"])
    assert end is None or isinstance(end, datetime.date)
    until = end or start + datetime.timedelta(days=400)
    total = sum(
        contract_charges(contract, terms, month, versions=[])[0]
        for month, _ in months(start, until)
    )
    if end is None:
        until = until.replace(day=calendar.monthrange(until.year, until.month)[1])
        assert total == (until - start).days + 1 - (not first)
    else:
        assert total == stay_days(start, end, first, last)
