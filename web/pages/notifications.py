"""The notifications page (/notifikationer): the organisation's (and the person's)
notifications, newest first, unread marked; one or all marked read. Every page's menu shows
the unread count (``unread_count`` runs before each page of a signed-in person)."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Request, get, post
from litestar.response import Redirect, Template

from marketplace.core.errors import DomainError
from marketplace.core.identity import Role
from marketplace.core.pagination import PageRequest
from marketplace.notifications import service
from web.forms import error_context, refused, values
from web.render import page
from web.security import principal_of, signed_in

PER_PAGE = 25
SUBJECT_PAGES = {
    "placementRequest": "/anmodninger/{}",
    "contract": "/kontrakter/{}",
    "invoice": "/fakturaer/{}",
    "offer": "/tilbud/{}",
}
# pages of the regional registry, open to the steering group only
STEERING_PAGES = {
    "agreement": "/styregruppe/aftaler/{}",
    "centralAnnouncement": "/styregruppe",
}


async def unread_count(request: Request[Any, Any, Any]) -> None:
    """Before a page: how many of the signed-in person's notifications are unread, for the
    menu."""
    principal = principal_of(request)
    if principal.is_authenticated and request.method == "GET":
        request.state.unread_notifications = await service.unread_count(principal)


def _link(subjects: dict[str, str], steering: bool = False) -> str | None:
    pages = {**STEERING_PAGES, **SUBJECT_PAGES} if steering else SUBJECT_PAGES
    for role, pattern in pages.items():
        if role in subjects:
            return pattern.format(subjects[role])
    return None


async def _list(request: Request[Any, Any, Any], *, failed: Any = None) -> Template:
    principal = principal_of(request)
    unread_only = request.query_params.get("vis") == "ulaeste"
    after = request.query_params.get("efter") or None
    found = await service.list_notifications(
        principal, PageRequest(PER_PAGE, after), unread_only=unread_only
    )
    return page(
        request,
        "notifications/list.html",
        status_code=400 if failed else 200,
        found=found,
        links={n.id: _link(n.subjects, principal.role is Role.STEERING) for n in found.items},
        unread_only=unread_only,
        next_cursor=found.next_after,
        **error_context(failed),
    )


@get("/notifikationer", name="notifications", guards=[signed_in])
async def notification_list(request: Request[Any, Any, Any]) -> Template:
    return await _list(request)


@post("/notifikationer/laest", name="notifications_read", guards=[signed_in])
async def notifications_read(request: Request[Any, Any, Any]) -> Any:
    form = await request.form()
    shown = values(form)
    raw = form.getall("id") if hasattr(form, "getall") else [shown.get("id")]
    try:
        ids = [uuid.UUID(str(v)) for v in raw if v]
    except ValueError:
        ids = [uuid.uuid4()]  # not one of the person's: refused below as not found
    try:
        await service.mark_read(principal_of(request), ids)
    except DomainError as error:
        return await _list(request, failed=refused(error))
    return Redirect("/notifikationer", status_code=303)


ROUTES = [notification_list, notifications_read]
