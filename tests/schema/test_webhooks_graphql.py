"""Webhooks through GraphQL: an endpoint registered (its secret answered once), an unknown
event or a bad address refused with nothing stored, the secret rotated, another
organisation's endpoint not found, the delivery log read; and the server on SQLite sends the
deliveries itself."""

from __future__ import annotations

import asyncio
import time

import pytest
from standardwebhooks.webhooks import Webhook

from marketplace.core.identity import Role
from marketplace.core.settings import get_settings
from marketplace.notifications.tables import WebhookEndpoint
from schema.app import delivers_in_server
from schema.worker import run_worker
from tests.conftest import GraphQL
from tests.marketplace.contracts.world import Market, build_market, request_place
from tests.marketplace.notifications.receiver import receiver

PROVIDER = ("43389424", Role.PROVIDER_ADMIN)
BUYER = ("851", Role.PURCHASER)

CREATE = """
mutation ($input: WebhookEndpointCreateInput!) {
  webhookEndpointCreate(input: $input) {
    webhookEndpoint { id url events active } secret errors { field code message }
  }
}
"""
ROTATE = """
mutation ($input: WebhookEndpointRotateSecretInput!) {
  webhookEndpointRotateSecret(input: $input) {
    webhookEndpoint { id secretRotatedAt } secret errors { field code }
  }
}
"""
LOG = """
query ($endpointId: ID) {
  webhookEndpoints { totalCount edges { node { id url } } }
  webhookDeliveries(endpointId: $endpointId) {
    totalCount edges { node { eventId event status attempts lastStatusCode endpointId } }
  }
}
"""


@pytest.fixture
async def market() -> Market:
    return await build_market()


async def test_an_endpoint_registered_rotated_and_its_log_read(
    gql: GraphQL, market: Market
) -> None:
    unknown = await gql(
        CREATE,
        {"input": {"url": "https://hooks.example.org/x", "events": ["request.eaten"]}},
        as_=PROVIDER,
    )
    errors = unknown["data"]["webhookEndpointCreate"]["errors"]
    assert errors[0]["code"] == "INVALID" and errors[0]["field"] == ["input", "events", "0"]
    bad = await gql(
        CREATE,
        {"input": {"url": "ftp://hooks.example.org/x", "events": ["placement_request.received"]}},
        as_=PROVIDER,
    )
    assert bad["data"]["webhookEndpointCreate"]["errors"][0]["field"] == ["input", "url"]
    assert await WebhookEndpoint.count().run() == 0

    with receiver() as hook:
        made = await gql(
            CREATE,
            {"input": {"url": hook.url, "events": ["placement_request.received"]}},
            as_=PROVIDER,
        )
        payload = made["data"]["webhookEndpointCreate"]
        assert payload["errors"] == [] and payload["secret"].startswith("whsec_")
        endpoint_id = payload["webhookEndpoint"]["id"]

        stranger = await gql(ROTATE, {"input": {"id": endpoint_id}}, as_=BUYER)
        assert stranger["data"]["webhookEndpointRotateSecret"]["errors"][0]["code"] == "NOT_FOUND"
        rotated = await gql(ROTATE, {"input": {"id": endpoint_id}}, as_=PROVIDER)
        secret = rotated["data"]["webhookEndpointRotateSecret"]["secret"]
        assert secret != payload["secret"]

        await request_place(market.offer_id)
        settings = get_settings().model_copy(update={"delivery_poll_seconds": 0.05})
        stop = asyncio.Event()
        worker = asyncio.create_task(run_worker(settings, tick=False, stop=stop))
        deadline = time.monotonic() + 20
        while not hook.received:
            assert time.monotonic() < deadline
            await asyncio.sleep(0.05)
        stop.set()
        await worker
        [got] = hook.received
        Webhook(secret).verify(got.body, got.headers)

    log = await gql(LOG, {"endpointId": endpoint_id}, as_=PROVIDER)
    assert log["data"]["webhookEndpoints"]["totalCount"] == 1
    [entry] = log["data"]["webhookDeliveries"]["edges"]
    assert entry["node"]["status"] == "delivered"
    assert entry["node"]["eventId"] == got.headers["webhook-id"]
    assert entry["node"]["endpointId"] == endpoint_id
    other = await gql(LOG, {}, as_=BUYER)
    assert other["data"]["webhookDeliveries"]["totalCount"] == 0


ATTEMPTS = """
query ($id: ID!, $after: String) {
  webhookDeliveries { edges { node { id status attempts } } }
  webhookDeliveryAttempts(deliveryId: $id, first: 2, after: $after) {
    totalCount pageInfo { hasNextPage endCursor }
    edges { node { attempt at statusCode error durationMs } }
  }
}
"""
ATTEMPTS_ONLY = """
query ($id: ID!) { webhookDeliveryAttempts(deliveryId: $id) { totalCount } }
"""


async def test_every_attempt_is_in_the_log_page_by_page(gql: GraphQL, market: Market) -> None:
    from marketplace.core.clock import utcnow
    from marketplace.notifications.tables import WebhookDelivery
    from tests.marketplace.notifications.test_webhooks import send_all

    with receiver() as hook:
        hook.answers = [500, 503]
        await gql(
            CREATE,
            {"input": {"url": hook.url, "events": ["placement_request.received"]}},
            as_=PROVIDER,
        )
        await request_place(market.offer_id)
        for _ in range(3):
            await WebhookDelivery.update(
                {WebhookDelivery.next_attempt_at: utcnow()}, force=True
            ).run()
            await send_all()
    log = await gql(LOG, {}, as_=PROVIDER)
    assert log["data"]["webhookDeliveries"]["edges"][0]["node"]["status"] == "delivered"
    listed = await gql("query { webhookDeliveries { edges { node { id } } } }", {}, as_=PROVIDER)
    delivery_id = listed["data"]["webhookDeliveries"]["edges"][0]["node"]["id"]
    first = (await gql(ATTEMPTS, {"id": delivery_id}, as_=PROVIDER))["data"]
    page = first["webhookDeliveryAttempts"]
    assert page["totalCount"] == 3 and page["pageInfo"]["hasNextPage"]
    after = page["pageInfo"]["endCursor"]
    rest = (await gql(ATTEMPTS, {"id": delivery_id, "after": after}, as_=PROVIDER))["data"]
    nodes = [e["node"] for e in page["edges"] + rest["webhookDeliveryAttempts"]["edges"]]
    assert [n["statusCode"] for n in nodes] == [204, 503, 500]
    assert [n["attempt"] for n in nodes] == [3, 2, 1]
    assert nodes[1]["error"] == "The receiver answered 503." and nodes[0]["error"] == ""
    assert all(n["durationMs"] >= 0 for n in nodes)
    stranger = await gql(ATTEMPTS_ONLY, {"id": delivery_id}, as_=BUYER)
    assert stranger["data"] is None or stranger["data"]["webhookDeliveryAttempts"] is None
    assert stranger["errors"]


def test_the_server_sends_deliveries_itself_on_sqlite_only() -> None:
    settings = get_settings()
    sqlite = settings.model_copy(
        update={"database_url": "sqlite:///x.sqlite3", "delivery_in_server": None}
    )
    postgres = settings.model_copy(
        update={"database_url": "postgresql://h/db", "delivery_in_server": None}
    )
    assert delivers_in_server(sqlite) and not delivers_in_server(postgres)


SET_EMAIL = """
mutation ($input: EmailRecipientSetInput!) {
  emailRecipientSet(input: $input) {
    emailRecipient { id address events forOrganisation } errors { field code }
  }
}
"""


async def test_e_mail_addresses_set_and_bad_ones_refused(gql: GraphQL) -> None:
    bad = await gql(SET_EMAIL, {"input": {"address": "ikke@"}}, as_=PROVIDER)
    errors = bad["data"]["emailRecipientSet"]["errors"]
    assert errors[0]["code"] == "INVALID" and errors[0]["field"] == ["input", "address"]
    made = await gql(
        SET_EMAIL,
        {"input": {"address": "visitation@engly.dk", "forOrganisation": True}},
        as_=PROVIDER,
    )
    assert made["data"]["emailRecipientSet"]["emailRecipient"]["forOrganisation"] is True
    listed = await gql("{ emailRecipients { totalCount } }", as_=PROVIDER)
    assert listed["data"]["emailRecipients"]["totalCount"] == 1
    other = await gql("{ emailRecipients { totalCount } }", as_=BUYER)
    assert other["data"]["emailRecipients"]["totalCount"] == 0
