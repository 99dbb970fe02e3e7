"""The trade rules the market needs from a region's social agreement, behind a protocol.

Contracting asks for the notice period and the billing convention that apply to an offer on a
day; publishing a price list asks whether its overhead and budgeted occupancy keep the
agreement's rules; a buyer comparing the answers to a need asks which agreement covers each
offer. The regional agreements (the ``agreements`` package) answer from the
agreement in force for the offer's region; the default answers from what the offer's price
list states and, failing that, the example values in settings. ``marketplace`` never imports
``agreements``: the app wires the implementation in at start-up with ``use_rule_book``.
"""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from marketplace.core.settings import get_settings


@dataclass(frozen=True, slots=True)
class StatedTerms:
    """Terms a provider states in its own price list (private providers, outside the
    agreements); None where it states nothing."""

    notice_days: int | None = None
    bill_first_day: bool | None = None
    bill_last_day: bool | None = None


@dataclass(frozen=True, slots=True)
class OfferFacts:
    """What the rules depend on: where the offer lies, what it is, who runs it."""

    offer_id: uuid.UUID
    region_code: str | None
    category: str
    legal_bases: tuple[str, ...]
    owner_type: str
    stated: StatedTerms = StatedTerms()
    legal_basis: str | None = None  # the paragraph a contract is made under


@dataclass(frozen=True, slots=True)
class ContractRules:
    """The rules a contract is made under (kept on the contract as agreed terms)."""

    notice_days: int
    bill_first_day: bool
    bill_last_day: bool
    source: str
    # Hours a provider has to answer an acute request; None where no agreement says.
    acute_response_hours: int | None = None


@dataclass(frozen=True, slots=True)
class RuleFinding:
    """A rule a price list breaks: an error, or a warning where the rule is advisory."""

    field: str
    message: str
    advisory: bool
    source: str


@dataclass(frozen=True, slots=True)
class AgreementNote:
    """The agreement that covers an offer on a day, by name (None where none does), and why."""

    name: str | None
    source: str


class RuleBook(Protocol):
    async def contract_rules(self, offer: OfferFacts, on: datetime.date) -> ContractRules: ...

    async def agreements_for(
        self, offers: Sequence[OfferFacts], on: datetime.date
    ) -> dict[uuid.UUID, AgreementNote]:
        """Per offer, the agreement that covers it on ``on`` (a few statements for any
        number of offers)."""
        ...

    async def price_list_findings(
        self,
        offer: OfferFacts,
        on: datetime.date,
        overhead_bp: int | None,
        budgeted_occupancy_bp: int | None,
    ) -> list[RuleFinding]: ...


class DefaultRuleBook:
    """No agreements: the price list's own terms, else the example values in settings."""

    async def contract_rules(self, offer: OfferFacts, on: datetime.date) -> ContractRules:
        return fallback_rules(offer, "no regional agreement is wired in")

    async def agreements_for(
        self, offers: Sequence[OfferFacts], on: datetime.date
    ) -> dict[uuid.UUID, AgreementNote]:
        return {
            o.offer_id: AgreementNote(None, "no regional agreement is wired in") for o in offers
        }

    async def price_list_findings(
        self,
        offer: OfferFacts,
        on: datetime.date,
        overhead_bp: int | None,
        budgeted_occupancy_bp: int | None,
    ) -> list[RuleFinding]:
        return []


def fallback_rules(offer: OfferFacts, why: str) -> ContractRules:
    """The rules of an offer no agreement covers: those its price list states, and the
    example values in settings for the rest; ``source`` says which and why."""
    settings = get_settings()
    stated = offer.stated
    stated_any = any(
        v is not None for v in (stated.notice_days, stated.bill_first_day, stated.bill_last_day)
    )
    where = "the offer's price list, and default rules in settings (example values)"
    return ContractRules(
        notice_days=(
            stated.notice_days
            if stated.notice_days is not None
            else settings.default_notice_days[offer.category]
        ),
        bill_first_day=(
            stated.bill_first_day
            if stated.bill_first_day is not None
            else settings.default_bill_first_day
        ),
        bill_last_day=(
            stated.bill_last_day
            if stated.bill_last_day is not None
            else settings.default_bill_last_day
        ),
        source=f"{where if stated_any else 'default rules in settings (example values)'}: {why}",
    )


_rule_book: RuleBook = DefaultRuleBook()


def use_rule_book(book: RuleBook) -> None:
    global _rule_book
    _rule_book = book


def rule_book() -> RuleBook:
    return _rule_book
