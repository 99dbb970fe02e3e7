"""HSDS 3.1 endpoints: published offers as services, validated against the standard's compiled
schemas (tests/data/hsds, with its licence), with filters, paging and a fixed statement count."""

from __future__ import annotations

import datetime
import json
from functools import cache
from pathlib import Path
from typing import Any

import httpx
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from marketplace.core.clock import today
from marketplace.offers import pricing
from marketplace.offers import service as offers
from marketplace.offers.models import OfferStatus, OfferView
from marketplace.organisations import service as organisations
from schema.rest.exchange import hsds
from tests.factories import (
    REGISTRY_ADMIN,
    admin_of,
    offer_content,
    price_list,
    private_provider,
    target_group_code,
)

SCHEMAS = Path(__file__).resolve().parents[2] / "data" / "hsds" / "schema"


@cache
def _load(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((SCHEMAS / name).read_text(encoding="utf-8"))
    return loaded


def _registry() -> Registry:
    return Registry(
        retrieve=lambda uri: Resource.from_contents(
            _load(uri.rsplit("/", 1)[-1]), default_specification=DRAFT202012
        )
    )


def errors(record: Any, schema: dict[str, Any]) -> list[str]:
    validator = Draft202012Validator(
        schema, registry=_registry(), format_checker=Draft202012Validator.FORMAT_CHECKER
    )
    return [f"{list(e.path)}: {e.message[:200]}" for e in validator.iter_errors(record)]


def page_errors(body: Any, item_schema: str) -> list[str]:
    schema = {
        "allOf": [_load("page.json")],
        "required": ["contents", "total_items", "page_number", "empty"],
        "properties": {"contents": {"type": "array", "items": _load(item_schema)}},
    }
    return errors(body, schema)


async def published(
    name: str = "Botilbuddet Engly", org: str = "43389424", **content: Any
) -> OfferView:
    provider = await organisations.provider_for_org(org)
    if provider is None:
        provider = await organisations.create_provider(
            REGISTRY_ADMIN, private_provider(org_code=org, name=f"Udbyder {org}")
        )
    owner = admin_of(org)
    offer = await offers.create_offer(owner, provider.id, offer_content(name=name, **content))
    await pricing.publish_price_list(owner, offer.id, price_list(today().year))
    return await offers.change_status(owner, offer.id, OfferStatus.PUBLISHED, "Klar til salg")


async def test_a_published_offer_is_a_valid_hsds_service(client: httpx.AsyncClient) -> None:
    offer = await published()

    response = await client.get(f"/hsds/services/{offer.id}")

    assert response.status_code == 200, response.text
    service = response.json()
    assert errors(service, _load("service.json")) == []
    assert service["capacities"][0]["available"] == 2
    assert service["capacities"][0]["maximum"] == 12
    assert [c["amount"] for c in service["cost_options"]] == [2450.5, 3890.0]
    assert {c["currency"] for c in service["cost_options"]} == {"DKK"}
    kinds = {a["link_type"] for a in service["attributes"]}
    assert kinds == {"target_group", "service_type", "legal_basis"}
    assert service["organization"]["organization_identifiers"][0]["identifier"] == "43389424"
    address = service["service_at_locations"][0]["location"]["addresses"][0]
    assert (address["postal_code"], address["country"]) == ("8700", "DK")
    assert service["service_areas"][0]["extent"] == "615"


async def test_the_service_list_is_a_valid_page_and_filters(client: httpx.AsyncClient) -> None:
    first = await published("Alfa")
    await published("Beta", target_groups=[target_group_code("Autismespektrum")])
    other = await published("Gamma", org="25313704")
    draft_owner = admin_of("43389424")
    await offers.create_offer(draft_owner, first.provider_id, offer_content(name="Kladde"))

    everything = (await client.get("/hsds/services", params={"per_page": 2})).json()
    assert page_errors(everything, "service.json") == []
    assert (everything["total_items"], everything["total_pages"], everything["size"]) == (3, 2, 2)
    assert [s["name"] for s in everything["contents"]] == ["Alfa", "Beta"]
    second = (await client.get("/hsds/services", params={"per_page": 2, "page": 2})).json()
    assert ([s["name"] for s in second["contents"]], second["last_page"]) == (["Gamma"], True)

    by_org = (
        await client.get("/hsds/services", params={"organization_id": str(other.provider_id)})
    ).json()
    assert [s["name"] for s in by_org["contents"]] == ["Gamma"]
    assert [
        s["name"]
        for s in (await client.get("/hsds/services", params={"search": "ETA"})).json()["contents"]
    ] == ["Beta"]

    selvskade = hsds.terms_by_code()[("target_group", target_group_code("Selvskadende adfærd"))]
    by_term = (await client.get("/hsds/services", params={"taxonomy_term_id": selvskade.id})).json()
    assert [s["name"] for s in by_term["contents"]] == ["Alfa", "Gamma"]


async def test_modified_after_keeps_what_changed(client: httpx.AsyncClient) -> None:
    await published("Alfa")
    later = datetime.datetime.now(datetime.UTC) + datetime.timedelta(hours=1)

    none = await client.get("/hsds/services", params={"modified_after": later.isoformat()})
    some = await client.get("/hsds/services", params={"modified_after": "2000-01-01T00:00:00Z"})

    assert none.json()["total_items"] == 0 and none.json()["empty"] is True
    assert some.json()["total_items"] == 1


async def test_bad_input_is_a_typed_error(client: httpx.AsyncClient) -> None:
    bad_time = await client.get("/hsds/services", params={"modified_after": "last tuesday"})
    bad_term = await client.get("/hsds/services", params={"taxonomy_term_id": "nope"})
    bad_page = await client.get("/hsds/services", params={"per_page": 1000})
    missing = await client.get("/hsds/services/00000000-0000-0000-0000-000000000000")
    not_an_id = await client.get("/hsds/organizations/x")
    # a control character str.strip() drops but int() refuses (a 500 Schemathesis found)
    separated = await client.get("/hsds/taxonomies", params={"per_page": "1\x1c"})

    assert (bad_time.status_code, bad_time.json()["code"]) == (400, "INVALID")
    assert (
        bad_time.json()["field"] == ["modified_after"]
        and "last tuesday" in bad_time.json()["message"]
    )
    assert (bad_term.status_code, bad_term.json()["field"]) == (400, ["taxonomy_term_id"])
    assert (bad_page.status_code, bad_page.json()["field"]) == (400, ["per_page"])
    assert (missing.status_code, missing.json()["code"]) == (404, "NOT_FOUND")
    assert not_an_id.status_code == 404
    assert separated.status_code == 200 and len(separated.json()["contents"]) == 1


async def test_a_page_past_any_catalogue_is_a_typed_error_on_both_databases(
    client: httpx.AsyncClient,
) -> None:
    """Its offset overflowed PostgreSQL's bigint (a 500 Schemathesis found); now refused."""
    for route in ("/hsds/services", "/hsds/organizations", "/hsds/taxonomy_terms"):
        far = await client.get(route, params={"page": 1796088937308989440})
        assert (far.status_code, far.json()["field"]) == (400, ["page"]), far.text
        assert "1 to 100,000" in far.json()["message"]
    for page in ("0.0", "2.0", "x"):  # Schemathesis found "0.0" taken as a page number
        odd = await client.get("/hsds/organizations", params={"page": page})
        assert (odd.status_code, odd.json()["field"]) == (400, ["page"]), odd.text
    last = await client.get("/hsds/services", params={"page": 100_000, "per_page": 100})
    assert last.status_code == 200 and last.json()["contents"] == []


async def test_organizations_and_taxonomies_are_valid(client: httpx.AsyncClient) -> None:
    offer = await published()

    listed = (await client.get("/hsds/organizations")).json()
    one = (await client.get(f"/hsds/organizations/{offer.provider_id}")).json()
    taxonomies = (await client.get("/hsds/taxonomies")).json()
    terms = (await client.get("/hsds/taxonomy_terms", params={"per_page": 100})).json()

    assert page_errors(listed, "organization.json") == []
    assert listed["total_items"] == 1
    assert errors(one, _load("organization.json")) == []
    assert [s["name"] for s in one["services"]] == ["Botilbuddet Engly"]
    assert page_errors(taxonomies, "taxonomy.json") == []
    assert taxonomies["total_items"] == 3
    assert page_errors(terms, "taxonomy_term.json") == []
    assert terms["total_items"] > 50


async def test_a_page_of_services_costs_a_fixed_number_of_statements(
    client: httpx.AsyncClient, statements: list[str]
) -> None:
    for i in range(6):
        await published(f"Tilbud {i}", org="43389424" if i % 2 else "25313704")

    statements.clear()
    small = await client.get("/hsds/services", params={"per_page": 1})
    small_count = len(statements)
    statements.clear()
    large = await client.get("/hsds/services", params={"per_page": 6})
    large_count = len(statements)

    assert (small.json()["size"], large.json()["size"]) == (1, 6)
    assert small_count == large_count, statements


async def test_the_root_names_the_version_and_the_openapi(client: httpx.AsyncClient) -> None:
    root = await client.get("/hsds/")

    assert root.status_code == 200, root.text
    body = root.json()
    assert body["version"] == "3.1"
    assert body["openapi_url"].endswith("/schema/openapi.json")
    assert (await client.get(body["openapi_url"].split("testserver", 1)[-1])).status_code == 200


async def test_service_at_locations_are_valid_and_filter(client: httpx.AsyncClient) -> None:
    located = await published("Alfa")

    listed = await client.get("/hsds/service_at_locations", params={"per_page": 10})
    searched = await client.get("/hsds/service_at_locations", params={"search": "beta"})
    since = await client.get(
        "/hsds/service_at_locations", params={"modified_after": "2100-01-01T00:00:00Z"}
    )

    assert listed.status_code == 200, listed.text
    assert page_errors(listed.json(), "service_at_location_list.json") == []
    [record] = listed.json()["contents"]
    assert record["service_id"] == str(located.id)
    assert record["location"]["addresses"][0]["postal_code"] == "8700"
    assert record["service"]["name"] == "Alfa"
    assert searched.json()["total_items"] == 0 and since.json()["empty"] is True

    one = await client.get(f"/hsds/service_at_locations/{record['id']}")
    assert one.status_code == 200, one.text
    assert errors(one.json(), _load("service_at_location.json")) == []
    assert one.json()["service"]["capacities"][0]["maximum"] == 12
    assert {a["link_type"] for a in one.json()["attributes"]} >= {"target_group"}
    assert one.json()["service_areas"][0]["extent"] == "615"
    missing = await client.get(f"/hsds/service_at_locations/{located.id}")  # a service's ID
    assert (missing.status_code, missing.json()["code"]) == (404, "NOT_FOUND")


async def test_target_groups_hang_under_their_ffb_groupings(client: httpx.AsyncClient) -> None:
    await published("Alfa", target_groups=[target_group_code("Autismespektrum")])
    homeless = target_group_code("Hjemløshed")
    await published("Beta", target_groups=[homeless], primary_target_group=homeless)

    body = (await client.get("/hsds/taxonomy_terms", params={"per_page": 100})).json()
    more = (await client.get("/hsds/taxonomy_terms", params={"per_page": 100, "page": 2})).json()
    every = body["contents"] + more["contents"]
    by_id = {t["id"]: t for t in every}
    by_name = {t["name"]: t for t in every}

    assert page_errors(body, "taxonomy_term.json") == []
    assert page_errors(more, "taxonomy_term.json") == []
    autism = by_name["Autismespektrum"]
    parent = by_id[autism["parent_id"]]
    assert parent["name"] == "Udviklingsforstyrrelse"
    assert by_id[parent["parent_id"]]["name"] == "Psykisk funktionsnedsættelse"
    assert "parent_id" not in by_id[parent["parent_id"]]
    assert all(t["parent_id"] in by_id for t in every if "parent_id" in t)
    # a grouping as a filter finds the offers of every target group under it
    under = await client.get(
        "/hsds/services", params={"taxonomy_term_id": by_name["Psykisk funktionsnedsættelse"]["id"]}
    )
    assert [s["name"] for s in under.json()["contents"]] == ["Alfa"]
