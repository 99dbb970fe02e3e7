"""One need, several offers through GraphQL: a purchaser sends a need, the providers find it
among their answers to give and answer it, the purchaser compares the answers side by side
and picks one, which the provider accepts as asked; providers never see a citizen; errors
name the input's fields; the lists cost the same statements for any page."""

from __future__ import annotations

import datetime
import json
from typing import Any

import pytest
from strawberry.relay import to_base64

from marketplace.contracts import needs
from marketplace.contracts.models import PlacementNeedCreate, PlacementProposal
from marketplace.core.clock import today, utcnow
from marketplace.core.identity import Role
from marketplace.offers import service as offers
from tests.agreements.world import agreement_in_force
from tests.conftest import GraphQL
from tests.factories import offer_content, target_group_code
from tests.marketplace.contracts.world import (
    AARHUS,
    ENGLY_ADMIN,
    Market,
    build_market,
)

BUYER = ("751", Role.PURCHASER)  # Aarhus
ENGLY = ("43389424", Role.PROVIDER_ADMIN)
AALBORG_RUNS = ("851", Role.PROVIDER_ADMIN)
AUTISM = target_group_code("Autismespektrum")
CITIZEN_REF, CPR = "SAG-AAR-2026-77", "150306-4321"
COSTS = {
    "staff": [
        {"role": "Pædagog, 1:1 i dagtimerne", "hoursPerWeek": "56", "hourlyRate": "360"},
        {"role": "Vågen nattevagt", "hoursPerWeek": "70", "hourlyRate": "395.50"},
    ],
    "otherCostsPerDay": "240",
    "overheadPercent": "4.5",
}

CREATE = """
mutation ($input: PlacementNeedCreateInput!) {
  placementNeedCreate(input: $input) {
    placementNeed { id status age sentCount matchedCount respondBy desiredStart
                    maxPricePerDay { amount } targetGroups { labelDa } buyer { name } }
    errors { field code message }
  }
}
"""
INVITATIONS = """
query ($status: NeedAnswerStatus) {
  needAnswers(filter: { status: $status }, first: 10) {
    totalCount
    edges { node { id status respondBy offer { name }
      need { id age message urgency desiredStart sentCount targetGroups { labelDa }
             buyer { name } answers(first: 10) { totalCount edges { node { id } } }
             placementRequest { id } } } }
  }
}
"""
PROPOSE = """
mutation ($input: NeedAnswerProposeInput!) {
  needAnswerPropose(input: $input) {
    needAnswer { id status price { amount } unit startDate reviewOn
                 specialArrangement { pricePerDay { amount } } }
    errors { field code message }
  }
}
"""
DECLINE = """
mutation ($input: NeedAnswerDeclineInput!) {
  needAnswerDecline(input: $input) {
    needAnswer { id status declineReason declineText } errors { field code message }
  }
}
"""
SIDE_BY_SIDE = """
query ($id: ID!) {
  placementNeed(id: $id) {
    status sentCount
    answers(first: 10) {
      totalCount
      edges { node { id status price { amount } unit priceLevel distanceKm freeFrom
                     specialConditions agreement { name source } declineReason
                     offer { name } provider { name } } }
    }
  }
}
"""
CHOOSE = """
mutation ($input: PlacementNeedChooseInput!) {
  placementNeedChoose(input: $input) {
    placementRequest { id status citizenRef cprMasked desiredStart priceLevel
                       needAnswer { id status specialArrangement { pricePerDay { amount } } } }
    placementNeed { status }
    errors { field code message }
  }
}
"""
ACCEPT = """
mutation ($input: PlacementRequestAcceptInput!) {
  placementRequestAccept(input: $input) {
    contract { terms { specialArrangement price { amount } reviewOn
                       buyerConsent { organisation } providerConsent { organisation } } }
    errors { field code message }
  }
}
"""


@pytest.fixture
async def market() -> Market:
    return await build_market()


def _gid(type_name: str, value: Any) -> str:
    return to_base64(type_name, str(value))


def _errors(body: dict[str, Any], name: str) -> list[tuple[list[str] | None, str]]:
    assert "errors" not in body, body
    return [(e["field"], e["code"]) for e in body["data"][name]["errors"]]


async def _send(gql: GraphQL, market: Market, **extra: Any) -> dict[str, Any]:
    body = await gql(
        CREATE,
        {
            "input": {
                "targetGroups": [AUTISM],
                "age": 20,
                "desiredStart": (today() + datetime.timedelta(days=7)).isoformat(),
                "maxPricePerDay": "8000",
                "message": "Ung mand med autisme; døgndækning.",
                "offerIds": [
                    _gid("Offer", market.offer_id),
                    _gid("Offer", market.aalborg_offer_id),
                ],
                **extra,
            }
        },
        as_=BUYER,
    )
    payload = body["data"]["placementNeedCreate"]
    assert payload["errors"] == [], payload
    need: dict[str, Any] = payload["placementNeed"]
    return need


async def _invitation(gql: GraphQL, who: tuple[str, Role]) -> dict[str, Any]:
    body = await gql(INVITATIONS, {"status": "WAITING"}, as_=who)
    [edge] = body["data"]["needAnswers"]["edges"]
    node: dict[str, Any] = edge["node"]
    return node


async def test_a_need_is_sent_answered_compared_picked_and_accepted(
    gql: GraphQL, market: Market
) -> None:
    await agreement_in_force()
    need = await _send(gql, market, idempotencyKey="aarhus-behov-77")
    assert (need["status"], need["sentCount"], need["matchedCount"]) == ("OPEN", 2, 2)
    assert need["buyer"] == {"name": "Aarhus"} and need["maxPricePerDay"] == {"amount": "8000.00"}
    assert need["targetGroups"] == [{"labelDa": "Autismespektrum"}]

    engly = await _invitation(gql, ENGLY)
    assert engly["need"]["buyer"] == {"name": "Aarhus"} and engly["need"]["sentCount"] is None
    assert engly["need"]["answers"]["totalCount"] == 1  # its own answer only
    review = (today() + datetime.timedelta(days=90)).isoformat()
    proposed = await gql(
        PROPOSE,
        {
            "input": {
                "id": engly["id"],
                "specialArrangement": COSTS,
                "reviewOn": review,
                "idempotencyKey": "engly-svar-0077",
            }
        },
        as_=ENGLY,
    )
    answer = proposed["data"]["needAnswerPropose"]["needAnswer"]
    assert (answer["status"], answer["price"], answer["unit"]) == (
        "PROPOSED",
        {"amount": "7393.38"},
        "PER_DAY",
    )
    birkely = await _invitation(gql, AALBORG_RUNS)
    declined = await gql(
        DECLINE, {"input": {"id": birkely["id"], "reason": "NO_CAPACITY"}}, as_=AALBORG_RUNS
    )
    assert declined["data"]["needAnswerDecline"]["needAnswer"]["status"] == "DECLINED"

    side = await gql(SIDE_BY_SIDE, {"id": need["id"]}, as_=BUYER)
    first, second = (e["node"] for e in side["data"]["placementNeed"]["answers"]["edges"])
    assert (first["offer"]["name"], first["status"], first["price"]) == (
        "Botilbuddet Engly",
        "PROPOSED",
        {"amount": "7393.38"},
    )
    assert first["agreement"]["name"] is None and "private" in first["agreement"]["source"]
    assert first["freeFrom"] == today().isoformat() and 30 < first["distanceKm"] < 50
    assert (second["offer"]["name"], second["declineReason"]) == ("Bostedet Birkely", "NO_CAPACITY")
    assert second["agreement"]["name"].startswith("Nordjysk Socialaftale")

    chosen = await gql(
        CHOOSE,
        {
            "input": {
                "answerId": first["id"],
                "citizenRef": CITIZEN_REF,
                "cpr": CPR,
                "idempotencyKey": "aarhus-valg-0077",
            }
        },
        as_=BUYER,
    )
    payload = chosen["data"]["placementNeedChoose"]
    assert payload["errors"] == [] and payload["placementNeed"] == {"status": "CHOSEN"}
    request = payload["placementRequest"]
    assert (request["status"], request["citizenRef"], request["cprMasked"]) == (
        "PENDING",
        CITIZEN_REF,
        "150306-****",
    )
    assert request["needAnswer"]["status"] == "CHOSEN"

    accepted = await gql(
        ACCEPT, {"input": {"id": request["id"], "idempotencyKey": "engly-accept-77"}}, as_=ENGLY
    )
    [term] = accepted["data"]["placementRequestAccept"]["contract"]["terms"]
    assert term == {
        "specialArrangement": True,
        "price": {"amount": "7393.38"},
        "reviewOn": review,
        "buyerConsent": {"organisation": "751"},
        "providerConsent": {"organisation": "43389424"},
    }

    # the provider not chosen sees its answer closed, no request, and no citizen anywhere
    seen = await gql(INVITATIONS, {"status": None}, as_=AALBORG_RUNS)
    [edge] = seen["data"]["needAnswers"]["edges"]
    assert edge["node"]["status"] == "DECLINED" and edge["node"]["need"]["placementRequest"] is None
    text = json.dumps(seen, ensure_ascii=False)
    assert CITIZEN_REF not in text and "150306" not in text


async def test_errors_name_the_inputs_fields_and_change_nothing(
    gql: GraphQL, market: Market
) -> None:
    draft = await offers.create_offer(ENGLY_ADMIN, market.provider_id, offer_content(name="Kladde"))
    cases = [
        (
            {"respondBy": (utcnow() - datetime.timedelta(hours=1)).isoformat()},
            ["input", "respondBy"],
            "INVALID",
        ),
        (
            {"offerIds": [_gid("Offer", market.offer_id), _gid("Offer", draft.id)]},
            ["input", "offerIds", "1"],
            "NOT_FOUND",
        ),
        (
            {"offerIds": None, "match": {"query": "ingen-saadan-tekst"}},
            ["input", "match"],
            "NO_MATCHING_OFFER",
        ),
        ({"targetGroups": ["ukendt"]}, ["input", "targetGroups"], "INVALID"),
        ({"area": {"regionCode": "1081", "radiusKm": 10}}, ["input", "area"], "INVALID"),
    ]
    for extra, field, code in cases:
        body = await gql(
            CREATE,
            {
                "input": {
                    "targetGroups": [AUTISM],
                    "age": 20,
                    "offerIds": [_gid("Offer", market.offer_id)],
                    **extra,
                }
            },
            as_=BUYER,
        )
        assert _errors(body, "placementNeedCreate") == [(field, code)], extra

    need = await _send(gql, market)
    engly = await _invitation(gql, ENGLY)
    stranger = await gql(PROPOSE, {"input": {"id": engly["id"]}}, as_=AALBORG_RUNS)
    assert _errors(stranger, "needAnswerPropose") == [(["input", "id"], "NOT_FOUND")]
    await gql(DECLINE, {"input": {"id": engly["id"], "reason": "TARGET_GROUP_MISMATCH"}}, as_=ENGLY)
    twice = await gql(PROPOSE, {"input": {"id": engly["id"]}}, as_=ENGLY)
    assert _errors(twice, "needAnswerPropose") == [(["input", "id"], "INVALID_STATE")]
    declined = await gql(
        CHOOSE, {"input": {"answerId": engly["id"], "citizenRef": "SAG-1"}}, as_=BUYER
    )
    assert _errors(declined, "placementNeedChoose") == [(["input", "answerId"], "INVALID_STATE")]
    shown = await gql(SIDE_BY_SIDE, {"id": need["id"]}, as_=BUYER)
    assert shown["data"]["placementNeed"]["status"] == "OPEN"


NEEDS = """
query ($first: Int) {
  placementNeeds(first: $first) {
    totalCount
    edges { node { id status targetGroups { labelDa } buyer { name }
      placementRequest { id status }
      answers(first: 5) { totalCount edges { node {
        status price { amount } distanceKm freeFrom specialConditions agreement { name }
        offer { name capacity { free } } provider { name } placementRequest { id } } } } } }
  }
}
"""
ANSWERS = """
query ($first: Int) {
  needAnswers(first: $first) {
    totalCount
    edges { node { status price { amount } freeFrom agreement { name } offer { name }
      need { age targetGroups { labelDa } buyer { name } } } }
  }
}
"""


async def test_the_lists_cost_the_same_statements_for_any_page(
    gql: GraphQL, market: Market, statements: list[str]
) -> None:
    await agreement_in_force()
    for i in range(6):
        sent = await needs.create_need(
            AARHUS,
            PlacementNeedCreate(
                target_groups=[AUTISM],
                age=20 + i,
                offer_ids=[market.offer_id, market.aalborg_offer_id],
            ),
        )
        answers = (await needs.answers_by_need(AARHUS, [sent.id]))[sent.id]
        engly = next(a for a in answers if a.offer_id == market.offer_id)
        await needs.propose(ENGLY_ADMIN, engly.id, PlacementProposal())
        if i % 2:
            from tests.marketplace.contracts.test_needs import choice

            await needs.choose(AARHUS, engly.id, choice(citizen_ref=f"SAG-{i}"))
    counts: dict[str, list[int]] = {}
    for name, query, who in (("placementNeeds", NEEDS, BUYER), ("needAnswers", ANSWERS, ENGLY)):
        for first in (2, 6):
            statements.clear()
            body = await gql(query, {"first": first}, as_=who)
            assert "errors" not in body, body
            assert len(body["data"][name]["edges"]) == first
            counts.setdefault(name, []).append(len(statements))
    print(f"\nstatements per page (2 and 6 items): {counts}")
    assert counts["placementNeeds"][0] == counts["placementNeeds"][1], counts
    assert counts["needAnswers"][0] == counts["needAnswers"][1], counts
