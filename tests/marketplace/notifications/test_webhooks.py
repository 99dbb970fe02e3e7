"""Webhooks: endpoints refused for bad addresses and unknown events (nothing stored); each
event delivered signed per Standard Webhooks to a receiver on loopback, with no CPR number;
failures and redirects retried with backoff and given up after a day; a rotated secret signs
from then on; two workers never send one event twice; a worker killed with SIGKILL in the
middle of a delivery loses nothing (the event is sent again under its id)."""

from __future__ import annotations

import asyncio
import datetime
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from marketplace.core.clock import utcnow
from marketplace.core.errors import DomainError, ErrorCode
from marketplace.core.pagination import PageRequest
from marketplace.core.settings import get_settings
from marketplace.notifications import delivery, webhooks
from marketplace.notifications.models import EventKind
from marketplace.notifications.tables import OutboxEvent, WebhookDelivery, WebhookEndpoint
from marketplace.notifications.webhooks import WebhookEndpointCreate
from tests.marketplace.contracts.world import AALBORG, CPR, ENGLY_ADMIN, Market, request_place
from tests.marketplace.notifications.receiver import receiver

RECEIVED = EventKind.REQUEST_RECEIVED.value


def endpoint_of(url: str, events: list[str] | None = None) -> WebhookEndpointCreate:
    return WebhookEndpointCreate(url=url, events=events or [RECEIVED])


async def send_all() -> int:
    async with httpx.AsyncClient() as client:
        return await delivery.send_due(get_settings(), client)


def verified(secret: str, body: str, headers: dict[str, str]) -> dict:
    return Webhook(secret).verify(body, headers)


@pytest.mark.parametrize(
    ("url", "events", "field"),
    [
        ("http://hooks.example.org/x", [RECEIVED], "url"),
        ("https://127.0.0.1/x", [RECEIVED], "url"),
        ("https://10.1.2.3/x", [RECEIVED], "url"),
        ("https://[::1]/x", [RECEIVED], "url"),
        ("https://user:pw@hooks.example.org/x", [RECEIVED], "url"),
        ("ftp://hooks.example.org/x", [RECEIVED], "url"),
        ("https://[::1/x", [RECEIVED], "url"),
        ("https://hooks.example.org:99999/x", [RECEIVED], "url"),
        ("https://æøå..example/x", [RECEIVED], "url"),
        ("https://93.184.215.14/x", ["placement_request.eaten"], "events"),
    ],
)
async def test_bad_endpoints_are_refused_in_production(
    url: str, events: list[str], field: str
) -> None:
    production = get_settings().model_copy(update={"environment": "production"})
    with pytest.raises(DomainError) as refused:
        await webhooks.create_endpoint(ENGLY_ADMIN, endpoint_of(url, events), production)
    assert refused.value.code is ErrorCode.INVALID
    assert refused.value.field is not None and refused.value.field[0] == field
    assert await WebhookEndpoint.count().run() == 0


async def test_a_public_https_address_is_taken_in_production() -> None:
    production = get_settings().model_copy(update={"environment": "production"})
    made, secret = await webhooks.create_endpoint(
        ENGLY_ADMIN, endpoint_of("https://93.184.215.14/hook"), production
    )
    assert made.url == "https://93.184.215.14/hook" and secret.startswith("whsec_")


async def test_an_event_reaches_the_receiver_signed(market: Market) -> None:
    with receiver() as hook:
        made, secret = await webhooks.create_endpoint(ENGLY_ADMIN, endpoint_of(hook.url))
        request = await request_place(market.offer_id)
        assert await send_all() == 1
        [got] = hook.received
        payload = verified(secret, got.body, got.headers)
        [event] = await OutboxEvent.select().where(OutboxEvent.kind == RECEIVED).run()
        assert got.headers["webhook-id"] == str(event["id"])
        assert payload["type"] == RECEIVED
        assert payload["data"]["subjects"] == {"placementRequest": str(request.id)}
        assert payload["data"]["caseReference"] == "SAG-2026-0042"
        assert CPR not in got.body and "010190" not in got.body
        with pytest.raises(WebhookVerificationError):
            verified(webhooks.new_secret(), got.body, got.headers)
        assert await send_all() == 0  # delivered: not sent again
    log = await webhooks.list_deliveries(ENGLY_ADMIN, PageRequest())
    [entry] = log.items
    assert entry.status == "delivered" and entry.attempts == 1 and entry.last_status_code == 204
    assert entry.endpoint_id == made.id and entry.kind == RECEIVED


async def _due_now() -> None:
    await WebhookDelivery.update({WebhookDelivery.next_attempt_at: utcnow()}, force=True).run()


async def test_failures_and_redirects_are_retried_with_backoff(market: Market) -> None:
    with receiver() as hook:
        hook.answers = [500, 302]
        await webhooks.create_endpoint(ENGLY_ADMIN, endpoint_of(hook.url))
        await request_place(market.offer_id)
        before = utcnow()
        await send_all()
        [row] = await WebhookDelivery.select().run()
        assert row["status"] == "pending" and row["attempts"] == 1
        assert row["last_status_code"] == 500
        wait = (row["next_attempt_at"] - before).total_seconds()
        assert 29 <= wait <= 32
        assert await send_all() == 0  # not yet due
        await _due_now()
        await send_all()
        [row] = await WebhookDelivery.select().run()
        assert row["last_status_code"] == 302 and "redirect" in row["last_error"]
        assert 59 <= (row["next_attempt_at"] - utcnow()).total_seconds() <= 61
        await _due_now()
        await send_all()
        [row] = await WebhookDelivery.select().run()
        assert row["status"] == "delivered" and row["attempts"] == 3
        assert len(set(hook.ids())) == 1 and len(hook.ids()) == 3  # one event, three tries


async def test_a_delivery_is_given_up_after_a_day(market: Market) -> None:
    with receiver() as hook:
        hook.answers = [503]
        await webhooks.create_endpoint(ENGLY_ADMIN, endpoint_of(hook.url))
        await request_place(market.offer_id)
        await WebhookDelivery.update(
            {WebhookDelivery.created_at: utcnow() - datetime.timedelta(hours=24)}, force=True
        ).run()
        await send_all()
    [row] = await WebhookDelivery.select().run()
    assert row["status"] == "failed" and row["last_status_code"] == 503


async def _grace_over() -> None:
    await WebhookEndpoint.update(
        {WebhookEndpoint.previous_secret_until: utcnow() - datetime.timedelta(seconds=1)},
        force=True,
    ).run()


async def test_a_rotated_secret_signs_from_then_on(market: Market) -> None:
    with receiver() as hook:
        made, old = await webhooks.create_endpoint(ENGLY_ADMIN, endpoint_of(hook.url))
        _, new = await webhooks.rotate_secret(ENGLY_ADMIN, made.id)
        assert new != old
        await _grace_over()  # once the grace period is over, the new secret alone signs
        await request_place(market.offer_id)
        await send_all()
        [got] = hook.received
        verified(new, got.body, got.headers)
        with pytest.raises(WebhookVerificationError):
            verified(old, got.body, got.headers)


async def test_the_old_secret_still_verifies_during_the_grace_period(market: Market) -> None:
    with receiver() as hook:
        made, old = await webhooks.create_endpoint(ENGLY_ADMIN, endpoint_of(hook.url))
        _, new = await webhooks.rotate_secret(ENGLY_ADMIN, made.id)
        [endpoint] = await WebhookEndpoint.select().run()
        grace = endpoint["previous_secret_until"] - endpoint["secret_rotated_at"]
        assert grace == datetime.timedelta(hours=24)  # the default
        await request_place(market.offer_id)
        await send_all()
        [during] = hook.received
        assert len(during.headers["webhook-signature"].split(" ")) == 2
        # a receiver not yet switched over verifies with the old secret, and one switched
        # over with the new
        assert verified(old, during.body, during.headers)["type"] == RECEIVED
        assert verified(new, during.body, during.headers)["type"] == RECEIVED

        await _grace_over()
        await request_place(market.offer_id, citizen_ref="SAG-2026-0043")
        await send_all()
        after = hook.received[1]
        assert len(after.headers["webhook-signature"].split(" ")) == 1
        with pytest.raises(WebhookVerificationError):
            verified(old, after.body, after.headers)
        verified(new, after.body, after.headers)


async def test_no_grace_period_when_it_is_set_to_zero(market: Market) -> None:
    with receiver() as hook:
        made, old = await webhooks.create_endpoint(ENGLY_ADMIN, endpoint_of(hook.url))
        settings = get_settings().model_copy(update={"webhook_secret_grace_hours": 0})
        _, new = await webhooks.rotate_secret(ENGLY_ADMIN, made.id, settings)
        await request_place(market.offer_id)
        await send_all()
        [got] = hook.received
        with pytest.raises(WebhookVerificationError):
            verified(old, got.body, got.headers)
        verified(new, got.body, got.headers)


async def test_the_delivery_log_keeps_every_attempt(market: Market) -> None:
    with receiver() as hook:
        hook.answers = [503, 302]
        await webhooks.create_endpoint(ENGLY_ADMIN, endpoint_of(hook.url))
        await request_place(market.offer_id)
        for _ in range(3):
            await _due_now()
            await send_all()
    [delivery_row] = await WebhookDelivery.select().run()
    assert delivery_row["status"] == "delivered"
    first = await webhooks.list_attempts(ENGLY_ADMIN, delivery_row["id"], PageRequest(2))
    assert first.total_count == 3 and first.has_next_page
    rest = await webhooks.list_attempts(
        ENGLY_ADMIN, delivery_row["id"], PageRequest(2, first.cursors[-1])
    )
    attempts = [*first.items, *rest.items]
    assert [a.attempt for a in attempts] == [3, 2, 1]  # newest first
    assert [a.status_code for a in attempts] == [204, 302, 503]
    assert "redirect" in attempts[1].error and attempts[0].error == ""
    assert all(a.duration_ms >= 0 and a.delivery_id == delivery_row["id"] for a in attempts)
    assert attempts[0].at >= attempts[1].at >= attempts[2].at
    with pytest.raises(DomainError) as refused:
        await webhooks.list_attempts(AALBORG, delivery_row["id"], PageRequest())
    assert refused.value.code is ErrorCode.NOT_FOUND


async def test_an_endpoint_sees_only_the_events_it_asked_for(market: Market) -> None:
    with receiver() as hook:
        await webhooks.create_endpoint(
            ENGLY_ADMIN, endpoint_of(hook.url, [EventKind.CONTRACT_ENDED.value])
        )
        await request_place(market.offer_id)
        assert await send_all() == 0
        assert hook.received == []


async def test_two_workers_never_send_one_event_twice(market: Market) -> None:
    with receiver() as hook:
        await webhooks.create_endpoint(ENGLY_ADMIN, endpoint_of(hook.url))
        for _ in range(12):
            await request_place(market.offer_id)
        async with httpx.AsyncClient() as one, httpx.AsyncClient() as two:
            settings = get_settings()
            sent = await asyncio.gather(
                *(delivery.send_due(settings, c, batch=3) for c in (one, two, one, two)),
                *(delivery.send_due(settings, c, batch=3) for c in (one, two)),
            )
        assert sum(sent) == 12
        assert len(hook.ids()) == 12 and len(set(hook.ids())) == 12
        assert await WebhookDelivery.count().where(WebhookDelivery.status == "delivered") == 12


def _worker(env: dict[str, str]) -> subprocess.Popen[bytes]:
    command = [str(Path(sys.executable).with_name("socialmarked")), "worker", "--no-tick"]
    return subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


async def _wait_for(condition, seconds: float = 30.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.05)


async def test_a_worker_killed_mid_delivery_loses_nothing(market: Market) -> None:
    env = {**os.environ, "DELIVERY_LEASE_SECONDS": "5", "DELIVERY_POLL_SECONDS": "0.1"}
    with receiver() as hook:
        hook.hold = threading.Event()
        hook.hold.set()  # the first worker's request hangs
        await webhooks.create_endpoint(ENGLY_ADMIN, endpoint_of(hook.url))
        await request_place(market.offer_id)
        first = _worker(env)
        try:
            await _wait_for(hook.arrived.is_set)
            first.send_signal(signal.SIGKILL)
            first.wait(10)
        finally:
            if first.poll() is None:
                first.kill()
        hook.hold.clear()
        [row] = await WebhookDelivery.select().run()
        assert row["status"] == "pending" and row["lease"] is not None  # it died holding it
        second = _worker(env)
        try:
            await _wait_for(lambda: len(hook.received) >= 2)
            await _wait_for_delivered()
        finally:
            second.send_signal(signal.SIGTERM)
            second.wait(10)
    [event] = await OutboxEvent.select(OutboxEvent.id).run()
    assert hook.ids() == [str(event["id"])] * 2  # sent again under the same id
    [row] = await WebhookDelivery.select().run()
    assert row["status"] == "delivered" and row["attempts"] == 2


async def _wait_for_delivered() -> None:
    deadline = time.monotonic() + 30
    while True:
        rows = await WebhookDelivery.select(WebhookDelivery.status).run()
        if rows and rows[0]["status"] == "delivered":
            return
        assert time.monotonic() < deadline, "not delivered"
        await asyncio.sleep(0.1)


def test_the_payload_is_json_of_ids(tmp_path: Path) -> None:
    body = delivery.body_of(
        {
            "id": "e",
            "kind": RECEIVED,
            "created_at": utcnow(),
            "subjects": {"placementRequest": "r"},
            "case_reference": "SAG-1",
            "payload": {"status": "pending"},
        },
        "43389424",
    )
    assert json.loads(body)["data"] == {
        "eventId": "e",
        "organisation": "43389424",
        "subjects": {"placementRequest": "r"},
        "caseReference": "SAG-1",
        "status": "pending",
    }
