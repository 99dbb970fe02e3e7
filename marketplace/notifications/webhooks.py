"""Webhook endpoints: an organisation registers the addresses its systems receive events at,
with the events each wants; rotates an endpoint's secret; reads the delivery log.

An address must be https (plain http only where ``WEBHOOK_ALLOW_HTTP`` allows it: by default
in development), and in production may not point at a private, loopback or link-local
address (its name is resolved, and resolved again before each delivery). The secret
(``whsec_`` + base64, the Standard Webhooks form) is shown once, when it is made."""

from __future__ import annotations

import asyncio
import base64
import datetime
import ipaddress
import secrets
import socket
import uuid
from typing import Any
from urllib.parse import urlsplit

from pydantic import BaseModel, Field

from marketplace.core.clock import utcnow
from marketplace.core.errors import DomainError, ErrorCode
from marketplace.core.identity import Principal
from marketplace.core.pagination import Page, PageRequest, all_of, paginate
from marketplace.core.settings import Settings, get_settings
from marketplace.core.unit_of_work import write_transaction
from marketplace.notifications.models import (
    EventKind,
    WebhookAttemptView,
    WebhookDeliveryView,
    WebhookEndpointView,
)
from marketplace.notifications.tables import (
    OutboxEvent,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
)

MAX_ENDPOINTS = 10


class WebhookEndpointCreate(BaseModel):
    url: str = Field(max_length=2000)
    events: list[str] = Field(min_length=1, max_length=len(EventKind))
    description: str = Field(default="", max_length=200)


def new_secret() -> str:
    return "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()


def _owner(principal: Principal) -> str:
    if not principal.is_authenticated:
        raise DomainError(ErrorCode.UNAUTHENTICATED, "Sign in to manage webhooks.")
    assert principal.org_code is not None
    return principal.org_code


def _events(names: list[str]) -> list[str]:
    known = {k.value for k in EventKind}
    for i, name in enumerate(names):
        if name not in known:
            raise DomainError(
                ErrorCode.INVALID,
                f"Unknown event {name!r}; known: {', '.join(sorted(known))}.",
                ["events", str(i)],
            )
    return list(dict.fromkeys(names))


def _is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address)
    return ip.is_global and not ip.is_multicast


async def check_url(url: str, settings: Settings) -> None:
    """Refuse an address the settings do not allow (see the module)."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:  # a bad port or IPv6 literal
        raise DomainError(ErrorCode.INVALID, "Not a web address.", ["url"]) from exc
    allowed = ("https", "http") if settings.webhooks_over_http else ("https",)
    if parts.scheme not in allowed or not parts.hostname:
        raise DomainError(
            ErrorCode.INVALID, "A webhook address must be an https:// address.", ["url"]
        )
    if parts.username or parts.password:
        raise DomainError(ErrorCode.INVALID, "A webhook address holds no password.", ["url"])
    if settings.is_production:
        for address in await _addresses(parts.hostname, port):
            if not _is_public(address):
                raise DomainError(
                    ErrorCode.INVALID,
                    "A webhook address may not point at a private or loopback address.",
                    ["url"],
                )


async def _addresses(host: str, port: int | None) -> list[str]:
    try:
        return [str(ipaddress.ip_address(host))]
    except ValueError:
        pass
    try:
        found = await asyncio.get_running_loop().getaddrinfo(
            host, port or 443, type=socket.SOCK_STREAM
        )
    except (OSError, UnicodeError) as exc:
        raise DomainError(
            ErrorCode.INVALID, "The webhook address's host is unknown.", ["url"]
        ) from exc
    return [str(info[4][0]).split("%")[0] for info in found]


def _view(row: dict[str, Any]) -> WebhookEndpointView:
    return WebhookEndpointView.model_validate(row)


async def create_endpoint(
    principal: Principal, command: WebhookEndpointCreate, settings: Settings | None = None
) -> tuple[WebhookEndpointView, str]:
    """Register an endpoint for the caller's organisation; answers it and its secret."""
    org = _owner(principal)
    settings = settings or get_settings()
    events = _events(command.events)
    await check_url(command.url, settings)
    secret = new_secret()
    async with write_transaction(principal, "webhookEndpointCreate") as unit:
        count = await WebhookEndpoint.count().where(WebhookEndpoint.org == org).run()
        if count >= MAX_ENDPOINTS:
            raise DomainError(
                ErrorCode.INVALID, f"An organisation has at most {MAX_ENDPOINTS} endpoints."
            )
        endpoint_id = uuid.uuid4()
        await WebhookEndpoint.insert(
            WebhookEndpoint(
                id=endpoint_id,
                org=org,
                url=command.url,
                events=events,
                secret=secret,
                active=True,
                description=command.description.strip(),
                created_at=utcnow(),
                created_by=principal.subject or "",
            )
        ).run()
        made = await unit.track(
            "WebhookEndpoint", endpoint_id, lambda: get_endpoint(principal, endpoint_id), new=True
        )
    return made.result, secret


async def _own_endpoint(principal: Principal, endpoint_id: uuid.UUID) -> dict[str, Any]:
    org = _owner(principal)
    row = (
        await WebhookEndpoint.select()
        .where((WebhookEndpoint.id == endpoint_id) & (WebhookEndpoint.org == org))
        .output(load_json=True)
        .first()
        .run()
    )
    if row is None:
        raise DomainError(ErrorCode.NOT_FOUND, "No webhook endpoint of yours has that id.", ["id"])
    return row


async def get_endpoint(principal: Principal, endpoint_id: uuid.UUID) -> WebhookEndpointView | None:
    """The caller's organisation's endpoint (any, for the registry administrator), or None."""
    if principal.is_registry_admin:
        row = (
            await WebhookEndpoint.select()
            .where(WebhookEndpoint.id == endpoint_id)
            .output(load_json=True)
            .first()
            .run()
        )
        return _view(row) if row else None
    try:
        return _view(await _own_endpoint(principal, endpoint_id))
    except DomainError:
        return None


async def rotate_secret(
    principal: Principal, endpoint_id: uuid.UUID, settings: Settings | None = None
) -> tuple[WebhookEndpointView, str]:
    """A new secret for the endpoint; deliveries from now on are signed with it, and for
    ``WEBHOOK_SECRET_GRACE_HOURS`` with the old one too (a second signature), so the
    receiver can switch over without refusing a delivery."""
    settings = settings or get_settings()
    secret = new_secret()
    async with write_transaction(principal, "webhookEndpointRotateSecret") as unit:
        old = await _own_endpoint(principal, endpoint_id)
        found = await unit.track(
            "WebhookEndpoint", endpoint_id, lambda: get_endpoint(principal, endpoint_id)
        )
        now = utcnow()
        grace = datetime.timedelta(hours=settings.webhook_secret_grace_hours)
        await (
            WebhookEndpoint.update(
                {
                    WebhookEndpoint.secret: secret,
                    WebhookEndpoint.secret_rotated_at: now,
                    WebhookEndpoint.previous_secret: old["secret"] if grace else None,
                    WebhookEndpoint.previous_secret_until: now + grace if grace else None,
                }
            )
            .where(WebhookEndpoint.id == endpoint_id)
            .run()
        )
    return found.result, secret


async def set_active(
    principal: Principal, endpoint_id: uuid.UUID, active: bool
) -> WebhookEndpointView:
    """Pause (no deliveries are made for new events) or resume an endpoint."""
    async with write_transaction(principal, "webhookEndpointSetActive") as unit:
        await _own_endpoint(principal, endpoint_id)
        found = await unit.track(
            "WebhookEndpoint", endpoint_id, lambda: get_endpoint(principal, endpoint_id)
        )
        await (
            WebhookEndpoint.update({WebhookEndpoint.active: active})
            .where(WebhookEndpoint.id == endpoint_id)
            .run()
        )
    return found.result


async def list_endpoints(principal: Principal, page: PageRequest) -> Page[WebhookEndpointView]:
    org = _owner(principal)
    rows = await paginate(
        WebhookEndpoint,
        where=WebhookEndpoint.org == org,
        order_by=[WebhookEndpoint.created_at, WebhookEndpoint.id],
        page=page,
        load_json=True,
    )
    return rows.map(_view)


async def list_deliveries(
    principal: Principal, page: PageRequest, *, endpoint_id: uuid.UUID | None = None
) -> Page[WebhookDeliveryView]:
    """The organisation's delivery log, newest first (of one endpoint, if named); the
    registry administrator reads every organisation's."""
    org = _owner(principal)
    rows = await paginate(
        WebhookDelivery,
        where=all_of(
            [
                None if principal.is_registry_admin else WebhookDelivery.org == org,
                WebhookDelivery.endpoint == endpoint_id if endpoint_id else None,
            ]
        ),
        order_by=[WebhookDelivery.sort_key, WebhookDelivery.id],
        page=page,
    )
    kinds = await _kinds([row["event"] for row in rows.items])
    return rows.map(
        lambda row: WebhookDeliveryView.model_validate(
            {
                **row,
                "event_id": row["event"],
                "endpoint_id": row["endpoint"],
                "kind": kinds[row["event"]],
            }
        )
    )


async def get_delivery(principal: Principal, delivery_id: uuid.UUID) -> WebhookDeliveryView | None:
    """One of the organisation's deliveries (any, for the registry administrator), or None."""
    if not principal.is_authenticated:
        return None
    row = await WebhookDelivery.select().where(WebhookDelivery.id == delivery_id).first().run()
    if row is None or (row["org"] != principal.org_code and not principal.is_registry_admin):
        return None
    kinds = await _kinds([row["event"]])
    return WebhookDeliveryView.model_validate(
        {
            **row,
            "event_id": row["event"],
            "endpoint_id": row["endpoint"],
            "kind": kinds[row["event"]],
        }
    )


async def list_attempts(
    principal: Principal, delivery_id: uuid.UUID, page: PageRequest
) -> Page[WebhookAttemptView]:
    """Every attempt at one of the organisation's deliveries, newest first: when, how long,
    the status code or the error. Another organisation's delivery is not found."""
    org = _owner(principal)
    owner = (
        await WebhookDelivery.select(WebhookDelivery.org)
        .where(WebhookDelivery.id == delivery_id)
        .first()
        .run()
    )
    if owner is None or (owner["org"] != org and not principal.is_registry_admin):
        raise DomainError(ErrorCode.NOT_FOUND, "No webhook delivery of yours has that id.", ["id"])
    rows = await paginate(
        WebhookAttempt,
        where=WebhookAttempt.delivery == delivery_id,
        order_by=[WebhookAttempt.sort_key, WebhookAttempt.id],
        page=page,
    )
    return rows.map(
        lambda row: WebhookAttemptView.model_validate({**row, "delivery_id": row["delivery"]})
    )


async def _kinds(ids: list[uuid.UUID]) -> dict[uuid.UUID, str]:
    if not ids:
        return {}
    rows = (
        await OutboxEvent.select(OutboxEvent.id, OutboxEvent.kind)
        .where(OutboxEvent.id.is_in(list(set(ids))))
        .run()
    )
    return {row["id"]: row["kind"] for row in rows}
