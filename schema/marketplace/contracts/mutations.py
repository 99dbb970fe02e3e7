"""Write side of contracting: requests and their answers, notice, changes after signing, refund
claims between municipalities."""

from __future__ import annotations

from typing import Any

import strawberry

from marketplace.contracts import frames, proposals, refunds, requests
from marketplace.contracts import service as contracts
from marketplace.contracts.models import (
    ChangeView,
    ContractChangeProposal,
    FrameSet,
    PlacementProposal,
    PlacementRequestAccept,
    PlacementRequestCreate,
    PlacementRequestDecline,
    ProposalStatus,
    RefundClaimCreate,
)
from marketplace.core.identity import Principal
from schema.context import Info
from schema.errors import UserError
from schema.marketplace.contracts.inputs import (
    ApprovalFrameSetInput,
    ApproverInput,
    ContractChangeProposeInput,
    ContractChangeRespondInput,
    ContractGiveNoticeInput,
    PlacementProposalAcceptInput,
    PlacementProposalRejectInput,
    PlacementRequestAcceptInput,
    PlacementRequestApproveInput,
    PlacementRequestCreateInput,
    PlacementRequestDeclineInput,
    PlacementRequestProposeInput,
    PlacementRequestRefuseInput,
    PlacementRequestWithdrawInput,
    RefundClaimAcceptInput,
    RefundClaimCreateInput,
    RefundClaimDisputeInput,
    RefundClaimWithdrawInput,
)
from schema.marketplace.contracts.types import (
    ApprovalFrame,
    Approver,
    Contract,
    ContractChange,
    PlacementRequest,
    RefundClaim,
)
from schema.marketplace.contracts.types import PlacementProposal as PlacementProposalType
from schema.mutation import Given, mutation

_REQUEST = ("PlacementRequest", "placement request")
_PROPOSAL = ("PlacementProposal", "proposal")
_CLAIM = ("RefundClaim", "refund claim")


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
class PlacementProposalAcceptPayload:
    contract: Contract | None
    errors: list[UserError]

    @strawberry.field(description="The proposal, now accepted.")
    async def proposal(self, info: Info) -> PlacementProposalType | None:
        if self.contract is None:
            return None
        found = await info.context.marketplace.proposals_by_request.load(
            self.contract.view.request_id
        )
        accepted = [p for p in found or [] if p.status is ProposalStatus.ACCEPTED]
        return PlacementProposalType.of(accepted[-1]) if accepted else None

    @strawberry.field(description="The request, now accepted.")
    async def placement_request(self, info: Info) -> PlacementRequest | None:
        return await self.contract.request(info) if self.contract is not None else None


@strawberry.type
class PlacementProposalPayload:
    proposal: PlacementProposalType | None
    errors: list[UserError]

    @strawberry.field(description="The request the proposal answers, as it now stands.")
    async def placement_request(self, info: Info) -> PlacementRequest | None:
        return await self.proposal.request(info) if self.proposal is not None else None


@strawberry.type
class ApprovalFramePayload:
    approval_frame: ApprovalFrame | None
    errors: list[UserError]


@strawberry.type
class ApproverPayload:
    approver: Approver | None
    errors: list[UserError]


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
class RefundClaimPayload:
    refund_claim: RefundClaim | None
    errors: list[UserError]


async def _change_and_contract(info: Info, change: ChangeView) -> dict[str, Any]:
    contract = await contracts.get_contract(info.context.principal, change.contract_id)
    return {
        "change": ContractChange.of(change),
        "contract": Contract.of(contract) if contract else None,
    }


async def _create_request(who: Principal, given: Given) -> Any:
    key = given.pop("idempotency_key")
    given.data["offer_id"] = given.id("offer_id", "Offer", "offer")
    command = given.command(PlacementRequestCreate, nulls="top")
    return await requests.create_request(who, command, key)


async def _accept_request(who: Principal, given: Given) -> Any:
    key = given.pop("idempotency_key")
    request_id = given.id("id", *_REQUEST)
    command = given.command(PlacementRequestAccept, nulls="top")
    return await requests.accept_request(who, request_id, command, key)


async def _propose(who: Principal, given: Given) -> Any:
    key = given.pop("idempotency_key")
    request_id = given.id("id", *_REQUEST)
    command = given.command(PlacementProposal, nulls="top")
    return await proposals.propose(who, request_id, command, key)


async def _accept_proposal(who: Principal, given: Given) -> Any:
    key = given.pop("idempotency_key")
    return await proposals.accept_proposal(who, given.id("id", *_PROPOSAL), key)


async def _decline_request(who: Principal, given: Given) -> Any:
    request_id = given.id("id", *_REQUEST)
    command = given.command(PlacementRequestDecline, nulls="top")
    return await requests.decline_request(who, request_id, command)


async def _propose_change(who: Principal, given: Given) -> Any:
    contract_id = given.id("contract_id", "Contract", "contract")
    if given.data.get("withdraw_notice") is None:
        given.pop("withdraw_notice")  # null: no withdrawal
    return await contracts.propose_change(who, contract_id, given.command(ContractChangeProposal))


async def _create_claim(who: Principal, given: Given) -> Any:
    key = given.pop("idempotency_key")
    contract_id = given.id("contract_id", "Contract", "contract")
    command = given.command(RefundClaimCreate, nulls="top")
    return await refunds.create_claim(who, contract_id, command, key)


@strawberry.type
class ContractMutation:
    placement_request_create = mutation(
        PlacementRequestPayload,
        PlacementRequestCreateInput,
        _create_request,
        description="Ask an offer for a place for a citizen (purchasers).",
    )
    placement_request_accept = mutation(
        PlacementRequestAcceptPayload,
        PlacementRequestAcceptInput,
        _accept_request,
        description=(
            "Accept a request on your offer: the contract is made if a place is free on every "
            "day from the start; otherwise CAPACITY_EXHAUSTED."
        ),
    )
    placement_request_propose = mutation(
        PlacementProposalPayload,
        PlacementRequestProposeInput,
        _propose,
        description=(
            "Answer a request on your offer with other terms (start, level, hours, add-ons, or "
            "a special arrangement priced from its costs); the buyer accepts or rejects them."
        ),
    )
    placement_proposal_accept = mutation(
        PlacementProposalAcceptPayload,
        PlacementProposalAcceptInput,
        _accept_proposal,
        description=(
            "Accept the provider's proposal on your request: the contract is made on its terms "
            "if a place is free on every day from its start; otherwise CAPACITY_EXHAUSTED."
        ),
    )
    placement_proposal_reject = mutation(
        PlacementProposalPayload,
        PlacementProposalRejectInput,
        lambda who, given: proposals.reject_proposal(
            who, given.id("id", *_PROPOSAL), given.text("reason")
        ),
        description="Reject the provider's proposal on your request, with a reason.",
    )
    placement_request_approve = mutation(
        PlacementRequestPayload,
        PlacementRequestApproveInput,
        lambda who, given: requests.approve_request(
            who, given.id("id", *_REQUEST), given.text("reason")
        ),
        description=(
            "Let a request above its author's frame go to the provider (an approver of your "
            "municipality; not for your own requests). Its answer time starts now."
        ),
    )
    placement_request_refuse = mutation(
        PlacementRequestPayload,
        PlacementRequestRefuseInput,
        lambda who, given: requests.refuse_request(
            who, given.id("id", *_REQUEST), given.text("reason")
        ),
        description="Refuse a request above its author's frame, with a reason (an approver).",
    )
    approval_frame_set = mutation(
        ApprovalFramePayload,
        ApprovalFrameSetInput,
        lambda who, given: frames.set_frame(who, given.command(FrameSet, nulls="top")),
        description=(
            "Set a case handler's frame (your municipality's approvers; the registry "
            "administrator names the first approver)."
        ),
    )
    approver_add = mutation(
        ApproverPayload,
        ApproverInput,
        lambda who, given: frames.add_approver(
            who, given.text("municipality_code"), given.text("subject")
        ),
        description="Name an approver of your municipality (its approvers, or the registry admin).",
    )
    approver_remove = mutation(
        ApproverPayload,
        ApproverInput,
        lambda who, given: frames.remove_approver(
            who, given.text("municipality_code"), given.text("subject")
        ),
        description="Remove an approver; the last one stays while the municipality has frames.",
    )
    placement_request_decline = mutation(
        PlacementRequestPayload,
        PlacementRequestDeclineInput,
        _decline_request,
        description="Decline a request on your offer, with a reason.",
    )
    placement_request_withdraw = mutation(
        PlacementRequestPayload,
        PlacementRequestWithdrawInput,
        lambda who, given: requests.withdraw_request(
            who, given.id("id", *_REQUEST), given.text("reason")
        ),
        description="Withdraw your municipality's request while it is pending.",
    )
    contract_give_notice = mutation(
        ContractPayload,
        ContractGiveNoticeInput,
        lambda who, given: contracts.give_notice(
            who,
            given.id("id", "Contract", "contract"),
            given.text("reason"),
            given.pop("effective_from"),
        ),
        description=(
            "Give notice (either party): the contract ends when the agreed notice has run from "
            "effectiveFrom (today when left out); a later notice must end it earlier."
        ),
    )
    contract_change_propose = mutation(
        ContractChangePayload,
        ContractChangeProposeInput,
        _propose_change,
        build=_change_and_contract,
        description="Propose a change after signing; the other party answers.",
    )
    contract_change_respond = mutation(
        ContractChangePayload,
        ContractChangeRespondInput,
        lambda who, given: contracts.respond_to_change(
            who,
            given.id("id", "ContractChange", "proposed change"),
            bool(given.pop("accept")),
            given.text("reason"),
        ),
        build=_change_and_contract,
        description="Accept or reject a change the other party proposed.",
    )
    refund_claim_create = mutation(
        RefundClaimPayload,
        RefundClaimCreateInput,
        _create_claim,
        description=(
            "Claim a refund of one of your municipality's contracts from another municipality "
            "(retssikkerhedsloven § 9 c; purchasers of the buying municipality). One open claim "
            "per contract."
        ),
    )
    refund_claim_accept = mutation(
        RefundClaimPayload,
        RefundClaimAcceptInput,
        lambda who, given: refunds.accept_claim(who, given.id("id", *_CLAIM), given.text("reason")),
        description=(
            "Accept a refund claim against your municipality: its days are on the monthly "
            "refund statement."
        ),
    )
    refund_claim_dispute = mutation(
        RefundClaimPayload,
        RefundClaimDisputeInput,
        lambda who, given: refunds.dispute_claim(
            who, given.id("id", *_CLAIM), given.text("reason")
        ),
        description=(
            "Dispute a refund claim against your municipality, with the reason; settled "
            "outside the product (Ankestyrelsen)."
        ),
    )
    refund_claim_withdraw = mutation(
        RefundClaimPayload,
        RefundClaimWithdrawInput,
        lambda who, given: refunds.withdraw_claim(
            who, given.id("id", *_CLAIM), given.text("reason")
        ),
        description="Withdraw your municipality's refund claim while it waits, or once disputed.",
    )
