"""Read side of contracting: requests, contracts and billing statements, for their parties."""

from __future__ import annotations

import uuid

import strawberry

from marketplace.contracts import billing, requests
from marketplace.contracts import service as contracts
from marketplace.core.errors import DomainError, ErrorCode
from marketplace.core.pagination import PageRequest
from schema.context import Info
from schema.marketplace.contract_inputs import ContractFilterInput, PlacementRequestFilterInput
from schema.marketplace.contract_types import BillingStatement, Contract, PlacementRequest
from schema.marketplace.offer_queries import node_uuid
from schema.relay import Connection


def _filter_id(value: object, type_name: str, what: str, field: str) -> uuid.UUID | None:
    if not isinstance(value, str) or not value:
        return None
    found = node_uuid(strawberry.ID(value), type_name, ("filter", field))
    if found is None:
        raise DomainError(ErrorCode.NOT_FOUND, f"There is no such {what}.", ["filter", field])
    return found


@strawberry.type
class ContractQuery:
    @strawberry.field(description="Your placement requests (as buyer or provider), oldest first.")
    async def placement_requests(
        self,
        info: Info,
        filter: PlacementRequestFilterInput | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[PlacementRequest]:
        page = await requests.list_requests(
            info.context.principal,
            PageRequest.of(first, after),
            status=filter.status if filter and filter.status else None,
            offer_id=_filter_id(filter.offer_id if filter else None, "Offer", "offer", "offerId"),
        )
        return Connection.of(page, PlacementRequest.of)

    @strawberry.field(description="A placement request; null when there is none or not yours.")
    async def placement_request(self, info: Info, id: strawberry.ID) -> PlacementRequest | None:
        request_id = node_uuid(id, "PlacementRequest", ("id",))
        if request_id is None:
            return None
        view = await requests.get_request(info.context.principal, request_id)
        return PlacementRequest.of(view) if view else None

    @strawberry.field(description="Your contracts (as buyer or provider), oldest first.")
    async def contracts(
        self,
        info: Info,
        filter: ContractFilterInput | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[Contract]:
        cpr = filter.citizen_cpr if filter and isinstance(filter.citizen_cpr, str) else None
        page = await contracts.list_contracts(
            info.context.principal,
            PageRequest.of(first, after),
            status=filter.status if filter and filter.status else None,
            offer_id=_filter_id(filter.offer_id if filter else None, "Offer", "offer", "offerId"),
            citizen_cpr=cpr,
        )
        return Connection.of(page, Contract.of)

    @strawberry.field(description="A contract; null when there is none or it is not yours.")
    async def contract(self, info: Info, id: strawberry.ID) -> Contract | None:
        contract_id = node_uuid(id, "Contract", ("id",))
        if contract_id is None:
            return None
        view = await contracts.get_contract(info.context.principal, contract_id)
        return Contract.of(view) if view else None

    @strawberry.field(
        description=(
            "A month's billing statement: give `municipalityCode` for what a municipality pays "
            "(its purchasers), or `providerId` for what a provider bills (its administrators)."
        )
    )
    async def billing_statement(
        self,
        info: Info,
        month: str,
        municipality_code: str | None = None,
        provider_id: strawberry.ID | None = None,
    ) -> BillingStatement:
        provider = None
        if provider_id is not None:
            provider = node_uuid(provider_id, "Provider", ("providerId",))
            if provider is None:
                raise DomainError(ErrorCode.NOT_FOUND, "There is no such provider.", ["providerId"])
        statement = await billing.billing_statement(
            info.context.principal,
            billing.parse_month(month),
            municipality_code=municipality_code,
            provider_id=provider,
        )
        return BillingStatement.of(statement)
