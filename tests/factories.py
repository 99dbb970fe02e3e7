"""Small builders for test data."""

from __future__ import annotations

from typing import Any

from marketplace.core.identity import Principal, Role
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
