"""Bearer tokens: what passes, and the HTTP 401 for everything that does not."""

import datetime
import uuid
from typing import Any

import httpx
import pytest
from joserfc import jwt
from joserfc.jwk import ECKey

from marketplace.core.identity import Role
from schema.auth import mint_token
from tests.conftest import GraphQL

ME = """{ me { subject role organisationCode organisationKind
               municipality { name } region { name } } }"""


async def _post(client: httpx.AsyncClient, authorization: str) -> Any:
    return await client.post(
        "/graphql", json={"query": ME}, headers={"Authorization": authorization}
    )


def _claims(**overrides: Any) -> dict[str, Any]:
    now = int(datetime.datetime.now(datetime.UTC).timestamp())
    return {
        "iss": "urn:socialmarked:dev",
        "aud": "socialmarked",
        "sub": "someone",
        "client_id": "test",
        "jti": uuid.uuid4().hex,
        "iat": now,
        "exp": now + 600,
        "org": "851",
        "roles": ["purchaser"],
        **overrides,
    }


async def test_me_is_null_for_an_anonymous_caller(gql: GraphQL) -> None:
    assert await gql(ME) == {"data": {"me": None}}


async def test_me_describes_a_signed_in_purchaser(gql: GraphQL) -> None:
    body = await gql(ME, as_=("851", Role.PURCHASER))
    assert body["data"]["me"] == {
        "subject": "dev:851:purchaser",
        "role": "PURCHASER",
        "organisationCode": "851",
        "organisationKind": "MUNICIPALITY",
        "municipality": {"name": "Aalborg"},
        "region": None,
    }


async def test_me_describes_a_steering_group_member(gql: GraphQL) -> None:
    body = await gql(ME, as_=("1081", Role.STEERING))
    me = body["data"]["me"]
    assert (me["role"], me["organisationKind"]) == ("STEERING", "REGION")
    assert me["region"] == {"name": "Region Nordjylland"}


def _foreign_signed(**claims: Any) -> str:
    key = ECKey.generate_key("P-256", auto_kid=True)
    return jwt.encode({"alg": "ES256", "typ": "at+jwt", "kid": key.kid}, _claims(**claims), key)


@pytest.mark.parametrize(
    ("authorization", "why"),
    [
        ("Bearer not.a.jwt", "malformed"),
        ("Bearer ", "empty"),
        ("Basic dXNlcjpwYXNz", "wrong scheme"),
        (f"Bearer {_foreign_signed()}", "signed by another key"),
    ],
)
async def test_a_bad_token_gets_401_with_a_json_body(
    client: httpx.AsyncClient, authorization: str, why: str
) -> None:
    response = await _post(client, authorization)
    assert response.status_code == 401, why
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert response.json()["status_code"] == 401
    assert response.json()["detail"]


async def test_an_expired_token_gets_401(client: httpx.AsyncClient) -> None:
    issued = datetime.datetime.now(datetime.UTC) - datetime.timedelta(hours=2)
    expired = mint_token("851", Role.PURCHASER, now=issued, ttl=datetime.timedelta(hours=1))
    response = await _post(client, f"Bearer {expired}")
    assert response.status_code == 401


async def test_a_token_for_another_audience_gets_401(client: httpx.AsyncClient) -> None:
    from marketplace.core.settings import get_settings

    other = get_settings().model_copy(update={"jwt_audience": "someone-else"})
    response = await _post(client, f"Bearer {mint_token('851', Role.PURCHASER, settings=other)}")
    assert response.status_code == 401


async def test_a_role_that_does_not_fit_the_organisation_gets_401(
    client: httpx.AsyncClient,
) -> None:
    from marketplace.core.settings import get_settings
    from schema.auth import load_or_create_signing_key

    key = load_or_create_signing_key(get_settings().signing_key_path)
    # A region cannot purchase: a correctly signed token that claims so is still refused.
    forged = jwt.encode({"alg": "ES256", "typ": "at+jwt", "kid": key.kid}, _claims(org="1081"), key)
    response = await _post(client, f"Bearer {forged}")
    assert response.status_code == 401
    assert "organisation" in response.json()["detail"]


def test_the_token_command_refuses_a_role_the_organisation_cannot_hold() -> None:
    with pytest.raises(ValueError, match="municipality"):
        mint_token("1081", Role.PURCHASER)
    with pytest.raises(ValueError, match="CVR"):
        mint_token("12345678", Role.PROVIDER_ADMIN)
