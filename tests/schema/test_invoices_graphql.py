"""Delivered hours, invoices and credit notes through GraphQL and the CSV export: the provider
reports hours and issues (idempotently), the buying municipality reads, a third municipality
sees nothing, typed errors change nothing, and the lists cost the same statements for any
page. Amounts are worked out by hand in the comments."""

from __future__ import annotations

import csv
import datetime
import io
from typing import Any

import httpx
import pytest
from strawberry.relay import to_base64

from marketplace.contracts import invoices
from marketplace.contracts.models import CreditNoteIssue, InvoiceIssue
from marketplace.contracts.tables import CreditNote, DeliveredHours, Invoice
from marketplace.core.clock import today
from marketplace.core.identity import Role
from marketplace.core.tables import AuditRecord
from tests.conftest import GraphQL, token
from tests.marketplace.contracts.invoicing import (
    TIER_2,
    backdate,
    hourly_contract,
    hourly_offer,
    vat_offer,
)
from tests.marketplace.contracts.world import (
    AALBORG,
    AARHUS,
    ENGLY_ADMIN,
    build_market,
    contract_for,
)

PROVIDER = ("851", Role.PROVIDER_ADMIN)  # Aalborg Kommune runs the hourly offer
BUYER = ("751", Role.PURCHASER)  # Aarhus buys
THIRD = ("101", Role.PURCHASER)
ENGLY = ("43389424", Role.PROVIDER_ADMIN)

REPORT = """
mutation ($input: DeliveredHoursReportInput!) {
  deliveredHoursReport(input: $input) {
    deliveredHours { month hours revision invoiced note contract { id } }
    errors { field code message }
  }
}
"""
ISSUE = """
mutation ($input: InvoiceIssueInput!) {
  invoiceIssue(input: $input) {
    invoice { id number frequency periodStart periodEnd issueDate dueDate paymentTermDays
              total { amount } vat { amount } net { amount } lineCount buyer { code }
              provider { orgCode } }
    errors { field code message }
  }
}
"""
CREDIT = """
mutation ($input: CreditNoteIssueInput!) {
  creditNoteIssue(input: $input) {
    creditNote { id number amount { amount } vat { amount } reason invoice { number } }
    errors { field code message }
  }
}
"""
READ = """
query ($id: ID!) {
  invoices(filter: {municipalityCode: "751"}, first: 5) {
    totalCount
    edges { node {
      id number total { amount } credited { amount } balance { amount }
      lines(first: 10) { totalCount edges { node {
        month citizenRef cprMasked days hours hoursSource total { amount } vat { amount }
        charges { name priceLevel quantity hoursPer unitPrice { amount } amount { amount } }
        contract { id deliveredHours(first: 5) { edges { node { month hours invoiced } } } }
      } } }
      creditNotes { number amount { amount } }
    } }
  }
  node(id: $id) { ... on Invoice { number } }
}
"""
MARCH = "2026-03"


def _gid(kind: str, value: Any) -> str:
    return to_base64(kind, str(value))


@pytest.fixture
async def hourly() -> dict[str, str]:
    """Aarhus's contract at Aalborg Kommune's hourly offer from 1 February 2026 (tier 2,
    525.50 DKK an hour, 4 hours a week); the global IDs of the contract and the provider."""
    market = await build_market()
    offer = await hourly_offer(market)
    contract = await hourly_contract(offer, datetime.date(2026, 2, 1))
    return {
        "contract": _gid("Contract", contract.id),
        "provider": _gid("Provider", market.aalborg_provider_id),
    }


def _issue_input(ids: dict[str, str], **more: Any) -> dict[str, Any]:
    return {"providerId": ids["provider"], "municipalityCode": "751", "month": MARCH, **more}


async def test_hours_an_invoice_and_a_credit_note(gql: GraphQL, hourly: dict[str, str]) -> None:
    reported = await gql(
        REPORT,
        {"input": {"contractId": hourly["contract"], "month": MARCH, "hours": "19.5"}},
        as_=PROVIDER,
    )
    assert reported["data"]["deliveredHoursReport"] == {
        "deliveredHours": {
            "month": MARCH,
            "hours": "19.50",
            "revision": 1,
            "invoiced": False,
            "note": "",
            "contract": {"id": hourly["contract"]},
        },
        "errors": [],
    }
    given = {"input": _issue_input(hourly, idempotencyKey="aalborg-marts-2026-aarhus")}
    issued = await gql(ISSUE, given, as_=PROVIDER)
    invoice = issued["data"]["invoiceIssue"]["invoice"]
    # 19.5 hours x 525.50 DKK = 10,247.25 DKK, no VAT (a municipality's prices)
    assert {k: invoice[k] for k in ("number", "frequency", "periodStart", "periodEnd")} == {
        "number": 1,
        "frequency": "MONTHLY",
        "periodStart": "2026-03-01",
        "periodEnd": "2026-03-31",
    }
    assert (invoice["total"], invoice["vat"], invoice["net"]) == (
        {"amount": "10247.25"},
        {"amount": "0.00"},
        {"amount": "10247.25"},
    )
    assert (invoice["buyer"], invoice["provider"], invoice["paymentTermDays"]) == (
        {"code": "751"},
        {"orgCode": "851"},
        30,
    )
    again = await gql(ISSUE, given, as_=PROVIDER)  # a retry: the same invoice
    assert again["data"]["invoiceIssue"]["invoice"] == invoice
    credited = await gql(
        CREDIT,
        {"input": {"invoiceId": invoice["id"], "amount": "525.50", "reason": "Et besøg aflyst"}},
        as_=PROVIDER,
    )
    assert credited["data"]["creditNoteIssue"]["creditNote"]["number"] == 1
    assert credited["data"]["creditNoteIssue"]["creditNote"]["vat"] == {"amount": "0.00"}
    read = await gql(READ, {"id": invoice["id"]}, as_=BUYER)
    assert "errors" not in read, read["errors"]
    [node] = [e["node"] for e in read["data"]["invoices"]["edges"]]
    # 10,247.25 - 525.50 = 9,721.75 DKK left
    assert (node["credited"], node["balance"]) == ({"amount": "525.50"}, {"amount": "9721.75"})
    [line] = [e["node"] for e in node["lines"]["edges"]]
    assert {k: line[k] for k in ("month", "citizenRef", "cprMasked", "hours", "hoursSource")} == {
        "month": MARCH,
        "citizenRef": "SAG-BOSTØTTE-1",
        "cprMasked": None,
        "hours": "19.50",
        "hoursSource": "DELIVERED",
    }
    assert line["charges"] == [
        {
            "name": "base price",
            "priceLevel": TIER_2,
            "quantity": "19.50",
            "hoursPer": None,
            "unitPrice": {"amount": "525.50"},
            "amount": {"amount": "10247.25"},
        }
    ]
    assert line["contract"]["deliveredHours"]["edges"] == [
        {"node": {"month": MARCH, "hours": "19.50", "invoiced": True}}
    ]
    assert node["creditNotes"] == [{"number": 1, "amount": {"amount": "525.50"}}]
    assert read["data"]["node"] == {"number": 1}
    third = await gql(READ, {"id": invoice["id"]}, as_=THIRD)
    assert third["data"] == {"invoices": {"totalCount": 0, "edges": []}, "node": None}


async def test_bad_input_is_a_typed_error_that_changes_nothing(
    gql: GraphQL, hourly: dict[str, str]
) -> None:
    contract = hourly["contract"]
    await gql(ISSUE, {"input": _issue_input(hourly)}, as_=PROVIDER)
    before = (
        await DeliveredHours.count().run(),
        await Invoice.count().run(),
        await CreditNote.count().run(),
        await AuditRecord.count().run(),
    )
    this_month = today().strftime("%Y-%m")
    invoice_id = (await Invoice.select(Invoice.id).first().run() or {})["id"]
    cases: list[tuple[str, dict[str, Any], str, list[str]]] = [
        (
            REPORT,
            {"contractId": contract, "month": "2026-02", "hours": "-1"},
            "INVALID",
            ["input", "hours"],
        ),
        # February 2026 has 28 days: at most 672 hours
        (
            REPORT,
            {"contractId": contract, "month": "2026-02", "hours": "672.5"},
            "INVALID",
            ["input", "hours"],
        ),
        (
            REPORT,
            {"contractId": contract, "month": MARCH, "hours": "12"},
            "INVALID_STATE",
            ["input", "month"],
        ),
        (
            REPORT,
            {"contractId": contract, "month": "2026-13", "hours": "1"},
            "INVALID",
            ["input", "month"],
        ),
        (ISSUE, _issue_input(hourly, month=this_month), "INVALID_STATE", ["input", "month"]),
        (ISSUE, _issue_input(hourly), "DUPLICATE", ["input", "month"]),
        (
            CREDIT,
            {"invoiceId": _gid("Invoice", invoice_id), "amount": "9308.87", "reason": "For meget"},
            "INVALID",
            ["input", "amount"],
        ),
    ]
    for document, given, code, field in cases:
        body = await gql(document, {"input": given}, as_=PROVIDER)
        [payload] = body["data"].values()
        assert [(e["code"], e["field"]) for e in payload["errors"]] == [(code, field)], given
        assert [v for k, v in payload.items() if k != "errors"] == [None]
    after = (
        await DeliveredHours.count().run(),
        await Invoice.count().run(),
        await CreditNote.count().run(),
        await AuditRecord.count().run(),
    )
    assert after == before


async def test_only_the_provider_s_administrators_issue(
    gql: GraphQL, hourly: dict[str, str]
) -> None:
    for caller in (BUYER, ENGLY, None):
        body = await gql(ISSUE, {"input": _issue_input(hourly)}, as_=caller)
        [error] = body["data"]["invoiceIssue"]["errors"]
        assert error["code"] in {"PERMISSION_DENIED", "UNAUTHENTICATED"}
    assert await Invoice.count().run() == 0


INVOICES = """
query ($first: Int) {
  invoices(first: $first) {
    totalCount
    edges { node {
      number total { amount } vat { amount } provider { name } buyer { name region { name } }
      lines(first: 5) { edges { node { citizenRef offer { name } contract { id citizenRef } } } }
      creditNotes { number invoice { number } }
    } }
  }
  creditNotes(first: $first) { totalCount edges { node { number invoice { number } buyer { name } } } }
}
"""


async def test_lists_cost_the_same_statements_for_any_page(
    gql: GraphQL, statements: list[str]
) -> None:
    market = await build_market()
    offer = await vat_offer(market)
    for i in range(6):
        contract = await contract_for(
            offer, buyer=AALBORG if i % 2 else AARHUS, citizen_ref=f"S-{i}"
        )
        await backdate(contract, datetime.date(2026, 1 + i // 2, 10))
    for month in (1, 2, 3):
        for buyer in ("851", "751"):
            made = await invoices.issue_invoice(
                ENGLY_ADMIN,
                market.provider_id,
                InvoiceIssue(municipality_code=buyer, month=datetime.date(2026, month, 1)),
            )
            await invoices.issue_credit_note(
                ENGLY_ADMIN, made.id, CreditNoteIssue(amount=1, reason="Afrunding")
            )
    counts = []
    for first in (2, 6):
        statements.clear()
        body = await gql(INVOICES, {"first": first}, as_=ENGLY)
        assert len(body["data"]["invoices"]["edges"]) == first, body
        assert len(body["data"]["creditNotes"]["edges"]) == first, body
        counts.append(len(statements))
    assert counts[0] == counts[1], statements
    print(f"\ninvoices and credit notes, a page of 2 or 6: {counts[0]} statements")


async def test_the_invoice_as_csv(
    client: httpx.AsyncClient, hourly: dict[str, str], gql: GraphQL
) -> None:
    issued = await gql(ISSUE, {"input": _issue_input(hourly)}, as_=PROVIDER)
    invoice_id = issued["data"]["invoiceIssue"]["invoice"]["id"]
    response = await client.get(
        "/exports/invoices.csv",
        params={"invoiceId": invoice_id},
        headers={"Authorization": f"Bearer {token(*BUYER)}"},
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-disposition"] == 'attachment; filename="invoice-851-1.csv"'
    [row] = list(csv.DictReader(io.StringIO(response.text)))
    # no hours reported for March: the agreed 4 hours a week, 4 x 31/7 = 17.71 hours;
    # 525.50 x 4 x 31/7 = 9,308.857... -> 9,308.86 DKK
    assert {
        k: row[k] for k in ("invoice_number", "buyer", "month", "citizen_ref", "total_dkk")
    } == {
        "invoice_number": "1",
        "buyer": "751",
        "month": MARCH,
        "citizen_ref": "SAG-BOSTØTTE-1",
        "total_dkk": "9308.86",
    }
    assert (row["price_level"], row["hours"], row["hours_source"], row["vat_dkk"]) == (
        TIER_2,
        "17.71",
        "agreed",
        "0.00",
    )
    for headers, status in [
        ({"Authorization": f"Bearer {token(*THIRD)}"}, 404),
        ({}, 401),
    ]:
        refused = await client.get(
            "/exports/invoices.csv", params={"invoiceId": invoice_id}, headers=headers
        )
        assert refused.status_code == status
