"""Helpers for hourly services and invoices: an hourly support offer (SEL § 85) of Aalborg
Kommune priced by tiers, contracts moved back to a day in the past (contracts are made from
today on; an invoice is for a period that is over), and a VAT-inclusive offer of the private
provider."""

from __future__ import annotations

import datetime
import uuid
from decimal import Decimal
from typing import Any

from marketplace.contracts.models import ContractView
from marketplace.contracts.tables import Contract, ContractTerm, PlacementRequest
from marketplace.core.clock import today
from marketplace.core.identity import Principal
from marketplace.offers import pricing
from marketplace.offers import service as offers
from marketplace.offers.models import OfferStatus
from tests.factories import offer_content, price_list
from tests.marketplace.contracts.world import (
    AALBORG_PROVIDER_ADMIN,
    AARHUS,
    ENGLY_ADMIN,
    Market,
    contract_for,
)

# Randers' support model (seed 002) has tiers, from advice to intensive support; the price
# list's levels name them, priced per hour.
TIERS = {
    "Trin 1: råd og vejledning": Decimal("450"),
    "Trin 2: mestringsvejledning": Decimal("525.50"),
    "Trin 3: intensiv støtte": Decimal("640"),
}
TIER_2 = "Trin 2: mestringsvejledning"


def hourly_prices(year: int) -> Any:
    return price_list(
        year,
        unit="per_hour",
        base_price=TIERS["Trin 1: råd og vejledning"],
        levels=[
            {"name": name, "covers": f"{name} i borgerens eget hjem", "price": price}
            for name, price in TIERS.items()
        ],
        add_ons=[],
    )


async def hourly_offer(market: Market, owner: Principal = AALBORG_PROVIDER_ADMIN) -> uuid.UUID:
    """Aalborg Kommune's socialpædagogisk støtte in one's own home (SEL § 85), per hour."""
    offer = await offers.create_offer(
        owner,
        market.aalborg_provider_id,
        offer_content(
            name="Bostøtten Aalborg",
            description=(
                "Socialpædagogisk støtte i eget hjem efter servicelovens § 85, i tre trin fra "
                "råd og vejledning til intensiv støtte."
            ),
            category="outpatient",
            legal_bases=["SEL-85"],
            service_types=["socialpaedagogisk_stoette"],
            municipality_code="851",
            city="Aalborg",
            postal_code="9000",
            approved_places=40,
            capacity_places=40,
            occupied_places=0,
        ),
    )
    await pricing.publish_price_list(owner, offer.id, hourly_prices(today().year))
    await offers.change_status(owner, offer.id, OfferStatus.PUBLISHED, "Klar til salg")
    return offer.id


async def vat_offer(market: Market) -> uuid.UUID:
    """A residential offer of the private provider whose prices include VAT (25%)."""
    offer = await offers.create_offer(
        ENGLY_ADMIN,
        market.provider_id,
        offer_content(name="Botilbuddet Engly Moms", occupied_places=0),
    )
    await pricing.publish_price_list(
        ENGLY_ADMIN, offer.id, price_list(today().year, vat_included=True)
    )
    await offers.change_status(ENGLY_ADMIN, offer.id, OfferStatus.PUBLISHED, "Klar til salg")
    return offer.id


async def backdate(contract: ContractView, start: datetime.date) -> ContractView:
    """The contract as if it had begun on ``start`` (its one term with it), keeping its
    price."""
    await Contract.update({Contract.start_date: start}).where(Contract.id == contract.id).run()
    await (
        ContractTerm.update({ContractTerm.valid_from: start})
        .where(ContractTerm.contract == contract.id)
        .run()
    )
    await (
        PlacementRequest.update({PlacementRequest.desired_start: start})
        .where(PlacementRequest.id == contract.request_id)
        .run()
    )
    return contract


async def hourly_contract(
    offer_id: uuid.UUID,
    start: datetime.date,
    *,
    buyer: Principal = AARHUS,
    citizen_ref: str = "SAG-BOSTØTTE-1",
    **hours: Any,
) -> ContractView:
    """A contract of Aarhus at the hourly offer at tier 2 (4 hours a week unless ``hours``
    say otherwise), begun on ``start``."""
    asked = hours or {"hours_per_week": "4"}
    contract = await contract_for(
        offer_id,
        AALBORG_PROVIDER_ADMIN,
        buyer,
        citizen_ref=citizen_ref,
        price_level=TIER_2,
        add_ons=[],
        cpr=None,
        **asked,
    )
    return await backdate(contract, start)
