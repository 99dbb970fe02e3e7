"""Helpers for a small market to contract in: a private provider's residential offer with two free places
and price lists for this year and the next, a municipal provider, and the callers."""

from __future__ import annotations

import datetime
import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from marketplace.contracts import requests
from marketplace.contracts.models import (
    ContractView,
    PlacementRequestAccept,
    PlacementRequestCreate,
    RequestView,
)
from marketplace.core.clock import today
from marketplace.core.identity import Principal, Role
from marketplace.offers import pricing
from marketplace.offers import service as offers
from marketplace.offers.models import OfferStatus
from marketplace.organisations import service as organisations
from tests.factories import (
    REGISTRY_ADMIN,
    admin_of,
    municipal_provider,
    offer_content,
    price_list,
    private_provider,
)

AALBORG = Principal(subject="test:aalborg-visitation", org_code="851", role=Role.PURCHASER)
AARHUS = Principal(subject="test:aarhus-visitation", org_code="751", role=Role.PURCHASER)
ENGLY_ADMIN = admin_of("43389424")
AALBORG_PROVIDER_ADMIN = admin_of("851")
STEERING = Principal(subject="test:steering", org_code="1081", role=Role.STEERING)
CPR = "010190-1234"


@dataclass
class Market:
    offer_id: uuid.UUID
    aalborg_offer_id: uuid.UUID
    provider_id: uuid.UUID
    aalborg_provider_id: uuid.UUID
    year: int


def next_year_prices(**overrides: Any) -> Any:
    return price_list(
        today().year + 1,
        base_price=Decimal("2600"),
        levels=[
            {"name": "Niveau 1", "covers": "Støtte i dagtimerne", "price": Decimal("2600")},
            {
                "name": "Niveau 2",
                "covers": "Døgndækning med vågen nattevagt",
                "price": Decimal("4100"),
            },
        ],
        add_ons=[
            {
                "name": "Ekstra 1:1-støtte",
                "description": "Individuel støtte efter aftale med kommunen",
                "unit": "per_hour",
                "price": Decimal("450"),
            }
        ],
        **overrides,
    )


async def publish_offer(owner: Principal, provider_id: uuid.UUID, **content: Any) -> uuid.UUID:
    offer = await offers.create_offer(owner, provider_id, offer_content(**content))
    year = today().year
    await pricing.publish_price_list(
        owner, offer.id, price_list(year, accepts_special_arrangements=True)
    )
    await pricing.publish_price_list(
        owner, offer.id, next_year_prices(accepts_special_arrangements=True)
    )
    await offers.change_status(owner, offer.id, OfferStatus.PUBLISHED, "Klar til salg")
    return offer.id


async def build_market() -> Market:
    private = await organisations.create_provider(REGISTRY_ADMIN, private_provider())
    aalborg = await organisations.create_provider(REGISTRY_ADMIN, municipal_provider())
    offer_id = await publish_offer(ENGLY_ADMIN, private.id)  # 12 places, 10 declared in use
    aalborg_offer = await publish_offer(
        AALBORG_PROVIDER_ADMIN,
        aalborg.id,
        name="Bostedet Birkely",
        municipality_code="851",
        city="Aalborg",
        postal_code="9000",
    )
    return Market(offer_id, aalborg_offer, private.id, aalborg.id, today().year)


def request_command(offer_id: uuid.UUID, **overrides: Any) -> PlacementRequestCreate:
    values: dict[str, Any] = {
        "offer_id": offer_id,
        "citizen_ref": "SAG-2026-0042",
        "cpr": CPR,
        "desired_start": today() + datetime.timedelta(days=7),
        "price_level": "Niveau 2",
        "add_ons": [{"name": "Ekstra 1:1-støtte", "quantity": "10"}],
        "message": "Ung kvinde med autisme; ønsker opstart hurtigst muligt.",
    }
    return PlacementRequestCreate.model_validate({**values, **overrides})


async def request_place(
    offer_id: uuid.UUID, buyer: Principal = AALBORG, **overrides: Any
) -> RequestView:
    return await requests.create_request(buyer, request_command(offer_id, **overrides))


async def contract_for(
    offer_id: uuid.UUID,
    provider_admin: Principal = ENGLY_ADMIN,
    buyer: Principal = AALBORG,
    start: datetime.date | None = None,
    **overrides: Any,
) -> ContractView:
    if start is not None:
        overrides["desired_start"] = start
    request = await request_place(offer_id, buyer, **overrides)
    return await requests.accept_request(provider_admin, request.id, PlacementRequestAccept())


async def publish_hourly_offer(
    owner: Principal, provider_id: uuid.UUID, price: Decimal = Decimal("512"), **content: Any
) -> uuid.UUID:
    """A published support offer in one's own home (SEL § 85), priced per hour this year and
    the next."""
    values: dict[str, Any] = {
        "name": "Bostøtten Engly",
        "category": "outpatient",
        "legal_bases": ["SEL-85"],
        "service_types": ["socialpaedagogisk_stoette"],
        "approved_places": 40,
        "capacity_places": 40,
        "occupied_places": 0,
        **content,
    }
    offer = await offers.create_offer(owner, provider_id, offer_content(**values))
    for year in (today().year, today().year + 1):
        await pricing.publish_price_list(
            owner,
            offer.id,
            price_list(year, unit="per_hour", base_price=price, levels=[], add_ons=[]),
        )
    await offers.change_status(owner, offer.id, OfferStatus.PUBLISHED, "Klar til salg")
    return offer.id


async def backdate(contract_id: uuid.UUID, days: int) -> None:
    """Let a contract (and its first term and request) have begun ``days`` days ago, as if
    time had passed since it was made."""
    from marketplace.contracts.tables import Contract, ContractTerm, PlacementRequest

    began = today() - datetime.timedelta(days=days)
    row = await Contract.select(Contract.request).where(Contract.id == contract_id).first().run()
    assert row is not None
    await Contract.update({Contract.start_date: began}).where(Contract.id == contract_id).run()
    await (
        ContractTerm.update({ContractTerm.valid_from: began})
        .where(ContractTerm.contract == contract_id)
        .run()
    )
    await (
        PlacementRequest.update({PlacementRequest.desired_start: began})
        .where(PlacementRequest.id == row["request"])
        .run()
    )
