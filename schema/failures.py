"""Answers when the service, not the client, fails: 503 with ``Retry-After`` when the database
is down, unreachable or out of connections (the request did nothing and may be sent again),
and 500 for a fault in the code. Each is logged once, with the request's id, and answered in
the shape of the surface asked: a GraphQL error at /graphql, the REST error body elsewhere,
a short Danish page for the web pages.
"""

from __future__ import annotations

import json
import logging
import traceback
from typing import Any

from litestar import MediaType, Request, Response
from litestar.types import Scope

from marketplace.core.cpr import redact
from marketplace.core.db import is_unavailable
from marketplace.core.errors import ErrorCode
from marketplace.core.settings import get_settings
from schema.requests import current_request

logger = logging.getLogger("socialmarked.errors")

UNAVAILABLE_MESSAGE = "The service cannot reach its database just now. Try again shortly."
INTERNAL_MESSAGE = "Unexpected error."
_WEB_PAGE = (
    "<!doctype html><html lang='da'><meta charset='utf-8'><title>{title}</title>"
    "<h1>{title}</h1><p>{text}</p></html>"
)


def log_failure(error: BaseException | None, *, unavailable: bool) -> None:
    """Log a failure once per request: the database being away as a warning (no traceback:
    it is not a fault of the code), anything else with its traceback, without CPR numbers."""
    info = current_request()
    if info is not None:
        if info.failure_logged:
            return
        info.failure_logged = True
    if unavailable:
        logger.warning(
            "Database unavailable: %s", type(error).__name__ if error else "-", exc_info=False
        )
        return
    text = "".join(traceback.format_exception(error)) if error else "-"
    logger.error("Unexpected error\n%s", redact(text))


def failure_answer(
    status: int, code: ErrorCode, message: str, surface: str, retry_after: int | None
) -> tuple[list[tuple[str, str]], bytes, str]:
    """Headers, body and media type of a failure in the shape of ``surface``."""
    headers = [("Retry-After", str(retry_after))] if retry_after is not None else []
    if surface == "web":
        title = "Tjenesten er midlertidigt utilgængelig" if status == 503 else "Der skete en fejl"
        text = "Prøv igen om lidt." if status == 503 else "Fejlen er skrevet i loggen."
        page = _WEB_PAGE.format(title=title, text=text)
        return headers, page.encode(), "text/html; charset=utf-8"
    if surface == "graphql":
        body: dict[str, Any] = {
            "data": None,
            "errors": [{"message": message, "extensions": {"code": code.value}}],
        }
    else:
        body = {"code": code.value, "message": message, "field": None}
    return headers, json.dumps(body).encode(), MediaType.JSON.value


def surface_of(scope: Scope) -> str:
    if scope.get("path") == "/graphql":
        return "graphql"
    handler = scope.get("route_handler")
    opt = getattr(handler, "opt", None) or {}
    return "web" if opt.get("web") else "rest"


def _classify(error: BaseException, scope: Scope) -> tuple[int, ErrorCode, str, int | None]:
    info = current_request()
    if is_unavailable(error) or (info is not None and info.database_unavailable):
        app = scope.get("app")
        settings = getattr(getattr(app, "state", None), "settings", None) or get_settings()
        return 503, ErrorCode.UNAVAILABLE, UNAVAILABLE_MESSAGE, settings.retry_after_seconds
    return 500, ErrorCode.INTERNAL, INTERNAL_MESSAGE, None


def last_resort(error: BaseException, scope: Scope) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    """The raw ASGI answer for an exception that escaped Litestar altogether."""
    status, code, message, retry = _classify(error, scope)
    log_failure(error, unavailable=status == 503)
    headers, body, media_type = failure_answer(status, code, message, surface_of(scope), retry)
    raw = [(k.lower().encode(), v.encode()) for k, v in headers]
    raw += [(b"content-type", media_type.encode()), (b"content-length", str(len(body)).encode())]
    return status, raw, body


def server_error(request: Request[Any, Any, Any], error: Exception) -> Response[Any]:
    """Litestar's handler of every exception no other handler took (status 500)."""
    status, code, message, retry = _classify(error, request.scope)
    log_failure(error, unavailable=status == 503)
    headers, body, media_type = failure_answer(
        status, code, message, surface_of(request.scope), retry
    )
    return Response(body, status_code=status, headers=dict(headers), media_type=media_type)
