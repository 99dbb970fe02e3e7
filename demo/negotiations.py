"""Demo requests in the states of agreeing a placement: a provider's proposal of a special
arrangement waiting for the buyer, a request above its case handler's frame waiting for an
approver (Vejle sets a frame of 50,000 DKK a month and names an approver), and an acute
request. Made through the services on the day of seeding; seeding again adds nothing."""

from __future__ import annotations

import datetime
import uuid
from decimal import Decimal

from piccolo.columns.combination import Combinable

from marketplace.contracts import frames, proposals, requests
from marketplace.contracts.capacity import check_capacity
from marketplace.contracts.models import FrameSet, PlacementProposal, PlacementRequestCreate
from marketplace.contracts.tables import Approver, PlacementRequest
from marketplace.core.clock import today
from marketplace.core.errors import DomainError
from marketplace.core.identity import SYSTEM, Principal, Role
from marketplace.offers.models import OfferStatus
from marketplace.offers.tables import Offer, PriceList

PROPOSAL_REF = "DEMO-FORSLAG-1"
FRAME_REF = "DEMO-RAMME-1"
ACUTE_REF = "DEMO-AKUT-1"
VEJLE = "630"
APPROVER = "demo:vejle-visitationsleder"
CASE_HANDLER = "demo:vejle-sagsbehandler"
NORTH = "1081"
COSTS = {
    "staff": [
        {"role": "Pædagog, 1:1 i dagtimerne", "hours_per_week": "56", "hourly_rate": "360"},
        {"role": "Vågen nattevagt", "hours_per_week": "70", "hourly_rate": "395.50"},
    ],
    "other_costs_per_day": "240",
    "overhead_percent": "4.5",
}


def _purchaser(code: str, subject: str = "demo:visitation") -> Principal:
    return Principal(subject=subject, org_code=code, role=Role.PURCHASER)


async def _made(ref: str) -> bool:
    return bool(await PlacementRequest.exists().where(PlacementRequest.citizen_ref == ref).run())


async def _offer(start: datetime.date, *conditions: Combinable) -> tuple[uuid.UUID, str]:
    """The first published offer (by name) that meets the conditions and has a place free
    from ``start`` on: its ID and provider."""
    where: Combinable = Offer.status == OfferStatus.PUBLISHED.value
    for condition in conditions:
        where = where & condition
    rows = (
        await Offer.select(
            Offer.id,
            Offer.provider._.org_code.as_alias("org"),
            Offer.capacity_places,
            Offer.occupied_places,
        )
        .where(where)
        .order_by(Offer.name_key)
        .run()
    )
    for row in rows:
        try:
            await check_capacity(row["id"], row["capacity_places"], row["occupied_places"], start)
        except DomainError:
            continue
        return row["id"], row["org"]
    raise AssertionError("the demo catalogue has such an offer with a free place")


def _takes_special_arrangements() -> Combinable:
    this_year = PriceList.select(PriceList.offer).where(
        (PriceList.year == today().year) & (PriceList.accepts_special_arrangements == True)  # noqa: E712
    )
    return Offer.id.is_in(this_year)


async def _proposal_waiting() -> None:
    """Aalborg asks a North Jutland residential offer for a place; its provider proposes a
    special arrangement priced from its costs, which waits for Aalborg's answer."""
    start = today() + datetime.timedelta(days=14)
    offer_id, org = await _offer(
        start,
        Offer.category == "residential",
        Offer.municipality._.region == NORTH,
        _takes_special_arrangements(),
    )
    request = await requests.create_request(
        _purchaser("851"),
        PlacementRequestCreate(
            offer_id=offer_id,
            citizen_ref=PROPOSAL_REF,
            desired_start=start,
            message="Ung mand med autisme og selvskadende adfærd; behov for 1:1 i dagtimerne.",
        ),
    )
    await proposals.propose(
        Principal(subject="demo:provider", org_code=org, role=Role.PROVIDER_ADMIN),
        request.id,
        PlacementProposal.model_validate(
            {
                "special_arrangement": COSTS,
                "review_on": today() + datetime.timedelta(days=104),
                "message": "Særforanstaltning: 1:1 i dagtimerne og vågen nattevagt.",
            }
        ),
    )


async def _above_the_frame() -> None:
    """Vejle names an approver and sets a frame of 50,000 DKK a month for its case handlers;
    a case handler's request for a residential place above it waits for the approver."""
    if not await Approver.exists().where(Approver.municipality == VEJLE).run():
        await frames.add_approver(SYSTEM, VEJLE, APPROVER)
    await frames.set_frame(
        _purchaser(VEJLE, APPROVER),
        FrameSet(municipality_code=VEJLE, amount=Decimal(50000)),
    )
    dear = PriceList.select(PriceList.offer).where(
        (PriceList.year == today().year) & (PriceList.base_price_ore >= 250000)
    )
    start = today() + datetime.timedelta(days=21)
    offer_id, _org = await _offer(start, Offer.category == "residential", Offer.id.is_in(dear))
    await requests.create_request(
        _purchaser(VEJLE, CASE_HANDLER),
        PlacementRequestCreate(
            offer_id=offer_id,
            citizen_ref=FRAME_REF,
            desired_start=start,
            message="Kvinde med svær spiseforstyrrelse; længerevarende ophold.",
        ),
    )


async def _acute() -> None:
    """Odense asks an offer that takes acute placements for a place today."""
    offer_id, _org = await _offer(today(), Offer.takes_acute == True)  # noqa: E712
    await requests.create_request(
        _purchaser("461"),
        PlacementRequestCreate(
            offer_id=offer_id,
            citizen_ref=ACUTE_REF,
            desired_start=today(),
            urgency="acute",
            message="Akut behov for midlertidigt ophold.",
        ),
    )


async def seed_demo_negotiations() -> int:
    """Make what is missing; answers how many requests were made."""
    made = 0
    for ref, make in (
        (PROPOSAL_REF, _proposal_waiting),
        (FRAME_REF, _above_the_frame),
        (ACUTE_REF, _acute),
    ):
        if not await _made(ref):
            await make()
            made += 1
    return made
