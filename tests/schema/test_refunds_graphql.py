"""Refund claims through GraphQL: the buyer claims (idempotently), the municipality it claims
from reads the limited view and answers, a third municipality sees nothing, typed errors,
the refund statement, the deprecated payer, and lists at a fixed number of statements."""

from __future__ import annotations

import calendar
import json
from typing import Any

import pytest
from strawberry.relay import to_base64

from marketplace.contracts.tables import RefundClaim
from marketplace.core.clock import today
from marketplace.core.identity import Role
from marketplace.core.tables import AuditRecord
from marketplace.offers import service as offers
from tests.conftest import GraphQL
from tests.marketplace.contracts.world import (
    CPR,
    ENGLY_ADMIN,
    Market,
    build_market,
    contract_for,
)

BUYER = ("851", Role.PURCHASER)
DEBTOR = ("751", Role.PURCHASER)
THIRD = ("101", Role.PURCHASER)
PROVIDER = ("43389424", Role.PROVIDER_ADMIN)

CREATE = """
mutation ($input: RefundClaimCreateInput!) {
  refundClaimCreate(input: $input) {
    refundClaim { id status paragraph paragraphText fromDay toDay claimant { code } debtor { code } }
    errors { field code message }
  }
}
"""
ACCEPT = """
mutation ($input: RefundClaimAcceptInput!) {
  refundClaimAccept(input: $input) {
    refundClaim { status answeredBy answerReason } errors { field code message }
  }
}
"""
DISPUTE = """
mutation ($input: RefundClaimDisputeInput!) {
  refundClaimDispute(input: $input) {
    refundClaim { status answeredBy answerReason answeredAt } errors { field code message }
  }
}
"""
WITHDRAW = """
mutation ($input: RefundClaimWithdrawInput!) {
  refundClaimWithdraw(input: $input) { refundClaim { status withdrawnBy } errors { field code } }
}
"""
AS_DEBTOR = """
query ($id: ID!) {
  refundClaims(filter: {role: DEBTOR}) {
    totalCount
    edges { node {
      id status paragraph citizenRef legalBasis contractStart contractEnd contractStatus note
      terms { priceLevel unit price { amount } addOns { name price { amount } quantity } }
      offer { name } provider { name } claimant { name } debtor { name } contract { id }
    } }
  }
  refundClaim(id: $id) { id citizenRef }
  node(id: $id) { ... on RefundClaim { id } }
}
"""
CONTRACT = """
query ($id: ID!) {
  contract(id: $id) {
    buyer { code } payer { code }
    refundClaims { id status debtor { code } contract { id } }
  }
}
"""
STATEMENT = """
query ($month: String!, $claimant: String!, $debtor: String!) {
  refundStatement(claimantCode: $claimant, debtorCode: $debtor, month: $month) {
    month total { amount } claimant { code } debtor { code }
    subtotals { legalBasis lines total { amount } }
    lines(first: 10) { totalCount edges { node {
      paragraph citizenRef periodStart periodEnd days total { amount }
      claim { id } offer { name } charges { name days amount { amount } }
    } } }
  }
}
"""


@pytest.fixture
async def market() -> Market:
    market = await build_market()
    await offers.update_offer(ENGLY_ADMIN, market.offer_id, {"occupied_places": 0})
    return market


def _gid(kind: str, value: Any) -> str:
    return to_base64(kind, str(value))


def _claim_input(contract_gid: str, **overrides: Any) -> dict[str, Any]:
    return {
        "contractId": contract_gid,
        "debtorCode": "751",
        "paragraph": "STK2_NR1",
        "note": "Aarhus medvirkede til opholdet.",
        **overrides,
    }


async def test_the_refund_claim_flow(gql: GraphQL, market: Market) -> None:
    contract = await contract_for(market.offer_id, start=today())
    contract_gid = _gid("Contract", contract.id)
    given = {**_claim_input(contract_gid), "idempotencyKey": "refusion-0042-1"}
    created = (await gql(CREATE, {"input": given}, as_=BUYER))["data"]["refundClaimCreate"]
    assert created["errors"] == []
    claim = created["refundClaim"]
    assert (claim["status"], claim["paragraph"], claim["toDay"]) == ("CLAIMED", "STK2_NR1", None)
    assert claim["paragraphText"].startswith("§ 9 c, stk. 2, nr. 1: ")
    assert (claim["fromDay"], claim["claimant"], claim["debtor"]) == (
        today().isoformat(),
        {"code": "851"},
        {"code": "751"},
    )
    again = (await gql(CREATE, {"input": given}, as_=BUYER))["data"]["refundClaimCreate"]
    assert again["refundClaim"]["id"] == claim["id"] and await RefundClaim.count().run() == 1

    seen = await gql(AS_DEBTOR, {"id": claim["id"]}, as_=DEBTOR)
    assert "errors" not in seen, seen
    [edge] = seen["data"]["refundClaims"]["edges"]
    node = edge["node"]
    assert (node["citizenRef"], node["legalBasis"], node["contractStatus"]) == (
        "SAG-2026-0042",
        "SEL_108",
        "ACTIVE",
    )
    assert node["terms"][0]["price"] == {"amount": "3890.00"}
    assert node["offer"]["name"] and node["provider"]["name"] == "Bostedet Engly ApS"
    assert node["contract"] is None  # the debtor does not open the contract itself
    assert seen["data"]["refundClaim"]["citizenRef"] == "SAG-2026-0042"
    text = json.dumps(seen)
    assert CPR not in text and "010190" not in text and "0101901234" not in text

    nothing = await gql(AS_DEBTOR, {"id": claim["id"]}, as_=THIRD)
    assert nothing["data"] == {
        "refundClaims": {"totalCount": 0, "edges": []},
        "refundClaim": None,
        "node": None,
    }
    mine = (await gql(CONTRACT, {"id": contract_gid}, as_=BUYER))["data"]["contract"]
    assert mine["payer"] == mine["buyer"] == {"code": "851"}  # deprecated: always the buyer
    assert [c["id"] for c in mine["refundClaims"]] == [claim["id"]]
    assert mine["refundClaims"][0]["contract"] == {"id": contract_gid}
    providers = (await gql(CONTRACT, {"id": contract_gid}, as_=PROVIDER))["data"]["contract"]
    assert providers["refundClaims"] == []  # between municipalities

    accepted = await gql(ACCEPT, {"input": {"id": claim["id"], "reason": "Enig"}}, as_=DEBTOR)
    assert accepted["data"]["refundClaimAccept"] == {
        "refundClaim": {
            "status": "ACCEPTED",
            "answeredBy": "dev:751:purchaser",
            "answerReason": "Enig",
        },
        "errors": [],
    }
    twice = await gql(
        DISPUTE, {"input": {"id": claim["id"], "reason": "Alligevel ikke"}}, as_=DEBTOR
    )
    assert twice["data"]["refundClaimDispute"]["errors"] == [
        {"field": ["input", "id"], "code": "INVALID_STATE", "message": "The claim is accepted."}
    ]

    month = today().strftime("%Y-%m")
    variables = {"month": month, "claimant": "851", "debtor": "751"}
    for caller in (BUYER, DEBTOR):
        statement = (await gql(STATEMENT, variables, as_=caller))["data"]["refundStatement"]
        [line] = statement["lines"]["edges"]
        days_left = calendar.monthrange(today().year, today().month)[1] - today().day + 1
        assert (line["node"]["days"], line["node"]["citizenRef"]) == (days_left, "SAG-2026-0042")
        assert line["node"]["claim"] == {"id": claim["id"]}
        assert statement["total"] == line["node"]["total"]
        assert statement["subtotals"] == [
            {"legalBasis": "SEL_108", "lines": 1, "total": statement["total"]}
        ]
    refused = await gql(STATEMENT, variables, as_=THIRD)
    assert refused["data"] is None
    assert refused["errors"][0]["extensions"] == {
        "code": "PERMISSION_DENIED",
        "field": ["claimantCode"],
    }
    operations = [
        r["operation"]
        for r in await AuditRecord.select().where(AuditRecord.object_type == "RefundClaim").run()
    ]
    assert operations == ["refundClaimCreate", "refundClaimAccept"]


@pytest.mark.parametrize(
    ("caller", "overrides", "code", "field"),
    [
        (BUYER, {"debtorCode": "851"}, "INVALID", ["input", "debtorCode"]),
        (BUYER, {"debtorCode": "999"}, "UNKNOWN_MUNICIPALITY", ["input", "debtorCode"]),
        (BUYER, {"debtorCode": "75"}, "INVALID", ["input", "debtorCode"]),
        (BUYER, {"fromDay": "2000-01-01"}, "INVALID", ["input", "fromDay"]),
        (BUYER, {"toDay": "2000-01-01"}, "INVALID", ["input", "toDay"]),
        (DEBTOR, {}, "NOT_FOUND", ["input", "contractId"]),
        (THIRD, {}, "NOT_FOUND", ["input", "contractId"]),
        (PROVIDER, {}, "PERMISSION_DENIED", None),
    ],
)
async def test_bad_claims_are_typed_errors_and_change_nothing(
    gql: GraphQL,
    market: Market,
    caller: tuple[str, Role],
    overrides: dict[str, Any],
    code: str,
    field: list[str] | None,
) -> None:
    contract = await contract_for(market.offer_id)
    given = _claim_input(_gid("Contract", contract.id), **overrides)
    body = await gql(CREATE, {"input": given}, as_=caller)
    payload = body["data"]["refundClaimCreate"]
    assert payload["refundClaim"] is None
    assert [(e["code"], e["field"]) for e in payload["errors"]][:1] == [(code, field)]
    assert await RefundClaim.count().run() == 0


async def test_answers_by_the_wrong_municipality_and_a_second_open_claim(
    gql: GraphQL, market: Market
) -> None:
    contract = await contract_for(market.offer_id)
    contract_gid = _gid("Contract", contract.id)
    created = await gql(CREATE, {"input": _claim_input(contract_gid)}, as_=BUYER)
    claim_id = created["data"]["refundClaimCreate"]["refundClaim"]["id"]
    second = await gql(CREATE, {"input": _claim_input(contract_gid, debtorCode="101")}, as_=BUYER)
    assert second["data"]["refundClaimCreate"]["errors"][0]["code"] == "DUPLICATE"
    wrong = ((BUYER, "PERMISSION_DENIED"), (THIRD, "NOT_FOUND"), (PROVIDER, "PERMISSION_DENIED"))
    for caller, code in wrong:
        body = await gql(ACCEPT, {"input": {"id": claim_id}}, as_=caller)
        assert body["data"]["refundClaimAccept"]["errors"][0]["code"] == code, caller
    by_debtor = await gql(WITHDRAW, {"input": {"id": claim_id}}, as_=DEBTOR)
    assert by_debtor["data"]["refundClaimWithdraw"]["errors"][0]["code"] == "PERMISSION_DENIED"
    no_reason = await gql(DISPUTE, {"input": {"id": claim_id, "reason": ""}}, as_=DEBTOR)
    assert no_reason["data"]["refundClaimDispute"]["errors"][0]["field"] == ["input", "reason"]
    disputed = await gql(
        DISPUTE, {"input": {"id": claim_id, "reason": "Ikke medvirket"}}, as_=DEBTOR
    )
    dispute = disputed["data"]["refundClaimDispute"]["refundClaim"]
    assert (dispute["status"], dispute["answeredBy"], dispute["answerReason"]) == (
        "DISPUTED",
        "dev:751:purchaser",
        "Ikke medvirket",
    )
    assert dispute["answeredAt"]
    withdrawn = await gql(WITHDRAW, {"input": {"id": claim_id, "reason": "Afgjort"}}, as_=BUYER)
    assert withdrawn["data"]["refundClaimWithdraw"] == {
        "refundClaim": {"status": "WITHDRAWN", "withdrawnBy": "dev:851:purchaser"},
        "errors": [],
    }
    not_a_claim = await gql(WITHDRAW, {"input": {"id": contract_gid}}, as_=BUYER)
    assert not_a_claim["data"]["refundClaimWithdraw"]["errors"][0]["code"] == "NOT_FOUND"


CLAIMS = """
query ($first: Int) {
  refundClaims(first: $first, filter: {role: DEBTOR, status: CLAIMED}) {
    totalCount
    edges { node {
      id status paragraphText citizenRef contractStatus
      terms { price { amount } addOns { name } }
      offer { name provider { name } } provider { name } claimant { name region { name } }
      debtor { name } contract { id }
    } }
  }
}
"""


async def test_claim_lists_cost_the_same_statements_for_any_page(
    gql: GraphQL, market: Market, statements: list[str]
) -> None:
    await offers.update_offer(_admin("851"), market.aalborg_offer_id, {"occupied_places": 0})
    for i in range(6):
        offer = market.offer_id if i % 2 else market.aalborg_offer_id
        admin = ENGLY_ADMIN if i % 2 else _admin("851")
        contract = await contract_for(offer, provider_admin=admin, citizen_ref=f"SAG-R{i}")
        body = await gql(CREATE, {"input": _claim_input(_gid("Contract", contract.id))}, as_=BUYER)
        assert body["data"]["refundClaimCreate"]["errors"] == []
    counts = []
    for first in (2, 6):
        statements.clear()
        body = await gql(CLAIMS, {"first": first}, as_=DEBTOR)
        assert len(body["data"]["refundClaims"]["edges"]) == first, body
        counts.append(len(statements))
    assert counts[0] == counts[1], statements


def _admin(org: str) -> Any:
    from tests.factories import admin_of

    return admin_of(org)


def test_the_payer_field_is_deprecated_and_payer_code_is_gone() -> None:
    from pathlib import Path

    sdl = (Path(__file__).resolve().parents[2] / "schema" / "schema.graphql").read_text("utf-8")
    assert "payerCode" not in sdl
    assert sdl.count('payer: Municipality! @deprecated(reason: "Always the buyer') == 3
