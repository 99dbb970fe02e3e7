"""A demo need sent to several offers, with three answers: Aarhus Kommune looks for a place for
a young adult (20) with autism and self-harming behaviour, and sends one anonymised need to
four residential offers: the nearest two for the group with a place free (the nearest whose
price list takes special arrangements, and the nearest other), Ungehuset Kompasset and Bostedet
Tranehøj. The first answers with a special arrangement priced from its costs, the second with
its base price, Kompasset declines for lack of capacity; Tranehøj (Region Nordjylland) has not
answered yet.

Every date is relative to the day of seeding: the place is wanted from two weeks on, and the
answers are due in the most a need allows (two weeks), so the buyer can pick for four weeks.
Seeding again adds nothing.
"""

from __future__ import annotations

import datetime
import uuid
from dataclasses import dataclass
from decimal import Decimal

from marketplace.contracts import needs
from marketplace.contracts.models import (
    DeclineReason,
    PlacementNeedCreate,
    PlacementProposal,
    PlacementRequestDecline,
)
from marketplace.contracts.tables import PlacementNeed
from marketplace.core.clock import today
from marketplace.core.identity import SYSTEM, Principal, Role
from marketplace.core.pagination import PageRequest
from marketplace.offers import pricing
from marketplace.offers import service as offers
from marketplace.offers.models import OfferView
from marketplace.offers.tables import Offer
from marketplace.offers.taxonomy import target_group_records
from marketplace.offers.validity import in_force
from marketplace.search.models import SearchCriteria
from marketplace.search.service import search_offers

DEMO_SUBJECT = "demo:behov"  # marks the demo need
AARHUS = Principal(subject=DEMO_SUBJECT, org_code="751", role=Role.PURCHASER)
NAMED = ("Bostedet Tranehøj", "Ungehuset Kompasset")
MESSAGE = (
    "Ung mand på 20 år med autisme og selvskadende adfærd, udskrives fra psykiatrien. Har "
    "brug for døgndækning, faste rammer og tæt samarbejde med psykiatrien. (Demodata)"
)
COSTS = {
    "staff": [
        {"role": "Pædagog, 1:1 i dagtimerne", "hours_per_week": "56", "hourly_rate": "355"},
        {"role": "Vågen nattevagt", "hours_per_week": "70", "hourly_rate": "390"},
    ],
    "other_costs_per_day": "250",
    "overhead_percent": "4",
}


def _group(label: str) -> str:
    return next(r.code for r in target_group_records() if r.label_da == label)


def _provider(org: str) -> Principal:
    return Principal(subject="demo:provider", org_code=org, role=Role.PROVIDER_ADMIN)


@dataclass(frozen=True)
class _Sent:
    """The offers the demo need goes to: the two named, and two that answer with terms."""

    named: dict[str, OfferView]
    special: OfferView  # the nearest whose price list takes special arrangements
    level: OfferView  # the nearest other


async def _takes_special(offer_ids: list[uuid.UUID], day: datetime.date) -> set[uuid.UUID]:
    versions = await pricing.price_lists_by_offer(offer_ids, day.year)
    return {
        offer_id
        for offer_id, found in versions.items()
        if (current := in_force(found, day)) is not None and current.accepts_special_arrangements
    }


async def _offers(start: datetime.date) -> _Sent | None:
    """The named offers, and the nearest offers for the group with a place free that answer:
    the nearest that takes special arrangements, and the nearest other."""
    rows = (
        await Offer.select(Offer.id).where(Offer.name.is_in(list(NAMED))).output(as_list=True).run()
    )
    named = {o.name: o for o in (await offers.offers_by_id(SYSTEM, rows)).values()}
    nearest = await search_offers(
        Principal.anonymous(),
        SearchCriteria.model_validate(
            {
                "any_target_groups": [_group("Autismespektrum")],
                "categories": ["residential"],
                "age": 20,
                "free_places": True,
                "near": {"municipality_code": "751"},
            }
        ),
        PageRequest(first=30),
    )
    candidates = [hit.offer for hit in nearest.hits if hit.offer.name not in NAMED]
    special = await _takes_special([o.id for o in candidates], start)
    first = next((o for o in candidates if o.id in special), None)
    other = next((o for o in candidates if first is not None and o.id != first.id), None)
    if len(named) < len(NAMED) or first is None or other is None:
        return None
    return _Sent(named, first, other)


async def seed_demo_needs() -> int:
    """Add the demo need unless it is there; return how many needs it added."""
    if await PlacementNeed.exists().where(PlacementNeed.created_by == DEMO_SUBJECT).run():
        return 0
    start = today() + datetime.timedelta(days=14)
    sent = await _offers(start)
    if sent is None:
        return 0
    tranehoj, kompasset = (sent.named[name] for name in NAMED)
    need = await needs.create_need(
        AARHUS,
        PlacementNeedCreate(
            target_groups=[_group("Autismespektrum"), _group("Selvskadende adfærd")],
            age=20,
            desired_start=start,
            max_price_per_day=Decimal("9500"),
            message=MESSAGE,
            offer_ids=[sent.special.id, sent.level.id, kompasset.id, tranehoj.id],
        ),
    )
    answers = {a.offer_id: a.id for a in (await needs.answers_by_need(AARHUS, [need.id]))[need.id]}
    await needs.propose(
        _provider(sent.special.provider_org_code),
        answers[sent.special.id],
        PlacementProposal.model_validate(
            {
                "special_arrangement": COSTS,
                "review_on": start + datetime.timedelta(days=91),
                "message": "Særforanstaltning: 1:1 i dagtimerne og vågen nattevagt.",
            }
        ),
    )
    await needs.propose(
        _provider(sent.level.provider_org_code),
        answers[sent.level.id],
        PlacementProposal(message="Plads fra den ønskede dato til grundtaksten."),
    )
    await needs.decline(
        _provider(kompasset.provider_org_code),
        answers[kompasset.id],
        PlacementRequestDecline(reason=DeclineReason.NO_CAPACITY, text="Alle pladser er optaget."),
    )
    return 1
