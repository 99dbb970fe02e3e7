"""Monthly billing: the day-count conventions, the units, the year boundary, the parties'
statements and the CSV export."""

from __future__ import annotations

import calendar
import csv
import datetime
import io
from decimal import Decimal
from fractions import Fraction

import httpx
import pytest

from agreements.frameworks.rulebook import AgreementRuleBook
from marketplace.contracts import billing
from marketplace.contracts import service as contracts
from marketplace.contracts.billing import billed_days, charge_amount
from marketplace.core.clock import today
from marketplace.core.errors import DomainError, ErrorCode
from marketplace.core.identity import Role
from marketplace.core.rules import ContractRules, OfferFacts, rule_book, use_rule_book
from marketplace.offers.models import PriceUnit
from tests.conftest import token
from tests.factories import REGISTRY_ADMIN
from tests.marketplace.contracts.world import (
    AALBORG,
    AALBORG_PROVIDER_ADMIN,
    AARHUS,
    ENGLY_ADMIN,
    Market,
    contract_for,
)

JAN = (datetime.date(2027, 1, 1), datetime.date(2027, 1, 31))


@pytest.mark.parametrize(
    ("first", "last", "expected"),
    [(True, True, 11), (False, True, 10), (True, False, 10), (False, False, 9)],
)
def test_first_and_last_days_follow_the_convention(first: bool, last: bool, expected: int) -> None:
    stay = (datetime.date(2027, 1, 10), datetime.date(2027, 1, 20))
    assert billed_days(*stay, first, last, *JAN) == expected


def test_day_counts_at_the_edges() -> None:
    one_day = (datetime.date(2027, 1, 10), datetime.date(2027, 1, 10))
    assert billed_days(*one_day, True, False, *JAN) == 1
    assert billed_days(*one_day, False, False, *JAN) == 0
    open_ended = (datetime.date(2026, 12, 20), datetime.date.max)
    assert billed_days(*open_ended, False, False, *JAN) == 31  # started and ends elsewhere
    assert (
        billed_days(
            *open_ended, True, True, datetime.date(2026, 12, 1), datetime.date(2026, 12, 31)
        )
        == 12
    )
    later = (datetime.date(2027, 2, 1), datetime.date.max)
    assert billed_days(*later, True, True, *JAN) == 0


def test_each_unit_is_billed_by_its_own_rule() -> None:
    one = Decimal(1)
    assert charge_amount(PriceUnit.PER_DAY, 245050, one, 11, 31) == 245050 * 11
    assert charge_amount(PriceUnit.PER_DAY, 42500, Decimal(2), 3, 31) == 42500 * 2 * 3
    # monthly, hourly and yearly prices in proportion to the billed days of the month
    assert charge_amount(PriceUnit.PER_MONTH, 3_000_000, one, 10, 31) == round(
        Fraction(3_000_000 * 10, 31)
    )
    assert charge_amount(PriceUnit.PER_HOUR, 42500, Decimal(10), 31, 31) == 425000
    assert charge_amount(PriceUnit.PER_HOUR, 42500, Decimal("10.5"), 15, 30) == 223125
    assert charge_amount(PriceUnit.PER_YEAR, 1_200_000, one, 30, 30) == 100000
    assert charge_amount(PriceUnit.PER_MONTH, 1, one, 1, 2) == 1  # half an øre rounds up


def _month_after(day: datetime.date) -> datetime.date:
    return (day.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)


async def test_a_month_starts_mid_month_with_add_ons(market: Market) -> None:
    month = _month_after(today())
    start = month + datetime.timedelta(days=9)
    contract = await contract_for(market.offer_id, start=start)
    statement = await billing.billing_statement(AALBORG, month, municipality_code="851")
    [line] = statement.lines
    dim = calendar.monthrange(month.year, month.month)[1]
    days = dim - 9
    level_2, one_to_one = (389000, 42500) if start.year == today().year else (410000, 45000)
    assert (line.contract_id, line.days, line.period_start) == (contract.id, days, start)
    assert line.base_ore == days * level_2
    assert line.add_ons_ore == round(Fraction(one_to_one * 10 * days, dim))
    assert (line.citizen_ref, line.cpr_masked) == ("SAG-2026-0042", "010190-****")
    assert statement.subtotals == [billing.Subtotal("SEL-108", 1, line.total_ore)]
    before = await billing.billing_statement(
        AALBORG, today().replace(day=1), municipality_code="851"
    )
    assert before.lines == []  # the month before the start


async def test_the_new_years_price_list_applies_from_1_january(market: Market) -> None:
    await contract_for(market.offer_id, start=today())
    year = today().year
    december = await billing.billing_statement(
        AALBORG, datetime.date(year, 12, 1), municipality_code="851"
    )
    january = await billing.billing_statement(
        AALBORG, datetime.date(year + 1, 1, 1), municipality_code="851"
    )
    [dec], [jan] = december.lines, january.lines
    dec_days = 31 - max(today(), datetime.date(year, 12, 1)).day + 1
    assert [(c.name, c.unit_price_ore) for c in dec.charges] == [
        ("base price", 389000),
        ("Ekstra 1:1-støtte", 42500),
    ]
    assert [(c.name, c.unit_price_ore) for c in jan.charges] == [
        ("base price", 410000),
        ("Ekstra 1:1-støtte", 45000),
    ]
    assert (dec.days, jan.days) == (dec_days, 31)
    assert jan.total_ore == 31 * 410000 + 10 * 45000


async def test_subtotals_per_legal_basis_and_the_buying_municipality(market: Market) -> None:
    start = today()
    await contract_for(market.offer_id, start=start)
    await contract_for(market.offer_id, start=start, legal_basis="SEL-104", citizen_ref="SAG-7")
    bought_by_aarhus = await contract_for(
        market.aalborg_offer_id,
        AALBORG_PROVIDER_ADMIN,
        AARHUS,
        start=start,
        citizen_ref="SAG-8",
    )
    month = start.replace(day=1)
    aalborg = await billing.billing_statement(AALBORG, month, municipality_code="851")
    assert [s.legal_basis for s in aalborg.subtotals] == ["SEL-104", "SEL-108"]
    assert all(s.lines == 1 for s in aalborg.subtotals)
    assert aalborg.total_ore == sum(s.total_ore for s in aalborg.subtotals)
    assert bought_by_aarhus.id not in [line.contract_id for line in aalborg.lines]
    aarhus = await billing.billing_statement(AARHUS, month, municipality_code="751")
    [line] = aarhus.lines
    assert line.contract_id == bought_by_aarhus.id
    assert (line.citizen_ref, line.cpr_masked) == ("SAG-8", "010190-****")  # the buyer's own
    provider = await billing.billing_statement(ENGLY_ADMIN, month, provider_id=market.provider_id)
    assert len(provider.lines) == 2


async def test_the_convention_comes_with_the_contract(market: Market) -> None:
    class NoFirstDay(AgreementRuleBook):
        async def contract_rules(self, offer: OfferFacts, on: datetime.date) -> ContractRules:
            return ContractRules(90, False, True, "Test agreement")

    month = _month_after(today())
    previous = rule_book()
    use_rule_book(NoFirstDay())
    try:
        await contract_for(market.offer_id, start=month + datetime.timedelta(days=9))
    finally:
        use_rule_book(previous)
    statement = await billing.billing_statement(AALBORG, month, municipality_code="851")
    assert statement.lines[0].days == calendar.monthrange(month.year, month.month)[1] - 10


async def test_cancelled_contracts_are_not_billed(market: Market) -> None:
    month = _month_after(today()).replace(day=1)
    start = (month + datetime.timedelta(days=100)).replace(day=1)
    contract = await contract_for(market.offer_id, start=start)
    await contracts.give_notice(AALBORG, contract.id, "Anden løsning")
    statement = await billing.billing_statement(AALBORG, start, municipality_code="851")
    assert statement.lines == []


@pytest.mark.parametrize(
    ("caller", "kwargs", "code"),
    [
        (AARHUS, {"municipality_code": "851"}, ErrorCode.PERMISSION_DENIED),
        (AALBORG_PROVIDER_ADMIN, {"municipality_code": "851"}, ErrorCode.PERMISSION_DENIED),
        (AALBORG, {}, ErrorCode.INVALID),
        (AALBORG, {"municipality_code": "999"}, ErrorCode.UNKNOWN_MUNICIPALITY),
    ],
)
async def test_a_statement_is_for_its_parties_only(
    market: Market, caller: object, kwargs: dict[str, str], code: ErrorCode
) -> None:
    with pytest.raises(DomainError) as error:
        await billing.billing_statement(caller, today().replace(day=1), **kwargs)  # type: ignore[arg-type]
    assert error.value.code is code


async def test_another_provider_gets_no_statement_and_the_registry_admin_does(
    market: Market,
) -> None:
    await contract_for(market.offer_id, start=today())
    month = today().replace(day=1)
    with pytest.raises(DomainError) as error:
        await billing.billing_statement(
            AALBORG_PROVIDER_ADMIN, month, provider_id=market.provider_id
        )
    assert error.value.code is ErrorCode.PERMISSION_DENIED
    admin = await billing.billing_statement(REGISTRY_ADMIN, month, provider_id=market.provider_id)
    assert len(admin.lines) == 1 and admin.lines[0].citizen_ref is None


async def test_the_csv_export_has_the_statements_lines(
    market: Market, client: httpx.AsyncClient
) -> None:
    await contract_for(market.offer_id, start=today())
    month = today().strftime("%Y-%m")
    statement = await billing.billing_statement(
        AALBORG, today().replace(day=1), municipality_code="851"
    )
    headers = {"Authorization": f"Bearer {token('851', Role.PURCHASER)}"}
    response = await client.get(
        "/exports/billing.csv", params={"month": month, "municipalityCode": "851"}, headers=headers
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert len(rows) == 1
    assert Decimal(rows[0]["total_dkk"]) * 100 == statement.total_ore
    assert (rows[0]["citizen_ref"], rows[0]["legal_basis"]) == ("SAG-2026-0042", "SEL-108")

    by_provider = await client.get(
        "/exports/billing.csv",
        params={"month": month, "providerId": str(market.provider_id)},
        headers={"Authorization": f"Bearer {token('43389424', Role.PROVIDER_ADMIN)}"},
    )
    assert by_provider.status_code == 200 and len(by_provider.text.splitlines()) == 2
    refusals = [
        (
            await client.get(
                "/exports/billing.csv", params={"month": month, "municipalityCode": "851"}
            ),
            401,
        ),
        (
            await client.get(
                "/exports/billing.csv",
                params={"month": month, "municipalityCode": "851"},
                headers={"Authorization": f"Bearer {token('751', Role.PURCHASER)}"},
            ),
            403,
        ),
        (
            await client.get(
                "/exports/billing.csv",
                params={"month": "2026-13", "municipalityCode": "851"},
                headers=headers,
            ),
            400,
        ),
        (
            await client.get(
                "/exports/billing.csv",
                params={"month": month, "providerId": "nonsense"},
                headers=headers,
            ),
            400,
        ),
    ]
    for response, status in refusals:
        assert response.status_code == status, response.text
        assert response.json()["code"]


def test_a_csv_cell_never_becomes_a_formula() -> None:
    from schema.rest.exports import _cell

    assert _cell("=HYPERLINK(1)") == "'=HYPERLINK(1)"
    assert (_cell("-12.50"), _cell("SAG-1"), _cell(None)) == ("-12.50", "SAG-1", "")
