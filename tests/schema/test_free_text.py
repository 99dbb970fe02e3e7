"""No CPR number in free text: refused with a typed error naming the field before anything is
stored (GraphQL arguments, variables, web forms), and a report of the rows that already hold
one, by IDs and never the text."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid

import httpx
import pytest
from pydantic import BaseModel

from marketplace.core.cpr import cpr_in_text, refuse_cpr_in_text
from marketplace.core.errors import DomainError, ErrorCode
from marketplace.core.identity import Role
from marketplace.core.personal_data import rows_with_cpr
from marketplace.organisations.tables import Provider
from marketplace.search.tables import SearchEvent
from tests.conftest import token
from tests.schema.test_provider_mutations import private_input
from web.forms import FormInvalid, command

CREATE = "mutation($input: ProviderCreateInput!) { providerCreate(input: $input) { errors { code field } } }"
ADMIN = {"Authorization": f"Bearer {token('1084', Role.REGISTRY_ADMIN)}"}


@pytest.mark.parametrize(
    ("text", "holds"),
    [
        ("CPR 150306-4321", True),
        ("borger 1503064321 flytter", True),
        ("010190-1234", True),
        ("ring 9999999999", False),  # no real date
        ("sag 320190-1234", False),  # day 32
        ("12345678901", False),  # eleven digits
        ("tlf 12345678", False),
        ("Sag 2026-000123", False),
    ],
)
def test_a_cpr_shaped_number_is_one_with_a_real_date(text: str, holds: bool) -> None:
    assert (cpr_in_text({"message": text}) is not None) is holds


def test_the_error_names_the_field_and_codes_and_ids_are_not_free_text() -> None:
    with pytest.raises(DomainError) as refused:
        refuse_cpr_in_text({"input": {"rows": [{"note": "x 150306-4321"}]}})
    assert refused.value.code is ErrorCode.PERSONAL_DATA_IN_TEXT
    assert refused.value.field == ["input", "rows", "0", "note"]
    assert refused.value.message.startswith("This text holds")
    assert "150306" not in refused.value.message
    refuse_cpr_in_text(
        {"cpr": "150306-4321", "offerId": "1503064321", "idempotencyKey": "0101901234"}
    )


async def test_graphql_refuses_a_cpr_number_in_free_text_before_storing_anything(
    client: httpx.AsyncClient,
) -> None:
    inline = (
        'mutation { providerCreate(input: {ownerType: PRIVATE, orgCode: "43389424", '
        'name: "Engly", streetAddress: "Engvej 2", postalCode: "8700", city: "Horsens", '
        'municipalityCode: "615", description: "Borger CPR 150306-4321"}) { errors { code field } } }'
    )
    for body in [
        {"query": inline},
        {"query": CREATE, "variables": {"input": private_input(description="1503064321 bor her")}},
    ]:
        response = await client.post("/graphql", json=body, headers=ADMIN)
        assert response.status_code == 200
        assert response.json()["data"]["providerCreate"]["errors"] == [
            {"code": "PERSONAL_DATA_IN_TEXT", "field": ["input", "description"]}
        ]
        assert "150306" not in response.text
    assert await Provider.count() == 0
    # the same input without the number is made
    made = await client.post(
        "/graphql", json={"query": CREATE, "variables": {"input": private_input()}}, headers=ADMIN
    )
    assert made.json()["data"]["providerCreate"]["errors"] == []


async def test_a_search_for_a_cpr_number_is_refused_and_not_recorded(
    client: httpx.AsyncClient,
) -> None:
    headers = {"Authorization": f"Bearer {token('851', Role.PURCHASER)}"}
    query = '{ searchOffers(query: "150306-4321") { totalCount } }'
    response = await client.post("/graphql", json={"query": query}, headers=headers)
    assert response.json()["errors"][0]["extensions"]["field"] == ["query"]
    assert await SearchEvent.count() == 0


def test_a_web_form_with_a_cpr_number_in_free_text_is_a_field_error() -> None:
    class Message(BaseModel):
        message: str

    with pytest.raises(FormInvalid) as refused:
        command(Message, {"message": "Om borger 150306-4321"})
    assert set(refused.value.fields) == {"message"}
    assert "CPR" in refused.value.fields["message"]


async def test_the_report_names_rows_by_id_never_the_text() -> None:
    provider_id = uuid.uuid4()
    await Provider.insert(
        Provider(
            id=provider_id,
            owner_type="private",
            org_code="43389424",
            name="Engly",
            name_key="engly",
            street_address="Engvej 2",
            postal_code="8700",
            city="Horsens",
            municipality="615",
            latitude=55.86,
            longitude=9.85,
            description="Gammel tekst om 150306-4321",
        )
    ).run()
    findings = await rows_with_cpr()
    assert [(f.table, f.column, f.ids) for f in findings] == [
        ("provider", "description", [str(provider_id)])
    ]
    run = subprocess.run(
        [sys.executable, "-m", "schema.cli", "cpr-report"],
        capture_output=True,
        text=True,
        env={**os.environ},
        timeout=120,
        check=False,
    )
    assert run.returncode == 1, run.stderr
    assert f"provider.description: 1 row(s)\n  {provider_id}" in run.stdout
    assert "150306" not in run.stdout + run.stderr
