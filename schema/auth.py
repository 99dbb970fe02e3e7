"""Bearer tokens: RFC 9068 JWT access tokens validated with authlib, and dev token signing.

In development the service signs its own tokens with an ES256 key it generates on first
use under ``var/`` (never committed). Every token carries the organisation code (``org``)
and one role (``roles``); a token whose role does not fit its organisation is refused.
"""

from __future__ import annotations

import datetime
import time
import uuid

from authlib.oauth2.rfc6750.errors import InvalidTokenError
from authlib.oauth2.rfc9068 import JWTBearerTokenValidator
from joserfc import jwt
from joserfc.jwk import ECKey, KeySet
from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, TooManyRequestsException
from litestar.middleware import AbstractAuthenticationMiddleware, AuthenticationResult

from marketplace.core import clients
from marketplace.core.identity import OrgKind, Principal, Role, check_role_for_org, org_kind
from marketplace.core.settings import Settings, get_settings
from marketplace.organisations.service import registry_codes
from schema.keys import ALGORITHM, SigningKeys, load_or_create_signing_key, signing_keys
from schema.oidc import OidcRejected, OidcVerifier, check_lifetime
from schema.protection import RATE_LIMITED, client_of, over_limit, too_many_requests

DEV_CLIENT_ID = "socialmarked-cli"


def mint_token(
    org_code: str,
    role: Role,
    *,
    settings: Settings | None = None,
    subject: str | None = None,
    ttl: datetime.timedelta | None = None,
    now: datetime.datetime | None = None,
) -> str:
    """Sign a development access token for ``org_code`` acting as ``role`` (refused where
    development tokens are off: in production)."""
    settings = settings or get_settings()
    if not settings.dev_tokens_enabled:
        raise ValueError("development tokens are off here (DEV_TOKEN_SIGNING, production)")
    check_role_for_org(role, org_code)
    key = load_or_create_signing_key(settings.signing_key_path)
    issued = now or datetime.datetime.now(datetime.UTC)
    lifetime = ttl or datetime.timedelta(seconds=settings.dev_token_ttl_seconds)
    claims = {
        "iss": settings.jwt_issuer,
        "aud": settings.jwt_audience,
        "sub": subject or f"dev:{org_code}:{role.value}",
        "client_id": DEV_CLIENT_ID,
        "jti": uuid.uuid4().hex,
        "iat": int(issued.timestamp()),
        "exp": int((issued + lifetime).timestamp()),
        "org": org_code,
        "roles": [role.value],
    }
    header = {"alg": ALGORITHM, "typ": "at+jwt", "kid": key.kid}
    return jwt.encode(header, claims, key, algorithms=[ALGORITHM])


class TokenValidator(JWTBearerTokenValidator):
    """authlib's RFC 9068 validator over the service's public keys: its own signing keys, and
    the development key where development tokens are on (never in production)."""

    def __init__(self, settings: Settings, keys: SigningKeys | None = None) -> None:
        super().__init__(issuer=settings.jwt_issuer, resource_server=settings.jwt_audience)
        keys = keys or signing_keys(settings)
        public = list(keys.verifying.keys)
        self.dev_tokens = settings.dev_tokens_enabled
        if self.dev_tokens and (keys.from_settings or settings.is_production):
            dev = load_or_create_signing_key(settings.signing_key_path)
            public.append(ECKey.import_key(dev.as_dict(private=False)))
        self.max_lifetime = settings.token_max_lifetime_seconds
        self._jwks = KeySet(public)

    def get_jwks(self) -> KeySet:
        return self._jwks


class TokenRejected(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def principal_from_token(validator: TokenValidator, token: str) -> Principal:
    """Validate a bearer token and read the Principal from it, or raise TokenRejected."""
    try:
        claims = validator.authenticate_token(token)
        validator.validate_token(claims, scopes=None, request=None)
    except InvalidTokenError as exc:
        raise TokenRejected("The access token is invalid, expired or wrongly signed.") from exc
    except (ValueError, TypeError, KeyError, OverflowError) as exc:  # below authlib's checks
        raise TokenRejected("The access token is malformed.") from exc
    try:
        check_lifetime(claims, validator.max_lifetime)
    except ValueError:
        raise TokenRejected(
            f"The access token lives too long: at most {validator.max_lifetime} s are accepted."
        ) from None
    if claims.get("client_id") == DEV_CLIENT_ID and not validator.dev_tokens:
        raise TokenRejected("Development tokens are not accepted here.")
    org, roles = claims.get("org"), claims.get("roles")
    if not isinstance(org, str) or not isinstance(roles, list) or len(roles) != 1:
        raise TokenRejected("The access token must carry one organisation and one role.")
    try:
        role = Role(roles[0])
        check_role_for_org(role, org)
    except ValueError as exc:
        raise TokenRejected(
            f"The access token's role does not fit its organisation: {exc}"
        ) from None
    scopes = None
    if claims.get("client_id") != DEV_CLIENT_ID:  # an integration's token: its scopes count
        scopes = frozenset(str(claims.get("scope") or "").split())
    return Principal(subject=str(claims["sub"]), org_code=org, role=role, scopes=scopes)


class BearerAuthMiddleware(AbstractAuthenticationMiddleware):
    """Sets ``request.user`` to the caller's Principal; a bad token is an HTTP 401.

    A request without an Authorization header is anonymous, which may read public data.
    """

    async def authenticate_request(self, connection: ASGIConnection) -> AuthenticationResult:
        try:
            return await self._authenticate(connection)
        except NotAuthorizedException:
            # A refused token counts against the caller's address (the rate limit after this
            # middleware counts only requests that got past it).
            per_minute = connection.app.state.settings.rate_limit_per_minute
            retry = await over_limit(client_of(connection.scope), per_minute)
            if retry is not None:
                raise TooManyRequestsException(
                    detail=too_many_requests(per_minute, retry),
                    headers={"Retry-After": str(retry)},
                    extra={"code": RATE_LIMITED},
                ) from None
            raise

    async def _authenticate(self, connection: ASGIConnection) -> AuthenticationResult:
        header = connection.headers.get("authorization")
        if not header:
            return AuthenticationResult(user=Principal.anonymous(), auth=None)
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise _unauthorized("Use an `Authorization: Bearer <token>` header.")
        token = token.strip()
        oidc: OidcVerifier | None = connection.app.state.oidc
        if oidc is not None and oidc.handles(token):
            try:
                found = await oidc.principal(token)
            except OidcRejected as rejected:
                raise _unauthorized(rejected.reason) from None
            await _require_known_organisation(found)
            return AuthenticationResult(user=found, auth=token)
        validator: TokenValidator = connection.app.state.token_validator
        try:
            principal = principal_from_token(validator, token)
        except TokenRejected as rejected:
            raise _unauthorized(rejected.reason) from None
        if principal.scopes is not None and not await clients.is_active(str(principal.subject)):
            raise _unauthorized("The client of this access token has been revoked.")
        await _require_known_organisation(principal)
        return AuthenticationResult(user=principal, auth=token)


# The registry's region and municipality codes, read at start and again after a while
# (they change by law, a few times a decade): a token is checked without a query.
_KNOWN_FOR_SECONDS = 600.0
_known: tuple[frozenset[str], float] | None = None


async def load_known_organisations() -> None:
    global _known
    _known = (frozenset(await registry_codes()), time.monotonic())


async def _require_known_organisation(principal: Principal) -> None:
    """A token for a municipality or region code that is not in the registry (999) is
    refused; a CVR number is checked by its form (the registry admin registers the provider
    its administrators then act for)."""
    code = principal.org_code
    if code is None or org_kind(code) is OrgKind.PRIVATE:
        return
    if _known is None or time.monotonic() - _known[1] > _KNOWN_FOR_SECONDS:
        await load_known_organisations()
    assert _known is not None
    if code not in _known[0]:
        raise _unauthorized(f"The access token names an organisation that does not exist: {code}.")


def _unauthorized(detail: str) -> NotAuthorizedException:
    return NotAuthorizedException(
        detail=detail,
        headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
    )
