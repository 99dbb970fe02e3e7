"""GraphQL and HTTP hygiene: no field suggestions in production, no caching of answers, the
exports' errors as JSON with one charset, authentication before validation, and error
messages in the client's words with no placeholder left unfilled."""

from __future__ import annotations

import ast
import datetime
from pathlib import Path

import httpx

from marketplace.core.errors import ErrorCode, plain_message
from marketplace.core.identity import Role
from marketplace.core.settings import get_settings
from schema.errors import client_words
from tests.conftest import serve, token
from web.danish import BY_CODE

ROOT = Path(__file__).resolve().parents[2]
MISSPELT = {"query": "{ regionz { code } }"}
PURCHASER = {"Authorization": f"Bearer {token('851', Role.PURCHASER)}"}


async def test_no_field_suggestions_in_production(client: httpx.AsyncClient) -> None:
    development = await client.post("/graphql", json=MISSPELT)
    assert "Did you mean" in development.text
    production = get_settings().model_copy(
        update={"environment": "production", "rate_limit_per_minute": 0}
    )
    async with serve(production) as http:
        answer = await http.post("/graphql", json=MISSPELT)
    message = answer.json()["errors"][0]["message"]
    assert "Did you mean" not in message and "regions" not in message
    assert "regionz" in message  # the client's own mistake is still named


async def test_authenticated_answers_and_exports_are_not_cached(client: httpx.AsyncClient) -> None:
    me = await client.post("/graphql", json={"query": "{ me { subject } }"}, headers=PURCHASER)
    month = datetime.datetime.now(datetime.UTC).strftime("%Y-%m")
    export = await client.get(
        f"/exports/billing.csv?month={month}&municipalityCode=851", headers=PURCHASER
    )
    for answer in (me, export):
        assert answer.status_code == 200
        assert answer.headers["cache-control"] == "no-store"
    assert export.headers["content-type"] == "text/csv; charset=utf-8"  # one charset


async def test_exports_authenticate_before_they_validate_and_answer_errors_as_json(
    client: httpx.AsyncClient,
) -> None:
    for path in [
        "/exports/billing.csv?month=not-a-month",
        "/exports/billing.csv",
        "/exports/refunds.csv",
        "/exports/invoices.csv?invoiceId=x",
        "/exports/invoices.xml?invoiceId=x&modified_after=nope",
        "/exports/credit-notes.xml?creditNoteId=x&modified_after=nope",
        "/exports/billing.csv?month=2026-01&municipalityCode=851&modified_after=nope",
        "/exports/gaps.csv?regionCode=nope",
        "/exports/gaps.json",
    ]:
        anonymous = await client.get(path)
        assert anonymous.status_code == 401, path
        assert anonymous.headers["content-type"].startswith("application/json"), path
        assert anonymous.json()["code"] == "UNAUTHENTICATED"
        bad_token = await client.get(path, headers={"Authorization": "Bearer nonsense"})
        assert bad_token.status_code == 401, path
        assert bad_token.headers["content-type"].startswith("application/json"), path
    signed_in = await client.get("/exports/billing.csv?month=not-a-month", headers=PURCHASER)
    assert signed_in.status_code == 400
    assert signed_in.headers["content-type"].startswith("application/json")


def test_every_error_code_has_plain_words() -> None:
    for code in ErrorCode:
        assert code in BY_CODE, f"no Danish message for {code}"
        assert "{" not in BY_CODE[code]


def _messages_with_placeholders() -> list[str]:
    """Error messages written as plain strings (not f-strings) that hold a ``{...}``
    placeholder: nothing fills them (pydantic does not apply ``!r``)."""
    found = []
    for package in ("marketplace", "agreements", "schema", "web"):
        for path in (ROOT / package).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if not isinstance(node, ast.Call):
                    continue
                name = getattr(node.func, "id", getattr(node.func, "attr", ""))
                if name not in {"DomainError", "PydanticCustomError", "ArgumentError"}:
                    continue
                for arg in node.args[1:2]:
                    if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                        text = arg.value
                        context = len(node.args) > 2 and name == "PydanticCustomError"
                        if "!r}" in text or ("{" in text and not context):
                            found.append(f"{path.relative_to(ROOT)}:{node.lineno}: {text}")
    return found


def test_no_error_message_has_an_unfilled_placeholder() -> None:
    assert _messages_with_placeholders() == []


def test_messages_speak_the_clients_words() -> None:
    assert client_words("max_age must not be below min_age") == "maxAge must not be below minAge"
    assert client_words("Give a month as YYYY-MM.") == "Give a month as YYYY-MM."
    assert plain_message("string_pattern_mismatch", {"pattern": r"^\d{4}$"}, "x") == (
        "Give 4 digits."
    )
    assert plain_message("string_too_long", {"max_length": 200}, "x") == "At most 200 characters."
    assert plain_message("missing", {}, "Field required") == "This field is required."
    for kind in ["greater_than_equal", "less_than_equal", "string_too_short", "enum"]:
        text = plain_message(kind, {}, "pydantic's own")
        assert "{" not in text  # a missing context falls back to pydantic's words


async def test_a_graphql_validation_message_is_plain(client: httpx.AsyncClient) -> None:
    headers = {"Authorization": f"Bearer {token('1084', Role.REGISTRY_ADMIN)}"}
    mutation = (
        'mutation { providerCreate(input: {ownerType: PRIVATE, orgCode: "43389424", '
        'name: "Engly", streetAddress: "Engvej 2", postalCode: "87000", city: "Horsens", '
        'municipalityCode: "615"}) { errors { field code message } } }'
    )
    answer = await client.post("/graphql", json={"query": mutation}, headers=headers)
    [error] = answer.json()["data"]["providerCreate"]["errors"]
    assert error["field"] == ["input", "postalCode"]
    assert "pattern" not in error["message"] and "\\d" not in error["message"]
    assert "_" not in error["message"]
