"""Demo refund claims between municipalities (mellemkommunal refusion, retssikkerhedsloven
§ 9 c), on three demo contracts that began four months before the seeding day:

- Aarhus (751) claims from Randers (730), which helped the citizen into a residential offer
  (§ 9 c, stk. 2, nr. 1); Randers has not answered yet;
- Aalborg (851) claims from Hjørring (860) under stk. 2, nr. 5; Hjørring disputes it, so the
  dispute goes to Ankestyrelsen and Aalborg keeps paying;
- Aarhus has a third contract with no claim, for the README's walk-through (a claim against
  Silkeborg, 740).

Each contract takes the place of one the provider had declared in use (so no offer's free
places change), at adults' long-term residential offers (SEL § 108, priced per day) in the
buyer's region, none of them unique and none for the target groups the README's search and
gap examples count. The case references are ``REFUSION-DEMO-1`` to ``-3``; seeding twice adds
nothing.
"""

from __future__ import annotations

import datetime
import uuid
from dataclasses import dataclass

from marketplace.contracts import refunds, requests
from marketplace.contracts.models import (
    PlacementRequestAccept,
    PlacementRequestCreate,
    RefundClaimCreate,
    RefundParagraph,
)
from marketplace.contracts.tables import Contract, ContractTerm, PlacementRequest
from marketplace.core.clock import today
from marketplace.core.identity import Principal, Role
from marketplace.offers.models import OfferStatus, UniqueOfferStatus
from marketplace.offers.tables import Offer, OfferLegalBasis, OfferTargetGroup, PriceList
from marketplace.offers.taxonomy import target_group_records
from marketplace.search import index as search_index

PREFIX = "REFUSION-DEMO-"
BEGAN_DAYS_AGO = 120
# Offers for these groups make the README's search and gap figures; the demo leaves them be.
OTHER_EXAMPLES = (
    "Autismespektrum",
    "Selvskadende adfærd",
    "Stofmisbrug",
    "Alkoholmisbrug",
    "Spiseforstyrrelse",
)


@dataclass(frozen=True)
class _Claim:
    debtor: str
    paragraph: RefundParagraph
    note: str
    dispute: str | None = None  # the debtor's reason, when it disputes


@dataclass(frozen=True)
class _Case:
    number: int
    buyer: str
    region: str
    claim: _Claim | None


CASES = [
    _Case(
        1,
        "751",
        "1082",
        _Claim(
            "730",
            RefundParagraph.STK2_NR1,
            "Randers Kommune visiterede borgeren til botilbuddet, før borgeren tog ophold i "
            "Aarhus Kommune. Demodata.",
        ),
    ),
    _Case(
        2,
        "851",
        "1081",
        _Claim(
            "860",
            RefundParagraph.STK2_NR5,
            "Hjørring Kommune anviste den bolig, der sidestilles med et botilbud. Demodata.",
            dispute=(
                "Hjørring Kommune har ikke medvirket til opholdet: borgeren flyttede selv til "
                "Aalborg. Sagen forelægges Ankestyrelsen. Demodata."
            ),
        ),
    ),
    _Case(3, "751", "1082", None),
]


def _purchaser(code: str) -> Principal:
    return Principal(subject="demo:visitation", org_code=code, role=Role.PURCHASER)


async def _offers(region: str) -> list[dict[str, object]]:
    """The region's published long-term residential offers for adults (SEL § 108), priced per
    day this year, with a place declared in use, by name (see the module's docstring)."""
    groups = [r.code for r in target_group_records() if r.label_da in OTHER_EXAMPLES]
    per_day = PriceList.select(PriceList.offer).where(
        (PriceList.unit == "per_day") & (PriceList.year == today().year)
    )
    long_term = OfferLegalBasis.select(OfferLegalBasis.offer).where(
        OfferLegalBasis.legal_basis == "SEL-108"
    )
    examples = OfferTargetGroup.select(OfferTargetGroup.offer).where(
        OfferTargetGroup.target_group.is_in(groups)
    )
    rows: list[dict[str, object]] = (
        await Offer.select(
            Offer.id, Offer.occupied_places, Offer.provider._.org_code.as_alias("org")
        )
        .where(
            (Offer.status == OfferStatus.PUBLISHED.value)
            & (Offer.category == "residential")
            & (Offer.age_segment == "adults")
            & (Offer.unique_status == UniqueOfferStatus.NONE.value)
            & (Offer.municipality._.region == region)
            & (Offer.occupied_places >= 1)
            & Offer.id.is_in(per_day)
            & Offer.id.is_in(long_term)
            & Offer.id.not_in(examples)
        )
        .order_by(Offer.name_key, Offer.id)
        .run()
    )
    return rows


async def _contract(case: _Case, offer: dict[str, object]) -> uuid.UUID:
    """The case's contract, in place of a place the provider had declared in use, begun
    ``BEGAN_DAYS_AGO`` days ago."""
    offer_id = offer["id"]
    assert isinstance(offer_id, uuid.UUID)
    await (
        Offer.update({Offer.occupied_places: Offer.occupied_places - 1})
        .where(Offer.id == offer_id)
        .run()
    )
    day = today()
    request = await requests.create_request(
        _purchaser(case.buyer),
        PlacementRequestCreate(
            offer_id=offer_id, citizen_ref=f"{PREFIX}{case.number}", desired_start=day
        ),
    )
    provider = Principal(
        subject="demo:provider", org_code=str(offer["org"]), role=Role.PROVIDER_ADMIN
    )
    contract = await requests.accept_request(provider, request.id, PlacementRequestAccept())
    began = day - datetime.timedelta(days=BEGAN_DAYS_AGO)
    await Contract.update({Contract.start_date: began}).where(Contract.id == contract.id).run()
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
    return contract.id


async def _claim(case: _Case, contract_id: uuid.UUID) -> None:
    if case.claim is None:
        return
    buyer = _purchaser(case.buyer)
    made = await refunds.create_claim(
        buyer,
        contract_id,
        RefundClaimCreate(
            debtor_code=case.claim.debtor, paragraph=case.claim.paragraph, note=case.claim.note
        ),
    )
    if case.claim.dispute is not None:
        await refunds.dispute_claim(_purchaser(case.claim.debtor), made.id, case.claim.dispute)


async def seed_demo_refunds() -> int:
    """Add the demo refund claims and their contracts unless they are there; return how many
    contracts it made."""
    if await Contract.exists().where(Contract.citizen_ref.like(f"{PREFIX}%")).run():
        return 0
    touched: set[uuid.UUID] = set()
    taken: dict[str, int] = {}
    for case in CASES:
        candidates = await _offers(case.region)
        offer = candidates[taken.get(case.region, 0) % len(candidates)]
        taken[case.region] = taken.get(case.region, 0) + 1
        contract_id = await _contract(case, offer)
        await _claim(case, contract_id)
        touched.add(offer["id"])  # type: ignore[arg-type]
    await search_index.refresh(sorted(touched), today(), text=False)
    return len(CASES)
