"""The trade rules the market needs from a region's social agreement, behind a protocol.

Contracting asks for the notice convention (a number of days, or to the end of a month some
months on) and the billing convention that apply to an offer on a day; publishing a price list asks whether its overhead and budgeted occupancy keep the
agreement's rules; a buyer comparing the answers to a need asks which agreement covers each
offer. The regional agreements (the ``agreements`` package) answer from the
agreement in force for the offer's region; the default answers from what the offer's price
list states and, failing that, the example values in settings. ``marketplace`` never imports
``agreements``: the app wires the implementation in at start-up with ``use_rule_book``.
"""

from __future__ import annotations

import calendar
import datetime
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from marketplace.core.settings import get_settings


class NoticeConvention(StrEnum):
    """How a notice period is counted from the day notice takes effect."""

    DAYS = "days"  # a number of days: the last day is that many days after
    MONTH_END = "month_end"  # the rest of the month plus a number of months, to a month's end


@dataclass(frozen=True, slots=True)
class NoticeTerms:
    """A notice period: ``days`` under the DAYS convention, ``months`` under MONTH_END."""

    convention: NoticeConvention = NoticeConvention.DAYS
    days: int = 0
    months: int = 0

    def last_day(self, effective: datetime.date) -> datetime.date:
        """The contract's last day under notice that takes effect on ``effective``: that many
        days later, or the last day of the month ``months`` after the effective day's month
        (the rest of the month plus ``months`` months)."""
        if self.convention is NoticeConvention.DAYS:
            return effective + datetime.timedelta(days=self.days)
        year, month = divmod(effective.year * 12 + effective.month - 1 + self.months, 12)
        return datetime.date(year, month + 1, calendar.monthrange(year, month + 1)[1])

    @property
    def period(self) -> str:
        """The period in words: "60 days", "the rest of the month plus 2 months"."""
        if self.convention is NoticeConvention.DAYS:
            return f"{self.days} days"
        if self.months == 0:
            return "the rest of the month"
        return f"the rest of the month plus {self.months} month{'s' if self.months != 1 else ''}"

    @property
    def described(self) -> str:
        """The notice in words: "60 days' notice", "notice for the rest of the month plus 2
        months"."""
        if self.convention is NoticeConvention.DAYS:
            return f"{self.days} days' notice"
        return f"notice for {self.period}"


@dataclass(frozen=True, slots=True)
class StatedTerms:
    """Terms a provider states in its own price list (private providers, outside the
    agreements); None where it states nothing. A price list states its notice in days or, to
    the end of a month, in months."""

    notice_days: int | None = None
    bill_first_day: bool | None = None
    bill_last_day: bool | None = None
    notice_months: int | None = None


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
    takes_acute: bool = False  # takes acute placements


@dataclass(frozen=True, slots=True)
class ContractRules:
    """The rules a contract is made under (kept on the contract as agreed terms). The notice
    is ``notice_days`` days, or under MONTH_END the rest of the month plus ``notice_months``
    months (``notice_days`` is then 0)."""

    notice_days: int
    bill_first_day: bool
    bill_last_day: bool
    source: str
    # Hours a provider has to answer an acute request; None where no agreement says.
    acute_response_hours: int | None = None
    notice_convention: NoticeConvention = NoticeConvention.DAYS
    notice_months: int = 0

    @property
    def notice(self) -> NoticeTerms:
        return NoticeTerms(self.notice_convention, self.notice_days, self.notice_months)


@dataclass(frozen=True, slots=True)
class RuleFinding:
    """A rule a price list breaks: an error, or a warning where the rule is advisory."""

    field: str
    message: str
    advisory: bool
    source: str


@dataclass(frozen=True, slots=True)
class ProviderFacts:
    """What the invoicing rules depend on: who the provider is and where it lies."""

    org_code: str
    owner_type: str
    region_code: str | None


@dataclass(frozen=True, slots=True)
class InvoiceTerms:
    """How a provider invoices: how often (``monthly``, ``quarterly`` or ``half_yearly``) and
    the days the buyer has to pay, and where they come from."""

    frequency: str
    payment_term_days: int
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
        *,
        unit: str | None = None,
    ) -> list[RuleFinding]:
        """What the agreement says of a price list's overhead and budgeted occupancy (the
        occupancy for a price in ``unit``)."""
        ...

    async def invoice_terms(self, provider: ProviderFacts, on: datetime.date) -> InvoiceTerms:
        """The invoice frequency and payment term of the agreement that covers the
        provider's sales on ``on``."""
        ...


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
        *,
        unit: str | None = None,
    ) -> list[RuleFinding]:
        return []

    async def invoice_terms(self, provider: ProviderFacts, on: datetime.date) -> InvoiceTerms:
        return fallback_invoice_terms("no regional agreement is wired in")


def fallback_rules(offer: OfferFacts, why: str) -> ContractRules:
    """The rules of an offer no agreement covers: those its price list states, and the
    example values in settings for the rest; ``source`` says which and why."""
    settings = get_settings()
    stated = offer.stated
    stated_any = any(
        v is not None
        for v in (
            stated.notice_days,
            stated.bill_first_day,
            stated.bill_last_day,
            stated.notice_months,
        )
    )
    where = "the offer's price list, and default rules in settings (example values)"
    notice = stated_notice(stated) or NoticeTerms(days=settings.default_notice_days[offer.category])
    return ContractRules(
        notice_days=notice.days,
        notice_convention=notice.convention,
        notice_months=notice.months,
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


def stated_notice(stated: StatedTerms) -> NoticeTerms | None:
    """The notice a price list states, if it states one."""
    if stated.notice_months is not None:
        return NoticeTerms(NoticeConvention.MONTH_END, months=stated.notice_months)
    if stated.notice_days is not None:
        return NoticeTerms(days=stated.notice_days)
    return None


def fallback_invoice_terms(why: str) -> InvoiceTerms:
    """Invoice terms where no agreement gives them: monthly invoices (the usual practice), and
    the payment term in settings."""
    days = get_settings().default_payment_term_days
    return InvoiceTerms(
        "monthly", days, f"monthly, {days} days to pay (default rules in settings): {why}"
    )


_rule_book: RuleBook = DefaultRuleBook()


def use_rule_book(book: RuleBook) -> None:
    global _rule_book
    _rule_book = book


def rule_book() -> RuleBook:
    return _rule_book
