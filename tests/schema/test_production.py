"""Production configuration checked at start, and the tokens production accepts: a bounded
lifetime, an organisation that exists, no development-signed token, and the service's own
keys with key ids, rotation and a published JWKS."""

from __future__ import annotations

import base64
import datetime
import json
import uuid
from typing import Any

import httpx
import pytest
from click.testing import CliRunner
from joserfc import jwt
from joserfc.jwk import ECKey
from pydantic import SecretStr

from marketplace.core.clients import create_client
from marketplace.core.identity import Role
from marketplace.core.settings import Settings, get_settings, production_problems
from schema.app import production_app
from schema.auth import DEV_CLIENT_ID, mint_token
from schema.cli import main
from schema.keys import load_or_create_signing_key
from tests.conftest import serve
from tests.schema.test_oauth import _token

ME = "{ me { subject organisationCode } }"


def _jwks(*keys: ECKey) -> SecretStr:
    return SecretStr(json.dumps({"keys": [k.as_dict(private=True) for k in keys]}))


def _key() -> ECKey:
    return ECKey.generate_key("P-256", auto_kid=True)


def _production(**changes: Any) -> Settings:
    """Complete production settings, with ``changes``."""
    good: dict[str, Any] = {
        "environment": "production",
        "cpr_hmac_key": SecretStr("k" * 32),
        "oidc_issuer": "https://login.example.dk",
        "oidc_audience": "socialmarked",
        "service_signing_keys": _jwks(_key()),
    }
    return get_settings().model_copy(update={**good, **changes})


def test_complete_production_settings_pass() -> None:
    assert production_problems(_production()) == []
    assert production_problems(get_settings()) == []  # not production: nothing asked


@pytest.mark.parametrize(
    ("changes", "named"),
    [
        ({"cpr_hmac_key": None}, "CPR_HMAC_KEY"),
        ({"cpr_hmac_key": SecretStr("short")}, "CPR_HMAC_KEY"),
        ({"dev_token_signing": True}, "DEV_TOKEN_SIGNING"),
        ({"oidc_issuer": None}, "OIDC_ISSUER"),
        ({"oidc_issuer": "http://login.example.dk"}, "OIDC_ISSUER"),
        ({"oidc_audience": None}, "OIDC_AUDIENCE"),
        ({"web_secret": SecretStr("w" * 32)}, "OIDC_CLIENT_ID"),
        ({"service_signing_keys": None}, "SERVICE_SIGNING_KEYS"),
    ],
)
def test_production_refuses_to_start_naming_the_setting(
    changes: dict[str, Any], named: str
) -> None:
    settings = _production(**changes)
    problems = production_problems(settings)
    assert len(problems) == 1 and named in problems[0]
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("schema.app.get_settings", lambda: settings)
        with pytest.raises(RuntimeError, match=named):
            production_app()


def test_serve_refuses_to_start_in_production_without_its_settings(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ENVIRONMENT", "production")
    monkeypatch.setenv("CPR_HMAC_KEY", "abcde")
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(main, ["serve"])
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()
    assert result.exit_code == 1
    for setting in ("CPR_HMAC_KEY", "OIDC_ISSUER", "SERVICE_SIGNING_KEYS"):
        assert setting in result.output


def test_the_token_command_refuses_in_production() -> None:
    with pytest.raises(ValueError, match="development tokens are off"):
        mint_token("851", Role.PURCHASER, settings=_production())


def _signed(key: ECKey, **claims: Any) -> str:
    now = int(datetime.datetime.now(datetime.UTC).timestamp())
    body = {
        "iss": "urn:socialmarked:dev",
        "aud": "socialmarked",
        "sub": "dev:851:purchaser",
        "client_id": DEV_CLIENT_ID,
        "jti": uuid.uuid4().hex,
        "iat": now,
        "exp": now + 600,
        "org": "851",
        "roles": ["purchaser"],
        **claims,
    }
    return jwt.encode({"alg": "ES256", "typ": "at+jwt", "kid": key.kid}, body, key)


async def _me(client: httpx.AsyncClient, token: str) -> httpx.Response:
    return await client.post(
        "/graphql", json={"query": ME}, headers={"Authorization": f"Bearer {token}"}
    )


async def test_a_token_with_an_absurd_lifetime_is_refused(client: httpx.AsyncClient) -> None:
    key = load_or_create_signing_key(get_settings().signing_key_path)
    now = int(datetime.datetime.now(datetime.UTC).timestamp())
    assert (await _me(client, _signed(key))).status_code == 200
    for claims in [{"exp": 10**30}, {"exp": now + 2 * 86400}, {"iat": now + 3600}]:
        refused = await _me(client, _signed(key, **claims))
        assert refused.status_code == 401, claims
    longer = await _me(client, _signed(key, exp=now + 2 * 86400))
    assert "lives too long" in longer.json()["detail"]


async def test_a_token_for_an_organisation_that_does_not_exist_is_refused(
    client: httpx.AsyncClient,
) -> None:
    for code in ["999", "100"]:
        refused = await _me(client, mint_token(code, Role.PURCHASER))
        assert refused.status_code == 401
        assert "does not exist" in refused.json()["detail"]
    assert (await _me(client, mint_token("851", Role.PURCHASER))).status_code == 200


async def test_production_refuses_development_tokens() -> None:
    dev_key = load_or_create_signing_key(get_settings().signing_key_path)
    async with serve(_production(rate_limit_per_minute=0)) as http:
        refused = await _me(http, _signed(dev_key))
    assert refused.status_code == 401  # the development key is not even read
    # where development tokens are turned off outside production, they are refused by name
    off = get_settings().model_copy(
        update={"dev_token_signing": False, "service_signing_keys": _jwks(_key())}
    )
    async with serve(off) as http:
        named = await _me(http, _signed(dev_key))
    assert named.status_code == 401
    assert "wrongly signed" in named.json()["detail"]


def _kid(token: str) -> str:
    head = token.split(".")[0]
    header: dict[str, str] = json.loads(base64.urlsafe_b64decode(head + "=" * (-len(head) % 4)))
    return header["kid"]


async def test_service_keys_have_ids_rotate_and_are_published() -> None:
    old, new = _key(), _key()
    made, secret = await create_client("851", Role.PURCHASER, "read", "Aalborg")
    settings = get_settings().model_copy(update={"service_signing_keys": _jwks(old)})
    async with serve(settings) as http:
        first = (await _token(http, made.client_id, secret)).json()["access_token"]
    assert _kid(first) == old.kid

    rotated = settings.model_copy(update={"service_signing_keys": _jwks(new, old)})
    async with serve(rotated) as http:
        assert (await _me(http, first)).status_code == 200  # the old key still verifies
        second = (await _token(http, made.client_id, secret)).json()["access_token"]
        published = await http.get("/.well-known/jwks.json")
    assert _kid(second) == new.kid
    assert published.status_code == 200
    keys = published.json()["keys"]
    assert [k["kid"] for k in keys] == [new.kid, old.kid]
    assert all("d" not in k and k["alg"] == "ES256" for k in keys)  # public halves only

    retired = settings.model_copy(update={"service_signing_keys": _jwks(new)})
    async with serve(retired) as http:
        assert (await _me(http, first)).status_code == 401  # its key is gone
        assert (await _me(http, second)).status_code == 200


def test_service_keys_from_a_file(tmp_path: Any) -> None:
    from schema.keys import SigningKeysInvalid, signing_keys

    key = _key()
    path = tmp_path / "keys.json"
    path.write_text(_jwks(key).get_secret_value())
    settings = get_settings().model_copy(update={"service_signing_keys_file": path})
    assert signing_keys(settings).signing.kid == key.kid
    path.write_text(json.dumps({"keys": [{"kty": "EC"}]}))
    with pytest.raises(SigningKeysInvalid, match="SERVICE_SIGNING_KEYS_FILE"):
        signing_keys(settings)
