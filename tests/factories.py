"""Small builders for test data."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from marketplace.core.identity import Principal, Role
from marketplace.offers.models import OfferContent, PriceListPublish
from marketplace.organisations.models import ProviderCreate
from marketplace.organisations.tables import OwnerType

REGISTRY_ADMIN = Principal(subject="test:admin", org_code="1084", role=Role.REGISTRY_ADMIN)


def admin_of(org_code: str) -> Principal:
    return Principal(subject=f"test:{org_code}", org_code=org_code, role=Role.PROVIDER_ADMIN)


def private_provider(**overrides: Any) -> ProviderCreate:
    values: dict[str, Any] = {
        "owner_type": OwnerType.PRIVATE,
        "org_code": "43389424",
        "name": "Bostedet Engly ApS",
        "street_address": "Engvej 2",
        "postal_code": "8700",
        "city": "Horsens",
        "municipality_code": "615",
    }
    return ProviderCreate.model_validate({**values, **overrides})


def municipal_provider(**overrides: Any) -> ProviderCreate:
    values: dict[str, Any] = {
        "owner_type": OwnerType.MUNICIPAL,
        "org_code": "851",
        "name": "Aalborg Kommune",
        "street_address": "Boulevarden 13",
        "postal_code": "9000",
        "city": "Aalborg",
        "municipality_code": "851",
    }
    return ProviderCreate.model_validate({**values, **overrides})


def target_group_code(label_da: str) -> str:
    from marketplace.offers.taxonomy import target_group_records

    return next(r.code for r in target_group_records() if r.label_da == label_da)


def offer_content(**overrides: Any) -> OfferContent:
    """A residential offer (SEL § 108 with § 104 day activities) that meets every publishing
    rule except the price list, which a test publishes itself."""
    values: dict[str, Any] = {
        "name": "Botilbuddet Engly",
        "description": (
            "Længerevarende botilbud for voksne med autisme. Grundtaksten dækker bolig, "
            "døgndækket socialpædagogisk støtte og aktiviteter i dagtimerne."
        ),
        "category": "residential",
        "age_segment": "adults",
        "min_age": 18,
        "max_age": 67,
        "legal_bases": ["SEL-108", "SEL-104"],
        "service_types": ["ophold", "socialpaedagogisk_stoette"],
        "target_groups": [
            target_group_code("Autismespektrum"),
            target_group_code("Selvskadende adfærd"),
        ],
        "primary_target_group": target_group_code("Autismespektrum"),
        "methods": ["Low Arousal", "KRAP"],
        "street_address": "Engvej 2",
        "postal_code": "8700",
        "city": "Horsens",
        "municipality_code": "615",
        "approval_status": "approved",
        "approved_places": 12,
        "approved_on": datetime.date(2024, 3, 1),
        "capacity_places": 12,
        "occupied_places": 10,
    }
    return OfferContent.model_validate({**values, **overrides})


def price_list(year: int, **overrides: Any) -> PriceListPublish:
    values: dict[str, Any] = {
        "year": year,
        "unit": "per_day",
        "base_price": Decimal("2450.50"),
        "levels": [
            {"name": "Niveau 1", "covers": "Støtte i dagtimerne", "price": Decimal("2450.50")},
            {
                "name": "Niveau 2",
                "covers": "Døgndækning med vågen nattevagt",
                "price": Decimal("3890"),
            },
        ],
        "add_ons": [
            {
                "name": "Ekstra 1:1-støtte",
                "description": "Individuel støtte efter aftale med kommunen",
                "unit": "per_hour",
                "price": Decimal("425"),
            }
        ],
        "overhead_percent": Decimal("6.0"),
        "budgeted_occupancy_percent": Decimal("95"),
    }
    return PriceListPublish.model_validate({**values, **overrides})
