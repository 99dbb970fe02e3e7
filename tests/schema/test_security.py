"""Abuse limits: depth, aliases, tokens; no introspection or GraphiQL in production."""

import httpx

from marketplace.core.settings import get_settings
from tests.conftest import GraphQL, serve


async def test_a_query_deeper_than_12_is_refused(gql: GraphQL) -> None:
    inner = "code"
    for _ in range(5):
        inner = f"municipality {{ region {{ {inner} }} }}"
    body = await gql("{ providers { edges { node { " + inner + " } } } }")  # depth 14
    assert body["data"] is None
    messages = [e["message"] for e in body["errors"]]
    assert any("exceeds maximum operation depth of 12" in m for m in messages), messages


async def test_the_deepest_real_query_is_allowed(gql: GraphQL) -> None:
    query = """{
      me { provider { municipality { region { name } } } }
      providers { edges { node { municipality { region { code } } } } }
    }"""
    body = await gql(query)
    assert "errors" not in body


async def test_more_than_15_aliases_are_refused(gql: GraphQL) -> None:
    fields = " ".join(f"a{i}: regions {{ code }}" for i in range(16))
    body = await gql("{ " + fields + " }")
    assert body["data"] is None
    assert "aliases" in body["errors"][0]["message"]
    allowed = " ".join(f"a{i}: regions {{ code }}" for i in range(15))
    assert "errors" not in await gql("{ " + allowed + " }")


async def test_a_huge_document_is_refused_by_the_token_limit(gql: GraphQL) -> None:
    body = await gql("{ " + "regions { code name } " * 1500 + "}")
    assert body["data"] is None
    assert "token" in body["errors"][0]["message"].lower()


async def test_introspection_and_graphiql_are_on_in_development(client: httpx.AsyncClient) -> None:
    response = await client.post("/graphql", json={"query": "{ __schema { queryType { name } } }"})
    assert response.json()["data"]["__schema"]["queryType"]["name"] == "Query"
    page = await client.get("/graphql", headers={"Accept": "text/html"})
    assert page.status_code == 200 and "graphiql" in page.text.lower()


async def test_no_introspection_and_no_graphiql_in_production() -> None:
    settings = get_settings().model_copy(update={"environment": "production"})
    async with serve(settings) as client:
        response = await client.post(
            "/graphql", json={"query": "{ __schema { queryType { name } } }"}
        )
        body = response.json()
        assert body["data"] is None
        assert "introspection" in body["errors"][0]["message"].lower()
        page = await client.get("/graphql", headers={"Accept": "text/html"})
        assert "graphiql" not in page.text.lower()
        assert page.status_code in {400, 404}
        # The API itself still answers.
        regions = await client.post("/graphql", json={"query": "{ regions { code } }"})
        assert len(regions.json()["data"]["regions"]) == 5
