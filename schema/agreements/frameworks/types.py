"""GraphQL types of the framework-agreement registry."""

from __future__ import annotations

import datetime
import uuid
from decimal import Decimal

import strawberry
from strawberry import relay

from agreements.frameworks import models as m
from agreements.frameworks import rulebook
from marketplace.organisations.reference import municipality_records, region_records
from schema.context import Info
from schema.convert import FromView, from_view
from schema.marketplace.contracts.types import NoticeConvention, NoticeTerms
from schema.marketplace.offers.types import (
    LegalBasis,
    Offer,
    OfferCategory,
    SpecialCondition,
    TargetGroup,
    UniqueOfferStatus,
)
from schema.marketplace.organisations.types import Region
from schema.relay import load_each, load_held, load_list, load_one, nodes_by_key

AgreementStatus = strawberry.enum(
    m.AgreementStatus,
    name="AgreementStatus",
    description=(
        "draft -> in_consultation -> sent_for_approval -> in_force (when every party has "
        "approved) -> expired (after its period)"
    ),
)
CouncilDecisionKind = strawberry.enum(m.Decision, name="CouncilDecisionKind")
InvoiceFrequency = strawberry.enum(m.InvoiceFrequency, name="InvoiceFrequency")


def _party_name(code: str) -> str:
    if len(code) == 4:
        return region_records().get(code, code)
    return next((r.name for r in municipality_records() if r.code == code), code)


@strawberry.type(description="A party to an agreement: a municipality of the region or the region.")
class Party:
    code: str
    name: str

    @classmethod
    def of(cls, code: str) -> Party:
        return cls(code=code, name=_party_name(code))


@strawberry.type(description="A focus area of the agreement's development part.")
class FocusArea:
    title: str
    text: str
    view: strawberry.Private[m.FocusAreaView]

    @strawberry.field
    async def target_groups(self, info: Info) -> list[TargetGroup]:
        loader = info.context.marketplace.target_group_by_code
        return await load_each(loader, self.view.target_groups, TargetGroup.of)


@strawberry.type(description="A document of the agreement.")
class AgreementDocument:
    title: str
    url: str


@strawberry.type(description="A key date of the agreement's process: a day, or a period.")
class Milestone:
    title: str
    starts_on: datetime.date
    ends_on: datetime.date | None
    description: str


@strawberry.type(
    description=(
        "A notice period for a category and/or a legal basis: days (DAYS), or the rest of the "
        "month plus some months, to a month's end (MONTH_END)."
    )
)
class NoticeRule(FromView):
    category: OfferCategory | None  # type: ignore[valid-type]
    legal_basis: LegalBasis | None  # type: ignore[valid-type]
    convention: NoticeConvention  # type: ignore[valid-type]
    days: int | None = strawberry.field(description="With DAYS; null with MONTH_END.")
    months: int | None = strawberry.field(description="With MONTH_END; null with DAYS.")
    description: str = strawberry.field(
        description='In words: "60 days", "the rest of the month plus 1 month".'
    )

    @classmethod
    def of(cls, view: m.NoticeRule) -> NoticeRule:
        return from_view(cls, view, description=view.terms.period)


@strawberry.type
class BillingRule:
    bill_first_day: bool
    bill_last_day: bool
    invoice_frequency: InvoiceFrequency  # type: ignore[valid-type]
    payment_term_days: int


@strawberry.type(description="The occupancy a price calculation budgets with.")
class OccupancyBand:
    min_percent: Decimal
    max_percent: Decimal
    min_percent_acute_respite: Decimal | None
    recommended_max_percent: Decimal | None
    advisory: bool


@strawberry.type(description="The steering part's rules (see the README's agreement section).")
class AgreementRules(FromView):
    notice: list[NoticeRule]
    billing: BillingRule
    overhead_cap_percent: Decimal | None
    overhead_cap_advisory: bool
    occupancy: OccupancyBand | None
    budget_regulation_percent: Decimal | None
    allowed_budget_deviation_percent: Decimal | None
    carry_over_percent: Decimal | None
    reserve_years: int | None
    reserve_rules: str
    new_offer_conditions: list[SpecialCondition]  # type: ignore[valid-type]
    small_group_occupancy_percent: Decimal | None
    acute_response_hours: int | None = strawberry.field(
        description="Hours a provider has to answer an acute request (the setting when null)."
    )
    price_lists_due: str | None = strawberry.field(
        description="The day of the year (MM-DD) by which next year's price lists are due."
    )
    notes: str


@strawberry.type(description="A version of the agreement's rules, in force for a period.")
class RuleSet(FromView):
    valid_from: datetime.date
    valid_to: datetime.date
    version: int
    is_example: bool = strawberry.field(description="The values are examples, not a region's own.")
    set_by: str
    set_at: datetime.datetime
    rules: AgreementRules


@strawberry.type(description="A party's council decision on the agreement.")
class CouncilDecision(FromView):
    party: Party
    decision: CouncilDecisionKind  # type: ignore[valid-type]
    body: str
    decided_on: datetime.date
    reference: str
    revision: int = strawberry.field(description="The agreement's revision decided on.")
    days_late: int | None = strawberry.field(
        description="Days after the approval deadline the council decided; null when on time."
    )
    counts: bool = strawberry.field(
        description="False once a reconsideration or a substantive revision replaced it."
    )


@strawberry.type(description="Where the councils' approval of an agreement stands.")
class AgreementApprovalStatus(FromView):
    status: AgreementStatus  # type: ignore[valid-type]
    parties: int
    approved: list[Party]
    rejected: list[Party]
    missing: list[Party] = strawberry.field(description="Parties without a decision yet.")
    deadline: datetime.date | None
    days_to_deadline: int | None = strawberry.field(description="Negative once it has passed.")
    unanimous: bool
    decisions: list[CouncilDecision] = strawberry.field(
        description="Every decision, reconsidered and earlier revisions' ones included."
    )
    revision: int
    approvals_from: int = strawberry.field(
        description="The revision from which decisions count (the last substantive one)."
    )
    late: list[Party] = strawberry.field(
        description="Parties whose counting decision came after the deadline."
    )


@strawberry.type(description="A municipality's choice on a special condition.")
class SpecialConditionChoice:
    municipality: Party
    opted_in: bool
    decided_on: datetime.date


async def _offer(info: Info, offer_id: uuid.UUID) -> Offer | None:
    return await load_one(info.context.marketplace.offer_by_id, offer_id, Offer.of)


@strawberry.type(
    description=(
        "A special condition a steering group granted a new offer for a small target group "
        "(objective financing in start-up years, a lower occupancy percentage, collective "
        "deficit cover), with each municipality's choice to join it."
    )
)
class SpecialConditionApproval(relay.Node):
    id: relay.NodeID[str]
    condition: SpecialCondition  # type: ignore[valid-type]
    approved_by: str
    approved_on: datetime.date
    valid_from: datetime.date
    valid_to: datetime.date
    occupancy_percent: Decimal | None
    notes: str
    choices: list[SpecialConditionChoice]
    view: strawberry.Private[m.SpecialConditionView]
    resolve_nodes = nodes_by_key(lambda info: info.context.agreements.special_condition_by_id)

    @classmethod
    def of(cls, view: m.SpecialConditionView) -> SpecialConditionApproval:
        percent = view.parameters.get("occupancy_percent")
        return from_view(
            cls, view, occupancy_percent=Decimal(percent) if percent is not None else None
        )

    @strawberry.field
    async def offer(self, info: Info) -> Offer | None:
        return await _offer(info, self.view.offer_id)


@strawberry.type(description="A year's decision on a unique offer in the reinforced cooperation.")
class UniqueOfferDecision(FromView):
    year: int
    status: UniqueOfferStatus  # type: ignore[valid-type]
    recommended_by: str = strawberry.field(description="E.g. the expert panel (Ekspertpanelet).")
    working_group: str = strawberry.field(
        description="In the emergency track: who proposes a way on."
    )
    progress: str
    decided_on: datetime.date
    view: strawberry.Private[m.UniqueDecisionView]

    @strawberry.field
    async def offer(self, info: Info) -> Offer | None:
        return await _offer(info, self.view.offer_id)


@strawberry.type(
    description=(
        "A region's social agreement (socialaftale / rammeaftale): its parties, development "
        "part, documents, process dates, rules (the steering part), and the councils' approval."
    )
)
class Agreement(FromView, relay.Node):
    id: relay.NodeID[str]
    name: str
    valid_from: datetime.date
    valid_to: datetime.date
    status: AgreementStatus  # type: ignore[valid-type]
    steering_group: str
    vision: str
    approval_deadline: datetime.date | None
    is_demo: bool
    revision: int
    approvals_from: int
    parties: list[Party]
    focus_areas: list[FocusArea]
    documents: list[AgreementDocument]
    milestones: list[Milestone]
    view: strawberry.Private[m.AgreementView]
    resolve_nodes = nodes_by_key(lambda info: info.context.agreements.agreement_by_id)

    @strawberry.field
    async def region(self, info: Info) -> Region:
        loader = info.context.marketplace.region_by_code
        return await load_held(loader, self.view.region_code, Region.of)

    @strawberry.field(description="Every version of the rules, in force order.")
    async def rule_sets(self, info: Info) -> list[RuleSet]:
        loader = info.context.agreements.rule_sets_by_agreement
        return await load_list(loader, self.view.id, RuleSet.of)

    @strawberry.field(description="The rules in force on a day.")
    async def rules_on(self, info: Info, date: datetime.date) -> RuleSet | None:
        found = await info.context.agreements.rule_sets_by_agreement.load(self.view.id)
        current = [r for r in found or [] if r.valid_from <= date <= r.valid_to]
        return RuleSet.of(current[-1]) if current else None

    @strawberry.field(description="The parties' council decisions.")
    async def decisions(self, info: Info) -> list[CouncilDecision]:
        loader = info.context.agreements.decisions_by_agreement
        return await load_list(loader, self.view.id, CouncilDecision.of)

    @strawberry.field
    async def special_conditions(self, info: Info) -> list[SpecialConditionApproval]:
        loader = info.context.agreements.special_conditions_by_agreement
        return await load_list(loader, self.view.id, SpecialConditionApproval.of)

    @strawberry.field(description="Decisions on unique offers, by year.")
    async def unique_offers(self, info: Info) -> list[UniqueOfferDecision]:
        loader = info.context.agreements.unique_decisions_by_agreement
        return await load_list(loader, self.view.id, UniqueOfferDecision.of)


@strawberry.type(description="Which agreement and rules apply to an offer on a day, and why.")
class ApplicableRules:
    date: datetime.date
    agreement: Agreement | None
    rule_set: RuleSet | None
    notice_period_days: int | None = strawberry.field(
        description="Days' notice under the DAYS convention; null under MONTH_END (see notice)."
    )
    notice: NoticeTerms = strawberry.field(description="The notice a contract made then takes.")
    bill_first_day: bool
    bill_last_day: bool
    source: str = strawberry.field(description="Where the contract rules come from.")
    notice_rule: NoticeRule | None = strawberry.field(description="The agreement's rule that fits.")
    special_conditions: list[SpecialConditionApproval]
    unique_offer: UniqueOfferDecision | None
    explanation: list[str]
    offer_id: strawberry.Private[uuid.UUID]

    @classmethod
    def of(cls, view: rulebook.ApplicableRules) -> ApplicableRules:
        rules, unique = view.contract_rules, view.unique_decision
        return from_view(
            cls,
            view,
            date=view.on,
            notice_period_days=(
                rules.notice_days if rules.notice_convention.value == "days" else None
            ),
            notice=NoticeTerms.of(rules.notice),
            bill_first_day=rules.bill_first_day,
            bill_last_day=rules.bill_last_day,
            source=rules.source,
            unique_offer=UniqueOfferDecision.of(unique) if unique else None,
        )

    @strawberry.field
    async def offer(self, info: Info) -> Offer | None:
        return await _offer(info, self.offer_id)
