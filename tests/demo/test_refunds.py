"""The demo refund claims: one waiting for an answer, one disputed, on demo contracts between
real municipalities, and a contract left for the README's walk-through; no offer's free places
change, and seeding twice adds nothing."""

from __future__ import annotations

import datetime
from typing import Any

from demo.offers import seed_demo_offers
from demo.providers import seed_demo_providers
from demo.refunds import BEGAN_DAYS_AGO, seed_demo_refunds
from marketplace.contracts import billing, capacity, refunds
from marketplace.contracts.models import RefundClaimStatus, RefundParagraph, RefundRole
from marketplace.contracts.refund_statement import refund_statement
from marketplace.contracts.tables import Contract
from marketplace.core.clock import today
from marketplace.core.identity import Principal, Role
from marketplace.core.pagination import PageRequest
from marketplace.offers.tables import Offer


def _purchaser(code: str) -> Principal:
    return Principal(subject=f"test:{code}", org_code=code, role=Role.PURCHASER)


async def _free_today() -> dict[Any, int]:
    """Each offer's free places today: its places, less those declared in use and those under
    contract."""
    rows = await Offer.select(Offer.id, Offer.capacity_places, Offer.occupied_places).run()
    contracted = await capacity.contracted_on([r["id"] for r in rows], today())
    return {
        r["id"]: r["capacity_places"] - r["occupied_places"] - contracted[r["id"]] for r in rows
    }


async def test_the_demo_refund_claims() -> None:
    await seed_demo_providers()
    await seed_demo_offers()
    declared = {
        r["id"]: r["occupied_places"]
        for r in await Offer.select(Offer.id, Offer.occupied_places).run()
    }
    free = await _free_today()
    assert await seed_demo_refunds() == 3
    assert await seed_demo_refunds() == 0  # idempotent
    contracts = await Contract.select().where(Contract.citizen_ref.like("REFUSION-DEMO-%")).run()
    assert sorted((c["citizen_ref"], c["buyer"]) for c in contracts) == [
        ("REFUSION-DEMO-1", "751"),
        ("REFUSION-DEMO-2", "851"),
        ("REFUSION-DEMO-3", "751"),
    ]
    began = today() - datetime.timedelta(days=BEGAN_DAYS_AGO)
    assert {c["start_date"] for c in contracts} == {began}
    for contract in contracts:  # each took the place of one declared in use
        offer = (
            await Offer.select(Offer.occupied_places)
            .where(Offer.id == contract["offer"])
            .first()
            .run()
        )
        assert offer is not None and offer["occupied_places"] < declared[contract["offer"]]
    assert await _free_today() == free  # no offer's free places change

    [waiting] = (
        await refunds.list_claims(_purchaser("730"), PageRequest(), role=RefundRole.DEBTOR)
    ).items
    assert (waiting.claimant, waiting.status, waiting.paragraph) == (
        "751",
        RefundClaimStatus.CLAIMED,
        RefundParagraph.STK2_NR1,
    )
    assert waiting.citizen_ref == "REFUSION-DEMO-1" and waiting.from_day == began
    [disputed] = (
        await refunds.list_claims(
            _purchaser("851"), PageRequest(), status=RefundClaimStatus.DISPUTED
        )
    ).items
    assert (disputed.debtor, disputed.answered_by) == ("860", "demo:visitation")
    assert "Ankestyrelsen" in disputed.answer_reason
    assert (await refunds.list_claims(_purchaser("740"), PageRequest())).total_count == 0
    third = next(c for c in contracts if c["citizen_ref"] == "REFUSION-DEMO-3")
    assert await refunds.claims_by_contract(_purchaser("751"), [third["id"]]) == {}

    # the buyers pay; nothing is refunded until a claim is accepted
    month = today().replace(day=1)
    aarhus = await billing.billing_statement(_purchaser("751"), month, municipality_code="751")
    assert {line.citizen_ref for line in aarhus.lines} >= {"REFUSION-DEMO-1", "REFUSION-DEMO-3"}
    assert (await refund_statement(_purchaser("730"), month, "751", "730")).lines == []
