"""searchOffers through GraphQL, on the demo catalogue."""

from __future__ import annotations

import pytest

from demo.offers import seed_demo_offers
from demo.providers import seed_demo_providers
from marketplace.core.identity import Role
from marketplace.search.tables import SearchEvent
from tests.conftest import GraphQL
from tests.factories import target_group_code

PURCHASER = ("851", Role.PURCHASER)

SEARCH = """
query ($query: String, $filter: OfferSearchFilter, $sort: OfferSort, $first: Int, $after: String) {
  searchOffers(query: $query, filter: $filter, sort: $sort, first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { cursor score distanceKm node { name category status municipality { name } } }
  }
}
"""

FACETS = """
query ($filter: OfferSearchFilter) {
  searchOffers(filter: $filter, first: 0) {
    totalCount
    facets {
      categories { value count }
      regions { value label count }
      targetGroups { value label count }
      legalBases { value label count }
      priceBands { value count }
    }
  }
}
"""


@pytest.fixture
async def catalogue() -> None:
    await seed_demo_providers()
    await seed_demo_offers()


async def test_a_case_handler_finds_offers_near_home_with_free_places(
    gql: GraphQL, catalogue: None
) -> None:
    variables = {
        "query": "autisme",
        "filter": {
            "allTargetGroups": [target_group_code("Autismespektrum")],
            "near": {"municipalityCode": "851", "radiusKm": 120},
            "age": 20,
            "freePlaces": True,
        },
        "sort": "DISTANCE",
        "first": 5,
    }
    body = await gql(SEARCH, variables, as_=PURCHASER)
    assert "errors" not in body, body
    connection = body["data"]["searchOffers"]
    edges = connection["edges"]
    assert edges and connection["totalCount"] >= len(edges)
    distances = [e["distanceKm"] for e in edges]
    assert distances == sorted(distances) and distances[-1] <= 120
    assert all(e["score"] is not None and e["score"] > 0 for e in edges)
    assert all(e["node"]["status"] == "PUBLISHED" for e in edges)
    [event] = await SearchEvent.select().run()
    assert event["municipality"] == "851" and event["result_count"] == connection["totalCount"]


async def test_paging_through_a_search_visits_each_offer_once(
    gql: GraphQL, catalogue: None
) -> None:
    seen: list[str] = []
    after = None
    total = None
    while True:
        body = await gql(SEARCH, {"query": "botilbud", "first": 50, "after": after})
        connection = body["data"]["searchOffers"]
        total = connection["totalCount"]
        seen += [e["node"]["name"] + e["cursor"] for e in connection["edges"]]
        if not connection["pageInfo"]["hasNextPage"]:
            break
        after = connection["pageInfo"]["endCursor"]
    assert total is not None and len(seen) == total == len(set(seen)) > 50


async def test_facets_show_where_the_supply_is(gql: GraphQL, catalogue: None) -> None:
    body = await gql(FACETS, {"filter": {"categories": ["RESIDENTIAL"], "regionCodes": ["1081"]}})
    connection = body["data"]["searchOffers"]
    facets = connection["facets"]
    categories = {f["value"]: f["count"] for f in facets["categories"]}
    regions = {f["value"]: f["count"] for f in facets["regions"]}
    # each facet ignores its own filter and keeps the other one
    assert categories["residential"] == connection["totalCount"] == regions["1081"]
    assert set(categories) >= {"residential", "day", "outpatient"}
    assert set(regions) == {"1081", "1082", "1083", "1084", "1085"}
    assert {f["label"] for f in facets["regions"]} >= {"Region Nordjylland"}
    assert sum(f["count"] for f in facets["priceBands"]) == connection["totalCount"]
    assert facets["targetGroups"][0]["count"] >= facets["targetGroups"][-1]["count"]


@pytest.mark.parametrize(
    ("variables", "code"),
    [
        ({"filter": {"regionCodes": ["1089"]}}, "UNKNOWN_REGION"),
        ({"filter": {"near": {"municipalityCode": "851", "radiusKm": -1}}}, "INVALID"),
        ({"filter": {"age": 130}}, "INVALID"),
        ({"first": 101}, "INVALID"),
        ({"after": "garbage"}, "INVALID"),
        ({"query": "x" * 10_000}, "INVALID"),
    ],
)
async def test_bad_search_input_is_a_typed_error(
    gql: GraphQL, variables: dict[str, object], code: str
) -> None:
    body = await gql(SEARCH, variables)
    assert body["data"] is None
    extensions = body["errors"][0]["extensions"]
    assert extensions["code"] == code
    assert extensions["field"][0] == next(iter(variables))  # the argument at fault
