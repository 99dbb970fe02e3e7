"""The demo invoices: last month's delivered hours at a tier with VAT, a mid-month start, two
invoices of two provider-municipality pairs and a credit note, worked out by hand; no offer's
free places change, and seeding twice adds nothing."""

from __future__ import annotations

import calendar
from decimal import Decimal

from demo.agreements import seed_demo_agreements
from demo.invoices import last_month, seed_demo_invoices
from demo.offers import seed_demo_offers
from demo.providers import seed_demo_providers
from marketplace.contracts import hours, invoices, parties
from marketplace.contracts.models import HoursPer, HoursSource
from marketplace.contracts.tables import Contract
from marketplace.core.clock import today
from marketplace.core.identity import Principal, Role
from marketplace.core.pagination import PageRequest
from tests.demo.test_refunds import _free_today


def _purchaser(code: str) -> Principal:
    return Principal(subject=f"test:{code}", org_code=code, role=Role.PURCHASER)


async def test_the_demo_invoices() -> None:
    await seed_demo_providers()
    await seed_demo_offers()
    await seed_demo_agreements()
    free = await _free_today()
    assert await seed_demo_invoices() == 2
    assert await seed_demo_invoices() == 0  # idempotent
    after = await _free_today()
    assert {k: v for k, v in after.items() if k in free} == free  # no offer's free places change
    month = last_month()
    days = calendar.monthrange(month.year, month.month)[1]

    [support] = (await invoices.list_invoices(_purchaser("730"), PageRequest())).items
    # 18.5 hours delivered at tier 2, 525.50 DKK an hour with VAT included: 9,721.75 DKK,
    # whose VAT is 9,721.75 x 20% = 1,944.35 DKK
    assert (support.provider_org, support.number, support.period_start) == ("39125544", 1, month)
    assert (support.total_ore, support.vat_ore, support.issue_date) == (972175, 194435, today())
    [line] = (await invoices.lines_by_invoice(_purchaser("730"), [support.id]))[support.id]
    assert (line.citizen_ref, line.hours, line.hours_source) == (
        "FAKTURA-DEMO-1",
        Decimal("18.50"),
        HoursSource.DELIVERED,
    )
    assert line.charges[0].price_level == "Trin 2: Mestringsvejledning"
    [note] = (await invoices.credit_notes_by_invoice([support.id]))[support.id]
    # one visit of 2 hours: 2 x 525.50 = 1,051.00 DKK, VAT 1,051.00 x 20% = 210.20 DKK
    assert (note.number, note.amount_ore, note.vat_ore) == (1, 105100, 21020)
    contract = await Contract.select(Contract.id).where(Contract.citizen_ref == "FAKTURA-DEMO-1")
    [reported] = (await hours.hours_by_contract([contract[0]["id"]]))[contract[0]["id"]]
    assert (reported.month, reported.invoiced) == (month, True)

    [stay] = (await invoices.list_invoices(_purchaser("791"), PageRequest())).items
    [line] = (await invoices.lines_by_invoice(_purchaser("791"), [stay.id]))[stay.id]
    # taken 16 days before the end of the month: 16 days at the offer's price a day
    assert (line.days, line.period_start.day) == (16, days - 15)
    assert stay.total_ore == 16 * line.charges[0].unit_price_ore and stay.vat_ore == 0
    assert (stay.provider_org, stay.buyer, stay.payment_term_days) == ("1082", "791", 30)
    assert stay.terms_source.startswith("Rammeaftale Midt")
    agreed = await parties.contract_by_id(_purchaser("730"), contract[0]["id"])
    assert agreed is not None
    [term] = agreed.terms  # the support is agreed in hours a week
    assert (term.quantity, term.hours_per, term.vat_included) == (4, HoursPer.WEEK, True)
