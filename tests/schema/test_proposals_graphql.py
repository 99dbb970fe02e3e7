"""Proposals and acute requests through GraphQL: the provider answers with a special
arrangement priced from its costs, the buyer sees it on the request and accepts it (the
contract shows both consents) or rejects it; errors name the input's fields; the request list
with its proposals costs the same statements for any page."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from strawberry.relay import to_base64

from marketplace.contracts import proposals
from marketplace.contracts.models import PlacementProposal
from marketplace.core.clock import today
from marketplace.core.identity import Role
from marketplace.offers import service as offers
from tests.agreements.world import agreement_in_force
from tests.conftest import GraphQL
from tests.factories import admin_of
from tests.marketplace.contracts.world import ENGLY_ADMIN, Market, build_market, request_place

PURCHASER = ("851", Role.PURCHASER)
PROVIDER = ("43389424", Role.PROVIDER_ADMIN)
AALBORG_RUNS = ("851", Role.PROVIDER_ADMIN)

PROPOSE = """
mutation ($input: PlacementRequestProposeInput!) {
  placementRequestPropose(input: $input) {
    proposal { id status startDate priceLevel reviewOn message proposedBy price { amount }
               specialArrangement { staff { role hoursPerWeek hourlyRate { amount } }
                                    otherCostsPerDay { amount } overheadPercent
                                    pricePerDay { amount } } }
    placementRequest { status }
    errors { field code message }
  }
}
"""
REQUEST = """
query ($id: ID!) {
  placementRequest(id: $id) { status respondBy proposals { id status price { amount } } }
}
"""
ACCEPT_PROPOSAL = """
mutation ($input: PlacementProposalAcceptInput!) {
  placementProposalAccept(input: $input) {
    contract { id terms { specialArrangement price { amount } reviewOn
                          cost { pricePerDay { amount } }
                          buyerConsent { organisation by } providerConsent { organisation by } } }
    proposal { status }
    placementRequest { status }
    errors { field code message }
  }
}
"""
REJECT_PROPOSAL = """
mutation ($input: PlacementProposalRejectInput!) {
  placementProposalReject(input: $input) {
    proposal { status answerReason } placementRequest { status } errors { field code message }
  }
}
"""
COSTS = {
    "staff": [
        {"role": "Pædagog, 1:1 i dagtimerne", "hoursPerWeek": "56", "hourlyRate": "360"},
        {"role": "Vågen nattevagt", "hoursPerWeek": "70", "hourlyRate": "395.50"},
    ],
    "otherCostsPerDay": "240",
    "overheadPercent": "4.5",
}


@pytest.fixture
async def market() -> Market:
    return await build_market()


def _gid(type_name: str, value: Any) -> str:
    return to_base64(type_name, str(value))


async def test_a_special_arrangement_is_proposed_and_accepted_through_graphql(
    gql: GraphQL, market: Market
) -> None:
    request = await request_place(market.offer_id)
    review = (today() + datetime.timedelta(days=90)).isoformat()
    proposed = await gql(
        PROPOSE,
        {
            "input": {
                "id": _gid("PlacementRequest", request.id),
                "specialArrangement": COSTS,
                "reviewOn": review,
                "message": "1:1 i dagtimerne og vågen nattevagt",
                "idempotencyKey": "engly-forslag-0001",
            }
        },
        as_=PROVIDER,
    )
    payload = proposed["data"]["placementRequestPropose"]
    assert payload["errors"] == [] and payload["placementRequest"] == {"status": "PROPOSED"}
    proposal = payload["proposal"]
    assert proposal["price"] == {"amount": "7393.38"}
    assert proposal["specialArrangement"]["pricePerDay"] == {"amount": "7393.38"}
    assert proposal["specialArrangement"]["staff"][1] == {
        "role": "Vågen nattevagt",
        "hoursPerWeek": "70",
        "hourlyRate": {"amount": "395.50"},
    }
    assert (proposal["status"], proposal["reviewOn"], proposal["proposedBy"]) == (
        "OPEN",
        review,
        "43389424",
    )

    seen = await gql(REQUEST, {"id": _gid("PlacementRequest", request.id)}, as_=PURCHASER)
    assert seen["data"]["placementRequest"]["proposals"] == [
        {"id": proposal["id"], "status": "OPEN", "price": {"amount": "7393.38"}}
    ]

    accepted = await gql(
        ACCEPT_PROPOSAL,
        {"input": {"id": proposal["id"], "idempotencyKey": "aalborg-ja-0001"}},
        as_=PURCHASER,
    )
    payload = accepted["data"]["placementProposalAccept"]
    assert payload["errors"] == []
    [term] = payload["contract"]["terms"]
    assert term == {
        "specialArrangement": True,
        "price": {"amount": "7393.38"},
        "reviewOn": review,
        "cost": {"pricePerDay": {"amount": "7393.38"}},
        "buyerConsent": {"organisation": "851", "by": "dev:851:purchaser"},
        "providerConsent": {"organisation": "43389424", "by": "dev:43389424:provider_admin"},
    }
    assert payload["proposal"] == {"status": "ACCEPTED"}
    assert payload["placementRequest"] == {"status": "ACCEPTED"}
    again = await gql(
        ACCEPT_PROPOSAL,
        {"input": {"id": proposal["id"], "idempotencyKey": "aalborg-ja-0001"}},
        as_=PURCHASER,
    )
    assert again["data"]["placementProposalAccept"]["contract"]["id"] == payload["contract"]["id"]


async def test_the_buyer_rejects_a_proposal_with_a_reason(gql: GraphQL, market: Market) -> None:
    request = await request_place(market.offer_id)
    proposal = await proposals.propose(ENGLY_ADMIN, request.id, PlacementProposal(price_level=None))
    refused = await gql(
        REJECT_PROPOSAL,
        {"input": {"id": _gid("PlacementProposal", proposal.id), "reason": "x"}},
        as_=PURCHASER,
    )
    assert refused["data"]["placementProposalReject"]["errors"][0]["field"] == ["input", "reason"]
    rejected = await gql(
        REJECT_PROPOSAL,
        {"input": {"id": _gid("PlacementProposal", proposal.id), "reason": "For lavt niveau"}},
        as_=PURCHASER,
    )
    assert rejected["data"]["placementProposalReject"] == {
        "proposal": {"status": "REJECTED", "answerReason": "For lavt niveau"},
        "placementRequest": {"status": "REJECTED"},
        "errors": [],
    }


async def test_proposal_errors_name_the_inputs_fields(gql: GraphQL, market: Market) -> None:
    await agreement_in_force()  # caps overhead at 4.5% in North Jutland, where Birkely is
    request = await request_place(market.aalborg_offer_id)
    review = (today() + datetime.timedelta(days=90)).isoformat()
    over_cap = await gql(
        PROPOSE,
        {
            "input": {
                "id": _gid("PlacementRequest", request.id),
                "specialArrangement": {**COSTS, "overheadPercent": "6"},
                "reviewOn": review,
            }
        },
        as_=AALBORG_RUNS,
    )
    [error] = over_cap["data"]["placementRequestPropose"]["errors"]
    assert (error["code"], error["field"]) == (
        "RULE_BROKEN",
        ["input", "specialArrangement", "overheadPercent"],
    )
    no_review = await gql(
        PROPOSE,
        {"input": {"id": _gid("PlacementRequest", request.id), "specialArrangement": COSTS}},
        as_=AALBORG_RUNS,
    )
    assert no_review["data"]["placementRequestPropose"]["errors"][0]["code"] == "REQUIRED"
    stranger = await gql(
        PROPOSE,
        {"input": {"id": _gid("PlacementRequest", request.id), "priceLevel": None}},
        as_=PROVIDER,
    )
    assert stranger["data"]["placementRequestPropose"]["errors"][0]["code"] == "NOT_FOUND"


async def test_accepting_as_asked_takes_no_price_of_the_providers_own(
    gql: GraphQL, market: Market
) -> None:
    request = await request_place(market.offer_id)
    body = await gql(
        """mutation ($id: ID!) { placementRequestAccept(input: {id: $id,
             specialArrangementPrice: "14500"}) { errors { code } } }""",
        {"id": _gid("PlacementRequest", request.id)},
        as_=PROVIDER,
    )
    assert "specialArrangementPrice" in body["errors"][0]["message"]  # no such field


async def test_an_acute_request_shows_its_deadline(gql: GraphQL, market: Market) -> None:
    await offers.update_offer(ENGLY_ADMIN, market.offer_id, {"takes_acute": True})
    request = await request_place(market.offer_id, urgency="acute", desired_start=today())
    seen = await gql(REQUEST, {"id": _gid("PlacementRequest", request.id)}, as_=PROVIDER)
    respond_by = seen["data"]["placementRequest"]["respondBy"]
    assert respond_by is not None and request.respond_by is not None
    assert datetime.datetime.fromisoformat(respond_by) == request.respond_by
    found = await gql(
        "{ searchOffers(filter: {acute: true}) { totalCount edges { node { takesAcute } } } }",
        as_=PURCHASER,
    )
    assert found["data"]["searchOffers"]["totalCount"] == 1
    assert found["data"]["searchOffers"]["edges"] == [{"node": {"takesAcute": True}}]


REQUESTS = """
query ($first: Int) {
  placementRequests(first: $first) {
    edges { node { status proposals { status price { amount } request { status } } } }
  }
}
"""


async def test_requests_with_their_proposals_cost_the_same_statements_for_any_page(
    gql: GraphQL, market: Market, statements: list[str]
) -> None:
    await offers.update_offer(admin_of("43389424"), market.offer_id, {"occupied_places": 0})
    for i in range(6):
        request = await request_place(market.offer_id, citizen_ref=f"SAG-{i}")
        await proposals.propose(ENGLY_ADMIN, request.id, PlacementProposal(price_level=None))
    statements.clear()
    small = await gql(REQUESTS, {"first": 2}, as_=PURCHASER)
    small_count = len(statements)
    statements.clear()
    large = await gql(REQUESTS, {"first": 6}, as_=PURCHASER)
    large_count = len(statements)
    assert len(small["data"]["placementRequests"]["edges"]) == 2
    assert len(large["data"]["placementRequests"]["edges"]) == 6
    assert small_count == large_count, statements
