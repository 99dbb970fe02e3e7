"""The web application's parts, as ``schema.app.create_app`` mounts them beside the API."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from litestar import Request, Response, Router, get
from litestar.datastructures import CacheControlHeader
from litestar.exceptions import (
    HTTPException,
    NotAuthorizedException,
    NotFoundException,
    PermissionDeniedException,
)
from litestar.middleware import DefineMiddleware
from litestar.middleware.csrf import CSRFMiddleware
from litestar.response import Redirect, Template
from litestar.static_files import create_static_files_router
from litestar.types import ControllerRouterHandler

from marketplace.core.db import is_unavailable
from marketplace.core.errors import DomainError, ErrorCode
from marketplace.core.settings import Settings
from schema.failures import log_failure
from schema.protection import RateLimit
from web import auth, danish
from web.pages import (
    contracts,
    economics,
    email_settings,
    invoices,
    needs,
    notifications,
    offers,
    provider,
    refunds,
    requests,
    steering,
    steering_exports,
    supply,
)
from web.render import page
from web.security import WebSession, csrf_config

logger = logging.getLogger("socialmarked.web")
HERE = Path(__file__).parent
# Pages set their own policy: scripts, styles and images only from the app itself.
PAGE_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
)


@get("/", name="home")
async def home(request: Request[Any, Any, Any]) -> Template:
    return page(request, "home.html")


def _error_page(request: Request[Any, Any, Any], status: int, title: str, text: str) -> Template:
    return page(request, "error.html", status_code=status, title=title, text=text)


def _not_signed_in(request: Request[Any, Any, Any], _: Exception) -> Response[Any]:
    """To the sign-in page, and back here after it (a form sent without a session goes
    back to the front page)."""
    target = "/"
    if request.method == "GET":
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return Redirect(f"/log-ind?{urlencode({'naeste': target})}", status_code=303)


def _refused(request: Request[Any, Any, Any], error: Exception) -> Template:
    detail = getattr(error, "detail", "")
    if "CSRF" in str(detail):
        return _error_page(
            request,
            403,
            "Formularen kunne ikke sendes",
            "Formularen manglede sit sikkerhedsmærke eller var for gammel. Gå tilbage, "
            "genindlæs siden og prøv igen.",
        )
    return _error_page(request, 403, "Ingen adgang", "Din rolle giver ikke adgang til siden.")


def _not_found(request: Request[Any, Any, Any], _: Exception) -> Template:
    return _error_page(
        request, 404, "Siden findes ikke", "Siden findes ikke, eller du har ikke adgang til den."
    )


def _domain_error(request: Request[Any, Any, Any], error: DomainError) -> Template:
    if error.code is ErrorCode.NOT_FOUND:
        return _not_found(request, error)
    return _error_page(
        request, 400, "Det kunne ikke lade sig gøre", danish.message(error.code, error.message)
    )


def _http_error(request: Request[Any, Any, Any], error: HTTPException) -> Template:
    if error.status_code >= 500:
        logger.error("A page failed: %s %s: %s", request.method, request.url.path, error.detail)
        return _error_page(request, 500, "Der skete en fejl", "Prøv igen om lidt.")
    return _error_page(
        request,
        error.status_code,
        "Forespørgslen kunne ikke behandles",
        "Tjek adressen og prøv igen.",
    )


def _crash(request: Request[Any, Any, Any], error: Exception) -> Template:
    if is_unavailable(error):  # the database is away: 503, logged once as a warning
        log_failure(error, unavailable=True)
        answer = _error_page(
            request, 503, "Tjenesten er midlertidigt utilgængelig", "Prøv igen om lidt."
        )
        answer.headers["Retry-After"] = str(request.app.state.settings.retry_after_seconds)
        return answer
    log_failure(error, unavailable=False)
    return _error_page(request, 500, "Der skete en fejl", "Prøv igen om lidt.")


def _page_headers(response: Response[Any]) -> Response[Any]:
    response.headers.setdefault("content-security-policy", PAGE_POLICY)
    return response


def web_enabled(settings: Settings) -> bool:
    """The pages are served unless production lacks their secret (then only the API is, and
    the log says why)."""
    if settings.is_production and settings.web_secret is None:
        logger.warning("WEB_SECRET is not set: the web application is off; the API is served.")
        return False
    return True


@dataclass(frozen=True)
class WebParts:
    routers: list[ControllerRouterHandler]


def web_parts(settings: Settings) -> WebParts:
    """The pages (behind the session, a rate limit per person and CSRF protection) and the
    static files."""
    pages = Router(
        path="/",
        route_handlers=[
            home,
            *auth.ROUTES,
            *offers.ROUTES,
            *requests.ROUTES,
            *contracts.ROUTES,
            *provider.ROUTES,
            *invoices.ROUTES,
            *refunds.ROUTES,
            *needs.ROUTES,
            *steering.ROUTES,
            *supply.ROUTES,
            *economics.ROUTES,
            *steering_exports.ROUTES,
            *notifications.ROUTES,
            *email_settings.ROUTES,
        ],
        before_request=notifications.unread_count,
        middleware=[
            WebSession(settings),
            RateLimit(settings.rate_limit_per_minute),
            DefineMiddleware(CSRFMiddleware, config=csrf_config(settings)),
        ],
        exception_handlers={
            NotAuthorizedException: _not_signed_in,
            PermissionDeniedException: _refused,
            NotFoundException: _not_found,
            DomainError: _domain_error,
            HTTPException: _http_error,
            Exception: _crash,
        },
        after_request=_page_headers,
        include_in_schema=False,
        opt={"web": True},
    )
    static = create_static_files_router(
        path="/static",
        directories=[HERE / "static"],
        include_in_schema=False,
        opt={"web": True},
        cache_control=CacheControlHeader(max_age=3600, public=True),
    )
    return WebParts(routers=[pages, static])
