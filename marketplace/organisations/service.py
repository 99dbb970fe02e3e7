"""The organisation registry's rules: reading the public registry, registering providers."""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Iterable, Sequence
from functools import partial
from typing import Any

from piccolo.columns import Column

from marketplace.core.db import fetch_compiled, is_unique_violation, like_text
from marketplace.core.errors import DomainError, ErrorCode
from marketplace.core.identity import Principal, Role
from marketplace.core.pagination import Page, PageRequest, all_of, paginate
from marketplace.core.unit_of_work import write_transaction
from marketplace.core.views import ViewOfRow
from marketplace.organisations.models import (
    MunicipalityView,
    ProviderCreate,
    ProviderFilter,
    ProviderUpdate,
    ProviderView,
    RegionView,
)
from marketplace.organisations.tables import Municipality, OwnerType, Provider, Region

municipality_view = ViewOfRow(MunicipalityView, {"region_code": "region"})


# --- regions and municipalities ------------------------------------------------------------


async def list_regions() -> list[RegionView]:
    rows = await Region.select().order_by(Region.code).run()
    return [RegionView.model_validate(r) for r in rows]


async def regions_by_code(codes: Sequence[str]) -> dict[str, RegionView]:
    rows = await Region.select().where(Region.code.is_in(list(codes))).run() if codes else []
    return {r["code"]: RegionView.model_validate(r) for r in rows}


async def get_region(code: str) -> RegionView | None:
    return (await regions_by_code([code])).get(code)


async def registry_codes() -> set[str]:
    """Every region and municipality code in the registry."""
    regions = await Region.select(Region.code).run()
    municipalities = await Municipality.select(Municipality.code).run()
    return {r["code"] for r in regions} | {m["code"] for m in municipalities}


async def require_region(code: str, field: Sequence[str]) -> RegionView:
    region = await get_region(code)
    if region is None:
        raise DomainError(
            ErrorCode.UNKNOWN_REGION, f"There is no region with code {code!r}.", field
        )
    return region


async def municipalities_by_code(codes: Sequence[str]) -> dict[str, MunicipalityView]:
    if not codes:
        return {}
    wanted = list(codes)
    rows = await fetch_compiled(
        "municipalities_by_code",
        lambda: Municipality.select().where(Municipality.code == ""),
        [wanted],
        any_of=True,
    )
    if rows is None:
        rows = await Municipality.select().where(Municipality.code.is_in(wanted)).run()
    return {r["code"]: municipality_view(r) for r in rows}


async def get_municipality(code: str) -> MunicipalityView | None:
    return (await municipalities_by_code([code])).get(code)


async def require_municipality(code: str, field: Sequence[str]) -> MunicipalityView:
    municipality = await get_municipality(code)
    if municipality is None:
        raise DomainError(
            ErrorCode.UNKNOWN_MUNICIPALITY, f"There is no municipality with code {code!r}.", field
        )
    return municipality


async def municipality_counts(region_codes: Sequence[str]) -> dict[str, int]:
    """How many municipalities each region has, in one statement."""
    if not region_codes:
        return {}
    rows = (
        await Municipality.select(Municipality.region)
        .where(Municipality.region.is_in(list(region_codes)))
        .run()
    )
    counts = dict.fromkeys(region_codes, 0)
    for row in rows:
        counts[row["region"]] += 1
    return counts


async def list_municipalities(region_code: str | None, page: PageRequest) -> Page[MunicipalityView]:
    where = None
    if region_code is not None:
        await require_region(region_code, ["region_code"])
        where = Municipality.region == region_code
    rows = await paginate(Municipality, where=where, order_by=[Municipality.code], page=page)
    return rows.map(municipality_view)


# --- providers -----------------------------------------------------------------------------


async def providers_by_id(ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, ProviderView]:
    wanted = list(ids)
    if not wanted:
        return {}
    rows = await fetch_compiled(
        "providers_by_id",
        lambda: Provider.select().where(Provider.id == wanted[0]),
        [wanted],
        any_of=True,
    )
    if rows is None:
        rows = await Provider.select().where(Provider.id.is_in(wanted)).run()
    return {r["id"]: ProviderView.from_row(r) for r in rows}


async def get_provider(provider_id: uuid.UUID) -> ProviderView | None:
    return (await providers_by_id([provider_id])).get(provider_id)


async def providers_by_org(codes: Iterable[str]) -> dict[str, ProviderView]:
    wanted = list(codes)
    if not wanted:
        return {}
    rows = await Provider.select().where(Provider.org_code.is_in(wanted)).run()
    return {r["org_code"]: ProviderView.from_row(r) for r in rows}


async def provider_for_org(org_code: str) -> ProviderView | None:
    return (await providers_by_org([org_code])).get(org_code)


async def list_providers(filter: ProviderFilter, page: PageRequest) -> Page[ProviderView]:
    conditions = []
    if filter.owner_type is not None:
        conditions.append(Provider.owner_type == filter.owner_type.value)
    if filter.region_code is not None:
        await require_region(filter.region_code, ["region_code"])
        conditions.append(Provider.municipality._.region == filter.region_code)
    if filter.municipality_code is not None:
        await require_municipality(filter.municipality_code, ["municipality_code"])
        conditions.append(Provider.municipality == filter.municipality_code)
    if filter.search:
        conditions.append(Provider.name_key.like(f"%{like_text(filter.search.casefold())}%"))
    rows = await paginate(
        Provider, where=all_of(conditions), order_by=[Provider.name_key, Provider.id], page=page
    )
    return rows.map(ProviderView.from_row)


async def _check_location(
    owner_type: OwnerType, org_code: str, municipality: MunicipalityView
) -> None:
    """A municipal provider lies in its own municipality, a regional one in its region."""
    field = ["municipality_code"]
    if owner_type is OwnerType.MUNICIPAL and municipality.code != org_code:
        raise DomainError(
            ErrorCode.INVALID,
            f"A municipal provider lies in its own municipality ({org_code}).",
            field,
        )
    if owner_type is OwnerType.REGIONAL and municipality.region_code != org_code:
        raise DomainError(
            ErrorCode.INVALID,
            f"A regional provider lies in its own region ({org_code}); "
            f"{municipality.name} is in region {municipality.region_code}.",
            field,
        )


async def create_provider(principal: Principal, command: ProviderCreate) -> ProviderView:
    """Register a provider. Only the registry administrator may."""
    principal.require(Role.REGISTRY_ADMIN)
    if command.owner_type is OwnerType.MUNICIPAL:
        await require_municipality(command.org_code, ["org_code"])
    elif command.owner_type is OwnerType.REGIONAL:
        await require_region(command.org_code, ["org_code"])
    municipality = await require_municipality(command.municipality_code, ["municipality_code"])
    await _check_location(command.owner_type, command.org_code, municipality)
    latitude = command.latitude if command.latitude is not None else municipality.latitude
    longitude = command.longitude if command.longitude is not None else municipality.longitude
    now = datetime.datetime.now(datetime.UTC)
    provider_id = uuid.uuid4()
    row = Provider(
        id=provider_id,
        org_code=command.org_code,
        name=command.name,
        name_key=command.name.casefold(),
        owner_type=command.owner_type.value,
        cvr=command.effective_cvr,
        street_address=command.street_address,
        postal_code=command.postal_code,
        city=command.city,
        municipality=command.municipality_code,
        latitude=latitude,
        longitude=longitude,
        email=command.email,
        phone=command.phone,
        website=command.website,
        description=command.description or "",
        is_demo=command.is_demo,
        created_at=now,
        updated_at=now,
    )
    try:
        async with write_transaction(principal, "providerCreate") as unit:
            if await Provider.exists().where(Provider.org_code == command.org_code).run():
                raise _duplicate(command.org_code)
            await row.save().run()
            created = await unit.track(
                "Provider", provider_id, partial(get_provider, provider_id), new=True
            )
    except Exception as exc:
        if is_unique_violation(exc):
            raise _duplicate(command.org_code) from None
        raise
    return created.result


def _duplicate(org_code: str) -> DomainError:
    return DomainError(
        ErrorCode.DUPLICATE,
        f"A provider with org code {org_code} (or that CVR number) is already registered.",
        ["org_code"],
    )


def _can_manage(principal: Principal, provider: ProviderView) -> bool:
    if principal.is_registry_admin:
        return True
    return principal.role is Role.PROVIDER_ADMIN and principal.org_code == provider.org_code


async def update_provider(
    principal: Principal, provider_id: uuid.UUID, command: ProviderUpdate
) -> ProviderView:
    """Change a provider's details: its own provider administrator or the registry admin."""
    principal.require(Role.PROVIDER_ADMIN, Role.REGISTRY_ADMIN)
    async with write_transaction(principal, "providerUpdate") as unit:
        provider = await get_provider(provider_id)
        if provider is None:
            raise DomainError(ErrorCode.NOT_FOUND, "There is no such provider.", ["id"])
        if not _can_manage(principal, provider):
            raise DomainError(
                ErrorCode.PERMISSION_DENIED,
                "Only the provider's own administrators may change it.",
                ["id"],
            )
        updated = await unit.track(
            "Provider", provider_id, partial(get_provider, provider_id), before=provider
        )
        changes = command.changes()
        if "municipality_code" in changes:
            municipality = await require_municipality(
                changes["municipality_code"], ["municipality_code"]
            )
            await _check_location(provider.owner_type, provider.org_code, municipality)
            changes["municipality"] = changes.pop("municipality_code")
            if "latitude" not in changes and municipality.code != provider.municipality_code:
                changes["latitude"] = municipality.latitude
                changes["longitude"] = municipality.longitude
        if "name" in changes:
            changes["name_key"] = changes["name"].casefold()
        if changes:
            changes["updated_at"] = datetime.datetime.now(datetime.UTC)
            values: dict[Column | str, Any] = {
                Provider._meta.get_column_by_name(k): v for k, v in changes.items()
            }
            await Provider.update(values).where(Provider.id == provider_id).run()
    return updated.result
