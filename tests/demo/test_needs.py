"""The demo need and the README's walk through "One need, several offers" on the demo data:
Aarhus's need went to four offers and has two proposals and a decline; a new need finds
offers by a search; Region Nordjylland declines Tranehøj's; Aarhus compares and picks
the special arrangement answered; its provider accepts the request as asked."""

from __future__ import annotations

import datetime
from typing import Any

from demo.activity import seed_demo_activity
from demo.agreements import seed_demo_agreements
from demo.needs import seed_demo_needs
from demo.offers import seed_demo_offers
from demo.providers import seed_demo_providers
from marketplace.contracts.tables import PlacementNeed
from marketplace.core.clock import today, utcnow
from marketplace.core.identity import Role
from tests.conftest import GraphQL

AARHUS = ("751", Role.PURCHASER)
NORTH = ("1081", Role.PROVIDER_ADMIN)

# The README's documents, as written there.
CREATE = """
mutation {
  placementNeedCreate(input: {
    targetGroups: ["9b3fd322-a75a-4ed8-9b74-425fa1e01c95", "3e3f5ebf-82c1-401b-ab5e-e6138a31da3a"],
    age: 20, area: { municipalityCode: "751", radiusKm: 150 }, maxPricePerDay: "9500",
    message: "Ung kvinde med autisme og selvskade; har brug for døgndækning.",
    match: { categories: [RESIDENTIAL], freePlaces: true },
    idempotencyKey: "aarhus-behov-2026-0102"
  }) {
    placementNeed { id status respondBy decideBy sentCount matchedCount }
    errors { field code message }
  }
}
"""
WAITING = """
{
  needAnswers(filter: { status: WAITING }) {
    edges { node { id respondBy offer { name }
      need { age urgency desiredStart message targetGroups { labelDa } buyer { name } } } }
  }
}
"""
DECLINE = """
mutation ($id: ID!) {
  needAnswerDecline(input: { id: $id, reason: NO_CAPACITY,
                             text: "Fuldt belagt; tidligst en plads fra den 24." }) {
    needAnswer { status declineReason } errors { field code message }
  }
}
"""
COMPARE = """
{
  placementNeeds(filter: { status: OPEN }) {
    edges { node { id message sentCount respondBy decideBy
      answers(first: 10) { edges { node { id status offer { name } provider { name orgCode }
        price { amount } unit priceLevel specialArrangement { pricePerDay { amount } } reviewOn
        distanceKm freeFrom specialConditions agreement { name source } declineReason } } } } }
  }
}
"""
CHOOSE = """
mutation ($answerId: ID!) {
  placementNeedChoose(input: { answerId: $answerId, citizenRef: "SAG-2026-0101",
    cpr: "150306-4321", individualPlanRef: "HP-2026-0101", idempotencyKey: "aarhus-valg-2026-0101" }) {
    placementRequest { id status cprMasked needAnswer { specialArrangement { pricePerDay { amount } } } }
    placementNeed { status }
    errors { field code message }
  }
}
"""
ACCEPT = """
mutation ($id: ID!) {
  placementRequestAccept(input: { id: $id, idempotencyKey: "limfjordsgaarden-accept-0101" }) {
    contract { status terms { specialArrangement price { amount } reviewOn
                              buyerConsent { organisation at } providerConsent { organisation at } } }
    errors { field code message }
  }
}
"""


def _data(body: dict[str, Any]) -> dict[str, Any]:
    assert "errors" not in body, body
    data: dict[str, Any] = body["data"]
    return data


async def test_the_demo_need_and_the_readme_walk(gql: GraphQL) -> None:
    await seed_demo_providers()
    await seed_demo_offers()
    await seed_demo_agreements()
    await seed_demo_activity()
    assert await seed_demo_needs() == 1
    assert await seed_demo_needs() == 0  # idempotent
    [demo] = await PlacementNeed.select().run()
    assert demo["desired_start"] == today() + datetime.timedelta(days=14)
    assert utcnow() < demo["respond_by"] <= utcnow() + datetime.timedelta(days=14)

    created = _data(await gql(CREATE, as_=AARHUS))["placementNeedCreate"]
    assert created["errors"] == [] and created["placementNeed"]["status"] == "OPEN"
    assert created["placementNeed"]["sentCount"] >= 3

    waiting = _data(await gql(WAITING, as_=NORTH))["needAnswers"]["edges"]
    tranehoj = next(
        e["node"]
        for e in waiting
        if e["node"]["offer"]["name"] == "Bostedet Tranehøj"
        and e["node"]["need"]["message"].endswith("(Demodata)")
    )
    assert tranehoj["need"]["buyer"] == {"name": "Aarhus"}
    declined = _data(await gql(DECLINE, {"id": tranehoj["id"]}, as_=NORTH))
    assert declined["needAnswerDecline"]["needAnswer"]["status"] == "DECLINED"

    needs = _data(await gql(COMPARE, as_=AARHUS))["placementNeeds"]["edges"]
    compared = next(n["node"] for n in needs if n["node"]["message"].endswith("(Demodata)"))
    answers = [e["node"] for e in compared["answers"]["edges"]]
    assert [a["status"] for a in answers] == ["PROPOSED", "PROPOSED", "DECLINED", "DECLINED"]
    declined_by = {a["offer"]["name"] for a in answers[2:]}
    assert declined_by == {"Ungehuset Kompasset", "Bostedet Tranehøj"}
    special = next(a for a in answers if a["specialArrangement"] is not None)
    assert special["specialArrangement"] == {"pricePerDay": {"amount": "7269.60"}}
    assert special["price"] == {"amount": "7269.60"} and special["distanceKm"] > 0
    north = next(a for a in answers if a["offer"]["name"] == "Bostedet Tranehøj")
    assert north["agreement"]["name"] is not None  # the North's agreement covers it

    chosen = _data(await gql(CHOOSE, {"answerId": special["id"]}, as_=AARHUS))
    payload = chosen["placementNeedChoose"]
    assert payload["errors"] == [] and payload["placementNeed"] == {"status": "CHOSEN"}
    request = payload["placementRequest"]
    assert (request["status"], request["cprMasked"]) == ("PENDING", "150306-****")

    provider = (special["provider"]["orgCode"], Role.PROVIDER_ADMIN)
    accepted = _data(await gql(ACCEPT, {"id": request["id"]}, as_=provider))
    contract = accepted["placementRequestAccept"]["contract"]
    [term] = contract["terms"]
    assert (contract["status"], term["specialArrangement"], term["price"]) == (
        "ACTIVE",
        True,
        {"amount": "7269.60"},
    )
    assert term["buyerConsent"]["organisation"] == "751"
    assert term["providerConsent"]["organisation"] == special["provider"]["orgCode"]
