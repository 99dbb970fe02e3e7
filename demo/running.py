"""Demo placements after signing: Rebild Kommune's case load of support in one's own home (SEL
§ 85), as its 2020 review looked at it (seed 003: the longest support, over 5 years; the most
hours a week; 1 hour a week for more than a year), with notice, follow-up and renegotiation.

Rebild (840) buys at one North Jutland support offer priced per hour (``REBILD-85-1`` to
``-6``, begun from three months to seven years before the seeding day, 1 to 12 hours a week)
and at one North Jutland residential offer (``REBILD-BO-1``):

- ``REBILD-85-6`` has notice given on the seeding day by the agreement's rule for § 85: to the
  end of the month after one month (the rest of the month plus 1 month);
- ``REBILD-BO-1`` has 90 days' notice, counted from a later day chosen so that the last day
  is the 15th of a month (a notice ending mid-month, for the README's billing example);
- ``REBILD-85-3`` (12 hours a week) has a follow-up held 14 days before the seeding day (the
  request's follow-up date), with its outcome, notes and next date in 76 days, and a
  renegotiation date in 30 days.

Each contract takes the place of one its provider had declared in use, so no offer's free
places change; the ones begun earlier are dated back as time would have passed. Seeding
again adds nothing.
"""

from __future__ import annotations

import datetime
import uuid
from dataclasses import dataclass
from decimal import Decimal

from piccolo.columns.combination import Combinable

from marketplace.contracts import followups, requests
from marketplace.contracts import service as contracts
from marketplace.contracts.models import (
    ContractDateAdd,
    ContractDateKind,
    FollowUpOutcome,
    FollowUpRecord,
    PlacementRequestAccept,
    PlacementRequestCreate,
)
from marketplace.contracts.tables import Contract, ContractDate, ContractTerm, PlacementRequest
from marketplace.core.clock import today
from marketplace.core.identity import Principal, Role
from marketplace.offers.models import OfferStatus, UniqueOfferStatus
from marketplace.offers.tables import Offer, OfferLegalBasis, PriceList
from marketplace.offers.taxonomy import LegalBasis
from marketplace.organisations.tables import OwnerType
from marketplace.search import index as search_index

REBILD = "840"
NORTH = "1081"
PREFIX = "REBILD-"
DAY = datetime.timedelta(days=1)
BUYER = Principal(subject="demo:rebild-bostoette", org_code=REBILD, role=Role.PURCHASER)
FOLLOW_UP_NOTES = (
    "Opfølgning med borger og bostøtte: målene om struktur i hverdagen er delvist nået. "
    "Timetallet vurderes nedsat fra 12 til 8 timer om ugen; ændring foreslås leverandøren. "
    "Demodata."
)


@dataclass(frozen=True)
class _Case:
    ref: str
    began_days_ago: int
    hours_per_month: Decimal | None  # None: the residential placement


CASES = [
    _Case("REBILD-85-1", 7 * 365 + 40, Decimal("4.33")),  # 1 hour a week, over 7 years
    _Case("REBILD-85-2", 5 * 365 + 200, Decimal("8.67")),  # 2 hours a week, over 5 years
    _Case("REBILD-85-3", 3 * 365 + 10, Decimal("52")),  # 12 hours a week: the most
    _Case("REBILD-85-4", 430, Decimal("4.33")),  # 1 hour a week, more than a year
    _Case("REBILD-85-5", 95, Decimal("4.33")),  # 1 hour a week, three months
    _Case("REBILD-85-6", 2 * 365, Decimal("21.67")),  # 5 hours a week; notice to a month's end
    _Case("REBILD-BO-1", 200, None),  # residential; 90 days' notice ending mid-month
]
FOLLOW_UP_CASE = "REBILD-85-3"
MONTH_END_CASE = "REBILD-85-6"
MID_MONTH_CASE = "REBILD-BO-1"


async def _offer(basis: str, category: str, unit: str) -> tuple[uuid.UUID, str]:
    """The first published North Jutland offer (by name) of a municipality or the region (so
    the agreement's rules apply) under ``basis`` priced per ``unit`` this year, with enough
    places declared in use to take Rebild's cases: its ID and provider."""
    priced = PriceList.select(PriceList.offer).where(
        (PriceList.unit == unit) & (PriceList.year == today().year)
    )
    under = OfferLegalBasis.select(OfferLegalBasis.offer).where(
        OfferLegalBasis.legal_basis == basis
    )
    where: Combinable = (
        (Offer.status == OfferStatus.PUBLISHED.value)
        & (Offer.category == category)
        & (Offer.age_segment == "adults")
        & (Offer.unique_status == UniqueOfferStatus.NONE.value)
        & (Offer.municipality._.region == NORTH)
        & (Offer.provider._.owner_type != OwnerType.PRIVATE.value)
        & (Offer.occupied_places >= len(CASES))
        & Offer.id.is_in(priced)
        & Offer.id.is_in(under)
    )
    row = (
        await Offer.select(Offer.id, Offer.provider._.org_code.as_alias("org"))
        .where(where)
        .order_by(Offer.name_key, Offer.provider._.org_code, Offer.id)
        .first()
        .run()
    )
    assert row is not None, f"no North Jutland {category} offer under {basis} in the demo"
    return row["id"], row["org"]


async def _began(contract_id: uuid.UUID, request_id: uuid.UUID, days: int) -> None:
    """Date a contract (its first term and its request) back ``days`` days."""
    began = today() - days * DAY
    await Contract.update({Contract.start_date: began}).where(Contract.id == contract_id).run()
    await (
        ContractTerm.update({ContractTerm.valid_from: began})
        .where(ContractTerm.contract == contract_id)
        .run()
    )
    await (
        PlacementRequest.update({PlacementRequest.desired_start: began})
        .where(PlacementRequest.id == request_id)
        .run()
    )


async def _contract(case: _Case, offer: tuple[uuid.UUID, str]) -> uuid.UUID:
    """The case's contract, in place of a place its provider had declared in use."""
    offer_id, org = offer
    await (
        Offer.update({Offer.occupied_places: Offer.occupied_places - 1})
        .where(Offer.id == offer_id)
        .run()
    )
    follow_up = today() + 30 * DAY if case.ref == FOLLOW_UP_CASE else None
    request = await requests.create_request(
        BUYER,
        PlacementRequestCreate(
            offer_id=offer_id,
            citizen_ref=case.ref,
            legal_basis=LegalBasis.SEL_85 if case.hours_per_month is not None else None,
            desired_start=today(),
            hours_per_month=case.hours_per_month,
            follow_up_on=follow_up,
            message="Demodata.",
        ),
    )
    provider = Principal(subject="demo:provider", org_code=org, role=Role.PROVIDER_ADMIN)
    contract = await requests.accept_request(provider, request.id, PlacementRequestAccept())
    await _began(contract.id, request.id, case.began_days_ago)
    return contract.id


def _mid_month_effective(days: int) -> datetime.date:
    """A day from which ``days`` days' notice ends on the 15th of a month (two to three
    months on)."""
    last = (today() + (days + 31) * DAY).replace(day=15)
    return last - days * DAY


async def _notice(ref: str, contract_id: uuid.UUID) -> None:
    if ref == MONTH_END_CASE:
        await contracts.give_notice(
            BUYER, contract_id, "Borgeren flytter til en anden kommune. Demodata."
        )
    elif ref == MID_MONTH_CASE:
        found = await contracts.get_contract(BUYER, contract_id)
        assert found is not None
        effective = _mid_month_effective(found.notice_days)
        await contracts.give_notice(
            BUYER, contract_id, "Borgeren flytter i egen bolig med bostøtte. Demodata.", effective
        )


async def _follow_up(contract_id: uuid.UUID) -> None:
    """The request's follow-up date, held 14 days ago, with its outcome and next date; and a
    renegotiation date."""
    held = today() - 14 * DAY
    await (
        ContractDate.update({ContractDate.due_on: held})
        .where(ContractDate.contract == contract_id)
        .run()
    )
    await followups.record_follow_up(
        BUYER,
        contract_id,
        FollowUpRecord(
            held_on=held,
            outcome=FollowUpOutcome.ADJUST,
            notes=FOLLOW_UP_NOTES,
            next_on=held + 90 * DAY,
        ),
    )
    await followups.add_date(
        BUYER,
        contract_id,
        ContractDateAdd(
            kind=ContractDateKind.RENEGOTIATION,
            due_on=today() + 30 * DAY,
            note="Genforhandling af timetal og takst. Demodata.",
        ),
    )


async def seed_demo_running() -> int:
    """Add Rebild's demo case load unless it is there; return how many contracts it made."""
    if await Contract.exists().where(Contract.citizen_ref.like(f"{PREFIX}%")).run():
        return 0
    support = await _offer("SEL-85", "outpatient", "per_hour")
    residential = await _offer("SEL-108", "residential", "per_day")
    for case in CASES:
        offer = support if case.hours_per_month is not None else residential
        contract_id = await _contract(case, offer)
        await _notice(case.ref, contract_id)
        if case.ref == FOLLOW_UP_CASE:
            await _follow_up(contract_id)
    await search_index.refresh(sorted({support[0], residential[0]}), today(), text=False)
    return len(CASES)
