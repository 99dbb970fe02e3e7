"""A page of offers (a list, a search) counts its offers' contracted places at once, and each
offer's capacity there is what the offer read on its own shows."""

from __future__ import annotations

from typing import Any

from marketplace.core.clock import today
from marketplace.core.identity import Role
from tests.conftest import GraphQL
from tests.marketplace.contracts.world import Market, contract_for

CAPACITY = "capacity { places occupied contracted declared free expectedFreeFrom }"
LISTED = "{ offers(first: 50) { edges { node { id name " + CAPACITY + " } } } }"
FOUND = (
    "{ searchOffers(first: 50) { edges { node { id name ... on Offer { " + CAPACITY + " } } } } }"
)
ONE = "query ($id: ID!) { offer(id: $id) { id " + CAPACITY + " } }"
AS_PURCHASER = ("851", Role.PURCHASER)


def _nodes(body: dict[str, Any], field: str) -> dict[str, dict[str, Any]]:
    assert "errors" not in body, body
    return {edge["node"]["id"]: edge["node"] for edge in body["data"][field]["edges"]}


async def test_a_pages_capacities_are_the_offers_own(gql: GraphQL, market: Market) -> None:
    await contract_for(market.offer_id, start=today())  # a place in use today

    listed = _nodes(await gql(LISTED, as_=AS_PURCHASER), "offers")
    found = _nodes(await gql(FOUND, as_=AS_PURCHASER), "searchOffers")

    assert listed, "the market's offers are listed"
    contracted = [node for node in listed.values() if node["capacity"]["contracted"] == 1]
    assert len(contracted) == 1  # the one offer with a contract
    for node_id, node in listed.items():
        alone = await gql(ONE, {"id": node_id}, as_=AS_PURCHASER)
        assert alone["data"]["offer"]["capacity"] == node["capacity"], node["name"]
        if node_id in found:
            assert found[node_id]["capacity"] == node["capacity"], node["name"]
    assert set(found) & set(listed), "the search finds the market's offers"
