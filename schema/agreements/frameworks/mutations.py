"""Write side of the agreement registry: the region's steering group and the registry admin."""

from __future__ import annotations

import uuid
from typing import Any

import strawberry

from agreements.frameworks import revisions, service
from agreements.frameworks.models import (
    AgreementCreate,
    AgreementRevise,
    AgreementUpdate,
    AgreementWithdraw,
    CouncilDecisionRecord,
    RuleSetInput,
    SpecialConditionApprove,
    SpecialConditionOptIn,
    UniqueOfferStatusSet,
)
from marketplace.core.identity import Principal
from schema.agreements.frameworks.inputs import (
    AgreementCreateInput,
    AgreementReviseInput,
    AgreementRulesSetInput,
    AgreementUpdateInput,
    AgreementWithdrawInput,
    CouncilDecisionRecordInput,
    SpecialConditionApproveInput,
    SpecialConditionOptInInput,
    UniqueOfferStatusSetInput,
)
from schema.agreements.frameworks.types import (
    Agreement,
    AgreementApprovalStatus,
    RuleSet,
    SpecialConditionApproval,
    UniqueOfferDecision,
)
from schema.context import Info
from schema.errors import UserError
from schema.mutation import Given, mutation

_AGREEMENT = ("Agreement", "agreement")
_OFFER = ("Offer", "offer")


async def _with_agreement(
    info: Info, field: str, kind: Any, agreement_id: uuid.UUID, view: Any
) -> dict[str, Any]:
    """A payload's object and the agreement it belongs to, as the caller now reads it."""
    agreement = await service.get_agreement(info.context.principal, agreement_id)
    return {field: kind.of(view), "agreement": Agreement.of(agreement) if agreement else None}


async def _update(who: Principal, given: Given) -> Any:
    agreement_id = given.id("id", *_AGREEMENT)
    return await service.update_agreement(
        who, agreement_id, given.command(AgreementUpdate, nulls="all")
    )


async def _revise(who: Principal, given: Given) -> Any:
    agreement_id = given.id("id", *_AGREEMENT)
    command = given.command(AgreementRevise, nulls="all")
    return await revisions.revise_agreement(who, agreement_id, command)


async def _withdraw(who: Principal, given: Given) -> Any:
    agreement_id = given.id("id", *_AGREEMENT)
    command = given.command(AgreementWithdraw, nulls="all")
    return await revisions.withdraw_agreement(who, agreement_id, command)


async def _set_rules(who: Principal, given: Given) -> Any:
    agreement_id = given.id("agreement_id", *_AGREEMENT)
    command = given.command(RuleSetInput, nulls="all")
    return agreement_id, await service.set_rules(who, agreement_id, command)


async def _record_decision(who: Principal, given: Given) -> Any:
    agreement_id = given.id("agreement_id", *_AGREEMENT)
    command = given.command(CouncilDecisionRecord, nulls="all")
    return agreement_id, await service.record_decision(who, agreement_id, command)


async def _approve_special_condition(who: Principal, given: Given) -> Any:
    agreement_id = given.id("agreement_id", *_AGREEMENT)
    given.data["offer_id"] = given.id("offer_id", *_OFFER)
    command = given.command(SpecialConditionApprove, nulls="all")
    return await service.approve_special_condition(who, agreement_id, command)


async def _opt_in(who: Principal, given: Given) -> Any:
    approval_id = given.id("id", "SpecialConditionApproval", "special condition")
    return await service.opt_in(who, approval_id, given.command(SpecialConditionOptIn, nulls="all"))


async def _set_unique_status(who: Principal, given: Given) -> Any:
    agreement_id = given.id("agreement_id", *_AGREEMENT)
    given.data["offer_id"] = given.id("offer_id", *_OFFER)
    command = given.command(UniqueOfferStatusSet, nulls="all")
    return await service.set_unique_status(who, agreement_id, command)


@strawberry.type
class AgreementPayload:
    agreement: Agreement | None
    errors: list[UserError]


@strawberry.type
class RuleSetPayload:
    rule_set: RuleSet | None
    agreement: Agreement | None
    errors: list[UserError]


@strawberry.type
class CouncilDecisionRecordPayload:
    approval_status: AgreementApprovalStatus | None
    agreement: Agreement | None
    errors: list[UserError]


@strawberry.type
class SpecialConditionPayload:
    special_condition: SpecialConditionApproval | None
    errors: list[UserError]


@strawberry.type
class UniqueOfferDecisionPayload:
    unique_offer: UniqueOfferDecision | None
    errors: list[UserError]


@strawberry.type
class AgreementMutation:
    agreement_create = mutation(
        AgreementPayload,
        AgreementCreateInput,
        lambda who, given: service.create_agreement(
            who, given.command(AgreementCreate, nulls="all")
        ),
        description="Create a draft agreement for your region (steering group).",
    )
    agreement_update = mutation(
        AgreementPayload,
        AgreementUpdateInput,
        _update,
        description="Change an agreement or move it along its lifecycle.",
    )
    agreement_revise = mutation(
        AgreementPayload,
        AgreementReviseInput,
        _revise,
        description=(
            "Revise an agreement not yet in force; a substantive revision (period, vision, "
            "focus areas, rules) starts the councils' approvals again."
        ),
    )
    agreement_withdraw = mutation(
        AgreementPayload,
        AgreementWithdrawInput,
        _withdraw,
        description="Withdraw an agreement not yet in force; another may be made for its period.",
    )
    agreement_rules_set = mutation(
        RuleSetPayload,
        AgreementRulesSetInput,
        _set_rules,
        build=lambda info, made: _with_agreement(info, "rule_set", RuleSet, *made),
        description="Set a new version of an agreement's rules from a day.",
    )
    council_decision_record = mutation(
        CouncilDecisionRecordPayload,
        CouncilDecisionRecordInput,
        _record_decision,
        build=lambda info, made: _with_agreement(
            info, "approval_status", AgreementApprovalStatus, *made
        ),
        description=(
            "Record a party's council decision; with the last approval the agreement goes in "
            "force (unanimity)."
        ),
    )
    special_condition_approve = mutation(
        SpecialConditionPayload,
        SpecialConditionApproveInput,
        _approve_special_condition,
        description="Approve a special condition for a new offer (steering group).",
    )
    special_condition_opt_in = mutation(
        SpecialConditionPayload,
        SpecialConditionOptInInput,
        _opt_in,
        description="A municipality joins or leaves a special condition (itself, or its steering group).",
    )
    unique_offer_status_set = mutation(
        UniqueOfferDecisionPayload,
        UniqueOfferStatusSetInput,
        _set_unique_status,
        description="Set a unique offer's status for a year (reinforced cooperation, emergency track).",
    )
