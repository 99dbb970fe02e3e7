"""``POST /oauth/token``: the OAuth 2.0 client-credentials grant (RFC 6749 section 4.4) for
integrations, issuing RFC 9068 JWT access tokens signed with the service's key.

authlib's AuthorizationServer does the protocol (client authentication by HTTP Basic or form,
grant and scope checks, the error answers); its hooks are synchronous, so the client is read
from the database first and the server runs in a worker thread (the scrypt check of the
secret takes tens of milliseconds).
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
from typing import Annotated, Any

from authlib.oauth2 import AuthorizationServer
from authlib.oauth2.rfc6749 import ClientMixin, OAuth2Request
from authlib.oauth2.rfc6749.errors import InvalidScopeError
from authlib.oauth2.rfc6749.grants import ClientCredentialsGrant
from authlib.oauth2.rfc6749.requests import BasicOAuth2Payload
from authlib.oauth2.rfc9068 import JWTBearerTokenGenerator
from joserfc.jwk import KeySet
from litestar import Request, Response, post
from litestar.enums import RequestEncodingType
from litestar.exceptions import ValidationException
from litestar.params import Body
from litestar.status_codes import HTTP_200_OK

from marketplace.core.clients import SCOPES, Client, find_client, secret_matches
from marketplace.core.settings import Settings
from schema.keys import ALGORITHM, SigningKeys
from schema.rest.documented import CLIENT_BASIC, TOKEN, TokenAnswer, TokenForm


class _Request(OAuth2Request):
    """A token request as authlib reads it: headers, and the form already read."""

    def __init__(self, uri: str, headers: Any, form: dict[str, str]) -> None:
        super().__init__(method="POST", uri=uri, headers=headers)
        self._form = form
        self.payload = BasicOAuth2Payload(form)

    @property
    def args(self) -> dict[str, str]:
        return {}

    @property
    def form(self) -> dict[str, str]:
        return self._form


class _ClientModel(ClientMixin):
    def __init__(self, client: Client, secret_hash: str) -> None:
        self.client = client
        self.secret_hash = secret_hash

    def get_client_id(self) -> str:
        return self.client.client_id

    def get_default_redirect_uri(self) -> None:
        return None

    def get_allowed_scope(self, scope: str | None) -> str:
        if not scope:
            return " ".join(self.client.scopes)
        asked = scope.split()
        if any(s not in self.client.scopes for s in asked):
            raise InvalidScopeError()
        return " ".join(dict.fromkeys(asked))

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return False

    def check_client_secret(self, client_secret: str) -> bool:
        return secret_matches(client_secret, self.secret_hash)

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return endpoint == "token" and method in ("client_secret_basic", "client_secret_post")

    def check_response_type(self, response_type: str) -> bool:
        return False

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type == "client_credentials"


class _Tokens(JWTBearerTokenGenerator):
    def __init__(self, settings: Settings, keys: SigningKeys) -> None:
        lifetime = settings.oauth_token_ttl_seconds
        super().__init__(
            issuer=settings.jwt_issuer,
            alg=ALGORITHM,
            expires_generator=lambda client, grant_type: lifetime,
        )
        self.settings = settings
        self.keys = keys

    def get_jwks(self) -> KeySet:
        return KeySet([self.keys.signing])  # the first key signs; its kid is in the header

    def get_audiences(self, client: Any, user: Any, scope: Any) -> str:
        return self.settings.jwt_audience

    def get_extra_claims(
        self, client: Any, grant_type: Any, user: Any, scope: Any
    ) -> dict[str, Any]:
        model: _ClientModel = client
        return {"org": model.client.org, "roles": [model.client.role.value]}


class _ClientCredentials(ClientCredentialsGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]  # noqa: RUF012


class _Server(AuthorizationServer):
    def __init__(self, settings: Settings, keys: SigningKeys, client: _ClientModel | None) -> None:
        super().__init__(scopes_supported=list(SCOPES))
        self._client = client
        self.register_grant(_ClientCredentials)
        self.register_token_generator("default", _Tokens(settings, keys))

    def query_client(self, client_id: str) -> _ClientModel | None:
        if self._client is not None and self._client.get_client_id() == client_id:
            return self._client
        return None

    def save_token(self, token: dict[str, Any], request: OAuth2Request) -> None:
        """Tokens are self-contained JWTs; revoking the client revokes them."""

    def create_oauth2_request(self, request: OAuth2Request) -> OAuth2Request:
        return request

    def handle_response(self, status: int, body: Any, headers: Any) -> Response[Any]:
        return Response(
            content=json.dumps(body),
            status_code=status,
            headers={**dict(headers), "Content-Type": "application/json"},
        )

    def send_signal(self, name: str, *args: Any, **kwargs: Any) -> None:
        pass


def _client_id(request: Request[Any, Any, Any], form: dict[str, str]) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "basic":
        try:
            decoded = base64.b64decode(value, validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            return None
        client_id = decoded.partition(":")[0]
    else:
        client_id = form.get("client_id", "")
    # no client is registered under an id with a NUL character (the database refuses the text)
    return client_id if client_id and "\x00" not in client_id else None


def _invalid_request(_: Request[Any, Any, Any], error: ValidationException) -> Response[Any]:
    """A form Litestar cannot read (a parameter given twice) in RFC 6749's words."""
    body = {"error": "invalid_request", "error_description": "Give each form parameter once."}
    return Response(
        body, status_code=400, headers={"Cache-Control": "no-store", "Pragma": "no-cache"}
    )


@post(
    "/oauth/token",
    tags=["oauth"],
    summary="Access token for an integration (client credentials)",
    status_code=HTTP_200_OK,
    responses=TOKEN,
    security=[{CLIENT_BASIC: []}, {}],
    exception_handlers={ValidationException: _invalid_request},
)
async def token_endpoint(
    request: Request[Any, Any, Any],
    data: Annotated[TokenForm, Body(media_type=RequestEncodingType.URL_ENCODED)],
) -> Response[TokenAnswer]:
    """Form parameters `grant_type=client_credentials` and optional `scope` (`read`,
    `write`, or both separated by a space); the client authenticates with HTTP Basic or
    `client_id`/`client_secret`. Errors are RFC 6749's (`error`, `error_description`)."""
    settings: Settings = request.app.state.settings
    form = {key: str(value) for key, value in (await request.form()).items()}
    client_id = _client_id(request, form)
    found = await find_client(client_id) if client_id else None
    model = _ClientModel(*found) if found is not None and not found[0].revoked else None
    # TLS ends in front of the service; the client's connection is what authlib's check of
    # the transport is about, so the URI is given as the HTTPS one the client used.
    oauth_request = _Request(
        f"https://{request.url.netloc}{request.url.path}",
        request.headers,  # case-insensitive, as authlib reads "Authorization"
        form,
    )
    server = _Server(settings, request.app.state.signing_keys, model)
    response: Response[Any] = await asyncio.to_thread(server.create_token_response, oauth_request)
    return response
