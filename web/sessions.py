"""Sessions of the web application, kept in the database (``web_session``) on both backends.

The browser holds a random token in an HttpOnly cookie; the row holds only the token's
SHA-256. A session ends when it has been unused for ``WEB_SESSION_IDLE_MINUTES`` or
``WEB_SESSION_MAX_HOURS`` after sign-in, whichever comes first, and at sign-out. A sign-in
makes a new token (a token known before sign-in is worth nothing after it). The time last
seen is written at most every ``TOUCH_EVERY``: a page view does not write on every request.
"""

from __future__ import annotations

import datetime
import hashlib
import secrets
import uuid
from dataclasses import dataclass
from typing import Any

from marketplace.core.clock import utcnow
from marketplace.core.identity import Principal, Role
from marketplace.core.settings import Settings
from marketplace.core.tables import WebSession

TOUCH_EVERY = datetime.timedelta(minutes=5)
# A sign-in at the identity provider must come back within this.
LOGIN_WINDOW = datetime.timedelta(minutes=10)


@dataclass(frozen=True, slots=True)
class SessionView:
    id: uuid.UUID
    principal: Principal | None  # None: a sign-in under way
    name: str
    login: dict[str, Any] | None
    created_at: datetime.datetime
    seen_at: datetime.datetime


def cookie_name(settings: Settings) -> str:
    # The __Host- prefix binds the cookie to this host, over HTTPS, for every path.
    return "__Host-socialmarked" if settings.secure_cookies else "socialmarked"


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _view(row: dict[str, Any]) -> SessionView:
    principal = None
    if row["role"] is not None:
        principal = Principal(
            subject=row["subject"], org_code=row["org_code"], role=Role(row["role"])
        )
    return SessionView(
        id=row["id"],
        principal=principal,
        name=row["name"],
        login=row["login"],
        created_at=row["created_at"],
        seen_at=row["seen_at"],
    )


async def _insert(**values: Any) -> str:
    token = secrets.token_urlsafe(32)
    now = utcnow()
    await WebSession.insert(
        WebSession(token_hash=_hash(token), created_at=now, seen_at=now, **values)
    ).run()
    return token


async def sign_in(principal: Principal, name: str, *, replacing: str | None = None) -> str:
    """A new session for ``principal``; the token for the cookie. The session the browser
    had before (a sign-in under way, another person's) ends."""
    assert principal.role is not None
    if replacing:
        await end(replacing)
    return await _insert(
        subject=principal.subject,
        org_code=principal.org_code,
        role=principal.role.value,
        name=name[:200],
    )


async def begin_login(login: dict[str, Any], *, replacing: str | None = None) -> str:
    """A session holding a sign-in under way at the identity provider."""
    if replacing:
        await end(replacing)
    return await _insert(login=login)


def _expired(view: SessionView, settings: Settings, now: datetime.datetime) -> bool:
    if view.principal is None:
        return now - view.created_at > LOGIN_WINDOW
    idle = datetime.timedelta(minutes=settings.web_session_idle_minutes)
    most = datetime.timedelta(hours=settings.web_session_max_hours)
    return now - view.seen_at > idle or now - view.created_at > most


async def find(token: str, settings: Settings) -> SessionView | None:
    """The live session the token stands for, if any."""
    if not token or len(token) > 200:
        return None
    rows = (
        await WebSession.select()
        .where(WebSession.token_hash == _hash(token))
        .output(load_json=True)
        .run()
    )
    if not rows:
        return None
    view = _view(rows[0])
    now = utcnow()
    if _expired(view, settings, now):
        return None
    if view.principal is not None and now - view.seen_at > TOUCH_EVERY:
        session_id = WebSession._meta.primary_key
        await WebSession.update({WebSession.seen_at: now}).where(session_id == view.id).run()
    return view


async def end(token: str) -> None:
    await WebSession.delete().where(WebSession.token_hash == _hash(token)).run()


async def purge_expired(settings: Settings) -> int:
    """Remove sessions that can no longer be used (the calendar's work)."""
    now = utcnow()
    oldest_live = now - datetime.timedelta(hours=settings.web_session_max_hours)
    idle_since = now - datetime.timedelta(minutes=settings.web_session_idle_minutes)
    gone = (
        await WebSession.delete()
        .where(
            (WebSession.created_at < oldest_live)
            | (WebSession.seen_at < idle_since)
            | (WebSession.role.is_null() & (WebSession.created_at < now - LOGIN_WINDOW))
        )
        .returning(WebSession.id)  # type: ignore[attr-defined]
        .run()
    )
    return len(gone)
