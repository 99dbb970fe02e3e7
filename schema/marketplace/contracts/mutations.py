"""Write side of contracting: requests and their answers, notice, changes after signing."""

from __future__ import annotations

from typing import Any

import strawberry

from marketplace.contracts import requests
from marketplace.contracts import service as contracts
from marketplace.contracts.models import (
    ChangeView,
    ContractChangeProposal,
    PlacementRequestAccept,
    PlacementRequestCreate,
    PlacementRequestDecline,
)
from marketplace.core.identity import Principal
from schema.context import Info
from schema.errors import UserError
from schema.marketplace.contracts.inputs import (
    ContractChangeProposeInput,
    ContractChangeRespondInput,
    ContractGiveNoticeInput,
    PlacementRequestAcceptInput,
    PlacementRequestCreateInput,
    PlacementRequestDeclineInput,
    PlacementRequestWithdrawInput,
)
from schema.marketplace.contracts.types import Contract, ContractChange, PlacementRequest
from schema.mutation import Given, mutate

_REQUEST = ("PlacementRequest", "placement request")


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


async def _change_and_contract(info: Info, change: ChangeView) -> dict[str, Any]:
    contract = await contracts.get_contract(info.context.principal, change.contract_id)
    return {
        "change": ContractChange.of(change),
        "contract": Contract.of(contract) if contract else None,
    }


@strawberry.type
class ContractMutation:
    @strawberry.mutation(description="Ask an offer for a place for a citizen (purchasers).")
    async def placement_request_create(
        self, info: Info, input: PlacementRequestCreateInput
    ) -> PlacementRequestPayload:
        async def call(who: Principal, given: Given) -> Any:
            key = given.pop("idempotency_key")
            given.data["offer_id"] = given.id("offer_id", "Offer", "offer")
            command = given.command(PlacementRequestCreate, nulls="top")
            return await requests.create_request(who, command, key)

        return await mutate(info, PlacementRequestPayload, input, call)

    @strawberry.mutation(
        description=(
            "Accept a request on your offer: the contract is made if a place is free on every "
            "day from the start; otherwise CAPACITY_EXHAUSTED."
        )
    )
    async def placement_request_accept(
        self, info: Info, input: PlacementRequestAcceptInput
    ) -> PlacementRequestAcceptPayload:
        async def call(who: Principal, given: Given) -> Any:
            key = given.pop("idempotency_key")
            request_id = given.id("id", *_REQUEST)
            command = given.command(PlacementRequestAccept, nulls="top")
            return await requests.accept_request(who, request_id, command, key)

        return await mutate(info, PlacementRequestAcceptPayload, input, call)

    @strawberry.mutation(description="Decline a request on your offer, with a reason.")
    async def placement_request_decline(
        self, info: Info, input: PlacementRequestDeclineInput
    ) -> PlacementRequestPayload:
        async def call(who: Principal, given: Given) -> Any:
            request_id = given.id("id", *_REQUEST)
            command = given.command(PlacementRequestDecline, nulls="top")
            return await requests.decline_request(who, request_id, command)

        return await mutate(info, PlacementRequestPayload, input, call)

    @strawberry.mutation(description="Withdraw your municipality's request while it is pending.")
    async def placement_request_withdraw(
        self, info: Info, input: PlacementRequestWithdrawInput
    ) -> PlacementRequestPayload:
        return await mutate(
            info,
            PlacementRequestPayload,
            input,
            lambda who, given: requests.withdraw_request(
                who, given.id("id", *_REQUEST), given.text("reason")
            ),
        )

    @strawberry.mutation(
        description="Give notice (either party): the contract ends when the notice period has run."
    )
    async def contract_give_notice(
        self, info: Info, input: ContractGiveNoticeInput
    ) -> ContractPayload:
        return await mutate(
            info,
            ContractPayload,
            input,
            lambda who, given: contracts.give_notice(
                who, given.id("id", "Contract", "contract"), given.text("reason")
            ),
        )

    @strawberry.mutation(description="Propose a change after signing; the other party answers.")
    async def contract_change_propose(
        self, info: Info, input: ContractChangeProposeInput
    ) -> ContractChangePayload:
        async def call(who: Principal, given: Given) -> Any:
            contract_id = given.id("contract_id", "Contract", "contract")
            return await contracts.propose_change(
                who, contract_id, given.command(ContractChangeProposal)
            )

        return await mutate(
            info,
            ContractChangePayload,
            input,
            call,
            build=lambda change: _change_and_contract(info, change),
        )

    @strawberry.mutation(description="Accept or reject a change the other party proposed.")
    async def contract_change_respond(
        self, info: Info, input: ContractChangeRespondInput
    ) -> ContractChangePayload:
        return await mutate(
            info,
            ContractChangePayload,
            input,
            lambda who, given: contracts.respond_to_change(
                who,
                given.id("id", "ContractChange", "proposed change"),
                bool(given.pop("accept")),
                given.text("reason"),
            ),
            build=lambda change: _change_and_contract(info, change),
        )
