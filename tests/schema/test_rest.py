"""The REST probes and the exported contracts."""

import json
from pathlib import Path

import httpx
from litestar import get

from marketplace.core.errors import DomainError, ErrorCode
from marketplace.core.settings import get_settings
from schema.app import create_app
from schema.graphql import build_schema

ROOT = Path(__file__).resolve().parents[2]


async def test_health_says_the_process_is_up(client: httpx.AsyncClient) -> None:
    response = await client.get("/health")
    assert (response.status_code, response.json()) == (200, {"status": "ok"})


async def test_ready_when_the_database_is_current(client: httpx.AsyncClient) -> None:
    response = await client.get("/ready")
    assert response.status_code == 200
    assert response.json()["status"] == "ready"


async def test_probes_ignore_a_bad_token(client: httpx.AsyncClient) -> None:
    response = await client.get("/health", headers={"Authorization": "Bearer nonsense"})
    assert response.status_code == 200


async def test_openapi_is_served(client: httpx.AsyncClient) -> None:
    response = await client.get("/schema/openapi.json")
    assert response.status_code == 200
    assert set(response.json()["paths"]) == {
        "/health",
        "/ready",
        "/.well-known/jwks.json",
        "/exports/billing.csv",
        "/exports/refunds.csv",
        "/exports/invoices.csv",
        "/exports/invoices.xml",
        "/exports/credit-notes.xml",
        "/exports/gaps.csv",
        "/exports/gaps.json",
        "/oauth/token",
        "/hsds/services",
        "/hsds/services/{service_id}",
        "/hsds/organizations",
        "/hsds/organizations/{organization_id}",
        "/hsds/taxonomies",
        "/hsds/taxonomy_terms",
        "/hsds",
        "/hsds/service_at_locations",
        "/hsds/service_at_locations/{service_at_location_id}",
        "/exports/price-catalogue.xlsx",
        "/imports/offers",
        "/ocds/agreements",
        "/ocds/contracts",
    }


def test_committed_sdl_matches_the_code() -> None:
    committed = (ROOT / "schema" / "schema.graphql").read_text(encoding="utf-8")
    assert committed == str(build_schema(get_settings())) + "\n", "run `make schema`"


def test_committed_openapi_matches_the_code() -> None:
    committed = json.loads((ROOT / "openapi" / "openapi.json").read_text(encoding="utf-8"))
    assert committed == create_app(get_settings()).openapi_schema.to_schema(), "run `make openapi`"


async def test_a_domain_rule_met_in_a_rest_route_is_a_clear_client_error() -> None:
    """Whatever REST route meets a domain rule without handling it answers 4xx with the code,
    never a 500."""

    @get("/rule-met", sync_to_thread=False)
    def rule_met() -> None:
        raise DomainError(ErrorCode.INVALID, "Give a month as YYYY-MM.", ["month"])

    app = create_app(get_settings(), check_schema=False)
    app.register(rule_met)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        response = await http.get("/rule-met")
    assert response.status_code == 400
    assert response.json() == {
        "code": "INVALID",
        "message": "Give a month as YYYY-MM.",
        "field": ["month"],
    }
