"""Hourly services (SEL § 85): hours agreed a week or a month, the tier from the price list's
levels, and the hours delivered, which billing uses instead of the agreed ones until the
month is invoiced; bad reports change nothing. Amounts are worked out by hand below."""

from __future__ import annotations

import datetime
import uuid
from decimal import Decimal
from typing import Any

import pytest

from marketplace.contracts import billing, hours, invoices, needs, proposals, requests
from marketplace.contracts import service as contracts
from marketplace.contracts.models import (
    ContractChangeProposal,
    DeliveredHoursReport,
    HoursPer,
    HoursSource,
    InvoiceIssue,
    PlacementProposal,
)
from marketplace.contracts.tables import DeliveredHours, PlacementEvent
from marketplace.core.clock import today
from marketplace.core.errors import DomainError, ErrorCode, parse
from marketplace.core.tables import AuditRecord
from tests.factories import admin_of
from tests.marketplace.contracts.invoicing import TIER_2, backdate, hourly_contract, hourly_offer
from tests.marketplace.contracts.world import (
    AALBORG_PROVIDER_ADMIN,
    AARHUS,
    ENGLY_ADMIN,
    Market,
    contract_for,
    request_command,
)

MARCH = datetime.date(2026, 3, 1)  # 31 days
FEBRUARY = datetime.date(2026, 2, 1)  # 28 days


def report(month: datetime.date = MARCH, hours_: str = "19.5", **more: Any) -> DeliveredHoursReport:
    """A report as the API parses one (bad input is a DomainError on its field)."""
    return parse(DeliveredHoursReport, {"month": month, "hours": hours_, **more})


async def _line(market: Market, month: datetime.date = MARCH) -> billing.BillingLine:
    statement = await billing.billing_statement(
        AALBORG_PROVIDER_ADMIN, month, provider_id=market.aalborg_provider_id
    )
    [line] = statement.lines
    return line


async def test_hours_a_week_are_billed_by_weeks_of_seven_days(market: Market) -> None:
    offer = await hourly_offer(market)
    await hourly_contract(offer, FEBRUARY)  # 4 hours a week at tier 2, 525.50 DKK an hour
    line = await _line(market)
    [charge] = line.charges
    # 4 hours a week over March's 31 days: 4 x 31/7 = 17.714... hours
    # 525.50 x 4 x 31/7 = 65,162/7 = 9,308.857... -> 9,308.86 DKK
    assert (charge.amount_ore, charge.quantity, charge.hours_per) == (930886, 4, HoursPer.WEEK)
    assert (charge.unit_price_ore, charge.price_level) == (52550, TIER_2)
    assert (line.hours, line.hours_source) == (Decimal("17.71"), HoursSource.AGREED)
    february = await _line(market, FEBRUARY)
    # 28 days are 4 weeks: 525.50 x 4 x 4 = 8,408.00 DKK for 16 hours
    assert (february.total_ore, february.hours) == (840800, Decimal("16.00"))


async def test_hours_a_month_are_billed_by_the_month_s_days(market: Market) -> None:
    offer = await hourly_offer(market)
    await hourly_contract(offer, datetime.date(2026, 3, 10), hours_per_month="20")
    line = await _line(market)
    # 20 hours a month from 10 March: 22 of 31 days, 20 x 22/31 = 14.19 hours;
    # 525.50 x 20 x 22/31 = 231,220/31 = 7,458.709... -> 7,458.71 DKK
    assert (line.total_ore, line.hours, line.charges[0].hours_per) == (
        745871,
        Decimal("14.19"),
        HoursPer.MONTH,
    )


async def test_delivered_hours_replace_the_agreed_ones_and_may_be_corrected(
    market: Market,
) -> None:
    offer = await hourly_offer(market)
    contract = await hourly_contract(offer, FEBRUARY)
    first = await hours.report_hours(AALBORG_PROVIDER_ADMIN, contract.id, report())
    assert (first.hours, first.revision, first.invoiced) == (Decimal("19.50"), 1, False)
    line = await _line(market)
    # 19.5 hours delivered at 525.50 DKK: 10,247.25 DKK
    assert (line.total_ore, line.hours, line.hours_source) == (
        1024725,
        Decimal("19.50"),
        HoursSource.DELIVERED,
    )
    assert line.charges[0].hours_per is None  # the quantity is the hours delivered
    corrected = await hours.report_hours(
        AALBORG_PROVIDER_ADMIN, contract.id, report(hours_="18.25", note="Aflyst besøg")
    )
    assert (corrected.id, corrected.revision, corrected.note) == (first.id, 2, "Aflyst besøg")
    # 525.50 x 18.25 = 9,590.375 -> 9,590.38 DKK
    assert (await _line(market)).total_ore == 959038
    assert (await _line(market, FEBRUARY)).hours_source is HoursSource.AGREED  # none reported
    kinds = await PlacementEvent.select(PlacementEvent.kind).where(
        PlacementEvent.contract == contract.id
    )
    assert [k["kind"] for k in kinds][-2:] == ["hours_reported", "hours_corrected"]
    operations = await AuditRecord.select(AuditRecord.operation, AuditRecord.object_type).where(
        AuditRecord.object_id == str(first.id)
    )
    assert [(o["operation"], o["object_type"]) for o in operations] == [
        ("deliveredHoursReport", "DeliveredHours")
    ] * 2
    [seen] = (await hours.hours_by_contract([contract.id]))[contract.id]
    assert seen.hours == Decimal("18.25")


async def test_an_invoiced_month_is_closed_to_corrections(market: Market) -> None:
    offer = await hourly_offer(market)
    contract = await hourly_contract(offer, FEBRUARY)
    await hours.report_hours(AALBORG_PROVIDER_ADMIN, contract.id, report())
    await invoices.issue_invoice(
        AALBORG_PROVIDER_ADMIN,
        market.aalborg_provider_id,
        InvoiceIssue(municipality_code="751", month=MARCH),
    )
    [seen] = (await hours.hours_by_contract([contract.id]))[contract.id]
    assert seen.invoiced
    with pytest.raises(DomainError) as error:
        await hours.report_hours(AALBORG_PROVIDER_ADMIN, contract.id, report(hours_="12"))
    assert (error.value.code, error.value.field) == (ErrorCode.INVALID_STATE, ["month"])
    assert "invoice 1" in error.value.message
    [kept] = (await hours.hours_by_contract([contract.id]))[contract.id]
    assert kept.hours == Decimal("19.50")
    # February is not invoiced: its hours may still be reported
    february = await hours.report_hours(AALBORG_PROVIDER_ADMIN, contract.id, report(FEBRUARY))
    assert not february.invoiced


def _next_month() -> datetime.date:
    return (today().replace(day=28) + datetime.timedelta(days=4)).replace(day=1)


@pytest.mark.parametrize(
    ("who", "given", "code", "field"),
    [
        ("provider", {"hours_": "-1"}, ErrorCode.INVALID, ["hours"]),
        # from 10 March the contract runs 22 days: at most 22 x 24 = 528 hours
        ("provider", {"hours_": "528.01"}, ErrorCode.INVALID, ["hours"]),
        ("provider", {"month": "next"}, ErrorCode.INVALID, ["month"]),
        ("provider", {"month": datetime.date(2026, 2, 1)}, ErrorCode.INVALID, ["month"]),
        ("per_day", {}, ErrorCode.INVALID_STATE, ["contract_id"]),
        ("buyer", {}, ErrorCode.PERMISSION_DENIED, ["contract_id"]),
        ("stranger", {}, ErrorCode.NOT_FOUND, ["contract_id"]),
    ],
)
async def test_bad_reports_change_nothing(
    market: Market, who: str, given: dict[str, Any], code: ErrorCode, field: list[str]
) -> None:
    offer = await hourly_offer(market)
    contract = await hourly_contract(offer, datetime.date(2026, 3, 10))
    await hours.report_hours(AALBORG_PROVIDER_ADMIN, contract.id, report(hours_="528"))
    caller = {"buyer": AARHUS, "stranger": admin_of("461")}.get(who, AALBORG_PROVIDER_ADMIN)
    probed = contract.id
    if who == "per_day":
        per_day = await backdate(await contract_for(market.offer_id), datetime.date(2026, 3, 10))
        probed, caller = per_day.id, ENGLY_ADMIN
    if given.get("month") == "next":
        given = {"month": _next_month()}
    before = (await DeliveredHours.count().run(), await AuditRecord.count().run())
    with pytest.raises(DomainError) as error:
        await hours.report_hours(caller, probed, report(**given))
    assert (error.value.code, error.value.field) == (code, field)
    assert (await DeliveredHours.count().run(), await AuditRecord.count().run()) == before
    [kept] = (await hours.hours_by_contract([contract.id]))[contract.id]
    assert (kept.hours, kept.revision) == (Decimal("528.00"), 1)


def test_a_report_names_a_month_by_its_first_day() -> None:
    with pytest.raises(DomainError) as error:
        report(datetime.date(2026, 3, 15))
    assert (error.value.code, error.value.field) == (ErrorCode.INVALID, ["month"])


async def test_requests_and_proposals_say_whether_hours_are_a_week_s_or_a_month_s(
    market: Market,
) -> None:
    offer = await hourly_offer(market)
    asked = await requests.create_request(
        AARHUS,
        request_command(offer, price_level=TIER_2, add_ons=[], cpr=None, hours_per_week="4"),
    )
    assert (asked.hours_per_week, asked.hours_per_month) == (Decimal("4.00"), None)
    # a month at 4 hours a week, counted as 30 days: 525.50 x 4 x 30/7 = 9,008.571... DKK
    assert asked.expected_monthly_ore == 900857
    with pytest.raises(ValueError, match="not both"):
        request_command(offer, hours_per_week="4", hours_per_month="16")
    proposal = await proposals.propose(
        AALBORG_PROVIDER_ADMIN, asked.id, PlacementProposal(hours_per_month=Decimal("18"))
    )
    assert (proposal.hours_per_month, proposal.hours_per_week) == (Decimal("18.00"), None)
    contract = await proposals.accept_proposal(AARHUS, proposal.id)
    [term] = contract.terms
    assert (term.quantity, term.hours_per, term.price_level) == (18, HoursPer.MONTH, TIER_2)
    weekly = await requests.create_request(
        AARHUS,
        request_command(offer, price_level=TIER_2, add_ons=[], cpr=None, hours_per_month="10"),
    )
    answered = await proposals.propose(
        AALBORG_PROVIDER_ADMIN, weekly.id, PlacementProposal(hours_per_week=Decimal("3.5"))
    )
    made = await proposals.accept_proposal(AARHUS, answered.id)
    assert (made.terms[0].quantity, made.terms[0].hours_per) == (Decimal("3.5"), HoursPer.WEEK)


async def test_a_new_level_keeps_the_hours_a_week(market: Market) -> None:
    offer = await hourly_offer(market)
    contract = await hourly_contract(offer, FEBRUARY)
    effective = today() + datetime.timedelta(days=10)
    change = await contracts.propose_change(
        AARHUS,
        contract.id,
        ContractChangeProposal(
            effective_from=effective, price_level="Trin 3: intensiv støtte", reason="Mere støtte"
        ),
    )
    await contracts.respond_to_change(AALBORG_PROVIDER_ADMIN, change.id, True, "")
    changed = await contracts.get_contract(AARHUS, contract.id)
    assert changed is not None
    assert [(t.price_level, t.quantity, t.hours_per) for t in changed.terms] == [
        (TIER_2, 4, HoursPer.WEEK),
        ("Trin 3: intensiv støtte", 4, HoursPer.WEEK),
    ]


async def test_an_answer_to_a_need_counts_hours_a_month(market: Market) -> None:
    with pytest.raises(DomainError) as error:
        await needs.propose(
            AALBORG_PROVIDER_ADMIN, uuid.uuid4(), PlacementProposal(hours_per_week=Decimal(4))
        )
    assert (error.value.code, error.value.field) == (ErrorCode.INVALID, ["hours_per_week"])


async def test_the_case_load_shows_hours_agreed_a_week_as_agreed(market: Market) -> None:
    from marketplace.contracts import caseload
    from marketplace.core.pagination import PageRequest

    offer = await hourly_offer(market)
    await hourly_contract(offer, today() - datetime.timedelta(days=40))  # 4 hours a week
    [item] = (await caseload.case_load(AARHUS, PageRequest(first=10))).items
    # 4 hours a week is 4 x 52 / 12 = 17.33 hours a month; a month (30 days) costs
    # 525.50 x 4 x 30/7 = 9,008.57 DKK, as the request's expected cost counts it
    assert (item.hours_per_week, item.hours_per_month) == (Decimal("4.00"), Decimal("17.33"))
    assert item.monthly_cost_ore == 900857
