"""The change feed, ``changes(since:)``: each caller sees the changes of what it may see (a
purchaser its own requests and contracts and the public offers, a provider its offers in every
status and its requests and contracts, a visitor only public objects), in a stable order that
pages without gaps or repeats; a bad ``since`` is a typed error; a page costs the same
statements whatever its size."""

from __future__ import annotations

import datetime
from typing import Any

from strawberry.relay import from_base64

from marketplace.core.clock import utcnow
from marketplace.core.identity import Role
from marketplace.offers import service as offers
from tests.conftest import GraphQL
from tests.factories import offer_content
from tests.marketplace.contracts.world import ENGLY_ADMIN, build_market, contract_for

CHANGES = """
query ($since: String!, $first: Int, $after: String) {
  changes(since: $since, first: $first, after: $after) {
    totalCount
    edges { cursor node { at objectType objectId kind operation } }
    pageInfo { hasNextPage endCursor }
  }
}
"""
ENGLY = ("43389424", Role.PROVIDER_ADMIN)
AALBORG = ("851", Role.PURCHASER)
AARHUS = ("751", Role.PURCHASER)


async def _all(gql: GraphQL, since: str, as_: tuple[str, Role] | None, first: int = 100) -> list:
    found: list[dict[str, Any]] = []
    after = None
    while True:
        body = await gql(CHANGES, {"since": since, "first": first, "after": after}, as_=as_)
        assert "errors" not in body, body
        page = body["data"]["changes"]
        found.extend(edge["node"] for edge in page["edges"])
        if not page["pageInfo"]["hasNextPage"]:
            assert page["totalCount"] == len(found)
            return found
        after = page["pageInfo"]["endCursor"]


def _objects(changes: list[dict[str, Any]]) -> set[tuple[str, str]]:
    return {(c["objectType"], from_base64(c["objectId"])[1]) for c in changes}


async def _world() -> dict[str, Any]:
    market = await build_market()
    draft = await offers.create_offer(ENGLY_ADMIN, market.provider_id, offer_content(name="Kladde"))
    contract = await contract_for(market.offer_id)
    return {"market": market, "draft": draft.id, "contract": contract}


async def test_each_caller_sees_the_changes_of_what_it_may_see(gql: GraphQL) -> None:
    since = (utcnow() - datetime.timedelta(seconds=1)).isoformat()
    world = await _world()
    market, contract = world["market"], world["contract"]
    offer = ("Offer", str(market.offer_id))
    draft = ("Offer", str(world["draft"]))
    request = ("PlacementRequest", str(contract.request_id))
    placed = ("Contract", str(contract.id))

    public = await _all(gql, since, None)
    assert offer in _objects(public) and ("Provider", str(market.provider_id)) in _objects(public)
    assert {t for t, _ in _objects(public)} == {"Offer", "Provider"}
    assert draft not in _objects(public)
    offer_changes = [c for c in public if (c["objectType"], from_base64(c["objectId"])[1]) == offer]
    assert offer_changes[0]["kind"] == "CREATED"
    assert {c["operation"] for c in offer_changes} >= {"offerCreate", "priceListPublish"}
    assert {c["kind"] for c in offer_changes[1:]} == {"UPDATED"}

    buyer = _objects(await _all(gql, since, AALBORG))
    assert {offer, request, placed} <= buyer and draft not in buyer
    provider = _objects(await _all(gql, since, ENGLY))
    assert {offer, draft, request, placed} <= provider
    stranger = _objects(await _all(gql, since, AARHUS))
    assert offer in stranger and request not in stranger and placed not in stranger

    later = await _all(gql, utcnow().isoformat(), AALBORG)
    assert later == []


async def test_pages_follow_each_other_in_a_stable_order(gql: GraphQL) -> None:
    since = (utcnow() - datetime.timedelta(seconds=1)).isoformat()
    await _world()
    whole = await _all(gql, since, ENGLY)
    paged = await _all(gql, since, ENGLY, first=3)
    copenhagen = datetime.timezone(datetime.timedelta(hours=1))
    local = datetime.datetime.fromisoformat(since).astimezone(copenhagen).isoformat()
    assert paged == whole and len(whole) > 6
    assert await _all(gql, local, ENGLY) == whole  # the same moment in another zone
    moments = [datetime.datetime.fromisoformat(c["at"]) for c in whole]
    assert moments == sorted(moments)


async def test_a_bad_since_is_a_typed_error(gql: GraphQL) -> None:
    future = (utcnow() + datetime.timedelta(hours=1)).isoformat()
    for since in ("yesterday", "2026-13-01", "", future):
        body = await gql(CHANGES, {"since": since}, as_=AALBORG)
        assert body["data"] is None, body
        assert body["errors"][0]["extensions"] == {"code": "INVALID", "field": ["since"]}, since
    body = await gql(CHANGES, {"since": "2020-01-01", "after": "nonsense"}, as_=AALBORG)
    assert body["errors"][0]["extensions"]["code"] == "INVALID"


async def test_a_page_costs_the_same_statements_for_any_size(
    gql: GraphQL, statements: list[str]
) -> None:
    since = (utcnow() - datetime.timedelta(seconds=1)).isoformat()
    await _world()
    counts = []
    for first in (2, 12):
        statements.clear()
        body = await gql(CHANGES, {"since": since, "first": first}, as_=ENGLY)
        assert len(body["data"]["changes"]["edges"]) == first, body
        counts.append(len(statements))
    assert counts[0] == counts[1], statements
    print(f"\nchanges, a page of 2 or 12: {counts[0]} statements")
