"""Invoices and credit notes: totals worked out by hand below (a mid-month start with a
private provider's VAT, a month of delivered hours at a tier, a quarter where the agreement
says), numbers without gaps also when issues run at once, the statement as the invoice's
preview, who issues and who reads, and bad input that changes nothing."""

from __future__ import annotations

import asyncio
import datetime
import uuid
from decimal import Decimal
from typing import Any

import pytest

from agreements.frameworks import service as frameworks
from agreements.frameworks.models import RuleSetInput
from marketplace.contracts import billing, hours, invoices
from marketplace.contracts.models import (
    CreditNoteIssue,
    DeliveredHoursReport,
    HoursSource,
    InvoiceFrequency,
    InvoiceIssue,
)
from marketplace.contracts.tables import CreditNote, Invoice, InvoiceCounter, InvoiceLine
from marketplace.core.clock import today
from marketplace.core.errors import DomainError, ErrorCode, parse
from marketplace.core.identity import Principal, Role
from marketplace.core.pagination import PageRequest
from marketplace.core.tables import AuditRecord, IdempotencyKey
from tests.agreements.world import NORD_STEERING, agreement_in_force, rules
from tests.factories import REGISTRY_ADMIN, admin_of
from tests.marketplace.contracts.invoicing import (
    TIER_2,
    backdate,
    hourly_contract,
    hourly_offer,
    vat_offer,
)
from tests.marketplace.contracts.world import (
    AALBORG,
    AALBORG_PROVIDER_ADMIN,
    AARHUS,
    ENGLY_ADMIN,
    Market,
    contract_for,
)

MARCH = datetime.date(2026, 3, 1)  # 31 days
FEBRUARY = datetime.date(2026, 2, 1)  # 28 days
COPENHAGEN = Principal(subject="test:kk", org_code="101", role=Role.PURCHASER)


def issue(municipality: str = "851", month: datetime.date = MARCH) -> InvoiceIssue:
    return InvoiceIssue(municipality_code=municipality, month=month)


def credit(amount: str, reason: str = "Forkert antal dage faktureret") -> CreditNoteIssue:
    return parse(CreditNoteIssue, {"amount": amount, "reason": reason})


async def vat_contract(
    market: Market, buyer: Principal = AALBORG, ref: str = "SAG-2026-0042"
) -> Any:
    """Aalborg's contract at Engly's VAT-inclusive offer from 10 March 2026: level 2 at
    3,890.00 DKK a day and 10 hours a month of 1:1 support at 425.00 DKK an hour."""
    offer = await vat_offer(market)
    contract = await contract_for(offer, buyer=buyer, citizen_ref=ref)
    return await backdate(contract, datetime.date(2026, 3, 10))


async def test_a_mid_month_start_with_a_private_provider_s_vat(market: Market) -> None:
    await vat_contract(market)
    made = await invoices.issue_invoice(ENGLY_ADMIN, market.provider_id, issue())
    # 10-31 March: 22 days (first and last day billed)
    #   level 2:        22 x 3,890.00                  = 85,580.00
    #   1:1 support:    425.00 x 10 x 22/31 = 3,016.129 ->  3,016.13
    #   total (VAT included)                           = 88,596.13
    #   VAT: 88,596.13 x 20% = 17,719.226              -> 17,719.23
    assert (made.total_ore, made.vat_ore, made.net_ore) == (8859613, 1771923, 7087690)
    assert (made.number, made.frequency, made.line_count) == (1, InvoiceFrequency.MONTHLY, 1)
    assert (made.period_start, made.period_end) == (MARCH, datetime.date(2026, 3, 31))
    # a private provider is outside the agreements: 30 days to pay (the setting)
    assert (made.issue_date, made.payment_term_days) == (today(), 30)
    assert made.due_date == today() + datetime.timedelta(days=30)
    assert "private provider" in made.terms_source
    [line] = (await invoices.lines_by_invoice(ENGLY_ADMIN, [made.id]))[made.id]
    assert (line.citizen_ref, line.cpr_masked, line.days) == ("SAG-2026-0042", None, 22)
    assert [(c.name, c.amount_ore) for c in line.charges] == [
        ("base price", 8558000),
        ("Ekstra 1:1-støtte", 301613),
    ]
    assert (line.total_ore, line.vat_ore, line.vat_included) == (8859613, 1771923, True)
    # the month's statement was the invoice's preview
    statement = await billing.billing_statement(AALBORG, MARCH, municipality_code="851")
    assert (statement.total_ore, statement.vat_ore) == (made.total_ore, made.vat_ore)
    stored = await InvoiceLine.select(InvoiceLine.citizen_ref).run()
    assert stored == [{"citizen_ref": "SAG-2026-0042"}]  # no CPR number on an invoice


async def test_a_month_of_delivered_hours_at_a_tier(market: Market) -> None:
    offer = await hourly_offer(market)
    contract = await hourly_contract(offer, FEBRUARY)  # Aarhus buys 4 hours a week, tier 2
    await hours.report_hours(
        AALBORG_PROVIDER_ADMIN,
        contract.id,
        DeliveredHoursReport(month=MARCH, hours=Decimal("19.5")),
    )
    made = await invoices.issue_invoice(
        AALBORG_PROVIDER_ADMIN, market.aalborg_provider_id, issue("751")
    )
    # 19.5 hours delivered x 525.50 DKK (tier 2) = 10,247.25 DKK; a municipality adds no VAT
    assert (made.total_ore, made.vat_ore, made.buyer) == (1024725, 0, "751")
    [line] = (await invoices.lines_by_invoice(AARHUS, [made.id]))[made.id]
    assert (line.hours, line.hours_source) == (Decimal("19.50"), HoursSource.DELIVERED)
    assert line.charges[0].price_level == TIER_2
    assert "no agreement is in force for region 1081" in made.terms_source


async def _quarterly_agreement() -> None:
    """North Jutland's agreement for 2026-2027, invoicing quarterly with 20 days to pay."""
    agreement = await agreement_in_force(
        name="Nordjysk Socialaftale 2026-2027",
        valid_from=datetime.date(2026, 1, 1),
        valid_to=datetime.date(2027, 12, 31),
    )
    billing_rule = {"invoice_frequency": "quarterly", "payment_term_days": 20}
    await frameworks.set_rules(
        NORD_STEERING,
        agreement.id,
        RuleSetInput(valid_from=agreement.valid_from, rules=rules(billing=billing_rule)),
    )


async def test_a_quarter_where_the_agreement_invoices_quarterly(market: Market) -> None:
    offer = await hourly_offer(market)  # its price list before the agreement's overhead cap
    await _quarterly_agreement()
    contract = await hourly_contract(offer, FEBRUARY)
    await hours.report_hours(
        AALBORG_PROVIDER_ADMIN,
        contract.id,
        DeliveredHoursReport(month=MARCH, hours=Decimal("19.5")),
    )
    made = await invoices.issue_invoice(
        AALBORG_PROVIDER_ADMIN, market.aalborg_provider_id, issue("751", FEBRUARY)
    )
    # the first quarter of 2026, from the contract's start on 1 February:
    #   February, 4 hours a week agreed: 525.50 x 4 x 28/7 = 8,408.00 (16 hours)
    #   March, 19.5 hours delivered:      525.50 x 19.5    = 10,247.25
    #   total                                                = 18,655.25
    assert (made.frequency, made.period_start, made.period_end) == (
        InvoiceFrequency.QUARTERLY,
        datetime.date(2026, 1, 1),
        datetime.date(2026, 3, 31),
    )
    assert (made.total_ore, made.line_count, made.payment_term_days) == (1865525, 2, 20)
    assert made.due_date == today() + datetime.timedelta(days=20)
    assert made.terms_source.startswith("Nordjysk Socialaftale 2026-2027")
    lines = (await invoices.lines_by_invoice(AARHUS, [made.id]))[made.id]
    assert [(ln.month, ln.total_ore, ln.hours, ln.hours_source) for ln in lines] == [
        (FEBRUARY, 840800, Decimal("16.00"), HoursSource.AGREED),
        (MARCH, 1024725, Decimal("19.50"), HoursSource.DELIVERED),
    ]
    with pytest.raises(DomainError) as error:  # March is in the quarter just invoiced
        await invoices.issue_invoice(
            AALBORG_PROVIDER_ADMIN, market.aalborg_provider_id, issue("751", MARCH)
        )
    assert (error.value.code, error.value.field) == (ErrorCode.DUPLICATE, ["month"])


async def _counted(provider_org: str) -> int:
    rows = await InvoiceCounter.select(InvoiceCounter.last_number).where(
        (InvoiceCounter.provider_org == provider_org) & (InvoiceCounter.kind == "invoice")
    )
    return rows[0]["last_number"] if rows else 0


async def test_numbers_have_no_gaps_when_issues_run_at_once(market: Market) -> None:
    offer = await vat_offer(market)
    for buyer, ref in ((AALBORG, "SAG-A"), (AARHUS, "SAG-B"), (COPENHAGEN, "SAG-C")):
        await backdate(
            await contract_for(offer, buyer=buyer, citizen_ref=ref), datetime.date(2026, 3, 10)
        )
    # two municipalities at once: each gets its own number, neither skipped
    both = await asyncio.gather(
        invoices.issue_invoice(ENGLY_ADMIN, market.provider_id, issue("851")),
        invoices.issue_invoice(ENGLY_ADMIN, market.provider_id, issue("751")),
    )
    assert sorted(made.number for made in both) == [1, 2]
    # the same period five times at once: one invoice; the others are refused and give their
    # numbers back
    outcomes = await asyncio.gather(
        *(invoices.issue_invoice(ENGLY_ADMIN, market.provider_id, issue("101")) for _ in range(5)),
        return_exceptions=True,
    )
    made = [o for o in outcomes if not isinstance(o, BaseException)]
    refused = [o for o in outcomes if isinstance(o, DomainError)]
    assert [m.number for m in made] == [3] and len(refused) == 4
    assert {e.code for e in refused} == {ErrorCode.DUPLICATE}
    numbers = await Invoice.select(Invoice.number).order_by(Invoice.number).output(as_list=True)
    assert numbers == [1, 2, 3] and await _counted("43389424") == 3


async def test_bad_input_changes_nothing(market: Market) -> None:
    await vat_contract(market)
    made = await invoices.issue_invoice(ENGLY_ADMIN, market.provider_id, issue())
    this_month = today().replace(day=1)
    refusals: list[tuple[Principal, uuid.UUID, InvoiceIssue, ErrorCode, list[str]]] = [
        (ENGLY_ADMIN, market.provider_id, issue(), ErrorCode.DUPLICATE, ["month"]),
        (
            ENGLY_ADMIN,
            market.provider_id,
            issue(month=this_month),
            ErrorCode.INVALID_STATE,
            ["month"],
        ),
        (ENGLY_ADMIN, market.provider_id, issue("101"), ErrorCode.INVALID_STATE, ["month"]),
        (
            ENGLY_ADMIN,
            market.provider_id,
            issue("999"),
            ErrorCode.UNKNOWN_MUNICIPALITY,
            ["municipality_code"],
        ),
        (
            AALBORG_PROVIDER_ADMIN,
            market.provider_id,
            issue(),
            ErrorCode.PERMISSION_DENIED,
            ["provider_id"],
        ),
        (AALBORG, market.provider_id, issue(), ErrorCode.PERMISSION_DENIED, []),
    ]
    before = (
        await Invoice.count().run(),
        await _counted("43389424"),
        await AuditRecord.count().run(),
    )
    for caller, provider, command, code, field in refusals:
        with pytest.raises(DomainError) as error:
            await invoices.issue_invoice(caller, provider, command, "nyt-forsøg-0001")
        assert (error.value.code, error.value.field or []) == (code, field), command
    after = (
        await Invoice.count().run(),
        await _counted("43389424"),
        await AuditRecord.count().run(),
    )
    assert after == before and await IdempotencyKey.count().run() == 0
    assert (await invoices.get_invoice(ENGLY_ADMIN, made.id)) == made


async def test_a_retry_with_the_same_key_answers_the_first_invoice(market: Market) -> None:
    await vat_contract(market)
    first = await invoices.issue_invoice(
        ENGLY_ADMIN, market.provider_id, issue(), "marts-2026-aalborg"
    )
    again = await invoices.issue_invoice(
        ENGLY_ADMIN, market.provider_id, issue(), "marts-2026-aalborg"
    )
    assert again == first and await _counted("43389424") == 1
    with pytest.raises(DomainError) as error:
        await invoices.issue_invoice(
            ENGLY_ADMIN, market.provider_id, issue("751"), "marts-2026-aalborg"
        )
    assert error.value.code is ErrorCode.IDEMPOTENCY_KEY_REUSED


async def test_credit_notes_never_credit_more_than_is_left(market: Market) -> None:
    await vat_contract(market)
    made = await invoices.issue_invoice(ENGLY_ADMIN, market.provider_id, issue())
    first = await invoices.issue_credit_note(ENGLY_ADMIN, made.id, credit("1000"), "kredit-0001")
    # 1,000.00 DKK of VAT-inclusive prices holds 1,000.00 x 20% = 200.00 DKK of VAT
    assert (first.number, first.amount_ore, first.vat_ore, first.invoice_id) == (
        1,
        100000,
        20000,
        made.id,
    )
    retried = await invoices.issue_credit_note(ENGLY_ADMIN, made.id, credit("1000"), "kredit-0001")
    assert retried == first
    # left: 88,596.13 - 1,000.00 = 87,596.13 DKK
    for caller, amount, code in [
        (ENGLY_ADMIN, "87596.14", ErrorCode.INVALID),
        (ENGLY_ADMIN, "0", ErrorCode.INVALID),
        (AALBORG, "10", ErrorCode.PERMISSION_DENIED),
        (AALBORG_PROVIDER_ADMIN, "10", ErrorCode.NOT_FOUND),
    ]:
        with pytest.raises(DomainError) as error:
            await invoices.issue_credit_note(caller, made.id, credit(amount))
        assert error.value.code is code
    assert await CreditNote.count().run() == 1
    rest = await invoices.issue_credit_note(ENGLY_ADMIN, made.id, credit("87596.13"))
    # 87,596.13 x 20% = 17,519.226 -> 17,519.23 DKK of VAT
    assert (rest.number, rest.vat_ore) == (2, 1751923)
    credited = await invoices.get_invoice(AALBORG, made.id)
    assert credited is not None
    assert (credited.credited_ore, credited.balance_ore) == (8859613, 0)
    # the invoice itself never changes
    assert (credited.total_ore, credited.vat_ore, credited.number) == (
        made.total_ore,
        made.vat_ore,
        made.number,
    )
    with pytest.raises(DomainError) as error:
        await invoices.issue_credit_note(ENGLY_ADMIN, made.id, credit("0.01"))
    assert (error.value.code, error.value.field) == (ErrorCode.INVALID, ["amount"])
    notes = (await invoices.credit_notes_by_invoice([made.id]))[made.id]
    assert [n.number for n in notes] == [1, 2]


async def test_the_provider_and_the_buyer_read_an_invoice_and_no_one_else(market: Market) -> None:
    await vat_contract(market)
    made = await invoices.issue_invoice(ENGLY_ADMIN, market.provider_id, issue())
    page = PageRequest.of(10, None)
    for reader, seen in [
        (ENGLY_ADMIN, 1),
        (AALBORG, 1),
        (AARHUS, 0),
        (AALBORG_PROVIDER_ADMIN, 0),
        (REGISTRY_ADMIN, 1),
    ]:
        assert (await invoices.list_invoices(reader, page)).total_count == seen
        assert ((await invoices.get_invoice(reader, made.id)) is not None) == bool(seen)
    assert (await invoices.list_invoices(AALBORG, page, municipality_code="751")).total_count == 0
    only = await invoices.list_invoices(REGISTRY_ADMIN, page, provider_id=market.provider_id)
    assert [i.id for i in only.items] == [made.id]
    [line] = (await invoices.lines_by_invoice(REGISTRY_ADMIN, [made.id]))[made.id]
    assert line.citizen_ref is None  # the registry administrator never sees the citizen
    records = await AuditRecord.select(AuditRecord.operation, AuditRecord.org).where(
        AuditRecord.object_id == str(made.id)
    )
    assert [(r["operation"], r["org"]) for r in records] == [("invoiceIssue", "43389424")]
    assert admin_of("43389424") == ENGLY_ADMIN
