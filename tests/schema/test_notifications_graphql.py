"""Notifications through GraphQL: a page of one's own (unread only, or all), marked read;
another organisation's cannot be marked (a typed error, nothing changed); a page costs the
same statements for any size."""

from __future__ import annotations

from typing import Any

import pytest

from marketplace.core.identity import Role
from tests.conftest import GraphQL
from tests.marketplace.contracts.world import Market, build_market, request_place

PROVIDER = ("43389424", Role.PROVIDER_ADMIN)
BUYER = ("851", Role.PURCHASER)

LIST = """
query ($first: Int, $after: String, $unreadOnly: Boolean!) {
  notifications(first: $first, after: $after, unreadOnly: $unreadOnly) {
    totalCount pageInfo { hasNextPage endCursor }
    edges { node { id eventId kind title caseReference readAt subjects { role id } } }
  }
  unreadNotificationCount
}
"""
MARK = """
mutation ($input: NotificationMarkReadInput!) {
  notificationMarkRead(input: $input) {
    notifications { id readAt } errors { field code message }
  }
}
"""


@pytest.fixture
async def market() -> Market:
    return await build_market()


async def page(gql: GraphQL, as_: tuple[str, Role], **variables: Any) -> dict[str, Any]:
    body = await gql(LIST, {"unreadOnly": False, **variables}, as_=as_)
    assert "errors" not in body, body
    return body["data"]


async def test_a_provider_sees_and_marks_its_notifications(gql: GraphQL, market: Market) -> None:
    request = await request_place(market.offer_id)
    data = await page(gql, PROVIDER)
    assert data["unreadNotificationCount"] == 1
    [edge] = data["notifications"]["edges"]
    node = edge["node"]
    assert node["kind"] == "REQUEST_RECEIVED"
    assert node["title"] == "Ny henvendelse om en plads"
    assert node["caseReference"] == "SAG-2026-0042"
    [subject] = node["subjects"]
    assert subject["role"] == "placementRequest"
    found = await gql(
        "query ($id: ID!) { node(id: $id) { ... on PlacementRequest { citizenRef } } }",
        {"id": subject["id"]},
        as_=PROVIDER,
    )
    assert found["data"]["node"]["citizenRef"] == "SAG-2026-0042"
    assert request.id

    refused = await gql(MARK, {"input": {"ids": [node["id"]]}}, as_=BUYER)
    payload = refused["data"]["notificationMarkRead"]
    assert payload["notifications"] is None
    assert payload["errors"][0]["code"] == "NOT_FOUND"
    assert (await page(gql, PROVIDER))["unreadNotificationCount"] == 1

    marked = await gql(MARK, {"input": {"ids": [node["id"]]}}, as_=PROVIDER)
    assert marked["data"]["notificationMarkRead"]["errors"] == []
    assert marked["data"]["notificationMarkRead"]["notifications"][0]["readAt"]
    after = await page(gql, PROVIDER, unreadOnly=True)
    assert after["notifications"]["totalCount"] == 0
    assert after["unreadNotificationCount"] == 0
    assert (await page(gql, PROVIDER))["notifications"]["totalCount"] == 1


async def test_a_page_costs_the_same_statements_for_any_size(
    gql: GraphQL, market: Market, statements: list[str]
) -> None:
    for _ in range(4):
        await request_place(market.offer_id)
    counts = []
    for first in (1, 4):
        statements.clear()
        data = await page(gql, PROVIDER, first=first)
        assert len(data["notifications"]["edges"]) == first
        counts.append(len(statements))
    assert counts[0] == counts[1]
    rest = await page(gql, PROVIDER, first=2, after=None)
    cursor = rest["notifications"]["pageInfo"]["endCursor"]
    tail = await page(gql, PROVIDER, first=10, after=cursor)
    assert len(tail["notifications"]["edges"]) == 2
