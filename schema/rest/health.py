"""Liveness and readiness probes for load balancers and orchestrators."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from litestar import Request, Response, get
from litestar.datastructures import CacheControlHeader
from litestar.openapi import ResponseSpec
from litestar.status_codes import HTTP_200_OK, HTTP_503_SERVICE_UNAVAILABLE

from marketplace.core.db import migration_state


@dataclass
class Health:
    status: str


@dataclass
class Readiness:
    status: str
    database: str
    migrations_pending: int
    detail: str | None = None


@get("/health", tags=["operations"], summary="The process is up", exclude_from_auth=True)
async def health() -> Health:
    return Health(status="ok")


@get(
    "/ready",
    tags=["operations"],
    summary="The database is reachable and its migrations are current (503 otherwise)",
    exclude_from_auth=True,
    responses={
        HTTP_503_SERVICE_UNAVAILABLE: ResponseSpec(
            Readiness,
            description="Not ready: the database is unreachable, or migrations are pending.",
            generate_examples=False,
        )
    },
)
async def ready() -> Response[Readiness]:
    try:
        state = await migration_state()
    except Exception as exc:  # any failure to reach the database means "not ready"
        body = Readiness(
            status="unavailable",
            database="unreachable",
            migrations_pending=0,
            detail=type(exc).__name__,
        )
        return Response(body, status_code=HTTP_503_SERVICE_UNAVAILABLE)
    if not state.is_current:
        body = Readiness(
            status="unavailable",
            database="reachable",
            migrations_pending=len(state.pending),
            detail="Run `socialmarked migrate`.",
        )
        return Response(body, status_code=HTTP_503_SERVICE_UNAVAILABLE)
    return Response(
        Readiness(status="ready", database="reachable", migrations_pending=0),
        status_code=HTTP_200_OK,
    )


@get(
    "/.well-known/jwks.json",
    tags=["operations"],
    summary="The public keys that verify the access tokens this service signs",
    description="A JWKS document (RFC 7517). After a key rotation the previous key stays "
    "listed until the tokens it signed have expired.",
    exclude_from_auth=True,
    cache_control=CacheControlHeader(max_age=300, public=True),
)
async def jwks(request: Request[Any, Any, Any]) -> dict[str, Any]:
    document: dict[str, Any] = request.app.state.signing_keys.public_jwks()
    return document
