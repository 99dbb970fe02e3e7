"""Access tokens of an external OpenID Connect provider (a municipality's or KOMBIT's identity
provider): with ``OIDC_ISSUER`` and ``OIDC_AUDIENCE`` set, a bearer token whose ``iss`` is
that issuer is checked against the keys the issuer publishes.

The keys come from the issuer's discovery document (``/.well-known/openid-configuration``,
its ``jwks_uri``) and are kept for ``OIDC_JWKS_TTL_SECONDS``. A token signed with a key the
cache does not know (the issuer rotated its keys) makes the cache refresh, at most once every
``OIDC_JWKS_MIN_REFRESH_SECONDS``, so tokens with made-up key ids cannot make the service
hammer the issuer; a failed fetch counts too, so an issuer that is down is not asked again
sooner (until then the keys it had published keep working, or its tokens are refused). The
organisation and role are read from the claims the settings name.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import math
import time
from collections.abc import Mapping
from typing import Any

import httpx
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from marketplace.core.identity import Principal, Role, check_role_for_org
from marketplace.core.settings import Settings

ALGORITHMS = ["RS256", "ES256", "PS256"]
LEEWAY_SECONDS = 30


def check_lifetime(claims: Mapping[str, Any], max_seconds: int) -> None:
    """Refuse (ValueError) a token that lives longer than ``max_seconds`` from its ``iat``
    or from now, or is issued in the future: a leaked token with an absurd ``exp`` (10^30)
    would otherwise work for ever."""
    exp, iat = claims.get("exp"), claims.get("iat")
    now = time.time()
    if not isinstance(exp, int | float) or isinstance(exp, bool):
        raise ValueError("exp")
    start = iat if isinstance(iat, int | float) and not isinstance(iat, bool) else now
    if exp - min(start, now) > max_seconds + LEEWAY_SECONDS or start > now + LEEWAY_SECONDS:
        raise ValueError("lifetime")


class OidcRejected(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def unverified_claims(token: str) -> dict[str, Any]:
    """The claims of a JWT before its signature is checked (to route it by issuer)."""
    try:
        payload = token.split(".")[1]
        data = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (IndexError, ValueError, UnicodeDecodeError):
        return {}
    return data if isinstance(data, dict) else {}


def _unverified_kid(token: str) -> str | None:
    try:
        head = token.split(".")[0]
        header = json.loads(base64.urlsafe_b64decode(head + "=" * (-len(head) % 4)))
    except (IndexError, ValueError, UnicodeDecodeError):
        return None
    kid = header.get("kid") if isinstance(header, dict) else None
    return kid if isinstance(kid, str) else None


class OidcVerifier:
    def __init__(self, settings: Settings, transport: httpx.AsyncBaseTransport | None = None):
        assert settings.oidc_issuer and settings.oidc_audience
        self.issuer = settings.oidc_issuer.rstrip("/")
        self.audience = settings.oidc_audience
        self.org_claim = settings.oidc_org_claim
        self.role_claim = settings.oidc_role_claim
        self.ttl = settings.oidc_jwks_ttl_seconds
        self.max_lifetime = settings.token_max_lifetime_seconds
        self.min_refresh = settings.oidc_jwks_min_refresh_seconds
        self.transport = transport
        self.keys: KeySet | None = None
        self.kids: set[str] = set()
        self.fetched_at = 0.0  # when the keys were last fetched
        self.attempted_at = -math.inf  # when they were last asked for, fetched or not
        self.fetches = 0  # attempts
        self._lock = asyncio.Lock()

    def handles(self, token: str) -> bool:
        issuer = unverified_claims(token).get("iss")
        return isinstance(issuer, str) and issuer.rstrip("/") == self.issuer

    async def _fetch(self) -> None:
        """Discovery, then the key set; a ValueError when either is not what it should be."""
        self.attempted_at = time.monotonic()
        self.fetches += 1
        async with httpx.AsyncClient(transport=self.transport, timeout=5) as client:
            discovery = (await client.get(f"{self.issuer}/.well-known/openid-configuration")).json()
            if not isinstance(discovery, dict) or not isinstance(discovery.get("jwks_uri"), str):
                raise ValueError("the discovery document names no jwks_uri")
            if str(discovery.get("issuer", "")).rstrip("/") != self.issuer:
                raise ValueError("the discovery document names another issuer")
            jwks = (await client.get(discovery["jwks_uri"])).json()
        if not isinstance(jwks, dict) or not isinstance(jwks.get("keys"), list):
            raise ValueError("the key set is not a JWKS")
        keys = [k for k in jwks["keys"] if isinstance(k, dict)]
        self.keys = KeySet.import_key_set({"keys": keys})
        self.kids = {k["kid"] for k in keys if isinstance(k.get("kid"), str)}
        self.fetched_at = self.attempted_at

    async def _keys_for(self, kid: str | None) -> KeySet:
        async with self._lock:
            now = time.monotonic()
            stale = self.keys is None or now - self.fetched_at > self.ttl
            unknown = kid is not None and kid not in self.kids
            # Whatever asks, and whether the last attempt worked or not, the issuer is asked
            # at most once every min_refresh seconds.
            if (stale or unknown) and now - self.attempted_at >= self.min_refresh:
                # a failed fetch keeps the keys we have, if any
                with contextlib.suppress(
                    httpx.HTTPError, ValueError, KeyError, TypeError, JoseError
                ):
                    await self._fetch()
            if self.keys is None:
                raise OidcRejected("The identity provider's keys are unavailable.")
            return self.keys

    async def principal(self, token: str) -> Principal:
        keys = await self._keys_for(_unverified_kid(token))
        try:
            decoded = jwt.decode(token, keys, algorithms=ALGORITHMS)
            jwt.JWTClaimsRegistry(
                leeway=LEEWAY_SECONDS,
                iss={"essential": True, "value": self.issuer},
                aud={"essential": True, "value": self.audience},
                exp={"essential": True},
                sub={"essential": True},
            ).validate(decoded.claims)
        except (JoseError, ValueError) as error:
            raise OidcRejected("The access token is invalid, expired or wrongly signed.") from error
        claims = decoded.claims
        try:
            check_lifetime(claims, self.max_lifetime)
        except ValueError:
            raise OidcRejected(
                f"The access token lives too long: at most {self.max_lifetime} s are accepted."
            ) from None
        org, roles = claims.get(self.org_claim), claims.get(self.role_claim)
        if isinstance(roles, str):
            roles = [roles]
        if not isinstance(org, str) or not isinstance(roles, list) or len(roles) != 1:
            raise OidcRejected(
                f"The access token must carry one organisation ({self.org_claim}) "
                f"and one role ({self.role_claim})."
            )
        try:
            role = Role(roles[0])
            check_role_for_org(role, org)
        except ValueError as error:
            raise OidcRejected(
                f"The access token's role does not fit its organisation: {error}"
            ) from None
        return Principal(subject=f"oidc:{claims['sub']}", org_code=org, role=role)
