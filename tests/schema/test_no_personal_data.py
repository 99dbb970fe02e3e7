"""No CPR number leaks: across the contracting flow, its mistakes and an unexpected failure,
the logs, the answers' errors and the audit records hold no CPR number in any form."""

from __future__ import annotations

import datetime
import logging
from typing import Any

import httpx
import pytest

from marketplace.contracts import requests
from marketplace.core.clock import today
from marketplace.core.identity import Role
from marketplace.core.tables import AuditRecord
from tests.conftest import token
from tests.marketplace.contracts.world import CPR, Market, build_market
from tests.schema.test_contracts_graphql import ACCEPT, CREATE, NOTICE, PURCHASER, _offer_gid

PROVIDER = ("43389424", Role.PROVIDER_ADMIN)
DIGITS = CPR.replace("-", "")
FORMS = (CPR, DIGITS, f"{DIGITS[:6]} {DIGITS[6:]}")


def _leaks(text: str) -> list[str]:
    return [form for form in FORMS if form in text]


@pytest.fixture
async def market() -> Market:
    return await build_market()


async def test_no_cpr_number_in_logs_errors_or_audit_records(
    client: httpx.AsyncClient,
    market: Market,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    caplog.set_level(logging.DEBUG)
    answers: list[str] = []

    async def post(
        query: str, variables: dict[str, Any] | None, as_: tuple[str, Role] = PURCHASER
    ) -> dict[str, Any]:
        response = await client.post(
            "/graphql",
            json={"query": query, "variables": variables or {}},
            headers={"Authorization": f"Bearer {token(*as_)}"},
        )
        answers.append(response.text)
        body: dict[str, Any] = response.json()
        return body

    start = (today() + datetime.timedelta(days=3)).isoformat()
    good = {
        "offerId": _offer_gid(market),
        "citizenRef": "SAG-1",
        "cpr": CPR,
        "desiredStart": start,
        "priceLevel": "Niveau 2",
        "urgency": "PLANNED",
    }
    # mistakes a caseworker or an integration makes, each with the CPR number in the request
    mistakes: list[tuple[str, dict[str, Any] | None]] = [
        (CREATE, {"input": {**good, "desiredStart": "2001-01-01"}}),  # in the past
        (CREATE, {"input": {**good, "priceLevel": "Niveau 9"}}),  # unknown level
        (CREATE, {"input": {**good, "cpr": int(DIGITS)}}),  # a number, not text
        (CREATE, {"input": {**good, "cpr": DIGITS + "1"}}),  # eleven digits
        (CREATE, {"input": {**good, "cpr": "3213" + DIGITS[4:]}}),  # no such day
        (CREATE, None),  # no input at all
        (
            "mutation { placementRequestCreate(input: {cpr: " + DIGITS + "}) { errors { code } } }",
            None,
        ),
        ('{ offer(id: "' + CPR + '") { id } }', None),
    ]
    for query, variables in mistakes:
        await post(query, variables)

    created = await post(CREATE, {"input": good})
    request = created["data"]["placementRequestCreate"]["placementRequest"]["id"]
    accepted = await post(ACCEPT, {"input": {"id": request}}, PROVIDER)
    contract = accepted["data"]["placementRequestAccept"]["contract"]["id"]
    await post(NOTICE, {"input": {"id": contract, "reason": "Flytter"}})

    async def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError(f"lost the connection while saving {CPR}")

    monkeypatch.setattr(requests, "create_request", broken)
    failed = await post(CREATE, {"input": good})
    assert failed["errors"][0]["message"] == "Unexpected error."
    inline = CREATE.replace("$input", "$unused").replace(
        "input: $unused",
        f'input: {{offerId: "{good["offerId"]}", citizenRef: "SAG-1", '
        f'cpr: "{CPR}", desiredStart: "{start}", urgency: PLANNED}}',
    )
    await post(inline.replace("($unused: PlacementRequestCreateInput!)", ""), None)

    records = repr(await AuditRecord.select().run())
    logged = "\n".join(
        r.getMessage() + (logging.Formatter().formatException(r.exc_info) if r.exc_info else "")
        for r in caplog.records
    )
    assert any("Unexpected error" in r.getMessage() for r in caplog.records)  # it was logged
    assert len(answers) == len(mistakes) + 5
    for name, text in (("answers", "\n".join(answers)), ("logs", logged), ("audit", records)):
        assert _leaks(text) == [], (name, [line for line in text.splitlines() if _leaks(line)])


REFUND_CREATE = """
mutation ($input: RefundClaimCreateInput!) {
  refundClaimCreate(input: $input) { refundClaim { id } errors { field code message } }
}
"""
REFUND_ACCEPT = """
mutation ($input: RefundClaimAcceptInput!) {
  refundClaimAccept(input: $input) { refundClaim { id status citizenRef } errors { code message } }
}
"""
REFUND_READ = """
query ($id: ID!, $month: String!) {
  refundClaim(id: $id) {
    id citizenRef note paragraphText terms { price { amount } } contract { id cprMasked }
    offer { name } provider { name }
  }
  refundClaims(filter: {role: DEBTOR}) { edges { node { id citizenRef } } }
  refundStatement(claimantCode: "851", debtorCode: "751", month: $month) {
    lines { edges { node { citizenRef total { amount } } } }
  }
  auditTrail(objectId: $id) { edges { node { operation afterDigest } } }
}
"""


async def test_no_cpr_number_reaches_the_municipality_a_refund_is_claimed_from(
    client: httpx.AsyncClient, market: Market, caplog: pytest.LogCaptureFixture
) -> None:
    """A contract made with a CPR number, a refund claim on it with mistakes shaped like CPR
    numbers, the claim accepted and read by the municipality it is against (the claim, the
    list, the statement, the CSV, the audit trail): no CPR number in any form anywhere, and
    nothing of it (not even the masked form) in what the debtor reads."""
    caplog.set_level(logging.DEBUG)
    buyer, debtor = PURCHASER, ("751", Role.PURCHASER)
    answers: dict[tuple[str, Role], list[str]] = {buyer: [], debtor: [], PROVIDER: []}

    async def post(query: str, variables: dict[str, Any], as_: tuple[str, Role]) -> Any:
        response = await client.post(
            "/graphql",
            json={"query": query, "variables": variables},
            headers={"Authorization": f"Bearer {token(*as_)}"},
        )
        answers[as_].append(response.text)
        return response.json()

    start = today().isoformat()
    created = await post(
        CREATE,
        {
            "input": {
                "offerId": _offer_gid(market),
                "citizenRef": "SAG-REFUSION",
                "cpr": CPR,
                "desiredStart": start,
            }
        },
        buyer,
    )
    request = created["data"]["placementRequestCreate"]["placementRequest"]["id"]
    accepted = await post(ACCEPT, {"input": {"id": request}}, PROVIDER)
    contract = accepted["data"]["placementRequestAccept"]["contract"]["id"]
    good = {"contractId": contract, "debtorCode": "751", "paragraph": "STK2_NR1"}
    for mistake in (
        {**good, "debtorCode": DIGITS},
        {**good, "debtorCode": CPR},
        {**good, "fromDay": "2001-01-01"},
        {**good, "contractId": CPR},
    ):
        body = await post(REFUND_CREATE, {"input": mistake}, buyer)
        assert body.get("errors") or body["data"]["refundClaimCreate"]["errors"]
    made = await post(REFUND_CREATE, {"input": good}, buyer)
    claim = made["data"]["refundClaimCreate"]["refundClaim"]["id"]
    await post(REFUND_ACCEPT, {"input": {"id": claim}}, debtor)
    read = await post(REFUND_READ, {"id": claim, "month": today().strftime("%Y-%m")}, debtor)
    assert read["data"]["refundClaim"]["citizenRef"] == "SAG-REFUSION"
    assert read["data"]["refundClaim"]["contract"] is None
    csv = await client.get(
        "/exports/refunds.csv",
        params={"month": today().strftime("%Y-%m"), "claimantCode": "851", "debtorCode": "751"},
        headers={"Authorization": f"Bearer {token(*debtor)}"},
    )
    assert csv.status_code == 200 and "SAG-REFUSION" in csv.text
    answers[debtor].append(csv.text)
    mistaken = await client.get(
        "/exports/refunds.csv",
        params={"month": today().strftime("%Y-%m"), "claimantCode": CPR, "debtorCode": "751"},
        headers={"Authorization": f"Bearer {token(*debtor)}"},
    )
    assert mistaken.status_code == 400
    answers[debtor].append(mistaken.text)

    records = repr(await AuditRecord.select().run())
    # the service's logs (the test's own HTTP client logs the URLs it asks for)
    logged = "\n".join(r.getMessage() for r in caplog.records if r.name != "httpx")
    everything = "\n".join([*(a for said in answers.values() for a in said), records, logged])
    assert _leaks(everything) == [], [line for line in everything.splitlines() if _leaks(line)]
    seen_by_debtor = "\n".join(answers[debtor])
    assert DIGITS[:6] not in seen_by_debtor and "****" not in seen_by_debtor
