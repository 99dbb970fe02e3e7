"""Tokens of an external OpenID Connect provider, against a local test issuer (an HTTP server
on loopback publishing a discovery document and its JWKS): accepted with the claim names of
the settings; key rotation; expired, foreign-audience and unknown-key tokens refused; the key
cache refreshed for an unknown key at most once in its interval."""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from joserfc import jwt
from joserfc.jwk import RSAKey

from marketplace.core.settings import get_settings
from tests.conftest import serve

ME = {"query": "{ me { subject role organisationCode } }"}


class Issuer:
    """A minimal OpenID provider: discovery and JWKS, keys that can be rotated."""

    def __init__(self) -> None:
        self.keys = [RSAKey.generate_key(2048, parameters={"kid": "key-1"})]
        self.jwks_requests = 0
        self.discovery_requests = 0
        self.failure: str | None = None  # "discovery fails", "the key set is not an object"
        issuer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                body: Any
                if self.path == "/.well-known/openid-configuration":
                    issuer.discovery_requests += 1
                    if issuer.failure == "discovery fails":
                        self.send_error(503)
                        return
                    body = {"issuer": issuer.url, "jwks_uri": f"{issuer.url}/jwks"}
                elif self.path == "/jwks":
                    issuer.jwks_requests += 1
                    body = {"keys": [k.as_dict(private=False) for k in issuer.keys]}
                    if issuer.failure == "the key set is not an object":
                        body = [body]
                else:
                    self.send_error(404)
                    return
                data = json.dumps(body).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def rotate(self) -> None:
        self.keys = [RSAKey.generate_key(2048, parameters={"kid": f"key-{uuid.uuid4().hex[:6]}"})]

    def token(self, key: RSAKey | None = None, **claims: Any) -> str:
        key = key or self.keys[0]
        now = int(time.time())
        body = {
            "iss": self.url,
            "aud": "socialmarked-api",
            "sub": "caseworker-17",
            "iat": now,
            "exp": now + 300,
            "municipality": "851",
            "socialmarked_role": "purchaser",
            **claims,
        }
        return jwt.encode({"alg": "RS256", "kid": key.kid}, body, key, algorithms=["RS256"])


@pytest.fixture
def issuer() -> Iterator[Issuer]:
    running = Issuer()
    yield running
    running.server.shutdown()


def _settings(issuer: Issuer, **extra: Any) -> Any:
    return get_settings().model_copy(
        update={
            "oidc_issuer": issuer.url,
            "oidc_audience": "socialmarked-api",
            "oidc_org_claim": "municipality",
            "oidc_role_claim": "socialmarked_role",
            **extra,
        }
    )


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_a_token_of_the_issuer_is_accepted_with_the_configured_claims(
    issuer: Issuer,
) -> None:
    async with serve(_settings(issuer)) as client:
        response = await client.post("/graphql", json=ME, headers=_bearer(issuer.token()))
    assert response.status_code == 200, response.text
    assert response.json()["data"]["me"] == {
        "subject": "oidc:caseworker-17",
        "role": "PURCHASER",
        "organisationCode": "851",
    }


async def test_a_rotated_key_is_fetched_and_old_tokens_stop_working(issuer: Issuer) -> None:
    old_key = issuer.keys[0]
    async with serve(_settings(issuer, oidc_jwks_min_refresh_seconds=0)) as client:
        first = await client.post("/graphql", json=ME, headers=_bearer(issuer.token()))
        assert first.status_code == 200
        issuer.rotate()
        rotated = await client.post("/graphql", json=ME, headers=_bearer(issuer.token()))
        assert rotated.status_code == 200, rotated.text
        old = await client.post("/graphql", json=ME, headers=_bearer(issuer.token(key=old_key)))
    assert old.status_code == 401
    # the start, the new key, and the retired key looked for once more (no interval set here)
    assert issuer.jwks_requests == 3


async def test_bad_tokens_are_refused(issuer: Issuer) -> None:
    stranger = RSAKey.generate_key(2048, parameters={"kid": "key-1"})  # a known kid, wrong key
    now = int(time.time())
    bad = {
        "expired": issuer.token(iat=now - 3600, exp=now - 600),
        "another audience": issuer.token(aud="another-api"),
        "signed by someone else": issuer.token(key=stranger),
        "no organisation": issuer.token(municipality=None),
        "a role that does not fit": issuer.token(socialmarked_role="steering"),
    }
    async with serve(_settings(issuer)) as client:
        for name, token in bad.items():
            response = await client.post("/graphql", json=ME, headers=_bearer(token))
            assert response.status_code == 401, (name, response.text)
            assert response.headers["www-authenticate"].startswith("Bearer")


async def test_unknown_key_ids_refresh_the_keys_at_most_once_an_interval(issuer: Issuer) -> None:
    async with serve(_settings(issuer, oidc_jwks_min_refresh_seconds=3600)) as client:
        assert (
            await client.post("/graphql", json=ME, headers=_bearer(issuer.token()))
        ).status_code == 200
        for _ in range(5):
            made_up = RSAKey.generate_key(2048, parameters={"kid": uuid.uuid4().hex})
            response = await client.post(
                "/graphql", json=ME, headers=_bearer(issuer.token(key=made_up))
            )
            assert response.status_code == 401
    assert issuer.jwks_requests == 1


@pytest.mark.parametrize("failure", ["discovery fails", "the key set is not an object"])
async def test_an_issuer_that_fails_is_asked_at_most_once_an_interval(
    issuer: Issuer, failure: str
) -> None:
    """A failed fetch counts like a successful one: tokens keep arriving, the issuer is not
    asked again before the interval is over, and every token is refused cleanly."""
    issuer.failure = failure
    async with serve(_settings(issuer, oidc_jwks_min_refresh_seconds=3600)) as client:
        for key in [
            None,
            *(RSAKey.generate_key(2048, parameters={"kid": f"k{i}"}) for i in range(3)),
        ]:
            response = await client.post("/graphql", json=ME, headers=_bearer(issuer.token(key)))
            assert response.status_code == 401, response.text
            assert "keys are unavailable" in response.text
    assert issuer.discovery_requests == 1
