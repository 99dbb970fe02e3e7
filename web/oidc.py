"""Signing in to the web application with OpenID Connect: the authorization code flow with
PKCE (S256), a state and a nonce, through authlib's OAuth 2 client.

The issuer's endpoints come from its discovery document; the ID token it returns is checked
like the API's bearer tokens (``schema.oidc.OidcVerifier``: signature against the published
keys, issuer, expiry, the organisation and role claims), with this application's client id
as its audience, and its nonce must be the one this sign-in sent.
"""

from __future__ import annotations

import time
from typing import Any

import httpx
import httpx2
from authlib.common.security import generate_token
from authlib.integrations.base_client.errors import OAuthError
from authlib.integrations.httpx_client import AsyncOAuth2Client

from marketplace.core.identity import Principal
from marketplace.core.settings import Settings
from schema.oidc import OidcRejected, OidcVerifier, unverified_claims

DISCOVERY_TTL_SECONDS = 3600


class SignInFailed(Exception):
    """The sign-in at the identity provider did not give a usable identity (the reason is
    for the log; the person is told to try again)."""


class OidcSignIn:
    def __init__(self, settings: Settings):
        assert settings.oidc_issuer and settings.oidc_client_id
        self.issuer = settings.oidc_issuer.rstrip("/")
        self.client_id = settings.oidc_client_id
        secret = settings.oidc_client_secret
        self.client_secret = secret.get_secret_value() if secret is not None else None
        self.scope = settings.oidc_scope
        # The ID token's audience is this application, not the API's audience.
        self.verifier = OidcVerifier(settings.model_copy(update={"oidc_audience": self.client_id}))
        self._metadata: dict[str, Any] | None = None
        self._fetched_at = 0.0

    def _client(self, redirect_uri: str) -> AsyncOAuth2Client:
        return AsyncOAuth2Client(
            client_id=self.client_id,
            client_secret=self.client_secret,
            scope=self.scope,
            redirect_uri=redirect_uri,
            code_challenge_method="S256",
            token_endpoint_auth_method="client_secret_basic" if self.client_secret else "none",
            timeout=10,
        )

    async def metadata(self) -> dict[str, Any]:
        if self._metadata is None or time.monotonic() - self._fetched_at > DISCOVERY_TTL_SECONDS:
            async with httpx.AsyncClient(timeout=10) as http:
                response = await http.get(f"{self.issuer}/.well-known/openid-configuration")
                response.raise_for_status()
                found = response.json()
            if (
                not isinstance(found, dict)
                or str(found.get("issuer", "")).rstrip("/") != self.issuer
            ):
                raise SignInFailed("the discovery document names another issuer")
            self._metadata, self._fetched_at = found, time.monotonic()
        return self._metadata

    async def start(self, redirect_uri: str) -> tuple[str, dict[str, str]]:
        """Where to send the browser, and what to keep until it comes back."""
        endpoint = (await self.metadata()).get("authorization_endpoint")
        if not isinstance(endpoint, str):
            raise SignInFailed("the discovery document names no authorization endpoint")
        verifier, nonce = generate_token(64), generate_token(32)
        async with self._client(redirect_uri) as client:
            url, state = client.create_authorization_url(
                endpoint, code_verifier=verifier, nonce=nonce
            )
        kept = {"state": state, "nonce": nonce, "verifier": verifier, "redirect_uri": redirect_uri}
        return url, kept

    async def finish(self, kept: dict[str, str], code: str, state: str) -> tuple[Principal, str]:
        """The person the issuer says came back with ``code``, and their display name."""
        if not code or state != kept.get("state"):
            raise SignInFailed("the state does not match the sign-in under way")
        endpoint = (await self.metadata()).get("token_endpoint")
        if not isinstance(endpoint, str):
            raise SignInFailed("the discovery document names no token endpoint")
        try:
            async with self._client(kept["redirect_uri"]) as client:
                token = await client.fetch_token(
                    endpoint, code=code, code_verifier=kept["verifier"]
                )
        except (OAuthError, httpx2.HTTPError, ValueError) as error:
            raise SignInFailed(f"the code was not exchanged: {error}") from error
        id_token = token.get("id_token")
        if not isinstance(id_token, str):
            raise SignInFailed("the issuer returned no ID token")
        try:
            principal = await self.verifier.principal(id_token)
        except OidcRejected as rejected:
            raise SignInFailed(rejected.reason) from rejected
        claims = unverified_claims(id_token)  # its signature was checked above
        if claims.get("nonce") != kept["nonce"]:
            raise SignInFailed("the ID token's nonce is not this sign-in's")
        name = claims.get("name") or claims.get("preferred_username") or claims["sub"]
        return principal, str(name)
