"""The public registry through GraphQL, as an anonymous caller reads it."""

import base64

from demo.providers import seed_demo_providers
from tests.conftest import GraphQL

REGIONS = "{ regions { code name municipalityCount } }"

MUNICIPALITIES = """
query ($regionCode: String, $first: Int, $after: String) {
  municipalities(regionCode: $regionCode, first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage endCursor }
    edges { cursor node { id code name seat region { code } } }
  }
}
"""


async def test_regions_answers_the_five_regions(gql: GraphQL) -> None:
    body = await gql(REGIONS)
    assert "errors" not in body
    assert body["data"]["regions"] == [
        {"code": "1081", "name": "Region Nordjylland", "municipalityCount": 11},
        {"code": "1082", "name": "Region Midtjylland", "municipalityCount": 19},
        {"code": "1083", "name": "Region Syddanmark", "municipalityCount": 22},
        {"code": "1084", "name": "Region Hovedstaden", "municipalityCount": 29},
        {"code": "1085", "name": "Region Sjælland", "municipalityCount": 17},
    ]


async def test_municipalities_total_98_and_page_through_in_code_order(gql: GraphQL) -> None:
    codes: list[str] = []
    after = None
    while True:
        body = await gql(MUNICIPALITIES, {"first": 40, "after": after})
        connection = body["data"]["municipalities"]
        assert connection["totalCount"] == 98
        codes += [edge["node"]["code"] for edge in connection["edges"]]
        if not connection["pageInfo"]["hasNextPage"]:
            break
        assert connection["pageInfo"]["endCursor"] == connection["edges"][-1]["cursor"]
        after = connection["pageInfo"]["endCursor"]
    assert len(codes) == 98
    assert codes == sorted(codes)
    assert len(set(codes)) == 98


async def test_municipalities_of_one_region(gql: GraphQL) -> None:
    body = await gql(MUNICIPALITIES, {"regionCode": "1081", "first": 100})
    connection = body["data"]["municipalities"]
    assert connection["totalCount"] == 11
    assert {e["node"]["region"]["code"] for e in connection["edges"]} == {"1081"}
    assert "Aalborg" in {e["node"]["name"] for e in connection["edges"]}


async def test_an_unknown_region_code_is_a_typed_error(gql: GraphQL) -> None:
    body = await gql(MUNICIPALITIES, {"regionCode": "1089"})
    assert body["data"] is None
    [error] = body["errors"]
    assert error["extensions"] == {"code": "UNKNOWN_REGION", "field": ["regionCode"]}


async def test_more_than_100_items_is_refused(gql: GraphQL) -> None:
    body = await gql(MUNICIPALITIES, {"first": 101})
    [error] = body["errors"]
    assert error["extensions"]["code"] == "INVALID"
    assert "100" in error["message"]


async def test_a_cursor_from_elsewhere_is_refused(gql: GraphQL) -> None:
    forged = base64.urlsafe_b64encode(b"[1,2,3]").decode()
    for cursor in ("not-a-cursor", forged):
        body = await gql(MUNICIPALITIES, {"after": cursor})
        assert body["errors"][0]["extensions"] == {"code": "INVALID", "field": ["after"]}


async def test_lookups_by_code(gql: GraphQL) -> None:
    body = await gql(
        '{ municipality(code: "851") { name region { name } } region(code: "1085") { name } }'
    )
    assert body["data"] == {
        "municipality": {"name": "Aalborg", "region": {"name": "Region Nordjylland"}},
        "region": {"name": "Region Sjælland"},
    }


async def test_unknown_and_malformed_codes_are_typed_errors(gql: GraphQL) -> None:
    body = await gql('{ municipality(code: "999") { name } }')
    assert body["data"] == {"municipality": None}
    assert body["errors"][0]["extensions"]["code"] == "UNKNOWN_MUNICIPALITY"
    body = await gql('{ region(code: "12") { name } }')
    assert body["errors"][0]["extensions"]["code"] == "INVALID"


async def test_node_resolves_every_registry_type_by_its_global_id(gql: GraphQL) -> None:
    await seed_demo_providers()
    body = await gql(
        '{ municipality(code: "851") { id } region(code: "1081") { id } '
        "providers(first: 1) { edges { node { id name } } } }"
    )
    data = body["data"]
    ids = {
        "Municipality": data["municipality"]["id"],
        "Region": data["region"]["id"],
        "Provider": data["providers"]["edges"][0]["node"]["id"],
    }
    for typename, global_id in ids.items():
        node = await gql("query ($id: ID!) { node(id: $id) { __typename id } }", {"id": global_id})
        assert node["data"]["node"] == {"__typename": typename, "id": global_id}
    provider = await gql("query ($id: ID!) { provider(id: $id) { name } }", {"id": ids["Provider"]})
    assert provider["data"]["provider"]["name"] == data["providers"]["edges"][0]["node"]["name"]


async def test_node_with_an_unknown_or_malformed_id(gql: GraphQL) -> None:
    unknown = base64.b64encode(b"Provider:5b0e0b8e-6f1a-4d51-9f8b-2a1c7b6f0a11").decode()
    body = await gql("query ($id: ID!) { node(id: $id) { id } }", {"id": unknown})
    assert body == {"data": {"node": None}}
    body = await gql("query ($id: ID!) { node(id: $id) { id } }", {"id": "garbage"})
    assert body["errors"][0]["extensions"] == {"code": "INVALID", "field": ["id"]}


async def test_providers_are_listed_by_name_with_their_location(gql: GraphQL) -> None:
    await seed_demo_providers()
    body = await gql(
        """{ providers(first: 100, filter: {regionCode: "1081"}) {
              totalCount
              edges { node { name ownerType orgCode cvr isDemo
                             address { city } municipality { code } region { code } } } } }"""
    )
    connection = body["data"]["providers"]
    assert connection["totalCount"] == 3
    nodes = [e["node"] for e in connection["edges"]]
    assert [n["name"] for n in nodes] == [
        "Aalborg Kommune",
        "Limfjordsgården ApS",
        "Region Nordjylland",
    ]
    assert {n["ownerType"] for n in nodes} == {"MUNICIPAL", "PRIVATE", "REGIONAL"}
    assert all(n["region"]["code"] == "1081" for n in nodes)
    private = next(n for n in nodes if n["ownerType"] == "PRIVATE")
    assert private["cvr"] == private["orgCode"] and private["isDemo"] is True
