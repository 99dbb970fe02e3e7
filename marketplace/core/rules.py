"""The trade rules contracting needs from a region's social agreement, behind a protocol.

Contracting asks for the notice period and the billing convention that apply to an offer on a
day. The regional agreements (the ``agreements`` package) answer from the agreement in force
for the offer's region; until one is wired in, and for offers outside any agreement, the
example values in settings answer. ``marketplace`` never imports ``agreements``: the app wires
the implementation in at start-up with ``use_rule_book``.
"""

from __future__ import annotations

import datetime
import uuid
from dataclasses import dataclass
from typing import Protocol

from marketplace.core.settings import get_settings


@dataclass(frozen=True, slots=True)
class OfferFacts:
    """What the rules depend on: where the offer lies, what it is, who runs it."""

    offer_id: uuid.UUID
    region_code: str | None
    category: str
    legal_basis: str
    owner_type: str


@dataclass(frozen=True, slots=True)
class ContractRules:
    """The rules a contract is made under (kept on the contract as agreed terms)."""

    notice_days: int
    bill_first_day: bool
    bill_last_day: bool
    source: str


class RuleBook(Protocol):
    async def contract_rules(self, offer: OfferFacts, on: datetime.date) -> ContractRules: ...


class DefaultRuleBook:
    """The example values in settings: a notice period per offer category, one convention."""

    async def contract_rules(self, offer: OfferFacts, on: datetime.date) -> ContractRules:
        settings = get_settings()
        return ContractRules(
            notice_days=settings.default_notice_days[offer.category],
            bill_first_day=settings.default_bill_first_day,
            bill_last_day=settings.default_bill_last_day,
            source="default rules in settings (example values)",
        )


_rule_book: RuleBook = DefaultRuleBook()


def use_rule_book(book: RuleBook) -> None:
    global _rule_book
    _rule_book = book


def rule_book() -> RuleBook:
    return _rule_book
