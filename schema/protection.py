"""What every HTTP answer gets: security headers, a per-client rate limit counted in the
database, and a time limit on GraphQL operations."""

from __future__ import annotations

import asyncio
import json
import math
from collections.abc import Awaitable, Callable
from typing import Any

from graphql import GraphQLError
from litestar.enums import ScopeType
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Message, Receive, Scope, Send
from strawberry.types import ExecutionResult

from marketplace.core.clock import utcnow
from marketplace.core.errors import ErrorCode
from marketplace.core.identity import Principal
from marketplace.core.ratelimit import WINDOW, count_request, window_of
from marketplace.core.settings import Settings

RATE_LIMITED = ErrorCode.RATE_LIMITED.value
TIMEOUT = ErrorCode.TIMEOUT.value

BASE_HEADERS = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
    "cross-origin-opener-policy": "same-origin",
    "cross-origin-resource-policy": "same-origin",
    "permissions-policy": "camera=(), microphone=(), geolocation=()",
}
# GraphiQL (development only) runs scripts from a CDN; in production nothing runs.
PRODUCTION_HEADERS = {
    "content-security-policy": "default-src 'none'; frame-ancestors 'none'",
    "strict-transport-security": "max-age=31536000; includeSubDomains",
}


def security_headers(settings: Settings) -> list[tuple[bytes, bytes]]:
    headers = {**BASE_HEADERS, **(PRODUCTION_HEADERS if settings.is_production else {})}
    return [(name.encode(), value.encode()) for name, value in headers.items()]


def client_of(scope: Scope) -> str:
    """Whose request it is: the token's organisation and subject, or the caller's address."""
    user = scope.get("user")
    if isinstance(user, Principal) and user.is_authenticated:
        return f"{user.org_code}:{user.subject}"
    client = scope.get("client")
    return f"ip:{client[0] if client else 'unknown'}"


def add_security_headers(settings: Settings) -> Callable[[Message, Scope], Awaitable[None]]:
    """A before-send hook: the security headers on every answer, also on the errors the
    middleware and the exception handlers send."""
    headers = security_headers(settings)

    async def hook(message: Message, scope: Scope) -> None:
        if message["type"] == "http.response.start":
            present = {name.lower() for name, _ in message.get("headers", [])}
            extra = [(n, v) for n, v in headers if n not in present]
            message["headers"] = [*message.get("headers", []), *extra]

    return hook


class RateLimit(ASGIMiddleware):
    """Refuses a client over its limit with 429 and ``Retry-After``. Runs after
    authentication (it counts per token); the probes are not counted."""

    scopes = (ScopeType.HTTP,)
    exclude_path_pattern = ("^/health$", "^/ready$", "^/static/", "^/metrics$")

    def __init__(self, per_minute: int, *, exclude_opt_key: str | None = None) -> None:
        self.per_minute = per_minute
        # Routes whose handlers have this key in their ``opt`` count elsewhere (the web
        # pages count per signed-in person, after their session is read).
        self.exclude_opt_key = exclude_opt_key

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        retry = await over_limit(client_of(scope), self.per_minute)
        if retry is not None:
            await _refuse(send, self.per_minute, retry, rest=_is_rest(scope))
            return
        await next_app(scope, receive, send)


async def over_limit(client: str, per_minute: int) -> int | None:
    """Count a request of ``client``; answers the seconds it must wait when it is over its
    limit (``per_minute`` 0: no limit, nothing counted)."""
    if not per_minute:
        return None
    now = utcnow()
    if await count_request(client, now) <= per_minute:
        return None
    return max(math.ceil((window_of(now) + WINDOW - now).total_seconds()), 1)


def too_many_requests(limit: int, retry_after: int) -> str:
    return f"Too many requests: at most {limit} a minute. Try again in {retry_after} s."


def _is_rest(scope: Scope) -> bool:
    """A REST route (not GraphQL, not a web page): refused in the REST error body."""
    handler = scope.get("route_handler")
    opt = getattr(handler, "opt", None) or {}
    return scope.get("path") != "/graphql" and not opt.get("web")


async def _refuse(send: Any, limit: int, retry_after: int, *, rest: bool = False) -> None:
    """429 with ``Retry-After``: a GraphQL error, or on a REST route the body Litestar gives
    the same refusal before the route (``status_code``, ``detail``, ``extra.code``)."""
    message = too_many_requests(limit, retry_after)
    answer: dict[str, Any] = (
        {"status_code": 429, "detail": message, "extra": {"code": RATE_LIMITED}}
        if rest
        else {"data": None, "errors": [{"message": message, "extensions": {"code": RATE_LIMITED}}]}
    )
    body = json.dumps(answer).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 429,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"retry-after", str(retry_after).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


async def within_time_limit(seconds: float, operation: Any) -> ExecutionResult:
    """Run a GraphQL operation, or stop it after ``seconds`` with a ``TIMEOUT`` error (its
    transaction, if any, rolls back)."""
    try:
        async with asyncio.timeout(seconds):
            result: ExecutionResult = await operation
            return result
    except TimeoutError:
        return ExecutionResult(
            data=None,
            errors=[
                GraphQLError(
                    f"The operation ran longer than {seconds:g} s and was stopped.",
                    extensions={"code": TIMEOUT},
                )
            ],
        )
