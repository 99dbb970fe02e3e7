"""The contracting flow through GraphQL with two tokens, a purchaser and a provider admin:
request, accept, the place taken, notice, the end date, the monthly statement; parties only;
and lists of contracts at a fixed number of SQL statements."""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from marketplace.core.clock import today
from marketplace.core.identity import Role
from marketplace.offers import service as offers
from tests.conftest import GraphQL
from tests.marketplace.contracts.world import CPR, Market, build_market, contract_for

PURCHASER = ("851", Role.PURCHASER)
PROVIDER = ("43389424", Role.PROVIDER_ADMIN)
OTHER_PURCHASER = ("751", Role.PURCHASER)
OTHER_PROVIDER = ("851", Role.PROVIDER_ADMIN)

CREATE = """
mutation ($input: PlacementRequestCreateInput!) {
  placementRequestCreate(input: $input) {
    placementRequest { id status cprMasked citizenRef expiresOn buyer { name } provider { name } }
    errors { field code message }
  }
}
"""
ACCEPT = """
mutation ($input: PlacementRequestAcceptInput!) {
  placementRequestAccept(input: $input) {
    contract { id status startDate endDate noticePeriodDays cprMasked
               terms { priceLevel price { amount currency } addOns { name quantity price { amount } } } }
    placementRequest { status }
    errors { field code message }
  }
}
"""
NOTICE = """
mutation ($input: ContractGiveNoticeInput!) {
  contractGiveNotice(input: $input) { contract { status endDate noticeGivenBy } errors { code field } }
}
"""
CAPACITY = """
query ($id: ID!) { offer(id: $id) { capacity { places occupied contracted declared free } } }
"""
STATEMENT = """
query ($month: String!) {
  billingStatement(municipalityCode: "851", month: $month) {
    month total { amount } subtotals { legalBasis lines total { amount } }
    lines(first: 10) { totalCount edges { node { days citizenRef total { amount } contract { id } } } }
  }
}
"""
CONTRACT = """
query ($id: ID!) {
  contract(id: $id) { id status history { kind actorOrganisation } request { status } }
  node(id: $id) { ... on Contract { id } }
}
"""


def _offer_gid(market: Market) -> str:
    from strawberry.relay import to_base64

    return to_base64("Offer", str(market.offer_id))


@pytest.fixture
async def market() -> Market:
    return await build_market()


async def test_the_contracting_flow_end_to_end(gql: GraphQL, market: Market) -> None:
    offer = _offer_gid(market)
    start = today() + datetime.timedelta(days=3)
    request_input = {
        "offerId": offer,
        "citizenRef": "SAG-2026-0042",
        "cpr": CPR,
        "desiredStart": start.isoformat(),
        "priceLevel": "Niveau 2",
        "addOns": [{"name": "Ekstra 1:1-støtte", "quantity": "10"}],
        "urgency": "PLANNED",
        "idempotencyKey": "case-0042-request",
    }
    created = await gql(CREATE, {"input": request_input}, as_=PURCHASER)
    payload = created["data"]["placementRequestCreate"]
    assert payload["errors"] == []
    request = payload["placementRequest"]
    assert (request["status"], request["cprMasked"]) == ("PENDING", "010190-****")
    assert request["provider"]["name"] == "Bostedet Engly ApS"
    again = await gql(CREATE, {"input": request_input}, as_=PURCHASER)
    assert again["data"]["placementRequestCreate"]["placementRequest"]["id"] == request["id"]

    accepted = await gql(
        ACCEPT, {"input": {"id": request["id"], "idempotencyKey": "accept-0042"}}, as_=PROVIDER
    )
    payload = accepted["data"]["placementRequestAccept"]
    assert payload["errors"] == []
    contract = payload["contract"]
    assert (contract["status"], contract["startDate"], contract["noticePeriodDays"]) == (
        "ACTIVE",
        start.isoformat(),
        90,
    )
    assert contract["terms"][0]["price"] == {"amount": "3890.00", "currency": "DKK"}
    assert payload["placementRequest"]["status"] == "ACCEPTED"

    capacity = await gql(CAPACITY, {"id": offer}, as_=PURCHASER)
    # the contract starts in three days: today the place is still free
    assert capacity["data"]["offer"]["capacity"] == {
        "places": 12,
        "occupied": 10,
        "contracted": 0,
        "declared": 10,
        "free": 2,
    }
    search = await gql(
        "query ($d: Date) { searchOffers(filter: {freeFrom: $d, age: 30}) { totalCount } }",
        {"d": start.isoformat()},
        as_=PURCHASER,
    )
    assert search["data"]["searchOffers"]["totalCount"] == 2  # both offers still have a place

    noticed = await gql(
        NOTICE, {"input": {"id": contract["id"], "reason": "Flytter"}}, as_=PURCHASER
    )
    ended = noticed["data"]["contractGiveNotice"]["contract"]
    assert ended["status"] == "NOTICE_GIVEN" and ended["noticeGivenBy"] == "851"
    assert ended["endDate"] == (today() + datetime.timedelta(days=90)).isoformat()

    month = start.strftime("%Y-%m")
    statement = (await gql(STATEMENT, {"month": month}, as_=PURCHASER))["data"]["billingStatement"]
    [edge] = statement["lines"]["edges"]
    assert edge["node"]["contract"]["id"] == contract["id"]
    assert edge["node"]["citizenRef"] == "SAG-2026-0042"
    assert statement["subtotals"][0]["legalBasis"] == "SEL_108"
    assert statement["total"] == edge["node"]["total"]

    history = (await gql(CONTRACT, {"id": contract["id"]}, as_=PROVIDER))["data"]["contract"][
        "history"
    ]
    assert [(e["kind"], e["actorOrganisation"]) for e in history] == [
        ("requested", "851"),
        ("accepted", "43389424"),
        ("signed", "43389424"),
        ("notice_given", "851"),
    ]


async def test_everyone_but_the_parties_gets_not_found(gql: GraphQL, market: Market) -> None:
    contract = await contract_for(market.offer_id)
    from strawberry.relay import to_base64

    contract_id = to_base64("Contract", str(contract.id))
    request_id = to_base64("PlacementRequest", str(contract.request_id))
    for caller in (OTHER_PURCHASER, OTHER_PROVIDER, ("1081", Role.STEERING), None):
        body = await gql(CONTRACT, {"id": contract_id}, as_=caller)
        assert body["data"] == {"contract": None, "node": None}, caller
        node = await gql(
            "query ($id: ID!) { placementRequest(id: $id) { id } }", {"id": request_id}, as_=caller
        )
        assert node["data"]["placementRequest"] is None
    for caller in (OTHER_PURCHASER, OTHER_PROVIDER):
        noticed = await gql(NOTICE, {"input": {"id": contract_id, "reason": "Forsøg"}}, as_=caller)
        assert noticed["data"]["contractGiveNotice"]["errors"][0]["code"] == "NOT_FOUND"
    mine = await gql(CONTRACT, {"id": contract_id}, as_=PURCHASER)
    assert mine["data"]["contract"]["id"] == contract_id


async def test_capacity_exhausted_is_a_user_error(gql: GraphQL, market: Market) -> None:
    await contract_for(market.offer_id)
    await contract_for(market.offer_id)
    third = await gql(
        CREATE,
        {
            "input": {
                "offerId": _offer_gid(market),
                "citizenRef": "SAG-3",
                "desiredStart": today().isoformat(),
            }
        },
        as_=PURCHASER,
    )
    request_id = third["data"]["placementRequestCreate"]["placementRequest"]["id"]
    refused = await gql(ACCEPT, {"input": {"id": request_id}}, as_=PROVIDER)
    assert refused["data"]["placementRequestAccept"]["errors"] == [
        {
            "field": ["input", "id"],
            "code": "CAPACITY_EXHAUSTED",
            "message": "The offer has no free place for the whole period asked for.",
        }
    ]


CONTRACTS = """
query ($first: Int) {
  contracts(first: $first) {
    totalCount
    edges { node {
      id status citizenRef terms { price { amount } }
      offer { name capacity { free } provider { name } }
      provider { name } buyer { name } payer { region { name } }
      request { status history { kind } }
      changes { status } history { kind }
    } }
  }
}
"""


async def test_contract_lists_cost_the_same_statements_for_any_page(
    gql: GraphQL,
    market: Market,
    statements: list[str],
) -> None:
    for i in range(2):
        await contract_for(market.offer_id, citizen_ref=f"SAG-{i}")
    await offers.update_offer(_admin("851"), market.aalborg_offer_id, {"occupied_places": 0})
    for i in range(6):
        await contract_for(
            market.aalborg_offer_id, provider_admin=_admin("851"), citizen_ref=f"SAG-A{i}"
        )
    statements.clear()
    small = await gql(CONTRACTS, {"first": 2}, as_=PURCHASER)
    small_count = len(statements)
    statements.clear()
    large = await gql(CONTRACTS, {"first": 8}, as_=PURCHASER)
    large_count = len(statements)
    assert len(small["data"]["contracts"]["edges"]) == 2
    assert len(large["data"]["contracts"]["edges"]) == 8
    assert small_count == large_count, statements


def _admin(org: str) -> Any:
    from tests.factories import admin_of

    return admin_of(org)
