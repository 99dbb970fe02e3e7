"""The case handler's frame through GraphQL: the registry administrator names an approver, the
approver sets the frame, a case handler's request above it waits (unseen by the provider)
with its expected cost shown, and the approver lets it go; errors name the input's fields."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from marketplace.core.clock import today
from marketplace.core.identity import Role
from schema.auth import mint_token
from tests.marketplace.contracts.world import Market, build_market

LEADER = "aalborg:visitationsleder"
CASE_HANDLER = "aalborg:sagsbehandler"


@pytest.fixture
async def market() -> Market:
    return await build_market()


async def _as(
    client: httpx.AsyncClient,
    org: str,
    role: Role,
    query: str,
    variables: dict[str, Any],
    subject: str | None = None,
) -> dict[str, Any]:
    token = mint_token(org, role, subject=subject)
    response = await client.post(
        "/graphql",
        json={"query": query, "variables": variables},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


ADD = """
mutation ($input: ApproverInput!) {
  approverAdd(input: $input) { approver { subject addedBy } errors { field code message } }
}
"""
FRAME = """
mutation ($input: ApprovalFrameSetInput!) {
  approvalFrameSet(input: $input) {
    approvalFrame { subject amount { amount } basis setBy } errors { field code message }
  }
}
"""
CREATE = """
mutation ($input: PlacementRequestCreateInput!) {
  placementRequestCreate(input: $input) {
    placementRequest { id status frame { amount } frameBasis expectedMonthly { amount }
                       expectedToFollowUp { amount } }
    errors { field code message }
  }
}
"""
APPROVE = """
mutation ($input: PlacementRequestApproveInput!) {
  placementRequestApprove(input: $input) {
    placementRequest { status approvedBy approvalReason } errors { field code message }
  }
}
"""
PROVIDERS_VIEW = "query ($id: ID!) { placementRequest(id: $id) { status } }"
FRAMES = """
query { approvalFrames(municipalityCode: "851", first: 10) {
  totalCount edges { node { subject amount { amount } basis } } }
  approvers(municipalityCode: "851") { edges { node { subject } } } }
"""


async def test_a_request_above_the_frame_waits_for_the_approver(
    client: httpx.AsyncClient, market: Market
) -> None:
    from strawberry.relay import to_base64

    added = await _as(
        client,
        "1084",
        Role.REGISTRY_ADMIN,
        ADD,
        {"input": {"municipalityCode": "851", "subject": LEADER}},
    )
    assert added["data"]["approverAdd"]["errors"] == []
    refused = await _as(
        client,
        "851",
        Role.PURCHASER,
        FRAME,
        {"input": {"municipalityCode": "851", "amount": "50000"}},
        subject=CASE_HANDLER,
    )
    assert refused["data"]["approvalFrameSet"]["errors"][0]["code"] == "PERMISSION_DENIED"
    negative = await _as(
        client,
        "851",
        Role.PURCHASER,
        FRAME,
        {"input": {"municipalityCode": "851", "amount": "-1"}},
        subject=LEADER,
    )
    assert negative["data"]["approvalFrameSet"]["errors"][0]["field"] == ["input", "amount"]
    framed = await _as(
        client,
        "851",
        Role.PURCHASER,
        FRAME,
        {"input": {"municipalityCode": "851", "amount": "50000"}},
        subject=LEADER,
    )
    assert framed["data"]["approvalFrameSet"]["approvalFrame"] == {
        "subject": None,
        "amount": {"amount": "50000.00"},
        "basis": "PER_MONTH",
        "setBy": LEADER,
    }

    created = await _as(
        client,
        "851",
        Role.PURCHASER,
        CREATE,
        {
            "input": {
                "offerId": to_base64("Offer", str(market.offer_id)),
                "citizenRef": "SAG-2026-7",
                "desiredStart": today().isoformat(),
                "priceLevel": "Niveau 2",
            }
        },
        subject=CASE_HANDLER,
    )
    request = created["data"]["placementRequestCreate"]["placementRequest"]
    assert request["status"] == "AWAITING_APPROVAL"
    assert request["frame"] == {"amount": "50000.00"} and request["frameBasis"] == "PER_MONTH"
    assert request["expectedMonthly"] == {"amount": "116700.00"}  # 3,890 DKK x 30 days
    assert request["expectedToFollowUp"] == {"amount": "1400400.00"}  # a year: no follow-up
    hidden = await _as(
        client, "43389424", Role.PROVIDER_ADMIN, PROVIDERS_VIEW, {"id": request["id"]}
    )
    assert hidden["data"]["placementRequest"] is None

    own = await _as(
        client,
        "851",
        Role.PURCHASER,
        APPROVE,
        {"input": {"id": request["id"]}},
        subject=CASE_HANDLER,
    )
    assert own["data"]["placementRequestApprove"]["errors"][0]["code"] == "PERMISSION_DENIED"
    approved = await _as(
        client,
        "851",
        Role.PURCHASER,
        APPROVE,
        {"input": {"id": request["id"], "reason": "Visitationsudvalget"}},
        subject=LEADER,
    )
    assert approved["data"]["placementRequestApprove"] == {
        "placementRequest": {
            "status": "PENDING",
            "approvedBy": LEADER,
            "approvalReason": "Visitationsudvalget",
        },
        "errors": [],
    }
    seen = await _as(client, "43389424", Role.PROVIDER_ADMIN, PROVIDERS_VIEW, {"id": request["id"]})
    assert seen["data"]["placementRequest"] == {"status": "PENDING"}

    listed = await _as(client, "851", Role.PURCHASER, FRAMES, {}, subject=CASE_HANDLER)
    assert listed["data"]["approvalFrames"]["totalCount"] == 1
    assert listed["data"]["approvers"]["edges"] == [{"node": {"subject": LEADER}}]
    stranger = await _as(client, "751", Role.PURCHASER, FRAMES, {})
    assert stranger["errors"][0]["extensions"] == {
        "code": "PERMISSION_DENIED",
        "field": ["municipalityCode"],
    }
