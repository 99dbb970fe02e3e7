"""Registering and changing providers through GraphQL."""

from typing import Any

from marketplace.core.identity import Role
from marketplace.organisations.tables import Provider
from tests.conftest import GraphQL

CREATE = """
mutation ($input: ProviderCreateInput!) {
  providerCreate(input: $input) {
    provider {
      id orgCode name ownerType cvr
      coordinates { latitude longitude }
      municipality { code }
    }
    errors { field code message }
  }
}
"""

UPDATE = """
mutation ($input: ProviderUpdateInput!) {
  providerUpdate(input: $input) {
    provider { id name website address { city } municipality { code } }
    errors { field code message }
  }
}
"""

ADMIN = ("1084", Role.REGISTRY_ADMIN)


def private_input(**overrides: Any) -> dict[str, Any]:
    return {
        "ownerType": "PRIVATE",
        "orgCode": "43389424",
        "name": "Bostedet Engly ApS",
        "streetAddress": "Engvej 2",
        "postalCode": "8700",
        "city": "Horsens",
        "municipalityCode": "615",
        "latitude": 55.86,
        "longitude": 9.85,
        **overrides,
    }


async def test_registry_admin_registers_a_provider(gql: GraphQL) -> None:
    body = await gql(CREATE, {"input": private_input()}, as_=ADMIN)
    payload = body["data"]["providerCreate"]
    assert payload["errors"] == []
    provider = payload["provider"]
    assert provider["orgCode"] == provider["cvr"] == "43389424"
    assert provider["coordinates"] == {"latitude": 55.86, "longitude": 9.85}
    assert provider["municipality"] == {"code": "615"}
    assert await Provider.count().run() == 1


async def test_an_invalid_cvr_number_is_a_field_error_and_nothing_is_saved(gql: GraphQL) -> None:
    body = await gql(CREATE, {"input": private_input(orgCode="43389425")}, as_=ADMIN)
    payload = body["data"]["providerCreate"]
    assert payload["provider"] is None
    [error] = payload["errors"]
    assert error["code"] == "INVALID_CVR"
    assert error["field"] == ["input"]
    assert await Provider.count().run() == 0


async def test_every_bad_field_is_reported_with_its_camel_case_path(gql: GraphQL) -> None:
    bad = private_input(postalCode="87", latitude=40.0, website="not a url")
    payload = (await gql(CREATE, {"input": bad}, as_=ADMIN))["data"]["providerCreate"]
    fields = {tuple(e["field"]): e["code"] for e in payload["errors"]}
    assert fields == {
        ("input", "postalCode"): "INVALID",
        ("input", "latitude"): "INVALID",
        ("input", "website"): "INVALID",
    }
    assert await Provider.count().run() == 0


async def test_an_unknown_municipality_is_a_field_error(gql: GraphQL) -> None:
    body = await gql(CREATE, {"input": private_input(municipalityCode="999")}, as_=ADMIN)
    [error] = body["data"]["providerCreate"]["errors"]
    assert error["code"] == "UNKNOWN_MUNICIPALITY"
    assert error["field"] == ["input", "municipalityCode"]


async def test_a_purchaser_or_anonymous_caller_cannot_register_providers(gql: GraphQL) -> None:
    denied = await gql(CREATE, {"input": private_input()}, as_=("851", Role.PURCHASER))
    assert denied["data"]["providerCreate"]["errors"][0]["code"] == "PERMISSION_DENIED"
    anonymous = await gql(CREATE, {"input": private_input()})
    assert anonymous["data"]["providerCreate"]["errors"][0]["code"] == "UNAUTHENTICATED"
    assert await Provider.count().run() == 0


async def test_a_provider_admin_updates_its_own_provider(gql: GraphQL) -> None:
    created = await gql(CREATE, {"input": private_input()}, as_=ADMIN)
    provider_id = created["data"]["providerCreate"]["provider"]["id"]
    change = {"id": provider_id, "website": "https://engly.example", "city": "Horsens C"}
    body = await gql(UPDATE, {"input": change}, as_=("43389424", Role.PROVIDER_ADMIN))
    payload = body["data"]["providerUpdate"]
    assert payload["errors"] == []
    assert payload["provider"]["website"] == "https://engly.example"
    assert payload["provider"]["address"] == {"city": "Horsens C"}
    assert payload["provider"]["name"] == "Bostedet Engly ApS"  # left out, so unchanged


async def test_another_organisations_admin_cannot_update_the_provider(gql: GraphQL) -> None:
    created = await gql(CREATE, {"input": private_input()}, as_=ADMIN)
    provider_id = created["data"]["providerCreate"]["provider"]["id"]
    body = await gql(
        UPDATE, {"input": {"id": provider_id, "name": "Kapret"}}, as_=("851", Role.PROVIDER_ADMIN)
    )
    assert body["data"]["providerUpdate"]["errors"][0]["code"] == "PERMISSION_DENIED"
    row = await Provider.select(Provider.name).first().run()
    assert row == {"name": "Bostedet Engly ApS"}


async def test_updating_an_id_that_is_no_provider_is_not_found(gql: GraphQL) -> None:
    municipality = await gql('{ municipality(code: "851") { id } }')
    body = await gql(
        UPDATE,
        {"input": {"id": municipality["data"]["municipality"]["id"], "name": "X X"}},
        as_=ADMIN,
    )
    [error] = body["data"]["providerUpdate"]["errors"]
    assert (error["code"], error["field"]) == ("NOT_FOUND", ["input", "id"])
