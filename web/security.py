"""Who is signed in to the web application, and what protects its forms.

- ``WebSession`` (middleware on the web's routes) reads the session cookie and makes the
  session's Principal the request's user, as the bearer token does for the API.
- The forms carry a CSRF token (Litestar's CSRF middleware: a token in an HttpOnly cookie,
  signed with ``WEB_SECRET``, that every POST must repeat in its ``_csrf_token`` field or its
  ``X-CSRFToken`` header).
- Guards: ``signed_in`` sends a visitor to the sign-in page; ``requires(*roles)`` refuses
  another role.
"""

from __future__ import annotations

import secrets
from typing import Any

from litestar.config.csrf import CSRFConfig
from litestar.connection import ASGIConnection
from litestar.enums import ScopeType
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers import BaseRouteHandler
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Receive, Scope, Send

from marketplace.core.identity import Principal, Role
from marketplace.core.secrets import load_or_create
from marketplace.core.settings import Settings
from web import sessions

SESSION_STATE = "web_session"


def web_secret(settings: Settings) -> str:
    if settings.web_secret is not None:
        return settings.web_secret.get_secret_value()
    if settings.is_production:
        raise RuntimeError("WEB_SECRET must be set in production.")
    return load_or_create(settings.web_secret_path, lambda: secrets.token_hex(32))


def csrf_config(settings: Settings) -> CSRFConfig:
    return CSRFConfig(
        secret=web_secret(settings),
        cookie_name="__Host-csrftoken" if settings.secure_cookies else "csrftoken",
        cookie_secure=settings.secure_cookies,
        cookie_httponly=True,
        cookie_samesite="lax",
        header_name="x-csrftoken",
    )


class WebSession(ASGIMiddleware):
    """The session's Principal as the request's user (anonymous without a live session)."""

    scopes = (ScopeType.HTTP,)

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.cookie = sessions.cookie_name(settings)

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        token = _cookie(scope, self.cookie)
        session = await sessions.find(token, self.settings) if token else None
        scope.setdefault("state", {})[SESSION_STATE] = session
        if session is not None and session.principal is not None:
            scope["user"] = session.principal
        else:
            scope["user"] = Principal.anonymous()
        await next_app(scope, receive, send)


def _cookie(scope: Scope, name: str) -> str | None:
    for key, value in scope.get("headers", []):
        if key == b"cookie":
            for part in value.decode("latin-1").split(";"):
                k, _, v = part.strip().partition("=")
                if k == name:
                    return v
    return None


def session_of(connection: ASGIConnection[Any, Any, Any, Any]) -> sessions.SessionView | None:
    session: sessions.SessionView | None = connection.scope.get("state", {}).get(SESSION_STATE)
    return session


def principal_of(connection: ASGIConnection[Any, Any, Any, Any]) -> Principal:
    user = connection.scope.get("user")
    return user if isinstance(user, Principal) else Principal.anonymous()


def signed_in(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    if not principal_of(connection).is_authenticated:
        raise NotAuthorizedException("Log ind for at se siden.")


def requires(*roles: Role) -> Any:
    """A guard: the signed-in person must have one of ``roles``."""

    def guard(connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler) -> None:
        signed_in(connection, handler)
        if principal_of(connection).role not in roles:
            raise PermissionDeniedException("Din rolle giver ikke adgang til siden.")

    return guard
