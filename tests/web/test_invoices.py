"""Delivered hours and invoices in the pages: the provider reports a month's hours on an
hourly contract (bad input first), invoices the buying municipality for the month, and
credits part of the invoice; the buyer reads it; another municipality gets 404."""

from __future__ import annotations

import datetime

from marketplace.contracts.tables import CreditNote, DeliveredHours, Invoice
from tests.marketplace.contracts.invoicing import hourly_contract, hourly_offer
from tests.marketplace.contracts.world import build_market
from tests.web.conftest import csrf_of, sign_in_over_http

FEBRUARY = datetime.date(2026, 2, 1)


async def test_hours_an_invoice_and_a_credit_note(web) -> None:
    market = await build_market()
    offer = await hourly_offer(market)
    contract = await hourly_contract(offer, FEBRUARY)  # Aarhus buys tier 2, 525.50 DKK/hour
    await sign_in_over_http(web, "851", "provider_admin")
    shown = await web.get(f"/kontrakter/{contract.id}")
    assert "Leverede timer" in shown.text
    token = csrf_of(shown.text)

    wrong = await web.post(
        f"/kontrakter/{contract.id}/timer",
        data={"month": "2026-03", "hours": "900", "_csrf_token": token},
    )
    assert wrong.status_code == 400
    assert "højst 744 timer" in wrong.text or "Må højst være 744" in wrong.text
    assert await DeliveredHours.count() == 0
    reported = await web.post(
        f"/kontrakter/{contract.id}/timer",
        data={"month": "2026-03", "hours": "19,5", "note": "Ferie i uge 12", "_csrf_token": token},
    )
    assert reported.status_code == 303
    assert "19,50" in (await web.get(f"/kontrakter/{contract.id}")).text

    listing = await web.get("/fakturaer")
    made = await web.post(
        "/fakturaer",
        data={
            "municipality_code": "751",
            "month": "2026-03",
            "idempotency": "web-invoice-1",
            "_csrf_token": csrf_of(listing.text),
        },
    )
    assert made.status_code == 303
    invoice_page = await web.get(made.headers["location"])
    # 19.5 hours x 525.50 DKK = 10,247.25 DKK
    assert "10.247,25" in invoice_page.text and "19,50 timer (leverede)" in invoice_page.text
    again = await web.post(
        "/fakturaer",
        data={
            "municipality_code": "751",
            "month": "2026-03",
            "idempotency": "web-invoice-2",
            "_csrf_token": csrf_of(listing.text),
        },
    )
    assert again.status_code == 400 and "allerede faktureret" in again.text
    assert await Invoice.count() == 1

    invoice_path = made.headers["location"]
    too_much = await web.post(
        f"{invoice_path}/kreditnota",
        data={"amount": "20.000", "reason": "Fejl", "_csrf_token": csrf_of(invoice_page.text)},
    )
    assert too_much.status_code == 400 and "10.247,25" in too_much.text
    assert await CreditNote.count() == 0
    credited = await web.post(
        f"{invoice_path}/kreditnota",
        data={
            "amount": "525,50",
            "reason": "En time for meget",
            "_csrf_token": csrf_of(invoice_page.text),
        },
    )
    assert credited.status_code == 303
    assert "tilbage 9.721,75" in (await web.get(invoice_path)).text

    await sign_in_over_http(web, "751", "purchaser")  # the buyer
    assert "10.247,25" in (await web.get("/fakturaer")).text
    assert (await web.get(invoice_path)).status_code == 200
    await sign_in_over_http(web, "851", "purchaser")  # not a party
    assert (await web.get(invoice_path)).status_code == 404
