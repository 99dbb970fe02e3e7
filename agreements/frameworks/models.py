"""Commands, rules and views of the framework-agreement registry."""

from __future__ import annotations

import datetime
import uuid
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from marketplace.core.rules import NoticeConvention, NoticeTerms
from marketplace.offers.models import OfferCategory, SpecialCondition, UniqueOfferStatus
from marketplace.offers.taxonomy import LegalBasis, target_group_records


class AgreementStatus(StrEnum):
    DRAFT = "draft"
    IN_CONSULTATION = "in_consultation"
    SENT_FOR_APPROVAL = "sent_for_approval"
    IN_FORCE = "in_force"
    EXPIRED = "expired"
    # the steering group took it back before it went in force; another agreement may be
    # made for the period
    WITHDRAWN = "withdrawn"


class Decision(StrEnum):
    APPROVED = "approved"
    REJECTED = "rejected"


class InvoiceFrequency(StrEnum):
    MONTHLY = "monthly"
    QUARTERLY = "quarterly"
    HALF_YEARLY = "half_yearly"


Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=200)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, max_length=8000)]
Percent = Annotated[Decimal, Field(ge=0, le=100, max_digits=5, decimal_places=2)]
PartyCode = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^(\d{3}|108[1-5])$")]
Url = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=500, pattern=r"^https?://\S+$")
]


def _invalid(message: str) -> PydanticCustomError:
    return PydanticCustomError("invalid", message)


class FocusAreaInput(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    title: Title
    text: Text = ""
    target_groups: list[str] = Field(default_factory=list, max_length=45)

    @field_validator("target_groups")
    @classmethod
    def _known(cls, codes: list[str]) -> list[str]:
        known = {r.code for r in target_group_records()}
        unknown = [c for c in codes if c not in known]
        if unknown:
            raise _invalid(f"unknown target group code(s): {', '.join(unknown)}")
        return codes


class DocumentInput(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    title: Title
    url: Url


class MilestoneInput(BaseModel):
    """A key date of the process: a day, or a period when ``ends_on`` is given."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    title: Title
    starts_on: datetime.date
    ends_on: datetime.date | None = None
    description: Text = ""

    @model_validator(mode="after")
    def _ordered(self) -> MilestoneInput:
        if self.ends_on is not None and self.ends_on < self.starts_on:
            raise _invalid("a milestone cannot end before it starts")
        return self


class _AgreementFields(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: Title | None = None
    valid_from: datetime.date | None = None
    valid_to: datetime.date | None = None
    steering_group: Annotated[str, StringConstraints(strip_whitespace=True, max_length=120)] = ""
    vision: Text = ""
    approval_deadline: datetime.date | None = None
    focus_areas: list[FocusAreaInput] = Field(default_factory=list, max_length=20)
    documents: list[DocumentInput] = Field(default_factory=list, max_length=50)
    milestones: list[MilestoneInput] = Field(default_factory=list, max_length=50)

    @model_validator(mode="after")
    def _period(self) -> _AgreementFields:
        if self.valid_from and self.valid_to and self.valid_to < self.valid_from:
            raise _invalid("an agreement cannot end before it starts")
        return self


class AgreementCreate(_AgreementFields):
    """A region's agreement. Parties default to every municipality of the region and the
    region itself."""

    region_code: Annotated[str, StringConstraints(pattern=r"^108[1-5]$")]
    name: Title
    valid_from: datetime.date
    valid_to: datetime.date
    parties: list[PartyCode] | None = Field(default=None, max_length=40)


class AgreementUpdate(_AgreementFields):
    """Fields left out stay; lists given replace the ones stored."""

    status: AgreementStatus | None = None


Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=2000)]


class AgreementRevise(_AgreementFields):
    """A new revision of an agreement not yet in force: the fields given replace the stored
    ones, ``rules`` (if given) becomes a new version of the rules from the agreement's first
    day. The revision is substantive, and the councils' approvals start again, when it
    changes the period, the vision, the focus areas or the rules (see ``SUBSTANTIVE``)."""

    reason: Reason
    rules: AgreementRules | None = None


class AgreementWithdraw(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    reason: Reason


# --- rules ------------------------------------------------------------------------------------


class NoticeRule(BaseModel):
    """A notice period for an offer category and/or a legal basis; the most specific rule
    that fits an offer applies (category and basis, then basis, then category, then none).

    The period is counted from the day notice takes effect by the rule's convention: ``days``
    days (DAYS, the default), or the rest of that month plus ``months`` months, to the end of
    a month (MONTH_END)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    category: OfferCategory | None = None
    legal_basis: LegalBasis | None = None
    convention: NoticeConvention = NoticeConvention.DAYS
    days: Annotated[int, Field(ge=0, le=730)] | None = None
    months: Annotated[int, Field(ge=0, le=24)] | None = None

    @model_validator(mode="after")
    def _one_period(self) -> NoticeRule:
        by_days = self.convention is NoticeConvention.DAYS
        wanted, other = ("days", "months") if by_days else ("months", "days")
        if getattr(self, wanted) is None:
            raise PydanticCustomError(
                "required", "a notice rule of this convention gives its {what}", {"what": wanted}
            )
        if getattr(self, other) is not None:
            raise _invalid(f"a notice rule of this convention gives no {other}")
        return self

    @property
    def terms(self) -> NoticeTerms:
        return NoticeTerms(self.convention, self.days or 0, self.months or 0)


class BillingRule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    bill_first_day: bool = True
    bill_last_day: bool = True
    invoice_frequency: InvoiceFrequency = InvoiceFrequency.MONTHLY
    # monthly invoices with at least 14 days to pay; public authorities may not agree to more
    # than 30 days (the late-payment rules)
    payment_term_days: Annotated[int, Field(ge=14, le=30)] = 30


class OccupancyBand(BaseModel):
    """The occupancy the price calculation must budget with (e.g. 95-100%, at least 90% for
    acute and respite places)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    min_percent: Percent
    max_percent: Percent = Decimal(100)
    min_percent_acute_respite: Percent | None = None
    # above this the price calculation is warned, not refused (e.g. 98%)
    recommended_max_percent: Percent | None = None
    advisory: bool = False

    @model_validator(mode="after")
    def _ordered(self) -> OccupancyBand:
        if self.min_percent > self.max_percent:
            raise _invalid("the occupancy band's minimum is above its maximum")
        return self


class AgreementRules(BaseModel):
    """The steering part's rules, as data of an agreement (see DOMAIN C3-C9)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    notice: list[NoticeRule] = Field(min_length=1, max_length=60)
    billing: BillingRule = BillingRule()
    overhead_cap_percent: Percent | None = None
    overhead_cap_advisory: bool = False
    occupancy: OccupancyBand | None = None
    budget_regulation_percent: Percent | None = None
    allowed_budget_deviation_percent: Percent | None = None
    carry_over_percent: Percent | None = None
    reserve_years: Annotated[int, Field(ge=0, le=10)] | None = None
    reserve_rules: Text = ""
    new_offer_conditions: list[SpecialCondition] = Field(default_factory=list, max_length=3)
    small_group_occupancy_percent: Percent | None = None
    acute_response_hours: Annotated[int, Field(ge=1, le=168)] | None = None
    # the day of the year ("MM-DD") by which providers publish next year's price lists; an
    # offer still without one after it is reminded (the calendar)
    price_lists_due: Annotated[str, Field(pattern=r"^\d{2}-\d{2}$")] | None = None
    notes: Text = ""

    @field_validator("price_lists_due")
    @classmethod
    def _a_day_of_the_year(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                datetime.date(2025, int(value[:2]), int(value[3:]))  # not a leap year
            except ValueError:
                raise _invalid("price_lists_due is not a day of the year (MM-DD)") from None
        return value

    def price_lists_due_in(self, year: int) -> datetime.date | None:
        """The day next year's price lists are due by, in ``year``."""
        if self.price_lists_due is None:
            return None
        return datetime.date(year, int(self.price_lists_due[:2]), int(self.price_lists_due[3:]))

    @field_validator("notice")
    @classmethod
    def _one_rule_per_key(cls, rules: list[NoticeRule]) -> list[NoticeRule]:
        keys = [(r.category, r.legal_basis) for r in rules]
        if len(set(keys)) != len(keys):
            raise _invalid("two notice rules for the same category and legal basis")
        return rules

    def notice_for(self, category: str, bases: tuple[str, ...]) -> NoticeRule | None:
        """The most specific notice rule that fits an offer."""

        def rank(rule: NoticeRule) -> int | None:
            if rule.category is not None and rule.category.value != category:
                return None
            if rule.legal_basis is not None and rule.legal_basis.value not in bases:
                return None
            return (rule.legal_basis is not None) * 2 + (rule.category is not None)

        fitting = [(r, rank(r)) for r in self.notice]
        ranked = [(score, i, r) for i, (r, score) in enumerate(fitting) if score is not None]
        return max(ranked, key=lambda t: (t[0], -t[1]))[2] if ranked else None


class RuleSetInput(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    valid_from: datetime.date
    rules: AgreementRules
    is_example: bool = False


class CouncilDecisionRecord(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    party_code: PartyCode
    decision: Decision
    body: Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=120)]
    decided_on: datetime.date
    reference: Annotated[str, StringConstraints(strip_whitespace=True, max_length=300)] = ""


class SpecialConditionApprove(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    offer_id: uuid.UUID
    condition: SpecialCondition
    approved_by: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=2, max_length=120)
    ]
    approved_on: datetime.date
    valid_from: datetime.date
    valid_to: datetime.date
    occupancy_percent: Percent | None = None
    notes: Text = ""

    @model_validator(mode="after")
    def _consistent(self) -> SpecialConditionApprove:
        if self.valid_to < self.valid_from:
            raise _invalid("the period cannot end before it starts")
        lower = self.condition is SpecialCondition.LOWER_OCCUPANCY_PCT
        if lower != (self.occupancy_percent is not None):
            raise _invalid("a lower occupancy percentage goes with that condition, and only it")
        return self


class SpecialConditionOptIn(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    municipality_code: Annotated[str, StringConstraints(pattern=r"^\d{3}$")]
    opted_in: bool
    decided_on: datetime.date


class UniqueOfferStatusSet(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    offer_id: uuid.UUID
    year: Annotated[int, Field(ge=2000, le=2100)]
    status: UniqueOfferStatus
    recommended_by: Annotated[str, StringConstraints(strip_whitespace=True, max_length=120)] = ""
    working_group: Text = ""
    progress: Text = ""
    decided_on: datetime.date

    @model_validator(mode="after")
    def _track_needs_a_group(self) -> UniqueOfferStatusSet:
        if self.status is UniqueOfferStatus.EMERGENCY_TRACK and not self.working_group:
            raise PydanticCustomError(
                "required", "an offer in the emergency track has a working group"
            )
        return self


# --- views ------------------------------------------------------------------------------------


class _View(BaseModel):
    model_config = ConfigDict(frozen=True)


class FocusAreaView(_View):
    title: str
    text: str
    target_groups: list[str]


class DocumentView(_View):
    title: str
    url: str


class MilestoneView(_View):
    title: str
    starts_on: datetime.date
    ends_on: datetime.date | None
    description: str


class AgreementView(_View):
    id: uuid.UUID
    region_code: str
    name: str
    valid_from: datetime.date
    valid_to: datetime.date
    status: AgreementStatus
    steering_group: str
    vision: str
    approval_deadline: datetime.date | None
    is_demo: bool
    revision: int = 1
    approvals_from: int = 1
    parties: list[str]
    focus_areas: list[FocusAreaView]
    documents: list[DocumentView]
    milestones: list[MilestoneView]
    created_at: datetime.datetime
    updated_at: datetime.datetime


class RuleSetView(_View):
    id: uuid.UUID
    agreement_id: uuid.UUID
    valid_from: datetime.date
    valid_to: datetime.date
    version: int
    rules: AgreementRules
    is_example: bool
    set_by: str
    set_at: datetime.datetime


class DecisionView(_View):
    party: str
    decision: Decision
    body: str
    decided_on: datetime.date
    reference: str
    recorded_at: datetime.datetime
    revision: int = 1
    # days after the approval deadline the council decided (None: on time, or no deadline)
    days_late: int | None = None
    # False once a later decision of the same council, or a substantive revision, replaced it
    counts: bool = True


class ApprovalStatus(_View):
    agreement_id: uuid.UUID
    status: AgreementStatus
    parties: int
    approved: list[str]
    rejected: list[str]
    missing: list[str]
    deadline: datetime.date | None
    days_to_deadline: int | None
    unanimous: bool
    decisions: list[DecisionView]
    revision: int = 1
    approvals_from: int = 1
    # parties whose counting decision came after the deadline
    late: list[str] = Field(default_factory=list)


class ChoiceView(_View):
    municipality: str
    opted_in: bool
    decided_on: datetime.date


class SpecialConditionView(_View):
    id: uuid.UUID
    agreement_id: uuid.UUID
    offer_id: uuid.UUID
    condition: SpecialCondition
    approved_by: str
    approved_on: datetime.date
    valid_from: datetime.date
    valid_to: datetime.date
    parameters: dict[str, Any]
    notes: str
    choices: list[ChoiceView]


class UniqueDecisionView(_View):
    agreement_id: uuid.UUID
    offer_id: uuid.UUID
    year: int
    status: UniqueOfferStatus
    recommended_by: str
    working_group: str
    progress: str
    decided_on: datetime.date
