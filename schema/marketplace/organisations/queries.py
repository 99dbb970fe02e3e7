"""Read side of the organisation registry: public, anonymous callers included."""

from __future__ import annotations

import re

import strawberry

from marketplace.core.errors import DomainError, ErrorCode, parse
from marketplace.core.identity import org_kind
from marketplace.organisations import identifiers
from marketplace.organisations import service as organisations
from marketplace.organisations.models import ProviderFilter
from schema.context import Info
from schema.convert import input_data
from schema.marketplace.organisations.inputs import ProviderFilterInput
from schema.marketplace.organisations.types import (
    Municipality,
    OrganisationSettings,
    Provider,
    Region,
    Viewer,
)
from schema.relay import Connection, node_by_id, page_request


def _code(value: str, pattern: str, kind: str) -> str:
    if not re.fullmatch(pattern, value):
        raise DomainError(ErrorCode.INVALID, f"{value!r} is not a {kind}.", ["code"])
    return value


@strawberry.type
class OrganisationQuery:
    @strawberry.field(
        description="An organisation's e-invoicing settings (the caller's own unless "
        "`orgCode` is given): its own users and the registry admin."
    )
    async def organisation_settings(
        self, info: Info, org_code: str | None = None
    ) -> OrganisationSettings:
        found = await identifiers.settings_of(info.context.principal, org_code)
        return OrganisationSettings.of(found)

    @strawberry.field(description="The five regions, by code. A closed set, so not paged.")
    async def regions(self) -> list[Region]:
        return [Region.of(v) for v in await organisations.list_regions()]

    @strawberry.field(description="A region by its code (1081-1085).")
    async def region(self, code: str) -> Region | None:
        _code(code, r"108[1-5]", "region code (1081-1085)")
        view = await organisations.require_region(code, ["code"])
        return Region.of(view)

    @strawberry.field(description="Municipalities by code, optionally those of one region.")
    async def municipalities(
        self,
        info: Info,
        region_code: str | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[Municipality]:
        page = await organisations.list_municipalities(
            region_code, page_request(info, first, after)
        )
        return Connection.of(page, Municipality.of)

    @strawberry.field(description="A municipality by its 3-digit code.")
    async def municipality(self, code: str) -> Municipality | None:
        _code(code, r"\d{3}", "municipality code (3 digits)")
        view = await organisations.require_municipality(code, ["code"])
        return Municipality.of(view)

    @strawberry.field(description="Providers (driftsherrer) by name.")
    async def providers(
        self,
        info: Info,
        filter: ProviderFilterInput | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[Provider]:
        criteria = parse(ProviderFilter, input_data(filter) if filter else {}, ["filter"])
        page = await organisations.list_providers(criteria, page_request(info, first, after))
        return Connection.of(page, Provider.of)

    @strawberry.field(description="A provider by its ID; null when there is none.")
    async def provider(self, info: Info, id: strawberry.ID) -> Provider | None:
        return await node_by_id(info, id, Provider)

    @strawberry.field(description="The signed-in caller; null for anonymous requests.")
    def me(self, info: Info) -> Viewer | None:
        principal = info.context.principal
        if not principal.is_authenticated or principal.org_code is None or principal.role is None:
            return None
        return Viewer(
            subject=principal.subject or "",
            role=principal.role,
            organisation_code=principal.org_code,
            organisation_kind=org_kind(principal.org_code),
        )
