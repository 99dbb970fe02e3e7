"""Abuse resistance: the attacks of the graphql-cop list, the cost and document limits, the
request body limit, the per-client rate limit counted in the database, the time limit,
masked errors, security headers and CORS.

"Refused before any work" is checked by the SQL the request caused (the ``statements``
fixture leaves out the rate limit's own counter): none."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from marketplace.core.identity import Role
from marketplace.core.settings import get_settings
from marketplace.core.tables import RateLimitWindow
from marketplace.organisations import service as organisations
from tests.conftest import serve, token

CIRCULAR_INTROSPECTION = (
    "query { __schema { types { fields { type { fields { type { fields { type { fields "
    "{ type { fields { type { fields { name } } } } } } } } } } } } } }"
)

ATTACKS: dict[str, dict[str, Any]] = {
    "alias overloading": {
        "json": {"query": "{ " + " ".join(f"a{i}: __typename" for i in range(101)) + " }"}
    },
    "batching": {"json": [{"query": "{ regions { code } }"}] * 10},
    "field duplication": {"json": {"query": "{ " + "__typename " * 500 + "}"}},
    "directive overloading": {"json": {"query": "{ __typename " + "@aa" * 50 + " }"}},
    "circular introspection": {"json": {"query": CIRCULAR_INTROSPECTION}},
    "many operations": {
        "json": {
            "query": " ".join(f"query q{i} {{ regions {{ code }} }}" for i in range(10)),
            "operationName": "q0",
        }
    },
    "GET query": {"method": "GET", "params": {"query": "{ regions { code } }"}},
    "GET mutation": {
        "method": "GET",
        "params": {
            "query": 'mutation { providerCreate(input: {ownerType: PRIVATE, orgCode: "43389424",'
            ' name: "X", streetAddress: "Y 1", postalCode: "8700", city: "H",'
            ' municipalityCode: "615"}) { errors { code } } }'
        },
    },
    "form POST (CSRF)": {
        "content": "query=%7B+regions+%7B+code+%7D+%7D",
        "headers": {"Content-Type": "application/x-www-form-urlencoded"},
    },
    "expensive nesting": {
        "json": {
            "query": "{ offers(first: 100) { edges { node { history(first: 100) { edges "
            "{ node { at kind } } } } } } }"
        }
    },
}


def _refused(response: httpx.Response) -> bool:
    if response.status_code != 200:
        return response.status_code in {400, 405, 413, 415}
    body = response.json()
    return isinstance(body, dict) and body.get("data") is None and bool(body.get("errors"))


@pytest.mark.parametrize("attack", list(ATTACKS))
@pytest.mark.parametrize("environment", ["test", "production"])
async def test_each_graphql_cop_attack_is_refused_before_any_work(
    attack: str,
    environment: str,
    statements: list[str],
) -> None:
    # The development token below is accepted in production only with DEV_TOKEN_SIGNING on
    # (which `socialmarked serve` refuses to start with): here it lets the attacks reach
    # the GraphQL layer of a production app.
    settings = get_settings().model_copy(
        update={"environment": environment, "dev_token_signing": True}
    )
    case = dict(ATTACKS[attack])
    method = case.pop("method", "POST")
    headers = {"Authorization": f"Bearer {token('851', Role.PURCHASER)}", **case.pop("headers", {})}
    async with serve(settings) as client:
        statements.clear()
        response = await client.request(method, "/graphql", headers=headers, **case)
    assert _refused(response), (attack, response.status_code, response.text[:300])
    assert "Traceback" not in response.text and "Unexpected error" not in response.text
    assert statements == [], (attack, statements)


async def test_the_cost_counts_the_page_sizes_a_client_asks_for(client: httpx.AsyncClient) -> None:
    nested = (
        "query ($outer: Int, $inner: Int) { offers(first: $outer) { edges { node { "
        "history(first: $inner) { edges { node { at kind } } } } } } }"
    )
    small = await client.post(
        "/graphql", json={"query": nested, "variables": {"outer": 10, "inner": 5}}
    )
    assert "errors" not in small.json(), small.text
    large = await client.post(
        "/graphql", json={"query": nested, "variables": {"outer": 100, "inner": 100}}
    )
    [error] = large.json()["errors"]
    assert error["extensions"]["code"] == "TOO_COMPLEX"
    assert "budget of 10000" in error["message"]
    # the same pages as the document's own defaults for variables the request leaves out
    defaults = nested.replace("$outer: Int,", "$outer: Int = 100,").replace(
        "$inner: Int)", "$inner: Int = 100)"
    )
    by_default = await client.post("/graphql", json={"query": defaults})
    [error] = by_default.json()["errors"]
    assert error["extensions"]["code"] == "TOO_COMPLEX", by_default.text


async def test_a_body_over_one_megabyte_is_refused(client: httpx.AsyncClient) -> None:
    padding = "#" + "x" * 1_100_000 + "\n"
    response = await client.post("/graphql", json={"query": padding + "{ regions { code } }"})
    assert response.status_code == 413


async def test_refused_tokens_count_against_the_callers_address() -> None:
    """A client that keeps sending bad tokens is limited like any other (by its address: a
    refused token names nobody)."""
    settings = get_settings().model_copy(update={"rate_limit_per_minute": 3})
    query = {"query": "{ regions { code } }"}
    async with serve(settings) as http:
        answers = [
            await http.post("/graphql", json=query, headers={"Authorization": f"Bearer junk{i}"})
            for i in range(5)
        ]
    assert [a.status_code for a in answers] == [401, 401, 401, 429, 429]
    refused = answers[-1]
    assert refused.json()["extra"] == {"code": "RATE_LIMITED"}
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    assert refused.headers["x-content-type-options"] == "nosniff"


async def test_a_rest_route_over_the_limit_answers_in_the_rest_error_body() -> None:
    """The export's 429 is the error body its OpenAPI document names (as the refusal of a
    bad token over the limit is), not a GraphQL error."""
    settings = get_settings().model_copy(update={"rate_limit_per_minute": 2})
    async with serve(settings) as http:
        answers = [await http.get("/hsds/taxonomies") for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 429]
    refused = answers[-1]
    assert refused.headers["content-type"] == "application/json"
    assert refused.json()["status_code"] == 429
    assert refused.json()["extra"] == {"code": "RATE_LIMITED"}
    assert "at most 2 a minute" in refused.json()["detail"]
    assert 1 <= int(refused.headers["retry-after"]) <= 60


async def test_the_rate_limit_is_per_client_and_shared_by_every_instance() -> None:
    settings = get_settings().model_copy(update={"rate_limit_per_minute": 4})
    aalborg = {"Authorization": f"Bearer {token('851', Role.PURCHASER)}"}
    odense = {"Authorization": f"Bearer {token('461', Role.PURCHASER)}"}
    query = {"query": "{ regions { code } }"}
    async with serve(settings) as first, serve(settings) as second:
        answers = [
            await (first if i % 2 else second).post("/graphql", json=query, headers=aalborg)
            for i in range(5)
        ]
        other = await first.post("/graphql", json=query, headers=odense)
    assert [a.status_code for a in answers] == [200, 200, 200, 200, 429]
    refused = answers[-1]
    assert refused.json()["errors"][0]["extensions"]["code"] == "RATE_LIMITED"
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    assert refused.headers["x-content-type-options"] == "nosniff"
    assert other.status_code == 200  # another client has its own count
    [counter] = await RateLimitWindow.select().where(RateLimitWindow.client.like("851:%")).run()
    assert counter["hits"] == 5


async def test_an_operation_over_the_time_limit_stops_with_a_clear_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async def slow() -> list[Any]:
        await asyncio.sleep(30)
        return []

    monkeypatch.setattr(organisations, "list_regions", slow)
    settings = get_settings().model_copy(update={"request_timeout_seconds": 0.2})
    async with serve(settings) as client:
        response = await client.post("/graphql", json={"query": "{ regions { code } }"})
    assert response.status_code == 200
    [error] = response.json()["errors"]
    assert error["extensions"]["code"] == "TIMEOUT"
    assert "0.2 s" in error["message"]


async def test_an_internal_error_is_masked(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken() -> list[Any]:
        raise RuntimeError("connection string postgresql://secret@db")

    monkeypatch.setattr(organisations, "list_regions", broken)
    response = await client.post("/graphql", json={"query": "{ regions { code } }"})
    assert response.json()["errors"][0]["message"] == "Unexpected error."
    assert "secret" not in response.text


async def test_security_headers_on_every_answer() -> None:
    production = get_settings().model_copy(update={"environment": "production"})
    async with serve(production) as client:
        answers = [
            await client.post("/graphql", json={"query": "{ regions { code } }"}),
            await client.get("/exports/gaps.csv", params={"regionCode": "1081"}),  # 401
            await client.post("/graphql", headers={"Authorization": "Bearer nonsense"}),
        ]
    for answer in answers:
        assert answer.headers["x-content-type-options"] == "nosniff", answer.status_code
        assert answer.headers["x-frame-options"] == "DENY"
        assert answer.headers["content-security-policy"].startswith("default-src 'none'")
        assert "max-age" in answer.headers["strict-transport-security"]
    assert [a.status_code for a in answers] == [200, 401, 401]


async def test_cors_allows_only_the_listed_origins() -> None:
    settings = get_settings().model_copy(
        update={"cors_allow_origins": ["https://visitation.kommune.example"]}
    )
    preflight = {"Access-Control-Request-Method": "POST"}
    async with serve(settings) as client:
        allowed = await client.options(
            "/graphql", headers={**preflight, "Origin": "https://visitation.kommune.example"}
        )
        other = await client.options(
            "/graphql", headers={**preflight, "Origin": "https://evil.example"}
        )
    assert allowed.headers["access-control-allow-origin"] == "https://visitation.kommune.example"
    assert "access-control-allow-origin" not in other.headers
