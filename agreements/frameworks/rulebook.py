"""The rule book contracting and pricing ask, answered from the agreements: the agreement in
force for the offer's region on the day, and its rules in force that day. Private providers'
offers are outside the regional agreements; they, and offers of a region without an agreement
in force, fall back to what their price list states and the example values in settings.
``applicable_rules`` explains the answer; ``agreements_for`` names the agreement of many
offers at once (a buyer comparing the answers to a need)."""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from agreements.frameworks import service
from agreements.frameworks.models import (
    AgreementRules,
    AgreementView,
    NoticeRule,
    OccupancyBand,
    RuleSetView,
    SpecialConditionView,
    UniqueDecisionView,
)
from agreements.frameworks.rows import AgreementRow
from marketplace.core.errors import DomainError, ErrorCode
from marketplace.core.identity import Principal
from marketplace.core.rules import (
    AgreementNote,
    ContractRules,
    InvoiceTerms,
    OfferFacts,
    ProviderFacts,
    RuleFinding,
    StatedTerms,
    fallback_invoice_terms,
    fallback_rules,
)
from marketplace.offers import pricing
from marketplace.offers import service as offers
from marketplace.offers.models import OfferView, SpecialCondition
from marketplace.offers.validity import in_force
from marketplace.organisations.tables import OwnerType

# Offers whose paragraphs make them acute or respite places, where the occupancy band's
# lower minimum applies: relief stays (SEL § 84), the crisis and shelter stays (§§ 109-110)
# and respite stays for children under Barnets lov (§ 32, stk. 1, nr. 7, støtteophold).
ACUTE_OR_RESPITE = frozenset({"SEL-84", "SEL-109", "SEL-110", "BL-32-1-7"})
PLACE_CATEGORIES = frozenset({"day", "residential"})
PLACE_UNITS = frozenset({"per_day", "per_month"})


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


_PRIVATE = "a private provider's offer is outside the regional agreements"
_PRIVATE_PROVIDER = "a private provider is outside the regional agreements"
_IN_FORCE = "the agreement in force for the offer's region"


def _none_in_force(region_code: str | None, on: datetime.date) -> str:
    return f"no agreement is in force for region {region_code} on {on.isoformat()}"


async def applicable(offer: OfferFacts, on: datetime.date) -> Applicable:
    if offer.owner_type == OwnerType.PRIVATE.value:
        return Applicable(None, None, _PRIVATE)
    agreement = await service.agreement_in_force(offer.region_code, on)
    if agreement is None:
        return Applicable(None, None, _none_in_force(offer.region_code, on))
    rules = await service.rules_on(agreement, on)
    if rules is None:
        return Applicable(
            agreement, None, f"{agreement.name} has no rules set for {on.isoformat()}"
        )
    return Applicable(agreement, rules, _IN_FORCE)


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
            terms, source = fallback.notice, f"{found.source}; notice: {fallback.source}"
        else:
            terms, source = notice.terms, found.source
        rules = found.rule_set.rules
        billing = rules.billing
        return ContractRules(
            terms.days,
            billing.bill_first_day,
            billing.bill_last_day,
            source,
            rules.acute_response_hours,
            notice_convention=terms.convention,
            notice_months=terms.months,
        )

    async def agreements_for(
        self, offers: Sequence[OfferFacts], on: datetime.date
    ) -> dict[uuid.UUID, AgreementNote]:
        """The agreement in force for each offer's region, by name; a private provider's
        offer is outside the agreements (one statement for any number of offers)."""
        public = [o for o in offers if o.owner_type != OwnerType.PRIVATE.value]
        in_force = await service.agreements_in_force(
            [o.region_code for o in public if o.region_code is not None], on
        )
        notes = {}
        for offer in offers:
            agreement = in_force.get(offer.region_code or "")
            if offer.owner_type == OwnerType.PRIVATE.value:
                notes[offer.offer_id] = AgreementNote(None, _PRIVATE)
            elif agreement is None:
                notes[offer.offer_id] = AgreementNote(None, _none_in_force(offer.region_code, on))
            else:
                notes[offer.offer_id] = AgreementNote(agreement.name, _IN_FORCE)
        return notes

    async def price_list_findings(
        self,
        offer: OfferFacts,
        on: datetime.date,
        overhead_bp: int | None,
        budgeted_occupancy_bp: int | None,
        *,
        unit: str | None = None,
    ) -> list[RuleFinding]:
        found = await applicable(offer, on)
        if found.rule_set is None or found.agreement is None:
            return []
        rules = found.rule_set.rules
        lower = await lower_occupancy(found.agreement.id, offer.offer_id, on)
        findings = [
            _overhead_finding(rules, overhead_bp, found.source),
            _occupancy_finding(
                rules.occupancy,
                offer,
                budgeted_occupancy_bp,
                found.source,
                unit=unit,
                lower=lower,
            ),
        ]
        return [finding for finding in findings if finding is not None]

    async def invoice_terms(self, provider: ProviderFacts, on: datetime.date) -> InvoiceTerms:
        """The billing rule of the agreement in force for the provider's region: its invoice
        frequency and payment term. A private provider is outside the agreements."""
        if provider.owner_type == OwnerType.PRIVATE.value:
            return fallback_invoice_terms(_PRIVATE_PROVIDER)
        agreement = await service.agreement_in_force(provider.region_code, on)
        if agreement is None:
            return fallback_invoice_terms(_none_in_force(provider.region_code, on))
        found = await service.rules_on(agreement, on)
        if found is None:
            return fallback_invoice_terms(f"{agreement.name} has no rules set for {on.isoformat()}")
        billing = found.rules.billing
        source = Applicable(agreement, found, "the agreement in force for the provider's region")
        return InvoiceTerms(
            billing.invoice_frequency.value, billing.payment_term_days, source.source
        )


async def lower_occupancy(
    agreement_id: uuid.UUID, offer_id: uuid.UUID, on: datetime.date
) -> Decimal | None:
    """The lower occupancy a special condition of the agreement grants the offer on the day
    (e.g. 85% approved by DAS for a new offer for a small target group), if any."""
    for condition in await service.special_conditions(offer_ids=[offer_id]):
        if (
            condition.agreement_id == agreement_id
            and condition.condition is SpecialCondition.LOWER_OCCUPANCY_PCT
            and condition.valid_from <= on <= condition.valid_to
        ):
            return Decimal(str(condition.parameters["occupancy_percent"]))
    return None


def _overhead_finding(
    rules: AgreementRules, overhead_bp: int | None, source: str
) -> RuleFinding | None:
    """The overhead must be stated and within the agreement's cap, if it has one."""
    if rules.overhead_cap_percent is None:
        return None
    cap = int(rules.overhead_cap_percent * 100)
    if overhead_bp is None:
        return RuleFinding(
            "overhead_percent",
            f"State the overhead: the agreement caps it at {_percent(cap)}.",
            True,
            source,
        )
    if overhead_bp > cap:
        return RuleFinding(
            "overhead_percent",
            f"Overhead {_percent(overhead_bp)} is above the agreement's cap of {_percent(cap)}.",
            rules.overhead_cap_advisory,
            source,
        )
    return None


def band_applies(offer: OfferFacts, unit: str | None) -> bool:
    """The occupancy band is a rule of the price calculation of places: it applies to the
    per-day and per-month prices of day and residential offers, not to hourly prices
    (§ 85 support) nor to outpatient offers."""
    return offer.category in PLACE_CATEGORIES and (unit is None or unit in PLACE_UNITS)


def acute_or_respite(offer: OfferFacts) -> bool:
    return offer.takes_acute or bool(ACUTE_OR_RESPITE & set(offer.legal_bases))


@dataclass(frozen=True)
class _Limits:
    low_bp: int
    high_bp: int
    recommended_bp: int | None
    what: str


def _limits(band: OccupancyBand, offer: OfferFacts, lower: Decimal | None) -> _Limits:
    """The band's limits for the offer: a special condition's lower occupancy, else the
    minimum for acute and respite places where the offer is one and the band names it,
    else the band's minimum."""
    high_bp = int(band.max_percent * 100)
    recommended = band.recommended_max_percent
    recommended_bp = None if recommended is None else int(recommended * 100)
    if lower is not None:
        return _Limits(int(lower * 100), high_bp, recommended_bp, "the special condition")
    if band.min_percent_acute_respite is not None and acute_or_respite(offer):
        low = int(band.min_percent_acute_respite * 100)
        return _Limits(low, high_bp, recommended_bp, "acute and respite places")
    return _Limits(int(band.min_percent * 100), high_bp, recommended_bp, "the price calculation")


def _occupancy_finding(
    band: OccupancyBand | None,
    offer: OfferFacts,
    budgeted_occupancy_bp: int | None,
    source: str,
    *,
    unit: str | None = None,
    lower: Decimal | None = None,
) -> RuleFinding | None:
    """The budgeted occupancy must be stated and within the agreement's band, if it has one
    and it applies to the price (see ``band_applies``); above the recommended maximum it is
    a warning."""
    if band is None or not band_applies(offer, unit):
        return None
    limits = _limits(band, offer, lower)
    low, high = _percent(limits.low_bp), _percent(limits.high_bp)
    if budgeted_occupancy_bp is None:
        return RuleFinding(
            "budgeted_occupancy_percent",
            f"State the budgeted occupancy: the agreement asks {low} to {high}.",
            True,
            source,
        )
    if not limits.low_bp <= budgeted_occupancy_bp <= limits.high_bp:
        return RuleFinding(
            "budgeted_occupancy_percent",
            f"Budgeted occupancy {_percent(budgeted_occupancy_bp)} is outside the "
            f"agreement's band for {limits.what}: {low} to {high}.",
            band.advisory,
            source,
        )
    if limits.recommended_bp is not None and budgeted_occupancy_bp > limits.recommended_bp:
        return RuleFinding(
            "budgeted_occupancy_percent",
            f"Budgeted occupancy {_percent(budgeted_occupancy_bp)} is above the recommended "
            f"maximum of {_percent(limits.recommended_bp)}.",
            True,
            source,
        )
    return None


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
    facts = await _facts_on(offer, on)
    found = await applicable(facts, on)
    rules = await AgreementRuleBook().contract_rules(facts, on)
    decisions = await _decisions_on(principal, found.agreement, offer.id, on)
    notice = None if found.rule_set is None else _notice(found.rule_set, facts)
    return ApplicableRules(
        offer_id=offer.id,
        on=on,
        agreement=decisions.agreement,
        rule_set=found.rule_set,
        contract_rules=rules,
        notice_rule=notice,
        special_conditions=decisions.special_conditions,
        unique_decision=decisions.unique_decision,
        explanation=_explanation(facts, on, found, rules, notice, decisions),
    )


async def _facts_on(offer: OfferView, on: datetime.date) -> OfferFacts:
    """What the rules ask of the offer, with the terms its price list in force states."""
    bases = (await offers.legal_bases_by_offer([offer.id]))[offer.id]
    versions = (await pricing.price_lists_by_offer([offer.id], on.year))[offer.id]
    price_list = in_force(versions, on)
    stated = (
        StatedTerms(
            price_list.notice_days,
            price_list.bill_first_day,
            price_list.bill_last_day,
            price_list.notice_months,
        )
        if price_list
        else StatedTerms()
    )
    return offers.rule_facts(offer, bases, stated=stated)


@dataclass(frozen=True)
class _Decisions:
    """The agreement that applies, and its steering group's decisions on the offer that hold
    on the day."""

    agreement: AgreementView | None = None
    special_conditions: list[SpecialConditionView] = field(default_factory=list)
    unique_decision: UniqueDecisionView | None = None


async def _decisions_on(
    principal: Principal, agreement: AgreementRow | None, offer_id: uuid.UUID, on: datetime.date
) -> _Decisions:
    if agreement is None:
        return _Decisions()
    view = await service.get_agreement(principal, agreement.id)
    conditions = [
        c
        for c in await service.special_conditions(offer_ids=[offer_id])
        if c.agreement_id == agreement.id and c.valid_from <= on <= c.valid_to
    ]
    unique = [
        d
        for d in await service.unique_decisions(agreement_ids=[agreement.id], offer_ids=[offer_id])
        if d.year == on.year
    ]
    return _Decisions(view, conditions, unique[0] if unique else None)


def _explanation(
    facts: OfferFacts,
    on: datetime.date,
    found: Applicable,
    rules: ContractRules,
    notice: NoticeRule | None,
    decisions: _Decisions,
) -> list[str]:
    """Why these rules apply, for people to read."""
    explanation = [
        f"The offer lies in region {facts.region_code}; its provider is {facts.owner_type}.",
        _agreement_explained(found),
    ]
    if found.rule_set is not None:
        explanation += _rule_set_explained(found.rule_set, notice)
    explanation.append(
        f"Contracts made on {on.isoformat()}: {rules.notice.described} ({rules.source})."
    )
    explanation += [_condition_explained(c) for c in decisions.special_conditions]
    unique = decisions.unique_decision
    if unique is not None:
        explanation.append(f"Unique offer in {unique.year}: {unique.status.value}.")
    return explanation


def _agreement_explained(found: Applicable) -> str:
    if found.agreement is None:
        return f"No agreement applies: {found.why}."
    return (
        f"{found.agreement.name} ({found.agreement.valid_from} to "
        f"{found.agreement.valid_to}) is {found.why}."
    )


def _rule_set_explained(rule_set: RuleSetView, notice: NoticeRule | None) -> list[str]:
    explained = [
        f"Its rules from {rule_set.valid_from} (version {rule_set.version}) apply"
        + (", with example values" if rule_set.is_example else "")
        + "."
    ]
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
        explained.append(f"Notice: {notice.terms.period}, the rule for {scope}.")
    return explained


def _condition_explained(condition: SpecialConditionView) -> str:
    joined = [c.municipality for c in condition.choices if c.opted_in]
    return (
        f"Special condition {condition.condition.value}, approved by {condition.approved_by} "
        f"for {condition.valid_from} to {condition.valid_to}; joined by: {', '.join(joined) or 'none yet'}."
    )
