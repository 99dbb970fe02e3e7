"""Read side of contracting: requests, contracts, billing statements, refund claims and refund
statements, for their parties."""

from __future__ import annotations

from typing import Any

import strawberry

from marketplace.contracts import billing, frames, refund_statement, refunds, requests
from marketplace.contracts import service as contracts
from schema.context import Info
from schema.errors import arguments
from schema.ids import filter_uuid, node_uuid
from schema.marketplace.contracts.inputs import (
    ContractFilterInput,
    PlacementRequestFilterInput,
    RefundClaimFilterInput,
)
from schema.marketplace.contracts.types import (
    ApprovalFrame,
    Approver,
    BillingStatement,
    Contract,
    PlacementRequest,
    RefundClaim,
    RefundStatement,
)
from schema.relay import Connection, page_request


def _offer_filter(filter: PlacementRequestFilterInput | ContractFilterInput | None) -> Any:
    value = filter.offer_id if filter else None
    return filter_uuid(value if isinstance(value, str) else None, "Offer", "offer", "offer_id")


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
        with arguments("filter"):
            page = await requests.list_requests(
                info.context.principal,
                page_request(info, first, after),
                status=filter.status if filter and filter.status else None,
                offer_id=_offer_filter(filter),
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
        with arguments("filter"):
            page = await contracts.list_contracts(
                info.context.principal,
                page_request(info, first, after),
                status=filter.status if filter and filter.status else None,
                offer_id=_offer_filter(filter),
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
            "for the contracts it bought (its purchasers), or `providerId` for what a provider "
            "bills (its administrators)."
        )
    )
    async def billing_statement(
        self,
        info: Info,
        month: str,
        municipality_code: str | None = None,
        provider_id: strawberry.ID | None = None,
    ) -> BillingStatement:
        with arguments():
            statement = await billing.billing_statement(
                info.context.principal,
                billing.parse_month(month),
                municipality_code=municipality_code,
                provider_id=filter_uuid(provider_id, "Provider", "provider", "provider_id"),
            )
        return BillingStatement.of(statement)

    @strawberry.field(
        description=(
            "Refund claims of your municipality (CLAIMANT) or against it (DEBTOR), or both, "
            "oldest first (purchasers; every claim for the registry administrator)."
        )
    )
    async def refund_claims(
        self,
        info: Info,
        filter: RefundClaimFilterInput | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[RefundClaim]:
        wanted = page_request(info, first, after)
        with arguments("filter"):
            page = await refunds.list_claims(
                info.context.principal,
                wanted,
                status=filter.status if filter and filter.status else None,
                role=filter.role if filter and filter.role else None,
            )
        return Connection.of(page, RefundClaim.of)

    @strawberry.field(description="A refund claim; null when there is none or it is not yours.")
    async def refund_claim(self, info: Info, id: strawberry.ID) -> RefundClaim | None:
        claim_id = node_uuid(id, "RefundClaim", ("id",))
        if claim_id is None:
            return None
        view = await refunds.get_claim(info.context.principal, claim_id)
        return RefundClaim.of(view) if view else None

    @strawberry.field(
        description=(
            "A month's refund statement: what `debtorCode` refunds `claimantCode` for the "
            "claims it accepted (the two municipalities' purchasers)."
        )
    )
    async def refund_statement(
        self, info: Info, claimant_code: str, debtor_code: str, month: str
    ) -> RefundStatement:
        with arguments():
            statement = await refund_statement.refund_statement(
                info.context.principal, billing.parse_month(month), claimant_code, debtor_code
            )
        return RefundStatement.of(statement)

    @strawberry.field(
        description=(
            "A municipality's case handlers' frames (its purchasers and the registry "
            "administrator read them)."
        )
    )
    async def approval_frames(
        self,
        info: Info,
        municipality_code: str,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[ApprovalFrame]:
        with arguments():
            page = await frames.frames(
                info.context.principal, municipality_code, page_request(info, first, after)
            )
        return Connection.of(page, ApprovalFrame.of)

    @strawberry.field(description="A municipality's approvers (its purchasers read them).")
    async def approvers(
        self,
        info: Info,
        municipality_code: str,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[Approver]:
        with arguments():
            page = await frames.approvers(
                info.context.principal, municipality_code, page_request(info, first, after)
            )
        return Connection.of(page, Approver.of)
