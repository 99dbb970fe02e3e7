"""Making a contract from terms both parties agreed: a request accepted as asked (the buyer's
terms, or, for a request made from an answer to a need, the provider's own answer the buyer
picked), or a provider's proposal the buyer accepted.

The terms are priced by the price list in force on the start (a level's price, or a special
arrangement's price worked out from its costs), the rules (notice, billing) are those of the
agreement that covers the offer then, and the place is claimed under the offer's row lock,
held to the commit: two acceptances competing for the last place take turns, and the second
sees the first. The term records who agreed it for each party, and when.
"""

from __future__ import annotations

import datetime
import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from marketplace.contracts import followups, parties
from marketplace.contracts.capacity import OfferIntake, check_capacity, lock_offer
from marketplace.contracts.models import (
    AddOnRequest,
    Consent,
    ContractStatus,
    SpecialArrangementCost,
)
from marketplace.contracts.pricing import agreed_add_ons, agreed_price, price_list_on
from marketplace.contracts.rows import NeedAnswerRow, RequestRow
from marketplace.contracts.tables import Contract, ContractTerm, NeedAnswer
from marketplace.core.clock import utcnow
from marketplace.core.errors import DomainError, ErrorCode
from marketplace.core.identity import SYSTEM, Principal
from marketplace.core.rows import row_or_none
from marketplace.core.rules import ContractRules, StatedTerms, rule_book
from marketplace.offers import service as offers
from marketplace.offers.models import OfferStatus, OfferView, PriceListView
from marketplace.offers.pricing import lock_price_list


@dataclass(frozen=True, slots=True)
class Terms:
    """What is agreed: the first day, and the level, hours and add-ons, or a special
    arrangement's costs and review date."""

    start: datetime.date
    price_level: str | None
    hours_per_month: Decimal | None
    add_ons: list[AddOnRequest]
    special: SpecialArrangementCost | None = None
    review_on: datetime.date | None = None
    hours_per_week: Decimal | None = None  # hours a week instead of a month's

    @property
    def hours(self) -> tuple[Decimal | None, bool]:
        """The agreed hours for an hourly price, and whether they are a week's."""
        if self.hours_per_week is not None:
            return self.hours_per_week, True
        return self.hours_per_month, False


@dataclass(frozen=True, slots=True)
class Answered:
    """What a request made from an answer to a need takes from the answer besides its level,
    hours and add-ons (which the request holds): a special arrangement's costs and review
    date, and the provider's consent, given by answering."""

    special: SpecialArrangementCost | None
    review_on: datetime.date | None
    provider: Consent


async def answered_terms(request: RequestRow) -> Answered | None:
    """The answer a request was made from, if it was made from one."""
    if request.need_answer is None:
        return None
    found = (
        await NeedAnswer.select()
        .where(NeedAnswer.id == request.need_answer)
        .output(load_json=True)
        .first()
        .run()
    )
    answer = row_or_none(NeedAnswerRow, found)
    assert answer is not None and answer.answered_at is not None  # picked: it was answered
    cost = answer.special_arrangement
    return Answered(
        special=SpecialArrangementCost.model_validate(cost) if cost else None,
        review_on=answer.review_on,
        provider=Consent(
            organisation=answer.provider_org, by=answer.answered_by or "", at=answer.answered_at
        ),
    )


def asked_terms(
    request: RequestRow, start: datetime.date, answered: Answered | None = None
) -> Terms:
    """The terms a request asks for, from ``start`` (with the special arrangement of the
    answer it was made from, if any)."""
    return Terms(
        start=start,
        price_level=request.price_level,
        hours_per_month=parties.maybe_hundredths(request.hours_per_month),
        add_ons=[AddOnRequest.model_validate(a) for a in request.add_ons],
        special=answered.special if answered else None,
        review_on=answered.review_on if answered else None,
        hours_per_week=parties.maybe_hundredths(request.hours_per_week),
    )


def consent(principal: Principal, at: datetime.datetime | None = None) -> Consent:
    """The caller's agreement, now (or at ``at``)."""
    return Consent(
        organisation=principal.org_code or "", by=principal.subject or "", at=at or utcnow()
    )


@dataclass(frozen=True, slots=True)
class Agreed:
    """The terms priced: the price list the price is taken from, the first term's price
    columns and add-ons, and the rules the contract is made under."""

    version: PriceListView
    price: dict[str, Any]
    add_ons: list[dict[str, Any]]
    rules: ContractRules


def takes_people_in(status: str, field: str = "id") -> None:
    if status != OfferStatus.PUBLISHED.value:
        raise DomainError(
            ErrorCode.INVALID_STATE, f"The offer is {status}: it takes no one in now.", [field]
        )


async def offer_with_room(offer_id: uuid.UUID, start: datetime.date) -> OfferView:
    """The offer, if it takes people in and has a place from ``start`` on, as far as can be
    told without its lock (``claim_place`` decides again, holding it); fails fast."""
    offer = await offers.get_offer(SYSTEM, offer_id)  # a party of the request may know of it
    assert offer is not None  # offers are never deleted
    takes_people_in(offer.status.value)
    await check_capacity(offer.id, offer.capacity_places, offer.occupied_places, start)
    return offer


async def check_special_cost(
    offer: OfferView, cost: SpecialArrangementCost, on: datetime.date, field: str
) -> None:
    """A special arrangement's overhead keeps the cap of the agreement that covers the offer
    on ``on``, as a price list's overhead does."""
    facts = offers.rule_facts(offer, (await offers.legal_bases_by_offer([offer.id]))[offer.id])
    overhead_bp = int(cost.overhead_percent * 100)
    findings = await rule_book().price_list_findings(facts, on, overhead_bp, None)
    broken = [f for f in findings if f.field == "overhead_percent" and not f.advisory]
    if broken:
        raise DomainError(ErrorCode.RULE_BROKEN, broken[0].message, [field, "overhead_percent"])


async def price_terms(offer: OfferView, basis: str, terms: Terms) -> Agreed:
    """Price the terms by the price list in force on their start, and find the rules (notice,
    billing) of the agreement that covers the offer then, for a contract under ``basis``."""
    version = await price_list_on(offer.id, terms.start, ["start_date"])
    if terms.special is not None:
        await check_special_cost(offer, terms.special, terms.start, "special_arrangement")
    hours, per_week = terms.hours
    price = agreed_price(
        version, terms.price_level, hours, special=terms.special, per_week=per_week
    )
    price["review_on"] = terms.review_on
    add_ons = agreed_add_ons(version, terms.add_ons)
    facts = offers.rule_facts(
        offer,
        (await offers.legal_bases_by_offer([offer.id]))[offer.id],
        stated=StatedTerms(
            version.notice_days,
            version.bill_first_day,
            version.bill_last_day,
            version.notice_months,
        ),
        basis=basis,
    )
    rules = await rule_book().contract_rules(facts, terms.start)
    return Agreed(version, price, add_ons, rules)


async def claim_place(offer_id: uuid.UUID, start: datetime.date) -> None:
    """Take the offer's row lock, held to the commit, and decide under it that the offer
    takes people in and has a place on every day from ``start`` on."""
    places = await lock_offer(OfferIntake, offer_id)
    takes_people_in(places.status)
    await check_capacity(offer_id, places.capacity_places, places.occupied_places, start)


def consent_columns(buyer: Consent, provider: Consent) -> dict[str, Any]:
    """A term's record of who agreed it for each party."""
    return {
        "buyer_agreed_org": buyer.organisation,
        "buyer_agreed_by": buyer.by[:100],
        "buyer_agreed_at": buyer.at,
        "provider_agreed_org": provider.organisation,
        "provider_agreed_by": provider.by[:100],
        "provider_agreed_at": provider.at,
    }


async def write_contract(
    request: RequestRow,
    offer_id: uuid.UUID,
    start: datetime.date,
    agreed: Agreed,
    consents: tuple[Consent, Consent],
) -> uuid.UUID:
    """Store the contract and its first term, and mark the price list as in use."""
    contract_id = uuid.uuid4()
    now = utcnow()
    rules = agreed.rules
    await Contract.insert(
        Contract(
            id=contract_id,
            request=request.id,
            offer=offer_id,
            provider_org=request.provider_org,
            buyer=request.buyer,
            citizen_ref=request.citizen_ref,
            cpr_hash=request.cpr_hash,
            cpr_masked=request.cpr_masked,
            legal_basis=request.legal_basis,
            start_date=start,
            status=ContractStatus.ACTIVE.value,
            notice_days=rules.notice_days,
            notice_convention=rules.notice_convention.value,
            notice_months=rules.notice_months,
            bill_first_day=rules.bill_first_day,
            bill_last_day=rules.bill_last_day,
            rules_source=rules.source[:200],
            individual_plan_ref=request.individual_plan_ref,
            follow_up_on=request.follow_up_on,
            created_at=now,
            updated_at=now,
        )
    ).run()
    await ContractTerm.insert(
        ContractTerm(
            id=uuid.uuid4(),
            contract=contract_id,
            valid_from=start,
            **agreed.price,
            add_ons=agreed.add_ons,
            **consent_columns(*consents),
        )
    ).run()
    await lock_price_list(agreed.version.id)
    await followups.first_date(request, contract_id, start)
    return contract_id


async def sign(
    principal: Principal,
    request: RequestRow,
    terms: Terms,
    consents: tuple[Consent, Consent],
) -> uuid.UUID:
    """Make the contract on ``terms`` (the request's offer must take people in and have a
    place on every day from the start): price, rules, the place under the offer's lock, the
    contract and its history. ``consents`` are the buyer's and the provider's agreement."""
    offer = await offer_with_room(request.offer, terms.start)
    agreed = await price_terms(offer, request.legal_basis, terms)
    await claim_place(offer.id, terms.start)
    contract_id = await write_contract(request, offer.id, terms.start, agreed, consents)
    await parties.record(
        principal,
        "signed",
        contract=contract_id,
        to_status=ContractStatus.ACTIVE.value,
        detail=(
            f"start {terms.start.isoformat()}, {agreed.rules.notice.described} "
            f"({agreed.rules.source})"
        ),
    )
    return contract_id
