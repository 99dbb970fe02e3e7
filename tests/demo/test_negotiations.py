"""The demo holds a request in each state of agreeing a placement: a special arrangement
proposed and waiting for the buyer, a request above its case handler's frame waiting for an
approver, and an acute request; seeding again adds nothing."""

from __future__ import annotations

from demo.agreements import seed_demo_agreements
from demo.negotiations import ACUTE_REF, FRAME_REF, PROPOSAL_REF, seed_demo_negotiations
from demo.offers import seed_demo_offers
from demo.providers import seed_demo_providers
from marketplace.contracts import proposals, requests
from marketplace.contracts.models import ProposalStatus, RequestStatus, Urgency
from marketplace.contracts.tables import PlacementRequest
from marketplace.core.identity import SYSTEM


async def _request(ref: str) -> requests.RequestView:
    row = (
        await PlacementRequest.select(PlacementRequest.id)
        .where(PlacementRequest.citizen_ref == ref)
        .first()
        .run()
    )
    assert row is not None
    found = await requests.get_request(SYSTEM, row["id"])
    assert found is not None
    return found


async def test_the_demo_requests_wait_in_each_state() -> None:
    await seed_demo_providers()
    await seed_demo_offers()
    await seed_demo_agreements()

    assert await seed_demo_negotiations() == 3
    assert await seed_demo_negotiations() == 0  # idempotent

    proposed = await _request(PROPOSAL_REF)
    assert proposed.status is RequestStatus.PROPOSED
    [proposal] = (await proposals.proposals_by_request([proposed.id]))[proposed.id]
    assert proposal.status is ProposalStatus.OPEN and proposal.special_arrangement is not None
    assert proposal.price_ore == 739338
    held = await _request(FRAME_REF)
    assert held.status is RequestStatus.AWAITING_APPROVAL
    assert held.frame_ore == 5000000 and (held.expected_monthly_ore or 0) > 5000000
    acute = await _request(ACUTE_REF)
    assert acute.urgency is Urgency.ACUTE and acute.respond_by is not None
