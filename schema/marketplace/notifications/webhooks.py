"""GraphQL of webhooks: an organisation's endpoints (registered, paused, their secret
rotated) and its delivery log."""

from __future__ import annotations

import datetime
import uuid
from typing import Any

import strawberry
from strawberry import relay

from marketplace.core.identity import Principal
from marketplace.notifications import webhooks
from marketplace.notifications.models import (
    WebhookAttemptView,
    WebhookDeliveryView,
    WebhookEndpointView,
)
from schema.context import Info
from schema.errors import UserError
from schema.ids import filter_uuid, require_uuid
from schema.mutation import Given, mutation
from schema.relay import Connection, nodes_one_by_one, page_request


@strawberry.type(
    description="An address your organisation's system receives events at (Standard "
    "Webhooks: webhook-id, webhook-timestamp, webhook-signature)."
)
class WebhookEndpoint(relay.Node):
    id: relay.NodeID[str]
    url: str
    events: list[str] = strawberry.field(description="The event names it receives.")
    active: bool
    description: str
    created_at: datetime.datetime
    secret_rotated_at: datetime.datetime | None

    @classmethod
    def of(cls, view: WebhookEndpointView) -> WebhookEndpoint:
        return cls(
            id=str(view.id),
            url=view.url,
            events=view.events,
            active=view.active,
            description=view.description,
            created_at=view.created_at,
            secret_rotated_at=view.secret_rotated_at,
        )

    resolve_nodes = nodes_one_by_one(webhooks.get_endpoint)


@strawberry.type(description="One event sent (or being sent) to one of your endpoints.")
class WebhookDelivery(relay.Node):
    id: relay.NodeID[str]
    event_id: uuid.UUID = strawberry.field(description="The webhook-id the receiver got.")
    endpoint_id: strawberry.ID
    event: str = strawberry.field(description="The event's name.")
    status: str = strawberry.field(description="pending, delivered or failed (gave up).")
    attempts: int
    next_attempt_at: datetime.datetime
    last_status_code: int | None
    last_error: str
    created_at: datetime.datetime
    delivered_at: datetime.datetime | None

    @classmethod
    def of(cls, view: WebhookDeliveryView) -> WebhookDelivery:
        return cls(
            id=str(view.id),
            event_id=view.event_id,
            endpoint_id=strawberry.ID(relay.to_base64("WebhookEndpoint", view.endpoint_id)),
            event=view.kind,
            status=view.status,
            attempts=view.attempts,
            next_attempt_at=view.next_attempt_at,
            last_status_code=view.last_status_code,
            last_error=view.last_error,
            created_at=view.created_at,
            delivered_at=view.delivered_at,
        )

    resolve_nodes = nodes_one_by_one(webhooks.get_delivery)


@strawberry.type(description="One attempt at a delivery: when, how long, the answer.")
class WebhookDeliveryAttempt:
    id: strawberry.ID
    attempt: int = strawberry.field(description="1 for the first try, 2 for the next ...")
    at: datetime.datetime = strawberry.field(description="When the attempt began (UTC).")
    status_code: int | None = strawberry.field(
        description="The receiver's HTTP status, if it answered."
    )
    error: str = strawberry.field(description="What went wrong; empty when delivered.")
    duration_ms: int = strawberry.field(description="How long the attempt took.")

    @classmethod
    def of(cls, view: WebhookAttemptView) -> WebhookDeliveryAttempt:
        return cls(
            id=strawberry.ID(str(view.id)),
            attempt=view.attempt,
            at=view.at,
            status_code=view.status_code,
            error=view.error,
            duration_ms=view.duration_ms,
        )


@strawberry.type
class WebhookQuery:
    @strawberry.field(description="Your organisation's webhook endpoints, oldest first.")
    async def webhook_endpoints(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[WebhookEndpoint]:
        page = await webhooks.list_endpoints(
            info.context.principal, page_request(info, first, after)
        )
        return Connection.of(page, WebhookEndpoint.of)

    @strawberry.field(
        description="Your organisation's webhook delivery log, newest first (of one endpoint, "
        "if named)."
    )
    async def webhook_deliveries(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        endpoint_id: strawberry.ID | None = None,
    ) -> Connection[WebhookDelivery]:
        endpoint = filter_uuid(endpoint_id, "WebhookEndpoint", "webhook endpoint", "endpoint_id")
        page = await webhooks.list_deliveries(
            info.context.principal, page_request(info, first, after), endpoint_id=endpoint
        )
        return Connection.of(page, WebhookDelivery.of)

    @strawberry.field(
        description="Every attempt at one of your organisation's webhook deliveries, newest "
        "first: attempt number, time, status code or error, duration."
    )
    async def webhook_delivery_attempts(
        self,
        info: Info,
        delivery_id: strawberry.ID,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[WebhookDeliveryAttempt]:
        key = require_uuid(delivery_id, "WebhookDelivery", "webhook delivery", "delivery_id")
        page = await webhooks.list_attempts(
            info.context.principal, key, page_request(info, first, after)
        )
        return Connection.of(page, WebhookDeliveryAttempt.of)


@strawberry.input
class WebhookEndpointCreateInput:
    url: str = strawberry.field(description="https:// (plain http only in development).")
    events: list[str] = strawberry.field(
        description="Event names to receive, e.g. placement_request.received (see EventKind)."
    )
    description: str = ""


@strawberry.input
class WebhookEndpointRotateSecretInput:
    id: strawberry.ID


@strawberry.input
class WebhookEndpointSetActiveInput:
    id: strawberry.ID
    active: bool


@strawberry.type
class WebhookEndpointPayload:
    webhook_endpoint: WebhookEndpoint | None
    secret: str | None = strawberry.field(
        description="The signing secret (whsec_...): shown only here, keep it."
    )
    errors: list[UserError]


async def _create(who: Principal, given: Given) -> Any:
    return await webhooks.create_endpoint(who, given.command(webhooks.WebhookEndpointCreate))


async def _rotate(who: Principal, given: Given) -> Any:
    return await webhooks.rotate_secret(who, given.id("id", "WebhookEndpoint", "webhook endpoint"))


async def _set_active(who: Principal, given: Given) -> Any:
    endpoint = given.id("id", "WebhookEndpoint", "webhook endpoint")
    return await webhooks.set_active(who, endpoint, bool(given.pop("active"))), None


async def _build(_info: Info, result: Any) -> dict[str, Any]:
    view, secret = result
    return {"webhook_endpoint": WebhookEndpoint.of(view), "secret": secret}


@strawberry.type
class WebhookMutation:
    webhook_endpoint_create = mutation(
        WebhookEndpointPayload,
        WebhookEndpointCreateInput,
        _create,
        build=_build,
        description="Register an endpoint for your organisation's events; answers its secret.",
    )
    webhook_endpoint_rotate_secret = mutation(
        WebhookEndpointPayload,
        WebhookEndpointRotateSecretInput,
        _rotate,
        build=_build,
        description="Give an endpoint a new secret (answered once); the old one stops now.",
    )
    webhook_endpoint_set_active = mutation(
        WebhookEndpointPayload,
        WebhookEndpointSetActiveInput,
        _set_active,
        build=_build,
        description="Pause an endpoint (no deliveries for new events) or resume it.",
    )
