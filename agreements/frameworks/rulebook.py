"""The rule book contracting and pricing ask, answered from the agreements: the agreement in
force for the offer's region on the day, and its rules in force that day. Private providers'
offers are outside the regional agreements; they, and offers of a region without an agreement
in force, fall back to what their price list states and the example values in settings.
``applicable_rules`` explains the answer."""

from __future__ import annotations

import datetime
import uuid
from dataclasses import dataclass, field

from agreements.frameworks import service
from agreements.frameworks.models import (
    AgreementView,
    NoticeRule,
    RuleSetView,
    SpecialConditionView,
    UniqueDecisionView,
)
from agreements.frameworks.rows import AgreementRow
from marketplace.core.errors import DomainError, ErrorCode
from marketplace.core.identity import Principal
from marketplace.core.rules import (
    ContractRules,
    OfferFacts,
    RuleFinding,
    StatedTerms,
    fallback_rules,
)
from marketplace.offers import pricing
from marketplace.offers import service as offers
from marketplace.offers.validity import in_force
from marketplace.organisations.tables import OwnerType

# Offers whose paragraphs make them acute or respite places, where the occupancy band's
# lower minimum applies: relief stays (§ 84) and the crisis and shelter stays (§§ 109-110).
ACUTE_OR_RESPITE = frozenset({"SEL-84", "SEL-109", "SEL-110"})


@dataclass(frozen=True)
class Applicable:
    """Which agreement and rules apply to an offer on a day, and why."""

    agreement: AgreementRow | None
    rule_set: RuleSetView | None
    why: str

    @property
    def source(self) -> str:
        if self.agreement is None or self.rule_set is None:
            return self.why
        example = " (example values)" if self.rule_set.is_example else ""
        return (
            f"{self.agreement.name}, rules from {self.rule_set.valid_from.isoformat()} "
            f"(version {self.rule_set.version}){example}"
        )


async def applicable(offer: OfferFacts, on: datetime.date) -> Applicable:
    if offer.owner_type == OwnerType.PRIVATE.value:
        return Applicable(
            None, None, "a private provider's offer is outside the regional agreements"
        )
    agreement = await service.agreement_in_force(offer.region_code, on)
    if agreement is None:
        return Applicable(
            None,
            None,
            f"no agreement is in force for region {offer.region_code} on {on.isoformat()}",
        )
    rules = await service.rules_on(agreement, on)
    if rules is None:
        return Applicable(
            agreement, None, f"{agreement.name} has no rules set for {on.isoformat()}"
        )
    return Applicable(agreement, rules, "the agreement in force for the offer's region")


def _notice(rules: RuleSetView, offer: OfferFacts) -> NoticeRule | None:
    bases = (offer.legal_basis,) if offer.legal_basis else offer.legal_bases
    return rules.rules.notice_for(offer.category, bases)


def _percent(bp: int) -> str:
    return f"{bp / 100:g}%"


class AgreementRuleBook:
    async def contract_rules(self, offer: OfferFacts, on: datetime.date) -> ContractRules:
        found = await applicable(offer, on)
        if found.rule_set is None:
            return fallback_rules(offer, found.why)
        notice = _notice(found.rule_set, offer)
        if notice is None:
            fallback = fallback_rules(offer, f"{found.source} names no notice period for it")
            days, source = fallback.notice_days, f"{found.source}; notice: {fallback.source}"
        else:
            days, source = notice.days, found.source
        billing = found.rule_set.rules.billing
        return ContractRules(days, billing.bill_first_day, billing.bill_last_day, source)

    async def price_list_findings(
        self,
        offer: OfferFacts,
        on: datetime.date,
        overhead_bp: int | None,
        budgeted_occupancy_bp: int | None,
    ) -> list[RuleFinding]:
        found = await applicable(offer, on)
        if found.rule_set is None:
            return []
        rules, findings = found.rule_set.rules, []
        if rules.overhead_cap_percent is not None:
            cap = int(rules.overhead_cap_percent * 100)
            if overhead_bp is None:
                findings.append(
                    RuleFinding(
                        "overhead_percent",
                        f"State the overhead: the agreement caps it at {_percent(cap)}.",
                        True,
                        found.source,
                    )
                )
            elif overhead_bp > cap:
                findings.append(
                    RuleFinding(
                        "overhead_percent",
                        f"Overhead {_percent(overhead_bp)} is above the agreement's cap of {_percent(cap)}.",
                        rules.overhead_cap_advisory,
                        found.source,
                    )
                )
        band = rules.occupancy
        if band is not None:
            acute = bool(ACUTE_OR_RESPITE & set(offer.legal_bases))
            low = (
                band.min_percent_acute_respite
                if acute and band.min_percent_acute_respite
                else band.min_percent
            )
            low_bp, high_bp = int(low * 100), int(band.max_percent * 100)
            what = (
                "acute and respite places"
                if acute and band.min_percent_acute_respite
                else "the price calculation"
            )
            if budgeted_occupancy_bp is None:
                findings.append(
                    RuleFinding(
                        "budgeted_occupancy_percent",
                        f"State the budgeted occupancy: the agreement asks {_percent(low_bp)} to {_percent(high_bp)}.",
                        True,
                        found.source,
                    )
                )
            elif not low_bp <= budgeted_occupancy_bp <= high_bp:
                findings.append(
                    RuleFinding(
                        "budgeted_occupancy_percent",
                        f"Budgeted occupancy {_percent(budgeted_occupancy_bp)} is outside the "
                        f"agreement's band for {what}: {_percent(low_bp)} to {_percent(high_bp)}.",
                        band.advisory,
                        found.source,
                    )
                )
        return findings


@dataclass(frozen=True)
class ApplicableRules:
    """The rules that apply to an offer on a day, with the reasons, for people to read."""

    offer_id: uuid.UUID
    on: datetime.date
    agreement: AgreementView | None
    rule_set: RuleSetView | None
    contract_rules: ContractRules
    notice_rule: NoticeRule | None
    special_conditions: list[SpecialConditionView]
    unique_decision: UniqueDecisionView | None
    explanation: list[str] = field(default_factory=list)


async def applicable_rules(
    principal: Principal, offer_id: uuid.UUID, on: datetime.date
) -> ApplicableRules:
    """Which agreement and which of its rules apply to an offer on a day, and why."""
    if not principal.is_authenticated:
        raise DomainError(ErrorCode.UNAUTHENTICATED, "Sign in to read the rules.")
    offer = await offers.get_offer(principal, offer_id)
    if offer is None:
        raise DomainError(ErrorCode.NOT_FOUND, "There is no such offer.", ["offer_id"])
    bases = (await offers.legal_bases_by_offer([offer.id]))[offer.id]
    versions = (await pricing.price_lists_by_offer([offer.id], on.year))[offer.id]
    price_list = in_force(versions, on)
    stated = (
        StatedTerms(price_list.notice_days, price_list.bill_first_day, price_list.bill_last_day)
        if price_list
        else StatedTerms()
    )
    facts = offers.rule_facts(offer, bases, stated=stated)
    found = await applicable(facts, on)
    rules = await AgreementRuleBook().contract_rules(facts, on)
    explanation = [
        f"The offer lies in region {facts.region_code}; its provider is {facts.owner_type}."
    ]
    notice = None
    agreement_view = None
    conditions: list[SpecialConditionView] = []
    unique = None
    if found.agreement is not None:
        agreement_view = await service.get_agreement(principal, found.agreement.id)
        explanation.append(
            f"{found.agreement.name} ({found.agreement.valid_from} to "
            f"{found.agreement.valid_to}) is {found.why}."
        )
        conditions = [
            c
            for c in await service.special_conditions(offer_ids=[offer.id])
            if c.agreement_id == found.agreement.id and c.valid_from <= on <= c.valid_to
        ]
        decisions = [
            d
            for d in await service.unique_decisions(
                agreement_ids=[found.agreement.id], offer_ids=[offer.id]
            )
            if d.year == on.year
        ]
        unique = decisions[0] if decisions else None
    else:
        explanation.append(f"No agreement applies: {found.why}.")
    if found.rule_set is not None:
        notice = _notice(found.rule_set, facts)
        explanation.append(
            f"Its rules from {found.rule_set.valid_from} (version {found.rule_set.version}) apply"
            + (", with example values" if found.rule_set.is_example else "")
            + "."
        )
        if notice is not None:
            scope = (
                " and ".join(
                    part
                    for part in (
                        f"category {notice.category.value}" if notice.category else "",
                        f"legal basis {notice.legal_basis.value}" if notice.legal_basis else "",
                    )
                    if part
                )
                or "every offer"
            )
            explanation.append(f"Notice: {notice.days} days, the rule for {scope}.")
    explanation.append(
        f"Contracts made on {on.isoformat()}: {rules.notice_days} days' notice ({rules.source})."
    )
    for condition in conditions:
        joined = [c.municipality for c in condition.choices if c.opted_in]
        explanation.append(
            f"Special condition {condition.condition.value}, approved by {condition.approved_by} "
            f"for {condition.valid_from} to {condition.valid_to}; joined by: {', '.join(joined) or 'none yet'}."
        )
    if unique is not None:
        explanation.append(f"Unique offer in {unique.year}: {unique.status.value}.")
    return ApplicableRules(
        offer_id=offer.id,
        on=on,
        agreement=agreement_view,
        rule_set=found.rule_set,
        contract_rules=rules,
        notice_rule=notice,
        special_conditions=conditions,
        unique_decision=unique,
        explanation=explanation,
    )
