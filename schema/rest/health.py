"""Liveness and readiness probes for load balancers and orchestrators."""

from __future__ import annotations

from dataclasses import dataclass

from litestar import Response, get
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
