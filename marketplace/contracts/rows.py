"""Contracting's stored rows as the services read them (see ``marketplace.core.rows``): a
need and its answers, a request, a contract, its terms, a proposed change, a notice, a
follow-up and its dates, and an entry of the history."""

from __future__ import annotations

import datetime
import uuid
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Parties:
    """Who a request or contract is between: the buying municipality and the provider."""

    buyer: str
    provider_org: str


@dataclass(frozen=True, slots=True)
class RequestRow(Parties):
    id: uuid.UUID
    offer: uuid.UUID
    citizen_ref: str
    cpr_hash: str | None
    cpr_masked: str | None
    legal_basis: str
    desired_start: datetime.date
    price_level: str | None
    hours_per_month: int | None  # in hundredths
    add_ons: list[dict[str, Any]]  # AddOnRequest, as JSON
    urgency: str
    message: str
    individual_plan_ref: str | None
    follow_up_on: datetime.date | None
    status: str
    decline_reason: str | None
    decline_text: str
    expires_on: datetime.date
    respond_by: datetime.datetime | None
    created_at: datetime.datetime
    created_by: str
    answered_at: datetime.datetime | None
    expected_monthly_ore: int | None
    expected_to_follow_up_ore: int | None
    frame_ore: int | None
    frame_basis: str | None
    approved_by: str | None
    approved_at: datetime.datetime | None
    approval_reason: str
    need_answer: uuid.UUID | None
    hours_per_week: int | None  # in hundredths


@dataclass(frozen=True, slots=True)
class ProposalRow:
    id: uuid.UUID
    request: uuid.UUID
    status: str
    start_date: datetime.date
    price_level: str | None
    hours_per_month: int | None  # in hundredths
    add_ons: list[dict[str, Any]]  # AddOnRequest, as JSON
    special_arrangement: dict[str, Any] | None  # SpecialArrangementCost, as JSON
    price_ore: int | None
    review_on: datetime.date | None
    message: str
    proposed_by_org: str
    proposed_by: str
    proposed_at: datetime.datetime
    answered_by: str | None
    answered_at: datetime.datetime | None
    answer_reason: str
    hours_per_week: int | None  # in hundredths


@dataclass(frozen=True, slots=True)
class ContractRow(Parties):
    id: uuid.UUID
    request: uuid.UUID
    offer: uuid.UUID
    citizen_ref: str
    cpr_hash: str | None
    cpr_masked: str | None
    legal_basis: str
    start_date: datetime.date
    end_date: datetime.date | None
    status: str
    notice_days: int
    notice_convention: str
    notice_months: int
    bill_first_day: bool
    bill_last_day: bool
    rules_source: str
    notice_given_on: datetime.date | None
    notice_given_by: str | None
    individual_plan_ref: str | None
    follow_up_on: datetime.date | None
    created_at: datetime.datetime
    updated_at: datetime.datetime


@dataclass(frozen=True, slots=True)
class TermRow:
    id: uuid.UUID
    contract: uuid.UUID
    valid_from: datetime.date
    price_level: str | None
    special_arrangement: bool
    unit: str
    price_ore: int
    quantity: int  # in hundredths
    price_list: uuid.UUID | None
    vat_included: bool
    add_ons: list[dict[str, Any]]  # AgreedAddOn, as JSON
    cost: dict[str, Any] | None  # SpecialArrangementCost, as JSON
    review_on: datetime.date | None
    buyer_agreed_org: str | None
    buyer_agreed_by: str | None
    buyer_agreed_at: datetime.datetime | None
    provider_agreed_org: str | None
    provider_agreed_by: str | None
    provider_agreed_at: datetime.datetime | None
    created_at: datetime.datetime
    hours_per: str  # HoursPer


@dataclass(frozen=True, slots=True)
class ChangeRow:
    id: uuid.UUID
    contract: uuid.UUID
    status: str
    effective_from: datetime.date | None
    changes_level: bool
    price_level: str | None
    add_ons: list[dict[str, Any]] | None  # AddOnRequest, as JSON; None keeps them
    special_arrangement: dict[str, Any] | None  # SpecialArrangementCost, as JSON
    review_on: datetime.date | None
    end_date: datetime.date | None
    reason: str
    proposed_by_org: str
    proposed_by: str
    proposed_at: datetime.datetime
    responded_by_org: str | None
    responded_by: str | None
    responded_at: datetime.datetime | None
    response_reason: str
    withdraws_notice: uuid.UUID | None


@dataclass(frozen=True, slots=True)
class ChangeOfContract(ChangeRow):
    """A proposed change with the parties of its contract (joined)."""

    buyer: str
    provider_org: str


@dataclass(frozen=True, slots=True)
class NoticeRow:
    id: uuid.UUID
    contract: uuid.UUID
    status: str
    given_on: datetime.date
    given_by_org: str
    given_by: str
    effective_from: datetime.date
    convention: str
    days: int
    months: int
    end_date: datetime.date | None
    reason: str
    supersedes: uuid.UUID | None
    previous_status: str
    previous_end_date: datetime.date | None
    previous_notice_given_on: datetime.date | None
    previous_notice_given_by: str | None
    withdrawn_at: datetime.datetime | None
    created_at: datetime.datetime


@dataclass(frozen=True, slots=True)
class FollowUpRow(Parties):
    id: uuid.UUID
    contract: uuid.UUID
    kind: str
    held_on: datetime.date
    outcome: str
    notes: str
    next_on: datetime.date | None
    recorded_by: str
    recorded_at: datetime.datetime


@dataclass(frozen=True, slots=True)
class DateRow(Parties):
    id: uuid.UUID
    contract: uuid.UUID
    kind: str
    due_on: datetime.date
    status: str
    note: str
    planned_in: uuid.UUID | None
    held_in: uuid.UUID | None
    created_by: str
    created_at: datetime.datetime
    closed_by: str | None
    closed_at: datetime.datetime | None
    close_reason: str


@dataclass(frozen=True, slots=True)
class EventRow:
    id: uuid.UUID
    request: uuid.UUID | None
    contract: uuid.UUID | None
    at: datetime.datetime
    kind: str
    from_status: str | None
    to_status: str | None
    actor: str
    actor_org: str | None
    actor_role: str | None
    detail: str


@dataclass(frozen=True, slots=True)
class RequestOfContract:
    """Which request a contract was made from."""

    id: uuid.UUID
    request: uuid.UUID


@dataclass(frozen=True, slots=True)
class RefundClaimRow:
    id: uuid.UUID
    contract: uuid.UUID
    claimant: str
    debtor: str
    paragraph: str | None
    from_day: datetime.date
    to_day: datetime.date | None
    note: str
    status: str
    created_at: datetime.datetime
    created_by: str
    answered_at: datetime.datetime | None
    answered_by: str | None
    answer_reason: str
    withdrawn_at: datetime.datetime | None
    withdrawn_by: str | None
    withdraw_reason: str


@dataclass(frozen=True, slots=True)
class ClaimOfContract(RefundClaimRow):
    """A refund claim with what its parties may see of its contract (joined)."""

    offer: uuid.UUID
    provider_org: str
    citizen_ref: str
    legal_basis: str
    contract_start: datetime.date
    contract_end: datetime.date | None
    contract_status: str


@dataclass(frozen=True, slots=True)
class NeedRow:
    id: uuid.UUID
    buyer: str
    status: str
    age: int
    legal_basis: str | None
    area: dict[str, Any] | None  # NeedArea, as JSON
    latitude: float
    longitude: float
    desired_start: datetime.date
    hours_per_month: int | None  # in hundredths
    urgency: str
    max_price_ore: int | None
    message: str
    match: dict[str, Any] | None  # NeedMatch, as JSON
    matched_count: int
    sent_count: int
    respond_by: datetime.datetime
    decide_by: datetime.datetime
    cancel_reason: str
    created_at: datetime.datetime
    created_by: str
    closed_at: datetime.datetime | None


@dataclass(frozen=True, slots=True)
class NeedGroupRow:
    need: uuid.UUID
    target_group: str


@dataclass(frozen=True, slots=True)
class NeedAnswerRow(Parties):
    id: uuid.UUID
    need: uuid.UUID
    offer: uuid.UUID
    legal_basis: str
    distance_m: int | None
    respond_by: datetime.datetime
    decide_by: datetime.datetime
    status: str
    start_date: datetime.date | None
    price_level: str | None
    hours_per_month: int | None  # in hundredths
    add_ons: list[dict[str, Any]]  # AgreedAddOn, as JSON
    special_arrangement: dict[str, Any] | None  # SpecialArrangementCost, as JSON
    review_on: datetime.date | None
    price_unit: str | None
    price_ore: int | None
    message: str
    decline_reason: str | None
    decline_text: str
    sent_at: datetime.datetime
    answered_by: str | None
    answered_at: datetime.datetime | None


@dataclass(frozen=True, slots=True)
class RequestOfAnswer:
    """Which request an answer to a need became."""

    id: uuid.UUID
    need_answer: uuid.UUID


@dataclass(frozen=True, slots=True)
class AnswerOfNeed(Parties):
    """Which need an answer belongs to, and its parties."""

    need: uuid.UUID


@dataclass(frozen=True, slots=True)
class DeliveredHoursRow:
    id: uuid.UUID
    contract: uuid.UUID
    month: datetime.date
    hours: int  # in hundredths
    note: str
    revision: int
    reported_by: str
    reported_at: datetime.datetime


@dataclass(frozen=True, slots=True)
class InvoiceRow:
    id: uuid.UUID
    provider_org: str
    buyer: str
    number: int
    period_start: datetime.date
    period_end: datetime.date
    frequency: str
    issue_date: datetime.date
    due_date: datetime.date
    payment_term_days: int
    terms_source: str
    total_ore: int
    vat_ore: int
    line_count: int
    issued_by: str
    issued_at: datetime.datetime


@dataclass(frozen=True, slots=True)
class InvoiceLineRow:
    id: uuid.UUID
    invoice: uuid.UUID
    position: int
    contract: uuid.UUID
    offer: uuid.UUID
    month: datetime.date
    citizen_ref: str
    legal_basis: str
    period_start: datetime.date
    period_end: datetime.date
    days: int
    hours: int | None  # in hundredths
    hours_source: str | None
    vat_included: bool
    charges: list[dict[str, Any]]  # billing's Charge, as JSON
    total_ore: int


@dataclass(frozen=True, slots=True)
class CreditNoteRow:
    id: uuid.UUID
    invoice: uuid.UUID
    provider_org: str
    buyer: str
    number: int
    issue_date: datetime.date
    amount_ore: int
    vat_ore: int
    reason: str
    issued_by: str
    issued_at: datetime.datetime


@dataclass(frozen=True, slots=True)
class HeldCounter:
    """A provider's document counter, as its lock reads it."""

    id: uuid.UUID
    last_number: int
