"""Demo market activity, so the gap analysis shows real gaps: contracts (backdated, bought from
inside and outside the offers' regions, in place of places the providers had declared in
use), demand forecasts, searches that found little, and requests declined for capacity.

Two gaps are made on purpose:
- North Jutland lacks residential treatment for pregnant women with harmful substance use:
  its municipalities forecast places, search in vain and are declined elsewhere;
- Zealand's eating-disorder offers are under-occupied, below the agreement's band for months.

Everything is deterministic and marked (case references ``DEMO-...``); seeding twice adds
nothing.
"""

from __future__ import annotations

import datetime
import random
import uuid
from collections.abc import Callable

from agreements.announcements.models import ForecastSet
from agreements.gaps import service as gaps
from marketplace.contracts import capacity, requests
from marketplace.contracts.models import (
    DeclineReason,
    PlacementRequestAccept,
    PlacementRequestCreate,
    PlacementRequestDecline,
)
from marketplace.contracts.tables import Contract, ContractTerm, PlacementRequest
from marketplace.core.clock import today, utcnow
from marketplace.core.identity import SYSTEM, Principal, Role
from marketplace.offers.models import OfferStatus
from marketplace.offers.tables import Offer, OfferTargetGroup, PriceList
from marketplace.offers.taxonomy import target_group_records
from marketplace.organisations.reference import municipality_records
from marketplace.search import index as search_index
from marketplace.search.service import record_search

CONTRACT_EVERY = 6  # every sixth offer with places in use gets contracts
NORTH, ZEALAND = "1081", "1085"


def _purchaser(code: str) -> Principal:
    return Principal(subject="demo:visitation", org_code=code, role=Role.PURCHASER)


def _provider(org: str) -> Principal:
    return Principal(subject="demo:provider", org_code=org, role=Role.PROVIDER_ADMIN)


def _group(label: str) -> str:
    return next(r.code for r in target_group_records() if r.label_da == label)


async def _contracts(rng: random.Random, on_each: Callable[[], None]) -> set[uuid.UUID]:
    """Turn some declared places into contracts that began months ago."""
    day = today()
    municipalities = municipality_records()
    per_day = PriceList.select(PriceList.offer).where(
        (PriceList.unit == "per_day") & (PriceList.year == day.year)
    )
    rows = (
        await Offer.select(
            Offer.id,
            Offer.occupied_places,
            Offer.provider._.org_code.as_alias("org"),
            Offer.municipality._.region.as_alias("region"),
        )
        .where(
            (Offer.status == OfferStatus.PUBLISHED.value)
            & (Offer.occupied_places >= 2)
            & Offer.id.is_in(per_day)
        )
        .order_by(Offer.id)
        .run()
    )
    touched: set[uuid.UUID] = set()
    for number, row in enumerate(rows[::CONTRACT_EVERY]):
        count = rng.randint(1, min(3, row["occupied_places"]))
        await (
            Offer.update({Offer.occupied_places: row["occupied_places"] - count})
            .where(Offer.id == row["id"])
            .run()
        )
        for i in range(count):
            inside = rng.random() < 0.7
            buyers = [m.code for m in municipalities if (m.region_code == row["region"]) == inside]
            buyer = rng.choice(buyers)
            request = await requests.create_request(
                _purchaser(buyer),
                PlacementRequestCreate(
                    offer_id=row["id"], citizen_ref=f"DEMO-{number}-{i}", desired_start=day
                ),
            )
            contract = await requests.accept_request(
                _provider(row["org"]), request.id, PlacementRequestAccept()
            )
            began = day - datetime.timedelta(days=rng.randint(60, 700))
            await (
                Contract.update({Contract.start_date: began})
                .where(Contract.id == contract.id)
                .run()
            )
            await (
                ContractTerm.update({ContractTerm.valid_from: began})
                .where(ContractTerm.contract == contract.id)
                .run()
            )
            await (
                PlacementRequest.update({PlacementRequest.desired_start: began})
                .where(PlacementRequest.id == request.id)
                .run()
            )
        touched.add(row["id"])
        on_each()
    return touched


async def _places(region: str, group: str) -> tuple[int, int]:
    """The places of the region's published offers for a group, and those in use."""
    rows = (
        await Offer.select(Offer.id, Offer.capacity_places, Offer.occupied_places)
        .where(
            (Offer.status == OfferStatus.PUBLISHED.value)
            & (Offer.municipality._.region == region)
            & Offer.id.is_in(
                OfferTargetGroup.select(OfferTargetGroup.offer).where(
                    OfferTargetGroup.target_group == group
                )
            )
        )
        .run()
    )
    contracted = await capacity.contracted_on([r["id"] for r in rows], today())
    in_use = sum(r["occupied_places"] + contracted[r["id"]] for r in rows)
    return sum(r["capacity_places"] for r in rows), in_use


async def _spread(region: str, group: str, total: int, note: str) -> None:
    """Forecasts that add up to ``total`` over the region's municipalities."""
    municipalities = sorted(m.code for m in municipality_records() if m.region_code == region)
    share, rest = divmod(total, len(municipalities))
    for i, code in enumerate(municipalities):
        places = share + (1 if i < rest else 0)
        if places:
            await gaps.set_forecast(
                SYSTEM,
                ForecastSet(
                    municipality_code=code,
                    target_group=group,
                    year=today().year,
                    places=places,
                    note=note,
                ),
            )


async def _north_lacks_treatment_for_pregnant_women(rng: random.Random) -> None:
    drugs, alcohol = _group("Stofmisbrug"), _group("Alkoholmisbrug")
    north = sorted(m.code for m in municipality_records() if m.region_code == NORTH)
    places, _ = await _places(NORTH, drugs)
    await _spread(NORTH, drugs, places + 12, "Demodata: flere gravide med skadeligt rusmiddelbrug.")
    for i in range(9):  # searches that found nothing, or one offer
        await record_search(
            rng.choice(north),
            {"any_target_groups": [drugs, alcohol], "categories": ["residential"]},
            i % 2 == 0,
            0 if i < 6 else 1,
            utcnow() - datetime.timedelta(days=rng.randint(3, 200)),
        )
    elsewhere = (
        await Offer.select(Offer.id, Offer.provider._.org_code.as_alias("org"))
        .where(
            (Offer.status == OfferStatus.PUBLISHED.value)
            & (Offer.takes_acute == True)  # noqa: E712 - a column, not a truth value
            & Offer.id.is_in(
                OfferTargetGroup.select(OfferTargetGroup.offer).where(
                    OfferTargetGroup.target_group == drugs
                )
            )
            & (Offer.municipality._.region != NORTH)
        )
        .order_by(Offer.id)
        .limit(3)
        .run()
    )
    for i, offer in enumerate(elsewhere):
        request = await requests.create_request(
            _purchaser(north[i % len(north)]),
            PlacementRequestCreate(
                offer_id=offer["id"],
                citizen_ref=f"DEMO-GRAVID-{i}",
                desired_start=today() + datetime.timedelta(days=14),
                urgency="acute",
            ),
        )
        await requests.decline_request(
            _provider(offer["org"]),
            request.id,
            PlacementRequestDecline(reason=DeclineReason.NO_CAPACITY),
        )


async def _zealand_eating_disorder_offers_are_half_empty() -> set[uuid.UUID]:
    eating = _group("Spiseforstyrrelse")
    rows = (
        await Offer.select(Offer.id, Offer.capacity_places)
        .where(
            (Offer.status == OfferStatus.PUBLISHED.value)
            & Offer.id.is_in(
                OfferTargetGroup.select(OfferTargetGroup.offer).where(
                    OfferTargetGroup.target_group == eating
                )
            )
            & (Offer.municipality._.region == ZEALAND)
            & Offer.id.not_in(Contract.select(Contract.offer))
        )
        .order_by(Offer.id)
        .limit(3)
        .run()
    )
    for row in rows:
        await (
            Offer.update({Offer.occupied_places: row["capacity_places"] * 2 // 5})
            .where(Offer.id == row["id"])
            .run()
        )
    return {row["id"] for row in rows}


async def _forecasts() -> None:
    """Autism forecasts close to the places in use, in every region."""
    autism = _group("Autismespektrum")
    for region in (ZEALAND, "1082", "1083", "1084"):
        _, in_use = await _places(region, autism)
        await _spread(region, autism, in_use + in_use // 20, "Demodata.")


async def seed_demo_activity(on_each: Callable[[], None] | None = None) -> int:
    """Add the demo market activity unless it is there; return how many contracts it made."""
    if await Contract.exists().where(Contract.citizen_ref.like("DEMO-%")).run():
        return 0
    rng = random.Random("socialmarked-demo-activity")
    touched = await _contracts(rng, on_each or (lambda: None))
    await _north_lacks_treatment_for_pregnant_women(rng)
    touched |= await _zealand_eating_disorder_offers_are_half_empty()
    await _forecasts()
    await search_index.refresh(sorted(touched), today(), text=False)
    return await Contract.count().where(Contract.citizen_ref.like("DEMO-%")).run()
