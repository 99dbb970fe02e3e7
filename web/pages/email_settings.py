"""The e-mail settings page (/notifikationer/email): the organisation's addresses, which get
every event of the organisation, and the signed-in person's own address with the events they
choose (none chosen: all). Plain forms, no script needed."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Request, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from marketplace.core.errors import DomainError
from marketplace.core.pagination import PageRequest
from marketplace.notifications import email as mail
from marketplace.notifications.models import TITLES
from web.forms import FormInvalid, command, error_context, form_errors, values
from web.render import page
from web.security import principal_of, signed_in

HERE = "/notifikationer/email"
EVENT_CHOICES = [(kind.value, text) for kind, text in TITLES.items()]


async def _page(
    request: Request[Any, Any, Any],
    *,
    failed: FormInvalid | None = None,
    form: str | None = None,
    shown: dict[str, Any] | None = None,
) -> Template:
    principal = principal_of(request)
    found = await mail.list_recipients(principal, PageRequest(50))
    mine = next((r for r in found.items if r.person is not None), None)
    own = shown if form == "me" and shown is not None else {}
    if not own and mine is not None:
        own = {"address": mine.address, "events": mine.events}
    return page(
        request,
        "notifications/email.html",
        status_code=400 if failed else 200,
        organisation=[r for r in found.items if r.person is None],
        mine=mine,
        form=form,
        org_values=shown if form == "org" and shown is not None else {},
        own_values=own,
        event_choices=EVENT_CHOICES,
        saved=request.query_params.get("gemt"),
        **error_context(failed),
    )


@get(HERE, name="email_settings", guards=[signed_in])
async def email_settings(request: Request[Any, Any, Any]) -> Template:
    return await _page(request)


@post(f"{HERE}/organisation", name="email_settings_organisation", guards=[signed_in])
async def add_organisation_address(request: Request[Any, Any, Any]) -> Any:
    shown = values(await request.form())
    try:
        recipient = command(
            mail.EmailRecipientSet, {"address": shown.get("address", ""), "for_organisation": True}
        )
        await mail.add_recipient(principal_of(request), recipient)
    except (FormInvalid, DomainError) as error:
        return await _page(request, failed=form_errors(error), form="org", shown=shown)
    return Redirect(f"{HERE}?gemt=organisation", status_code=303)


@post(f"{HERE}/min", name="email_settings_mine", guards=[signed_in])
async def set_own_address(request: Request[Any, Any, Any]) -> Any:
    shown = values(await request.form(), lists=["events"])
    try:
        recipient = command(
            mail.EmailRecipientSet,
            {"address": shown.get("address", ""), "events": shown.get("events", [])},
        )
        await mail.add_recipient(principal_of(request), recipient)
    except (FormInvalid, DomainError) as error:
        return await _page(request, failed=form_errors(error), form="me", shown=shown)
    return Redirect(f"{HERE}?gemt=min", status_code=303)


@post(f"{HERE}/{{recipient_id:uuid}}/fjern", name="email_settings_remove", guards=[signed_in])
async def remove_address(request: Request[Any, Any, Any], recipient_id: FromPath[uuid.UUID]) -> Any:
    try:
        await mail.remove_recipient(principal_of(request), recipient_id)
    except DomainError as error:
        return await _page(request, failed=form_errors(error))
    return Redirect(f"{HERE}?gemt=fjernet", status_code=303)


ROUTES = [email_settings, add_organisation_address, set_own_address, remove_address]
