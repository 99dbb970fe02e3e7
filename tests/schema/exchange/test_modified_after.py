"""``modified_after`` on the exports that had none: the billing and refund statements keep the
contracts and claims changed since the moment; an issued invoice (CSV or PEPPOL XML), which
never changes, answers 204 for a moment after its issue; a value that is not a timestamp is a
typed 400 naming the parameter, on every export."""

from __future__ import annotations

import csv
import datetime
import io

import httpx

from marketplace.contracts import refunds
from marketplace.contracts.models import RefundClaimCreate, RefundParagraph
from marketplace.core.clock import today, utcnow
from marketplace.core.identity import Role
from tests.conftest import token
from tests.marketplace.contracts.world import AALBORG, AARHUS, build_market, contract_for
from tests.schema.exchange.test_peppol import _vat_invoice

AALBORG_BUYER = {"Authorization": f"Bearer {token('851', Role.PURCHASER)}"}
AARHUS_BUYER = {"Authorization": f"Bearer {token('751', Role.PURCHASER)}"}
ENGLY = {"Authorization": f"Bearer {token('43389424', Role.PROVIDER_ADMIN)}"}


def _rows(response: httpx.Response) -> list[dict[str, str]]:
    assert response.status_code == 200, response.text
    return list(csv.DictReader(io.StringIO(response.text)))


async def test_the_billing_statement_keeps_the_contracts_changed_since(
    client: httpx.AsyncClient,
) -> None:
    market = await build_market()
    await contract_for(market.offer_id, start=today(), citizen_ref="SAG-FOER")
    between = utcnow()
    await contract_for(market.offer_id, start=today(), citizen_ref="SAG-EFTER")
    month = today().strftime("%Y-%m")

    async def get(since: str | None) -> httpx.Response:
        params = {"month": month, "municipalityCode": "851"}
        if since is not None:
            params["modified_after"] = since
        return await client.get("/exports/billing.csv", params=params, headers=AALBORG_BUYER)

    whole = _rows(await get(None))
    since = _rows(await get(between.isoformat()))
    later = _rows(await get((utcnow() + datetime.timedelta(minutes=1)).isoformat()))

    assert {r["citizen_ref"] for r in whole} == {"SAG-FOER", "SAG-EFTER"}
    assert [r["citizen_ref"] for r in since] == ["SAG-EFTER"]
    assert later == []


async def test_the_refund_statement_keeps_the_claims_changed_since(
    client: httpx.AsyncClient,
) -> None:
    market = await build_market()
    month = today().replace(day=1)
    claims = []
    for ref in ("SAG-1", "SAG-2"):
        contract = await contract_for(market.offer_id, start=today(), citizen_ref=ref)
        claims.append(
            await refunds.create_claim(
                AALBORG,
                contract.id,
                RefundClaimCreate(debtor_code="751", paragraph=RefundParagraph.STK2_NR1),
            )
        )
    await refunds.accept_claim(AARHUS, claims[0].id, "")
    between = utcnow()
    await refunds.accept_claim(AARHUS, claims[1].id, "")
    params = {"month": month.strftime("%Y-%m"), "claimantCode": "851", "debtorCode": "751"}

    whole = _rows(await client.get("/exports/refunds.csv", params=params, headers=AARHUS_BUYER))
    since = _rows(
        await client.get(
            "/exports/refunds.csv",
            params={**params, "modified_after": between.isoformat()},
            headers=AARHUS_BUYER,
        )
    )

    assert {r["citizen_ref"] for r in whole} == {"SAG-1", "SAG-2"}
    assert [r["claim_id"] for r in since] == [str(claims[1].id)]


async def test_an_issued_invoice_is_unchanged_after_its_issue(client: httpx.AsyncClient) -> None:
    invoice = await _vat_invoice()
    before = (invoice.issued_at - datetime.timedelta(seconds=1)).isoformat()
    after = (invoice.issued_at + datetime.timedelta(seconds=1)).isoformat()
    for path in ("/exports/invoices.csv", "/exports/invoices.xml"):
        answers = {}
        for name, since in (("before", before), ("after", after)):
            response = await client.get(
                path,
                params={"invoiceId": str(invoice.id), "modified_after": since},
                headers=ENGLY,
            )
            answers[name] = (response.status_code, len(response.content) > 0)
        assert answers["after"] == (204, False), path
        if path.endswith(".csv"):  # the XML needs the buyer's identifiers set (test_peppol)
            assert answers["before"] == (200, True), path


async def test_a_value_that_is_not_a_timestamp_is_a_typed_400(client: httpx.AsyncClient) -> None:
    invoice = await _vat_invoice()
    month = today().strftime("%Y-%m")
    calls = {
        "/exports/billing.csv": ({"month": month, "municipalityCode": "851"}, AALBORG_BUYER),
        "/exports/refunds.csv": (
            {"month": month, "claimantCode": "851", "debtorCode": "751"},
            AARHUS_BUYER,
        ),
        "/exports/invoices.csv": ({"invoiceId": str(invoice.id)}, ENGLY),
        "/exports/invoices.xml": ({"invoiceId": str(invoice.id)}, ENGLY),
        "/exports/credit-notes.xml": ({"creditNoteId": str(invoice.id)}, ENGLY),
        "/hsds/service_at_locations": ({}, {}),
        "/exports/price-catalogue.xlsx": ({"regionCode": "1081", "year": "2026"}, {}),
        "/ocds/contracts": ({"regionCode": "1081"}, AALBORG_BUYER),
        "/ocds/agreements": ({"regionCode": "1081"}, AALBORG_BUYER),
        "/hsds/services": ({}, {}),
        "/hsds/organizations": ({}, {}),
    }
    for path, (params, headers) in calls.items():
        for bad in ("yesterday", "2026-02-30", "31-01-2026"):
            response = await client.get(
                path, params={**params, "modified_after": bad}, headers=headers
            )
            assert response.status_code == 400, (path, bad, response.text)
            body = response.json()
            assert (body["code"], body["field"]) == ("INVALID", ["modified_after"]), (path, body)
