"""What the OpenAPI document says the REST routes answer, as they really answer it: the two
error bodies, the refusals of each kind of route, the token endpoint's form and errors, and
the headers every answer carries.

Two error bodies reach a REST client. ``Error`` (``code``, ``message``, ``field``) is the
service's own: a refusal by a rule, a missing object, a parameter the route read and found
wrong, a 503 while the database is away. ``HttpError`` (``status_code``, ``detail``,
``extra``) is Litestar's, for what is refused before the route runs: a refused token (401), a
query parameter missing or not of its type (400), the rate limit (429). Both are JSON on
every route, whatever the route's own media type.

The routes declare their error answers with ``responses=`` (Litestar's ``ResponseSpec``);
``finish_document`` then adds what Litestar cannot declare per answer: ``X-Request-ID`` on
every answer, ``Cache-Control`` where it is set, ``Retry-After`` on 429 and 503, and the
``WWW-Authenticate`` of a refused token.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from litestar import Litestar
from litestar._openapi.plugin import OpenAPIPlugin
from litestar.openapi import ResponseSpec
from litestar.openapi.spec import (
    Components,
    OpenAPI,
    OpenAPIHeader,
    OpenAPIMediaType,
    OpenAPIResponse,
    OpenAPIType,
    Operation,
    Reference,
    RequestBody,
    Schema,
    SecurityScheme,
)

from marketplace.core.errors import ErrorCode

BEARER = "BearerToken"
CLIENT_BASIC = "ClientSecretBasic"


@dataclass
class Error:
    """The service's error body: a code to act on, a message in the client's words and the
    parameter at fault, as the client wrote it (``null`` when it is no one parameter)."""

    code: ErrorCode
    message: str
    field: list[str] | None


@dataclass
class ImportRefusal:
    """A refused import: the first problem as ``Error`` does, and in ``errors`` every one of
    them, each naming its row and column."""

    code: ErrorCode
    message: str
    field: list[str] | None
    errors: list[Error] | None = None


@dataclass
class HttpError:
    """Litestar's error body, for what is refused before the route runs (a refused token, a
    query parameter missing or not of its type, the rate limit)."""

    status_code: int
    detail: str
    extra: dict[str, Any] | list[Any] | None = None


@dataclass
class TokenForm:
    """RFC 6749 section 4.4.2: ``grant_type`` is ``client_credentials`` (any other is
    refused with ``unsupported_grant_type``). The client authenticates with HTTP Basic
    (``client_secret_basic``) or with ``client_id`` and ``client_secret`` here
    (``client_secret_post``)."""

    grant_type: str
    scope: str | None = None
    client_id: str | None = None
    client_secret: str | None = None


@dataclass
class TokenAnswer:
    """An RFC 9068 JWT access token (RFC 6749 section 5.1)."""

    access_token: str
    token_type: Literal["Bearer"]
    expires_in: int
    # RFC 6749 section 5.1: left out when no scope is granted beyond the client's default
    # (an empty or blank `scope` asked for).
    scope: str | None = None


@dataclass
class OAuthError:
    """RFC 6749 section 5.2."""

    error: Literal[
        "invalid_request",
        "invalid_client",
        "invalid_grant",
        "unauthorized_client",
        "unsupported_grant_type",
        "invalid_scope",
    ]
    error_description: str | None = None
    error_uri: str | None = None


def _spec(container: Any, description: str) -> ResponseSpec:
    return ResponseSpec(data_container=container, description=description, generate_examples=False)


# The answers of each kind of route besides its own success.
REFUSED_TOKEN = _spec(
    HttpError,
    "The bearer token is refused: malformed, expired, wrongly signed, for an organisation "
    "that does not exist, or of a revoked client (`WWW-Authenticate: Bearer`).",
)
PUBLIC: dict[int, ResponseSpec] = {
    400: _spec(
        Error | HttpError,
        "A parameter is wrong: `Error` names it; `HttpError` when it is missing or not of its "
        "type.",
    ),
    401: REFUSED_TOKEN,
}
PUBLIC_BY_ID: dict[int, ResponseSpec] = {
    **PUBLIC,
    404: _spec(Error, "There is no such record (`NOT_FOUND`)."),
}
SIGNED_IN: dict[int, ResponseSpec] = {
    **PUBLIC,
    401: _spec(
        Error | HttpError,
        "No bearer token (`Error`, `UNAUTHENTICATED`; asked before any parameter is read), or "
        "a token refused (`HttpError`).",
    ),
    403: _spec(Error, "The caller's organisation or role may not read this (`PERMISSION_DENIED`)."),
    404: _spec(Error, "There is no such record, or not one the caller may see (`NOT_FOUND`)."),
}
# An issued document (an invoice, a credit note) never changes: asked with a `modified_after`
# later than its issue, the answer is 204 with no body.
SIGNED_IN_DOCUMENT: dict[int, ResponseSpec] = {
    **SIGNED_IN,
    204: ResponseSpec(
        data_container=None,
        description="Not changed since `modified_after`: no body.",
        generate_examples=False,
    ),
}
IMPORT: dict[int, ResponseSpec] = {
    **SIGNED_IN,
    400: _spec(
        ImportRefusal | HttpError,
        "The file or a parameter is wrong; nothing was imported. `errors` names each row and "
        "column at fault.",
    ),
    413: _spec(Error, "The file is larger than 5 MB."),
}
TOKEN: dict[int, ResponseSpec] = {
    400: _spec(
        OAuthError,
        "RFC 6749 section 5.2: `invalid_request`, `unsupported_grant_type`, `invalid_scope`.",
    ),
    401: _spec(
        OAuthError,
        "`invalid_client`: the client is unknown, revoked, or its secret is wrong.",
    ),
}

_HEADERS: dict[str, tuple[str, Schema]] = {
    "X-Request-ID": (
        "The request's id, in the service's logs too: the caller's own when it sent a "
        "well-formed one (8-128 letters, digits and `._:-`), else a new one.",
        Schema(type=OpenAPIType.STRING),
    ),
    "Cache-Control": (
        "`no-store`, except where a route says otherwise.",
        Schema(type=OpenAPIType.STRING),
    ),
    "Retry-After": (
        "Seconds to wait before sending the request again.",
        Schema(type=OpenAPIType.STRING, pattern="^[0-9]+$"),
    ),
    "WWW-Authenticate": (
        "The bearer challenge (RFC 6750).",
        Schema(type=OpenAPIType.STRING),
    ),
}
_UNAVAILABLE = OpenAPIResponse(
    description="The database is away or has no connection free: nothing was done; send the "
    "request again after `Retry-After` seconds (`Error`, `UNAVAILABLE`).",
    content={"application/json": OpenAPIMediaType(schema=Reference("#/components/schemas/Error"))},
)
_RATE_LIMITED = OpenAPIResponse(
    description="Too many requests from this caller in the minute (`HttpError` whose `extra` is "
    '`{"code": "RATE_LIMITED"}`); try again after `Retry-After` seconds.',
    content={
        "application/json": OpenAPIMediaType(schema=Reference("#/components/schemas/HttpError"))
    },
)
# Routes that read no database and are not rate-limited.
_WITHOUT_DATABASE = {"/health", "/.well-known/jwks.json"}
_NOT_RATE_LIMITED = {"/health", "/ready"}


def _header(name: str, required: bool) -> OpenAPIHeader:
    description, schema = _HEADERS[name]
    return OpenAPIHeader(description=description, required=required, schema=schema)


def _refer(name: str) -> Reference:
    return Reference(f"#/components/headers/{name}")


# The import's file: the request body itself, of one of these types.
_IMPORT_BODY = RequestBody(
    description="The spreadsheet, at most 5 MB: .xlsx, .xls, .ods or .csv (UTF-8).",
    required=True,
    content={
        media_type: OpenAPIMediaType(
            schema=Schema(type=OpenAPIType.STRING, content_media_type="application/octet-stream")
        )
        for media_type in (
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "application/vnd.ms-excel",
            "application/vnd.oasis.opendocument.spreadsheet",
            "text/csv",
            "application/octet-stream",
        )
    },
)
_REQUEST_BODIES = {"/imports/offers": _IMPORT_BODY}


def _finish_operation(path: str, operation: Operation) -> None:
    responses = operation.responses or {}
    if path not in _WITHOUT_DATABASE and path != "/ready":
        responses.setdefault("503", _copy(_UNAVAILABLE))
    if path not in _NOT_RATE_LIMITED:
        responses.setdefault("429", _copy(_RATE_LIMITED))
    for status, response in responses.items():
        if not isinstance(response, OpenAPIResponse):
            continue
        headers: dict[str, OpenAPIHeader | Reference] = dict(response.headers or {})
        headers["X-Request-ID"] = _refer("X-Request-ID")
        headers.setdefault("Cache-Control", _refer("Cache-Control"))
        if status in ("429", "503") and path != "/ready":
            headers["Retry-After"] = _refer("Retry-After")
        if status == "401" and path != "/oauth/token":
            headers["WWW-Authenticate"] = _refer("WWW-Authenticate")
        response.headers = headers
    operation.responses = responses
    if path in _REQUEST_BODIES:
        operation.request_body = _REQUEST_BODIES[path]


def _copy(response: OpenAPIResponse) -> OpenAPIResponse:
    return OpenAPIResponse(description=response.description, content=dict(response.content or {}))


def finish_document(document: OpenAPI) -> OpenAPI:
    """The headers and the answers of failure that every route has (see the module)."""
    components = document.components or Components()
    components.security_schemes = {
        BEARER: SecurityScheme(
            type="http",
            scheme="bearer",
            bearer_format="JWT",
            description="An RFC 9068 access token: from `POST /oauth/token` (integrations), "
            "from the OpenID Connect provider the settings name, or in development from "
            "`socialmarked token`.",
        ),
        CLIENT_BASIC: SecurityScheme(
            type="http",
            scheme="basic",
            description="An integration's `client_id` and `client_secret` (client_secret_basic).",
        ),
    }
    components.headers = {
        name: _header(name, required=name in ("X-Request-ID", "Cache-Control", "Retry-After"))
        for name in _HEADERS
    }
    document.components = components
    for path, item in (document.paths or {}).items():
        for method in ("get", "post"):
            operation = getattr(item, method, None)
            if isinstance(operation, Operation):
                _finish_operation(path, operation)
    return document


class _FinishedOpenAPIPlugin(OpenAPIPlugin):
    """Litestar's OpenAPI plugin, whose document is finished by ``finish_document``."""

    __slots__ = ()

    def _build_openapi(self) -> OpenAPI:
        return finish_document(super()._build_openapi())


def document_truthfully(app: Litestar) -> None:
    """Make the app's OpenAPI document (served at /schema and exported by ``socialmarked
    openapi``) the finished one. Litestar makes its plugin itself; its class is swapped for
    the subclass above, which only adds a last step to the build."""
    plugin = app.plugins.get(OpenAPIPlugin)
    plugin.__class__ = _FinishedOpenAPIPlugin
