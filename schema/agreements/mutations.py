"""Write side of the agreement registry: the region's steering group and the registry admin."""

from __future__ import annotations

import uuid
from typing import Any

import strawberry

from agreements.frameworks import service
from agreements.frameworks.models import (
    AgreementCreate,
    AgreementUpdate,
    CouncilDecisionRecord,
    RuleSetInput,
    SpecialConditionApprove,
    SpecialConditionOptIn,
    UniqueOfferStatusSet,
)
from marketplace.core.errors import DomainError, ErrorCode, parse
from schema.agreements.inputs import (
    AgreementCreateInput,
    AgreementRulesSetInput,
    AgreementUpdateInput,
    CouncilDecisionRecordInput,
    SpecialConditionApproveInput,
    SpecialConditionOptInInput,
    UniqueOfferStatusSetInput,
)
from schema.agreements.types import (
    Agreement,
    AgreementApprovalStatus,
    RuleSet,
    SpecialConditionApproval,
    UniqueOfferDecision,
)
from schema.context import Info
from schema.errors import UserError, attempt, input_data
from schema.marketplace.offer_queries import node_uuid


def _id(value: strawberry.ID, type_name: str, what: str, field: str) -> uuid.UUID:
    found = node_uuid(value, type_name, ("input", field))
    if found is None:
        raise DomainError(ErrorCode.NOT_FOUND, f"There is no such {what}.", ["input", field])
    return found


def _data(value: object) -> dict[str, Any]:
    """Input as plain data, without the fields given as null (nested too)."""

    def clean(item: Any) -> Any:
        if isinstance(item, dict):
            return {k: clean(v) for k, v in item.items() if v is not None}
        if isinstance(item, list):
            return [clean(v) for v in item]
        return item

    data: dict[str, Any] = clean(input_data(value))
    return data


async def _agreement(info: Info, agreement_id: uuid.UUID) -> Agreement | None:
    view = await service.get_agreement(info.context.principal, agreement_id)
    return Agreement.of(view) if view else None


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
    @strawberry.mutation(description="Create a draft agreement for your region (steering group).")
    async def agreement_create(self, info: Info, input: AgreementCreateInput) -> AgreementPayload:
        async def run() -> Agreement:
            command = parse(AgreementCreate, _data(input), ["input"])
            return Agreement.of(await service.create_agreement(info.context.principal, command))

        found, errors = await attempt(info, run)
        return AgreementPayload(agreement=found, errors=errors)

    @strawberry.mutation(description="Change an agreement or move it along its lifecycle.")
    async def agreement_update(self, info: Info, input: AgreementUpdateInput) -> AgreementPayload:
        async def run() -> Agreement:
            data = _data(input)
            agreement_id = _id(data.pop("id"), "Agreement", "agreement", "id")
            command = parse(AgreementUpdate, data, ["input"])
            view = await service.update_agreement(info.context.principal, agreement_id, command)
            return Agreement.of(view)

        found, errors = await attempt(info, run)
        return AgreementPayload(agreement=found, errors=errors)

    @strawberry.mutation(description="Set a new version of an agreement's rules from a day.")
    async def agreement_rules_set(
        self, info: Info, input: AgreementRulesSetInput
    ) -> RuleSetPayload:
        made: dict[str, uuid.UUID] = {}

        async def run() -> RuleSet:
            data = _data(input)
            made["id"] = _id(data.pop("agreement_id"), "Agreement", "agreement", "agreementId")
            command = parse(RuleSetInput, data, ["input"])
            return RuleSet.of(await service.set_rules(info.context.principal, made["id"], command))

        found, errors = await attempt(info, run)
        agreement = await _agreement(info, made["id"]) if found else None
        return RuleSetPayload(rule_set=found, agreement=agreement, errors=errors)

    @strawberry.mutation(
        description=(
            "Record a party's council decision; with the last approval the agreement goes in "
            "force (unanimity)."
        )
    )
    async def council_decision_record(
        self, info: Info, input: CouncilDecisionRecordInput
    ) -> CouncilDecisionRecordPayload:
        made: dict[str, uuid.UUID] = {}

        async def run() -> AgreementApprovalStatus:
            data = _data(input)
            made["id"] = _id(data.pop("agreement_id"), "Agreement", "agreement", "agreementId")
            command = parse(CouncilDecisionRecord, data, ["input"])
            status = await service.record_decision(info.context.principal, made["id"], command)
            return AgreementApprovalStatus.of(status)

        found, errors = await attempt(info, run)
        agreement = await _agreement(info, made["id"]) if found else None
        return CouncilDecisionRecordPayload(
            approval_status=found, agreement=agreement, errors=errors
        )

    @strawberry.mutation(
        description="Approve a special condition for a new offer (steering group)."
    )
    async def special_condition_approve(
        self, info: Info, input: SpecialConditionApproveInput
    ) -> SpecialConditionPayload:
        async def run() -> SpecialConditionApproval:
            data = _data(input)
            agreement_id = _id(data.pop("agreement_id"), "Agreement", "agreement", "agreementId")
            data["offer_id"] = _id(data["offer_id"], "Offer", "offer", "offerId")
            command = parse(SpecialConditionApprove, data, ["input"])
            view = await service.approve_special_condition(
                info.context.principal, agreement_id, command
            )
            return SpecialConditionApproval.of(view)

        found, errors = await attempt(info, run)
        return SpecialConditionPayload(special_condition=found, errors=errors)

    @strawberry.mutation(
        description="A municipality joins or leaves a special condition (itself, or its steering group)."
    )
    async def special_condition_opt_in(
        self, info: Info, input: SpecialConditionOptInInput
    ) -> SpecialConditionPayload:
        async def run() -> SpecialConditionApproval:
            data = _data(input)
            approval_id = _id(data.pop("id"), "SpecialConditionApproval", "special condition", "id")
            command = parse(SpecialConditionOptIn, data, ["input"])
            view = await service.opt_in(info.context.principal, approval_id, command)
            return SpecialConditionApproval.of(view)

        found, errors = await attempt(info, run)
        return SpecialConditionPayload(special_condition=found, errors=errors)

    @strawberry.mutation(
        description="Set a unique offer's status for a year (reinforced cooperation, emergency track)."
    )
    async def unique_offer_status_set(
        self, info: Info, input: UniqueOfferStatusSetInput
    ) -> UniqueOfferDecisionPayload:
        async def run() -> UniqueOfferDecision:
            data = _data(input)
            agreement_id = _id(data.pop("agreement_id"), "Agreement", "agreement", "agreementId")
            data["offer_id"] = _id(data["offer_id"], "Offer", "offer", "offerId")
            command = parse(UniqueOfferStatusSet, data, ["input"])
            view = await service.set_unique_status(info.context.principal, agreement_id, command)
            return UniqueOfferDecision.of(view)

        found, errors = await attempt(info, run)
        return UniqueOfferDecisionPayload(unique_offer=found, errors=errors)
