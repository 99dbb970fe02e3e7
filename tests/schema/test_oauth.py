"""OAuth 2.0 client credentials at /oauth/token: a registered client gets an RFC 9068 token
for its organisation, role and scopes; wrong secrets, grants and scopes get the RFC 6749
errors; a read-only token cannot change anything; a revoked client's tokens stop working;
only a hash of the secret is kept."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from pathlib import Path

import httpx
from joserfc import jwt

from marketplace.core.clients import create_client, revoke_client
from marketplace.core.identity import Role
from marketplace.core.settings import get_settings
from marketplace.core.tables import OAuthClient
from schema.auth import load_or_create_signing_key

ROOT = Path(__file__).resolve().parents[2]
ME = "{ me { subject role organisationCode } }"
CREATE_PROVIDER = """
mutation { providerCreate(input: {ownerType: PRIVATE, orgCode: "43389424", name: "Engly",
  streetAddress: "Engvej 2", postalCode: "8700", city: "Horsens", municipalityCode: "615"})
  { provider { id } errors { code message } } }
"""


def _basic(client_id: str, secret: str) -> dict[str, str]:
    pair = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    return {"Authorization": f"Basic {pair}"}


async def _token(
    client: httpx.AsyncClient, client_id: str, secret: str, **form: str
) -> httpx.Response:
    return await client.post(
        "/oauth/token",
        data={"grant_type": "client_credentials", **form},
        headers=_basic(client_id, secret),
    )


async def test_a_client_gets_a_token_for_its_organisation_and_role(
    client: httpx.AsyncClient,
) -> None:
    made, secret = await create_client("851", Role.PURCHASER, "read", "Aalborg sagssystem")
    response = await _token(client, made.client_id, secret)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["token_type"] == "Bearer" and body["scope"] == "read"
    assert body["expires_in"] == get_settings().oauth_token_ttl_seconds
    assert response.headers["cache-control"] == "no-store"
    key = load_or_create_signing_key(get_settings().signing_key_path)
    claims = jwt.decode(body["access_token"], key, algorithms=["ES256"]).claims
    assert (claims["org"], claims["roles"], claims["client_id"]) == (
        "851",
        ["purchaser"],
        made.client_id,
    )
    me = await client.post(
        "/graphql",
        json={"query": ME},
        headers={"Authorization": f"Bearer {body['access_token']}"},
    )
    assert me.json()["data"]["me"] == {
        "subject": made.client_id,
        "role": "PURCHASER",
        "organisationCode": "851",
    }
    # the secret in the form instead of HTTP Basic works too
    posted = await client.post(
        "/oauth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": made.client_id,
            "client_secret": secret,
        },
    )
    assert posted.status_code == 200


async def test_wrong_secrets_grants_and_scopes_are_refused(client: httpx.AsyncClient) -> None:
    made, secret = await create_client("851", Role.PURCHASER, "read")
    wrong = await _token(client, made.client_id, secret + "x")
    assert (wrong.status_code, wrong.json()["error"]) == (401, "invalid_client")
    unknown = await _token(client, "smc_nobody", secret)
    assert (unknown.status_code, unknown.json()["error"]) == (401, "invalid_client")
    grant = await client.post(
        "/oauth/token", data={"grant_type": "password"}, headers=_basic(made.client_id, secret)
    )
    assert (grant.status_code, grant.json()["error"]) == (400, "unsupported_grant_type")
    scope = await _token(client, made.client_id, secret, scope="write")
    assert (scope.status_code, scope.json()["error"]) == (400, "invalid_scope")


async def test_a_read_token_cannot_change_anything_and_a_write_token_can(
    client: httpx.AsyncClient,
) -> None:
    reader, secret = await create_client("1084", Role.REGISTRY_ADMIN, "read")
    token = (await _token(client, reader.client_id, secret)).json()["access_token"]
    refused = await client.post(
        "/graphql", json={"query": CREATE_PROVIDER}, headers={"Authorization": f"Bearer {token}"}
    )
    [error] = refused.json()["data"]["providerCreate"]["errors"]
    assert error["code"] == "PERMISSION_DENIED" and "write" in error["message"]
    writer, secret = await create_client("1084", Role.REGISTRY_ADMIN, "read,write")
    token = (await _token(client, writer.client_id, secret)).json()["access_token"]
    made = await client.post(
        "/graphql", json={"query": CREATE_PROVIDER}, headers={"Authorization": f"Bearer {token}"}
    )
    assert made.json()["data"]["providerCreate"]["errors"] == []


async def test_a_revoked_clients_tokens_stop_working(client: httpx.AsyncClient) -> None:
    made, secret = await create_client("851", Role.PURCHASER, "read")
    token = (await _token(client, made.client_id, secret)).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    assert (await client.post("/graphql", json={"query": ME}, headers=headers)).status_code == 200
    assert await revoke_client(made.client_id)
    after = await client.post("/graphql", json={"query": ME}, headers=headers)
    assert after.status_code == 401 and "revoked" in after.text
    again = await _token(client, made.client_id, secret)
    assert again.json()["error"] == "invalid_client"


async def test_only_a_hash_of_the_secret_is_kept() -> None:
    made, secret = await create_client("851", Role.PURCHASER, "read")
    [row] = await OAuthClient.select().run()
    assert row["client_id"] == made.client_id
    assert secret not in repr(row) and row["secret_hash"].startswith("scrypt$")


def test_the_client_commands(tmp_path: Path) -> None:
    env = {**os.environ}

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "schema.cli", "client", *args],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
        )

    made = run("create", "--org", "461", "--role", "purchaser", "--scopes", "read,write")
    assert made.returncode == 0, made.stderr
    lines = dict(line.split("=", 1) for line in made.stdout.split())
    assert lines["client_id"].startswith("smc_") and len(lines["client_secret"]) >= 40
    assert lines["client_id"] in run("list").stdout
    assert run("revoke", lines["client_id"]).returncode == 0
    assert "revoked" in run("list").stdout
    bad = run("create", "--org", "461", "--role", "steering")
    assert bad.returncode == 2 and "Not created" in bad.stderr


async def test_malformed_token_requests_get_clear_errors(client: httpx.AsyncClient) -> None:
    cases = [
        {"json": {"grant_type": "client_credentials"}},
        {},
        {"data": {"grant_type": "client_credentials"}, "headers": {"Authorization": "Basic %%%"}},
        {"data": {"grant_type": "client_credentials"}, "headers": {"Authorization": "Bearer x"}},
        {"data": {"grant_type": "client_credentials", "client_id": "x" * 5000}},
        # a NUL character in the client id, in the form and in HTTP Basic (once a 500)
        {"data": {"grant_type": "client_credentials", "client_id": "a\x00b", "client_secret": "x"}},
        {
            "data": {"grant_type": "client_credentials"},
            "headers": {"Authorization": "Basic " + base64.b64encode(b"a\x00b:x").decode()},
        },
    ]
    for case in cases:
        response = await client.post("/oauth/token", **case)
        assert response.status_code in (400, 401), (case, response.status_code, response.text)
        assert response.json()["error"] in (
            "invalid_request",
            "invalid_client",
            "unsupported_grant_type",
        )


async def test_a_token_asked_with_a_blank_scope_is_answered_as_documented(
    client: httpx.AsyncClient,
) -> None:
    # RFC 6749 5.1: `scope` may be left out of the answer; the OpenAPI document must allow it
    # (Schemathesis found the answer without it refused by the document's schema)
    made, secret = await create_client("851", Role.PURCHASER, "read", "Aalborg sagssystem")
    document = json.loads((ROOT / "openapi" / "openapi.json").read_text("utf-8"))
    answer = document["components"]["schemas"]["TokenAnswer"]
    for asked in ("\x1d", " ", ""):
        response = await _token(client, made.client_id, secret, scope=asked)
        assert response.status_code == 200, (asked, response.text)
        body = response.json()
        assert set(answer["required"]) <= set(body), (asked, body)
        assert set(body) <= set(answer["properties"]), (asked, body)
