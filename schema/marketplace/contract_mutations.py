"""Write side of contracting: requests and their answers, notice, changes after signing."""

from __future__ import annotations

import uuid
from typing import Any

import strawberry

from marketplace.contracts import requests
from marketplace.contracts import service as contracts
from marketplace.contracts.models import (
    ContractChangeProposal,
    PlacementRequestAccept,
    PlacementRequestCreate,
    PlacementRequestDecline,
)
from marketplace.core.errors import DomainError, ErrorCode, parse
from schema.context import Info
from schema.errors import UserError, attempt, input_data
from schema.marketplace.contract_inputs import (
    ContractChangeProposeInput,
    ContractChangeRespondInput,
    ContractGiveNoticeInput,
    PlacementRequestAcceptInput,
    PlacementRequestCreateInput,
    PlacementRequestDeclineInput,
    PlacementRequestWithdrawInput,
)
from schema.marketplace.contract_types import Contract, ContractChange, PlacementRequest
from schema.marketplace.offer_queries import node_uuid


def _id(value: strawberry.ID, type_name: str, what: str, field: str = "id") -> uuid.UUID:
    found = node_uuid(value, type_name, ("input", field))
    if found is None:
        raise DomainError(ErrorCode.NOT_FOUND, f"There is no such {what}.", ["input", field])
    return found


def _defined(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if v is not None}


@strawberry.type
class PlacementRequestPayload:
    placement_request: PlacementRequest | None
    errors: list[UserError]


@strawberry.type
class PlacementRequestAcceptPayload:
    contract: Contract | None
    errors: list[UserError]

    @strawberry.field(description="The request, now accepted.")
    async def placement_request(self, info: Info) -> PlacementRequest | None:
        return await self.contract.request(info) if self.contract is not None else None


@strawberry.type
class ContractPayload:
    contract: Contract | None
    errors: list[UserError]


@strawberry.type
class ContractChangePayload:
    change: ContractChange | None
    contract: Contract | None
    errors: list[UserError]


@strawberry.type
class ContractMutation:
    @strawberry.mutation(description="Ask an offer for a place for a citizen (purchasers).")
    async def placement_request_create(
        self, info: Info, input: PlacementRequestCreateInput
    ) -> PlacementRequestPayload:
        async def run() -> PlacementRequest:
            data = input_data(input)
            key = data.pop("idempotency_key", None)
            data["offer_id"] = _id(data["offer_id"], "Offer", "offer", "offerId")
            command = parse(PlacementRequestCreate, _defined(data), ["input"])
            view = await requests.create_request(info.context.principal, command, key)
            return PlacementRequest.of(view)

        found, errors = await attempt(info, run)
        return PlacementRequestPayload(placement_request=found, errors=errors)

    @strawberry.mutation(
        description=(
            "Accept a request on your offer: the contract is made if a place is free on every "
            "day from the start; otherwise CAPACITY_EXHAUSTED."
        )
    )
    async def placement_request_accept(
        self, info: Info, input: PlacementRequestAcceptInput
    ) -> PlacementRequestAcceptPayload:
        async def run() -> Contract:
            data = input_data(input)
            key = data.pop("idempotency_key", None)
            request_id = _id(data.pop("id"), "PlacementRequest", "placement request")
            command = parse(PlacementRequestAccept, _defined(data), ["input"])
            view = await requests.accept_request(info.context.principal, request_id, command, key)
            return Contract.of(view)

        contract, errors = await attempt(info, run)
        return PlacementRequestAcceptPayload(contract=contract, errors=errors)

    @strawberry.mutation(description="Decline a request on your offer, with a reason.")
    async def placement_request_decline(
        self, info: Info, input: PlacementRequestDeclineInput
    ) -> PlacementRequestPayload:
        async def run() -> PlacementRequest:
            data = input_data(input)
            request_id = _id(data.pop("id"), "PlacementRequest", "placement request")
            command = parse(PlacementRequestDecline, _defined(data), ["input"])
            view = await requests.decline_request(info.context.principal, request_id, command)
            return PlacementRequest.of(view)

        found, errors = await attempt(info, run)
        return PlacementRequestPayload(placement_request=found, errors=errors)

    @strawberry.mutation(description="Withdraw your municipality's request while it is pending.")
    async def placement_request_withdraw(
        self, info: Info, input: PlacementRequestWithdrawInput
    ) -> PlacementRequestPayload:
        async def run() -> PlacementRequest:
            request_id = _id(input.id, "PlacementRequest", "placement request")
            reason = input.reason if isinstance(input.reason, str) else ""
            view = await requests.withdraw_request(info.context.principal, request_id, reason)
            return PlacementRequest.of(view)

        found, errors = await attempt(info, run)
        return PlacementRequestPayload(placement_request=found, errors=errors)

    @strawberry.mutation(
        description="Give notice (either party): the contract ends when the notice period has run."
    )
    async def contract_give_notice(
        self, info: Info, input: ContractGiveNoticeInput
    ) -> ContractPayload:
        async def run() -> Contract:
            contract_id = _id(input.id, "Contract", "contract")
            view = await contracts.give_notice(info.context.principal, contract_id, input.reason)
            return Contract.of(view)

        found, errors = await attempt(info, run)
        return ContractPayload(contract=found, errors=errors)

    @strawberry.mutation(description="Propose a change after signing; the other party answers.")
    async def contract_change_propose(
        self, info: Info, input: ContractChangeProposeInput
    ) -> ContractChangePayload:
        principal = info.context.principal

        async def run() -> ContractChange:
            data = input_data(input)
            contract_id = _id(data.pop("contract_id"), "Contract", "contract", "contractId")
            proposal = parse(ContractChangeProposal, data, ["input"])
            return ContractChange.of(
                await contracts.propose_change(principal, contract_id, proposal)
            )

        change, errors = await attempt(info, run)
        return await _change_payload(info, change, errors)

    @strawberry.mutation(description="Accept or reject a change the other party proposed.")
    async def contract_change_respond(
        self, info: Info, input: ContractChangeRespondInput
    ) -> ContractChangePayload:
        principal = info.context.principal

        async def run() -> ContractChange:
            change_id = _id(input.id, "ContractChange", "proposed change")
            reason = input.reason if isinstance(input.reason, str) else ""
            view = await contracts.respond_to_change(principal, change_id, input.accept, reason)
            return ContractChange.of(view)

        change, errors = await attempt(info, run)
        return await _change_payload(info, change, errors)


async def _change_payload(
    info: Info, change: ContractChange | None, errors: list[UserError]
) -> ContractChangePayload:
    contract = None
    if change is not None:
        view = await contracts.get_contract(info.context.principal, change.view.contract_id)
        contract = Contract.of(view) if view else None
    return ContractChangePayload(change=change, contract=contract, errors=errors)
