"""Commands and views of contracting."""

from __future__ import annotations

import datetime
import uuid
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    StringConstraints,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from marketplace.core.cpr import holds_cpr
from marketplace.core.money import DKKAmount
from marketplace.core.rules import NoticeConvention
from marketplace.offers.models import OfferCategory, PriceUnit, SpecialCondition, UniqueOfferStatus
from marketplace.offers.taxonomy import LegalBasis, service_type_records, target_group_records
from marketplace.organisations.models import Latitude, Longitude, MunicipalityCode
from marketplace.organisations.reference import municipality_records, region_records


class RequestStatus(StrEnum):
    AWAITING_APPROVAL = "for_approval"  # above its author's frame: an approver decides
    REFUSED = "refused"  # the approver said no
    PENDING = "pending"
    PROPOSED = "proposed"  # the provider proposed other terms; the buyer answers
    ACCEPTED = "accepted"
    DECLINED = "declined"
    REJECTED = "rejected"  # the buyer rejected the provider's proposal
    WITHDRAWN = "withdrawn"
    EXPIRED = "expired"


# A request waits for an answer in these (the provider's to a pending one, the buyer's to a
# proposal); past its deadline it is expired.
OPEN_REQUEST = (RequestStatus.PENDING.value, RequestStatus.PROPOSED.value)


# Statuses inside the buying municipality: the provider does not see such a request.
INTERNAL_REQUEST = (RequestStatus.AWAITING_APPROVAL.value, RequestStatus.REFUSED.value)


class FrameBasis(StrEnum):
    """How a case handler's frame counts a request's expected cost."""

    PER_MONTH = "per_month"  # what a month costs
    TO_FOLLOW_UP = "to_follow_up"  # what it costs to the follow-up date (a year without one)


class ProposalStatus(StrEnum):
    OPEN = "open"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    EXPIRED = "expired"


class Urgency(StrEnum):
    PLANNED = "planned"
    ACUTE = "acute"


class DeclineReason(StrEnum):
    NO_CAPACITY = "no_capacity"
    TARGET_GROUP_MISMATCH = "target_group_mismatch"
    OTHER = "other"


class ContractStatus(StrEnum):
    ACTIVE = "active"
    NOTICE_GIVEN = "notice_given"
    ENDED = "ended"
    CANCELLED = "cancelled"


class ChangeStatus(StrEnum):
    PROPOSED = "proposed"
    ACCEPTED = "accepted"
    REJECTED = "rejected"


Text = Annotated[str, StringConstraints(strip_whitespace=True, max_length=4000)]
Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=2000)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Quantity = Annotated[Decimal, Field(gt=0, le=10_000, decimal_places=2)]
WeeklyHours = Annotated[Decimal, Field(gt=0, le=168, decimal_places=2)]


class HoursPer(StrEnum):
    """What an hourly price's agreed quantity counts: hours a month, or hours a week (SEL
    § 85 support is usually agreed in hours a week)."""

    MONTH = "month"
    WEEK = "week"


class AddOnRequest(BaseModel):
    """An add-on service (tillægsydelse) from the offer's price list, with how much of it:
    hours a month for an hourly add-on, units a day, month or year for the others."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: Name
    quantity: Quantity = Decimal(1)


def _no_repeated_add_ons(add_ons: list[AddOnRequest] | None) -> None:
    names = [a.name.casefold() for a in add_ons or []]
    if len(set(names)) != len(names):
        raise PydanticCustomError("invalid", "the same add-on is listed twice")


def _hours_one_way(per_month: Decimal | None, per_week: Decimal | None) -> None:
    if per_month is not None and per_week is not None:
        raise PydanticCustomError("invalid", "give the hours a month or a week, not both")


class PlacementRequestCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    offer_id: uuid.UUID
    citizen_ref: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)
    ]
    cpr: SecretStr | None = None
    legal_basis: LegalBasis | None = None
    desired_start: datetime.date
    price_level: Name | None = None
    hours_per_month: Quantity | None = None
    hours_per_week: WeeklyHours | None = None
    add_ons: list[AddOnRequest] = Field(default_factory=list, max_length=10)
    urgency: Urgency = Urgency.PLANNED
    message: Text = ""
    individual_plan_ref: (
        Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
        | None
    ) = None
    follow_up_on: datetime.date | None = None

    @model_validator(mode="after")
    def _consistent(self) -> PlacementRequestCreate:
        _no_repeated_add_ons(self.add_ons)
        _hours_one_way(self.hours_per_month, self.hours_per_week)
        if self.follow_up_on is not None and self.follow_up_on < self.desired_start:
            raise PydanticCustomError("invalid", "the follow-up date lies before the start")
        return self

    def fingerprint_payload(self) -> dict[str, Any]:
        """The payload as an idempotency fingerprint sees it (the CPR number as its masked
        form would not tell two citizens apart, so its keyed hash stands in; see service)."""
        return self.model_dump(mode="json", exclude={"cpr"})


class PlacementRequestAccept(BaseModel):
    """Accepting a request as asked: from the desired start (today, if that has passed), at
    the level, hours and add-ons asked for. Other terms are a proposal."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    message: Text = ""


Hours = Annotated[Decimal, Field(gt=0, le=168, decimal_places=2)]
Percent = Annotated[Decimal, Field(ge=0, le=100, decimal_places=2)]


class StaffCost(BaseModel):
    """Staff a special arrangement needs: hours a week at an hourly rate (DKK)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    role: Name
    hours_per_week: Hours
    hourly_rate: Annotated[DKKAmount, Field(gt=0)]


class SpecialArrangementCost(BaseModel):
    """How a special arrangement's (særforanstaltning) price per day is built: the staff's
    hours a week at their rates, other direct costs a day, and overhead on both. The price is
    worked out from these, never set on its own."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    staff: list[StaffCost] = Field(min_length=1, max_length=20)
    other_costs_per_day: DKKAmount = Decimal(0)
    overhead_percent: Percent = Decimal(0)

    @property
    def direct_ore_per_day(self) -> Decimal:
        """Staff and other direct costs a day, in øre (unrounded)."""
        weekly = sum((s.hours_per_week * s.hourly_rate for s in self.staff), Decimal(0))
        return (weekly / 7 + self.other_costs_per_day) * 100

    @property
    def price_ore(self) -> int:
        """The price per day, in whole øre (half up)."""
        total = self.direct_ore_per_day * (1 + self.overhead_percent / 100)
        return int(total.quantize(Decimal(1), rounding="ROUND_HALF_UP"))


class PlacementProposal(BaseModel):
    """The provider's answer with other terms than asked: any of the start, the level (null
    for the base price), the hours, the add-ons, or a special arrangement priced from its
    costs with a review date. What is left out stays as asked."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    start_date: datetime.date | None = None
    price_level: Name | None = None
    hours_per_month: Quantity | None = None
    hours_per_week: WeeklyHours | None = None
    add_ons: list[AddOnRequest] | None = Field(default=None, max_length=10)
    special_arrangement: SpecialArrangementCost | None = None
    review_on: datetime.date | None = None
    message: Text = ""

    @model_validator(mode="after")
    def _consistent(self) -> PlacementProposal:
        _no_repeated_add_ons(self.add_ons)
        _hours_one_way(self.hours_per_month, self.hours_per_week)
        if self.special_arrangement is not None:
            if self.review_on is None:
                raise PydanticCustomError("required", "a special arrangement needs a review date")
            if "price_level" in self.model_fields_set:
                raise PydanticCustomError(
                    "invalid", "a special arrangement is priced from its costs, not a level"
                )
        return self

    @property
    def changes_level(self) -> bool:
        return "price_level" in self.model_fields_set


class PlacementRequestDecline(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    reason: DeclineReason
    text: Text = ""

    @model_validator(mode="after")
    def _other_needs_text(self) -> PlacementRequestDecline:
        if self.reason is DeclineReason.OTHER and len(self.text) < 3:
            raise PydanticCustomError("required", "say why, when the reason is OTHER")
        return self


class ContractChangeProposal(BaseModel):
    """A change after signing. ``price_level`` given as null means the base price; left out,
    the level stays. ``add_ons`` replaces the agreed add-ons. ``special_arrangement`` gives a
    special arrangement's new costs (and so its price) with ``review_on``. ``end_date`` moves
    the end. ``withdraw_notice`` withdraws the notice in force (on its own): accepted, the
    contract runs again as before the notice."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    effective_from: datetime.date | None = None
    price_level: Name | None = None
    add_ons: list[AddOnRequest] | None = Field(default=None, max_length=10)
    special_arrangement: SpecialArrangementCost | None = None
    review_on: datetime.date | None = None
    end_date: datetime.date | None = None
    withdraw_notice: bool = False
    reason: Reason

    @model_validator(mode="after")
    def _something_changes(self) -> ContractChangeProposal:
        _no_repeated_add_ons(self.add_ons)
        changes_terms = (
            "price_level" in self.model_fields_set
            or self.add_ons is not None
            or self.special_arrangement is not None
        )
        if self.withdraw_notice:
            if changes_terms or self.end_date is not None or self.effective_from is not None:
                raise PydanticCustomError(
                    "invalid", "the withdrawal of notice is proposed on its own"
                )
            return self
        if self.special_arrangement is not None and "price_level" in self.model_fields_set:
            raise PydanticCustomError(
                "invalid", "a special arrangement is priced from its costs, not a level"
            )
        if self.special_arrangement is not None and self.review_on is None:
            raise PydanticCustomError("required", "a special arrangement needs a review date")
        if not changes_terms and self.end_date is None:
            raise PydanticCustomError(
                "required",
                "propose a price level, add-ons, an end date or the withdrawal of notice",
            )
        if changes_terms and self.effective_from is None:
            raise PydanticCustomError(
                "required", "say from which day the new price level or add-ons apply"
            )
        return self

    @property
    def changes_level(self) -> bool:
        return "price_level" in self.model_fields_set


# --- notice, follow-up and the case load ------------------------------------------------------


class NoticeStatus(StrEnum):
    GIVEN = "given"  # it sets the contract's end
    SUPERSEDED = "superseded"  # a later notice ends the contract earlier
    WITHDRAWN = "withdrawn"  # both parties agreed to withdraw it


class ContractDateKind(StrEnum):
    FOLLOW_UP = "follow_up"  # opfølgning
    RENEGOTIATION = "renegotiation"  # genforhandling


class ContractDateStatus(StrEnum):
    PLANNED = "planned"
    HELD = "held"  # a recorded follow-up answered it
    CANCELLED = "cancelled"


class FollowUpOutcome(StrEnum):
    CONTINUE = "continue"  # the placement continues as agreed
    ADJUST = "adjust"  # the support is to change (a proposed change follows)
    RENEGOTIATE = "renegotiate"  # the terms are to be renegotiated
    END = "end"  # the placement is to end (notice follows)


def _no_cpr(text: str) -> str:
    if holds_cpr(text):
        raise PydanticCustomError(
            "personal_data_in_text",
            "the text holds a CPR number; name the citizen by the case reference only",
        )
    return text


# Free text kept with a contract's follow-up: never a CPR number.
Note = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=4000), AfterValidator(_no_cpr)
]


class ContractDateAdd(BaseModel):
    """A follow-up or renegotiation date the buying municipality plans for a contract."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: ContractDateKind = ContractDateKind.FOLLOW_UP
    due_on: datetime.date
    note: Note = ""


class ContractDateMove(BaseModel):
    """A planned date moved to another day (the note replaced, when one is given)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    due_on: datetime.date
    note: Note | None = None


class ContractDateCancel(BaseModel):
    """A planned date cancelled, with a reason."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    reason: Note = ""


class FollowUpRecord(BaseModel):
    """A follow-up (or renegotiation) held: the day, the outcome, notes and the next date.
    It answers the planned dates of its kind due by its day, and ``date_id`` if given; the
    next date becomes a planned date of the same kind."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: ContractDateKind = ContractDateKind.FOLLOW_UP
    held_on: datetime.date
    outcome: FollowUpOutcome
    notes: Note = ""
    next_on: datetime.date | None = None
    date_id: uuid.UUID | None = None


class CaseLoadOrder(StrEnum):
    LENGTH_OF_STAY = "length_of_stay"
    HOURS_PER_WEEK = "hours_per_week"
    MONTHLY_COST = "monthly_cost"


HoursBound = Annotated[Decimal, Field(ge=0, le=168, decimal_places=2)]


class CaseLoadFilter(BaseModel):
    """Which running placements a case load holds: a legal basis, an offer, hourly prices
    only (or none of them), a stay longer than some years or days (begun before the same day
    that many years ago, or more than that many days ago), hours a week and a monthly cost
    within bounds (an hours bound keeps hourly prices only)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    legal_basis: LegalBasis | None = None
    offer_id: uuid.UUID | None = None
    hourly: bool | None = None
    stay_longer_than_years: Annotated[int, Field(ge=0, le=100)] | None = None
    stay_longer_than_days: Annotated[int, Field(ge=0, le=36500)] | None = None
    min_hours_per_week: HoursBound | None = None
    max_hours_per_week: HoursBound | None = None
    min_monthly_cost: Annotated[DKKAmount, Field(ge=0)] | None = None
    max_monthly_cost: Annotated[DKKAmount, Field(ge=0)] | None = None

    @model_validator(mode="after")
    def _bounds_in_order(self) -> CaseLoadFilter:
        pairs = [
            (self.min_hours_per_week, self.max_hours_per_week),
            (self.min_monthly_cost, self.max_monthly_cost),
        ]
        if any(low is not None and high is not None and low > high for low, high in pairs):
            raise PydanticCustomError("invalid", "a lower bound lies above its upper bound")
        return self


class CaseLoadSort(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    by: CaseLoadOrder = CaseLoadOrder.LENGTH_OF_STAY
    descending: bool = True


class RefundParagraph(StrEnum):
    """The case of retssikkerhedsloven § 9 c a refund claim rests on (mellemkommunal
    refusion): the acting municipality's right to have a former municipality refund it."""

    STK2_NR1 = "stk2_nr1"
    STK2_NR2 = "stk2_nr2"
    STK2_NR3 = "stk2_nr3"
    STK2_NR4 = "stk2_nr4"
    STK2_NR5 = "stk2_nr5"
    STK2_NR6 = "stk2_nr6"
    STK2_NR7 = "stk2_nr7"
    STK3 = "stk3"
    STK4 = "stk4"
    STK5 = "stk5"
    STK6 = "stk6"


# What each case says, in Danish (retssikkerhedsloven § 9 c, https://danskelove.dk/retssikkerhedsloven/9c).
REFUND_PARAGRAPHS: dict[RefundParagraph, str] = {
    RefundParagraph.STK2_NR1: (
        "§ 9 c, stk. 2, nr. 1: den tidligere kommune har medvirket til ophold i en boform "
        "efter servicelovens §§ 107-110 og 192"
    ),
    RefundParagraph.STK2_NR2: (
        "§ 9 c, stk. 2, nr. 2: ophold i en bolig efter almenboliglovens § 115, stk. 4, "
        "jf. § 105, stk. 2"
    ),
    RefundParagraph.STK2_NR3: "§ 9 c, stk. 2, nr. 3: ophold i en institution under sygehusvæsenet",
    RefundParagraph.STK2_NR4: "§ 9 c, stk. 2, nr. 4: ophold i en institution under Kriminalforsorgen",
    RefundParagraph.STK2_NR5: (
        "§ 9 c, stk. 2, nr. 5: ophold i en bolig, boform m.v., der træder i stedet for og kan "
        "sidestilles med nr. 1-4"
    ),
    RefundParagraph.STK2_NR6: (
        "§ 9 c, stk. 2, nr. 6: ophold på et anbringelsessted for børn og unge "
        "(servicelovens § 66, nu barnets lov § 43)"
    ),
    RefundParagraph.STK2_NR7: "§ 9 c, stk. 2, nr. 7: døgnophold efter servicelovens § 76 a",
    RefundParagraph.STK3: (
        "§ 9 c, stk. 3: ophold i en af KFUM's soldaterrekreationer, et veteranhjem drevet af "
        "Fonden Danske Veteranhjem eller Veteranbo"
    ),
    RefundParagraph.STK4: (
        "§ 9 c, stk. 4: efterværn; den kommune, der traf afgørelse om anbringelse af barnet "
        "eller den unge uden for hjemmet, refunderer"
    ),
    RefundParagraph.STK5: "§ 9 c, stk. 5",
    RefundParagraph.STK6: "§ 9 c, stk. 6",
}


class RefundClaimStatus(StrEnum):
    CLAIMED = "claimed"
    ACCEPTED = "accepted"
    DISPUTED = "disputed"
    WITHDRAWN = "withdrawn"


OPEN_CLAIMS = (RefundClaimStatus.CLAIMED, RefundClaimStatus.ACCEPTED)


class RefundRole(StrEnum):
    """Which side of a refund claim: the municipality that claims, or the one it claims from."""

    CLAIMANT = "claimant"
    DEBTOR = "debtor"


class RefundClaimCreate(BaseModel):
    """The buyer claims a refund of a contract's cost from another municipality, from a day
    (the contract's first day when left out) and, if given, to a day."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    debtor_code: MunicipalityCode
    paragraph: RefundParagraph
    from_day: datetime.date | None = None
    to_day: datetime.date | None = None
    note: Text = ""

    @model_validator(mode="after")
    def _in_order(self) -> RefundClaimCreate:
        if self.from_day and self.to_day and self.to_day < self.from_day:
            raise PydanticCustomError("invalid", "the claim ends before it starts")
        return self


class RefundClaimAnswer(BaseModel):
    """Accepting or withdrawing a refund claim, with a reason if one is given."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    reason: Text = ""


class RefundClaimDispute(BaseModel):
    """Disputing a refund claim: the reason is required (the dispute itself is settled at
    Ankestyrelsen, outside the product)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    reason: Reason


# --- views -------------------------------------------------------------------------------------


class AgreedAddOn(BaseModel):
    model_config = ConfigDict(frozen=True)

    name: str
    unit: PriceUnit
    price_ore: int
    quantity: Decimal


class RequestView(BaseModel):
    """A placement request as a party sees it; the citizen fields are None for others."""

    model_config = ConfigDict(frozen=True)

    id: uuid.UUID
    offer_id: uuid.UUID
    provider_org: str
    buyer: str
    citizen_ref: str | None
    cpr_masked: str | None
    legal_basis: LegalBasis
    desired_start: datetime.date
    price_level: str | None
    hours_per_month: Decimal | None
    add_ons: list[AddOnRequest]
    urgency: Urgency
    message: str
    individual_plan_ref: str | None
    follow_up_on: datetime.date | None
    status: RequestStatus
    decline_reason: DeclineReason | None
    decline_text: str
    expires_on: datetime.date
    respond_by: datetime.datetime | None = None  # an acute request's deadline, to the hour
    created_at: datetime.datetime
    answered_at: datetime.datetime | None
    contract_id: uuid.UUID | None = None
    expected_monthly_ore: int | None = None
    expected_to_follow_up_ore: int | None = None
    frame_ore: int | None = None  # the author's frame when the request was made
    frame_basis: FrameBasis | None = None
    approved_by: str | None = None
    approved_at: datetime.datetime | None = None
    approval_reason: str = ""
    need_answer_id: uuid.UUID | None = None  # the answer to a need it was made from
    hours_per_week: Decimal | None = None  # for an hourly price agreed per week


class Consent(BaseModel):
    """One party's agreement to a term: its organisation, who (the token's subject), when."""

    model_config = ConfigDict(frozen=True)

    organisation: str
    by: str
    at: datetime.datetime


class TermView(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: uuid.UUID
    valid_from: datetime.date
    price_level: str | None
    special_arrangement: bool
    unit: PriceUnit
    price_ore: int
    quantity: Decimal
    price_list_id: uuid.UUID | None
    vat_included: bool
    add_ons: list[AgreedAddOn]
    cost: SpecialArrangementCost | None = None
    review_on: datetime.date | None = None
    buyer_consent: Consent | None = None
    provider_consent: Consent | None = None
    hours_per: HoursPer = HoursPer.MONTH  # what ``quantity`` counts for an hourly price


class ProposalView(BaseModel):
    """A provider's proposal on a request, as its parties see it."""

    model_config = ConfigDict(frozen=True)

    id: uuid.UUID
    request_id: uuid.UUID
    status: ProposalStatus
    start_date: datetime.date
    price_level: str | None
    hours_per_month: Decimal | None
    add_ons: list[AddOnRequest]
    special_arrangement: SpecialArrangementCost | None
    price_ore: int | None  # a special arrangement's price per day
    review_on: datetime.date | None
    message: str
    proposed_by_org: str
    proposed_at: datetime.datetime
    answered_at: datetime.datetime | None
    answer_reason: str
    hours_per_week: Decimal | None = None


class ContractView(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: uuid.UUID
    request_id: uuid.UUID
    offer_id: uuid.UUID
    provider_org: str
    buyer: str
    citizen_ref: str | None
    cpr_masked: str | None
    legal_basis: LegalBasis
    start_date: datetime.date
    end_date: datetime.date | None
    status: ContractStatus
    notice_days: int
    notice_convention: NoticeConvention = NoticeConvention.DAYS
    notice_months: int = 0
    bill_first_day: bool
    bill_last_day: bool
    rules_source: str
    notice_given_on: datetime.date | None
    notice_given_by: str | None
    individual_plan_ref: str | None
    follow_up_on: datetime.date | None
    created_at: datetime.datetime
    updated_at: datetime.datetime
    terms: list[TermView]


class ChangeView(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: uuid.UUID
    contract_id: uuid.UUID
    status: ChangeStatus
    effective_from: datetime.date | None
    changes_level: bool
    price_level: str | None
    add_ons: list[AddOnRequest] | None
    special_arrangement: SpecialArrangementCost | None = None
    review_on: datetime.date | None = None
    end_date: datetime.date | None
    reason: str
    proposed_by_org: str
    proposed_at: datetime.datetime
    responded_by_org: str | None
    responded_at: datetime.datetime | None
    response_reason: str
    withdraws_notice_id: uuid.UUID | None = None


class NoticeView(BaseModel):
    """A notice on a contract, as its parties see it."""

    model_config = ConfigDict(frozen=True)

    id: uuid.UUID
    contract_id: uuid.UUID
    status: NoticeStatus
    given_on: datetime.date
    given_by_org: str
    given_by: str
    effective_from: datetime.date
    convention: NoticeConvention
    days: int
    months: int
    end_date: datetime.date | None
    reason: str
    withdrawn_at: datetime.datetime | None


class ContractDateView(BaseModel):
    """A follow-up or renegotiation date of a contract."""

    model_config = ConfigDict(frozen=True)

    id: uuid.UUID
    contract_id: uuid.UUID
    buyer: str
    provider_org: str
    kind: ContractDateKind
    due_on: datetime.date
    status: ContractDateStatus
    note: str | None  # None for the registry administrator, who is no party
    planned_in_id: uuid.UUID | None
    held_in_id: uuid.UUID | None
    created_by: str
    created_at: datetime.datetime
    closed_by: str | None
    closed_at: datetime.datetime | None
    close_reason: str | None


class FollowUpView(BaseModel):
    """A follow-up (or renegotiation) held on a contract."""

    model_config = ConfigDict(frozen=True)

    id: uuid.UUID
    contract_id: uuid.UUID
    buyer: str
    provider_org: str
    kind: ContractDateKind
    held_on: datetime.date
    outcome: FollowUpOutcome
    notes: str | None  # None for the registry administrator, who is no party
    next_on: datetime.date | None
    recorded_by: str
    recorded_at: datetime.datetime


class EventView(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: uuid.UUID
    at: datetime.datetime
    kind: str
    from_status: str | None
    to_status: str | None
    actor: str
    actor_org: str | None
    actor_role: str | None
    detail: str


class FrameSet(BaseModel):
    """A municipality's approval frame: for one case handler (``subject``, their login) or
    for every purchaser of the municipality (``subject`` None)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    municipality_code: MunicipalityCode
    subject: (
        Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
        | None
    ) = None
    amount: DKKAmount
    basis: FrameBasis = FrameBasis.PER_MONTH


class FrameView(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: uuid.UUID
    municipality: str
    subject: str | None  # None: every purchaser of the municipality
    amount_ore: int
    basis: FrameBasis
    set_by: str
    set_at: datetime.datetime


class ApproverView(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: uuid.UUID
    municipality: str
    subject: str
    added_by: str
    added_at: datetime.datetime


class RefundClaimView(BaseModel):
    """A refund claim as its parties see it, with the limited view of its contract the debtor
    may see: the offer, the provider, the period, the terms and prices and the buyer's case
    reference (None for the registry administrator); never anything of the CPR number."""

    model_config = ConfigDict(frozen=True)

    id: uuid.UUID
    contract_id: uuid.UUID
    claimant: str
    debtor: str
    paragraph: RefundParagraph | None
    from_day: datetime.date
    to_day: datetime.date | None
    note: str
    status: RefundClaimStatus
    created_at: datetime.datetime
    created_by: str
    answered_at: datetime.datetime | None
    answered_by: str | None
    answer_reason: str
    withdrawn_at: datetime.datetime | None
    withdrawn_by: str | None
    withdraw_reason: str
    offer_id: uuid.UUID
    provider_org: str
    citizen_ref: str | None
    legal_basis: LegalBasis
    contract_start: datetime.date
    contract_end: datetime.date | None
    contract_status: ContractStatus
    terms: list[TermView]


# --- one need, several offers ------------------------------------------------------------------


class NeedStatus(StrEnum):
    OPEN = "open"  # the providers answer until the response deadline
    DECIDING = "deciding"  # the deadline has passed: the buyer picks an answer by decide_by
    CHOSEN = "chosen"  # an answer was picked and became a placement request
    CANCELLED = "cancelled"
    CLOSED = "closed"  # nothing was chosen by decide_by


# A need whose answers may still be picked (and which may be cancelled).
OPEN_NEED = (NeedStatus.OPEN.value, NeedStatus.DECIDING.value)


class NeedAnswerStatus(StrEnum):
    WAITING = "waiting"  # sent; the provider has not answered
    PROPOSED = "proposed"
    DECLINED = "declined"
    NO_ANSWER = "no_answer"  # the deadline passed without an answer
    CHOSEN = "chosen"
    NOT_CHOSEN = "not_chosen"  # another answer was picked, or none by decide_by
    CANCELLED = "cancelled"  # the buyer cancelled the need


MAX_NEED_OFFERS = 50  # a need goes to at most this many offers
MAX_NEED_GROUPS = 10
Codes = Annotated[
    list[Annotated[str, StringConstraints(strip_whitespace=True, max_length=36)]],
    Field(max_length=20),
]


def _known(codes: list[str], known: set[str], what: str, kind: str = "invalid") -> list[str]:
    unknown = [c for c in codes if c not in known]
    if unknown:
        raise PydanticCustomError(
            kind, "unknown {what}: {codes}", {"what": what, "codes": ", ".join(unknown)}
        )
    if len(set(codes)) != len(codes):
        raise PydanticCustomError("invalid", "the same {what} is listed twice", {"what": what})
    return codes


class NeedArea(BaseModel):
    """Where the place is wanted: offers in a municipality or a region, or near a point (a
    municipality's seat or coordinates) within a radius, as search's ``near``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    municipality_code: MunicipalityCode | None = None
    region_code: Annotated[str, StringConstraints(strip_whitespace=True)] | None = None
    latitude: Latitude | None = None
    longitude: Longitude | None = None
    radius_km: Annotated[float, Field(gt=0, le=500)] | None = None

    @model_validator(mode="after")
    def _one_place(self) -> NeedArea:
        if self.municipality_code is not None:
            known = {m.code for m in municipality_records()}
            _known([self.municipality_code], known, "municipality", "unknown_municipality")
        if self.region_code is not None:
            _known([self.region_code], set(region_records()), "region", "unknown_region")
        point = self.latitude is not None or self.longitude is not None
        given = [self.municipality_code is not None, self.region_code is not None, point]
        if sum(given) != 1 or (point and (self.latitude is None or self.longitude is None)):
            raise PydanticCustomError(
                "invalid", "give a municipality, a region, or both latitude and longitude"
            )
        if point and self.radius_km is None:
            raise PydanticCustomError("required", "a point needs a radius")
        if self.region_code is not None and self.radius_km is not None:
            raise PydanticCustomError("invalid", "a region takes no radius")
        return self

    @property
    def near(self) -> bool:
        """A point (a seat or coordinates) and a radius, rather than a place's own offers."""
        return self.radius_km is not None


class NeedMatch(BaseModel):
    """What a search for the need asks beyond the need itself (whose target groups, age,
    legal basis, area, acute flag and price ceiling are the search's filters too)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    query: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] = ""
    categories: Annotated[list[OfferCategory], Field(max_length=3)] = []
    service_types: Codes = []
    methods: Annotated[
        list[Annotated[str, StringConstraints(strip_whitespace=True, max_length=100)]],
        Field(max_length=20),
    ] = []
    free_places: bool = False
    free_from: datetime.date | None = None
    unique_statuses: Annotated[list[UniqueOfferStatus], Field(max_length=3)] = []

    @field_validator("service_types")
    @classmethod
    def _known_service_types(cls, codes: list[str]) -> list[str]:
        return _known(codes, {r.code for r in service_type_records()}, "service type")


class PlacementNeedCreate(BaseModel):
    """One anonymised need, sent to chosen offers (``offer_ids``) or to every offer a search
    finds (``match``). It names no citizen: the identity is given only to the provider whose
    answer is picked. Left out: the start is today (as soon as possible), and the answers are
    due within the setting's days (hours for an acute need)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    target_groups: Annotated[Codes, Field(min_length=1, max_length=MAX_NEED_GROUPS)]
    age: Annotated[int, Field(ge=0, le=120)]
    legal_basis: LegalBasis | None = None
    area: NeedArea | None = None
    desired_start: datetime.date | None = None
    hours_per_month: Quantity | None = None
    urgency: Urgency = Urgency.PLANNED
    max_price_per_day: Annotated[DKKAmount, Field(gt=0)] | None = None
    respond_by: AwareDatetime | None = None
    message: Text = ""
    offer_ids: Annotated[list[uuid.UUID], Field(max_length=MAX_NEED_OFFERS)] = []
    match: NeedMatch | None = None

    @field_validator("target_groups")
    @classmethod
    def _known_target_groups(cls, codes: list[str]) -> list[str]:
        return _known(codes, {r.code for r in target_group_records()}, "target group")

    @model_validator(mode="after")
    def _consistent(self) -> PlacementNeedCreate:
        if len(set(self.offer_ids)) != len(self.offer_ids):
            raise PydanticCustomError("invalid", "the same offer is listed twice")
        if bool(self.offer_ids) == (self.match is not None):
            raise PydanticCustomError(
                "required", "send the need to chosen offers (offerIds) or by a search (match)"
            )
        return self


class PlacementNeedChoose(BaseModel):
    """The buyer picks an answer: the citizen's identity, given only now, and the request's
    own details; the terms are the answer's."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    citizen_ref: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)
    ]
    cpr: SecretStr | None = None
    individual_plan_ref: (
        Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
        | None
    ) = None
    follow_up_on: datetime.date | None = None
    message: Text = ""

    def fingerprint_payload(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude={"cpr"})


class NeedView(BaseModel):
    """A need as its buyer sees it; the providers it was sent to see the need itself, without
    what the buyer asked the search and how many offers it went to (None)."""

    model_config = ConfigDict(frozen=True)

    id: uuid.UUID
    buyer: str
    status: NeedStatus
    target_groups: list[str]
    age: int
    legal_basis: LegalBasis | None
    area: NeedArea | None
    desired_start: datetime.date
    hours_per_month: Decimal | None
    urgency: Urgency
    max_price_ore: int | None
    message: str
    respond_by: datetime.datetime
    decide_by: datetime.datetime
    created_at: datetime.datetime
    closed_at: datetime.datetime | None
    sent_count: int | None = None
    matched_count: int | None = None
    match: NeedMatch | None = None
    cancel_reason: str | None = None


class NeedAnswerView(BaseModel):
    """One offer's answer to a need: a proposal with its terms and price, a decline with its
    reason, or none yet."""

    model_config = ConfigDict(frozen=True)

    id: uuid.UUID
    need_id: uuid.UUID
    offer_id: uuid.UUID
    provider_org: str
    buyer: str
    status: NeedAnswerStatus
    legal_basis: LegalBasis
    distance_km: float | None
    respond_by: datetime.datetime
    start_date: datetime.date | None
    price_level: str | None
    hours_per_month: Decimal | None
    add_ons: list[AgreedAddOn]
    special_arrangement: SpecialArrangementCost | None
    review_on: datetime.date | None
    price_unit: PriceUnit | None
    price_ore: int | None
    message: str
    decline_reason: DeclineReason | None
    decline_text: str
    sent_at: datetime.datetime
    answered_at: datetime.datetime | None


class OfferComparison(BaseModel):
    """What a buyer weighs an answer by besides its terms: when the offer has a place free,
    the special conditions it runs on, and the agreement that covers it."""

    model_config = ConfigDict(frozen=True)

    free_from: datetime.date | None
    special_conditions: list[SpecialCondition]
    agreement_name: str | None
    agreement_source: str


# --- hourly services by delivered hours; invoices and credit notes ------------------------------


class HoursSource(StrEnum):
    """Which hours an hourly service is billed by in a month."""

    DELIVERED = "delivered"  # the hours the provider reported for the month
    AGREED = "agreed"  # none reported: the agreed hours a month or a week


# The hours of a month: not negative, and at most 31 days of 24 hours (the contract's own days
# in the month bound them further).
MonthHours = Annotated[Decimal, Field(ge=0, le=744, decimal_places=2)]


class DeliveredHoursReport(BaseModel):
    """The hours a provider delivered under an hourly contract in a month (given by its first
    day). A report for a month already reported corrects it, until the month is invoiced."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    month: datetime.date
    hours: MonthHours
    note: Text = ""

    @field_validator("month")
    @classmethod
    def _first_day(cls, value: datetime.date) -> datetime.date:
        if value.day != 1:
            raise PydanticCustomError("invalid", "give the month by its first day")
        return value


class DeliveredHoursView(BaseModel):
    """The hours delivered under a contract in a month, as its parties see them."""

    model_config = ConfigDict(frozen=True)

    id: uuid.UUID
    contract_id: uuid.UUID
    month: datetime.date
    hours: Decimal
    note: str
    revision: int  # 1 when first reported, one more for each correction
    reported_by: str
    reported_at: datetime.datetime
    invoiced: bool  # the month is on an invoice: its hours no longer change


class InvoiceFrequency(StrEnum):
    """How often a provider invoices a buying municipality (the agreement's billing rule)."""

    MONTHLY = "monthly"
    QUARTERLY = "quarterly"
    HALF_YEARLY = "half_yearly"


MONTHS_PER_INVOICE = {
    InvoiceFrequency.MONTHLY: 1,
    InvoiceFrequency.QUARTERLY: 3,
    InvoiceFrequency.HALF_YEARLY: 6,
}


class InvoiceIssue(BaseModel):
    """Invoice a buying municipality for the period that holds ``month`` (its first day): the
    month, or the quarter or half-year where the agreement invoices so."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    municipality_code: MunicipalityCode
    month: datetime.date

    @field_validator("month")
    @classmethod
    def _first_day(cls, value: datetime.date) -> datetime.date:
        if value.day != 1:
            raise PydanticCustomError("invalid", "give the month by its first day")
        return value


class CreditNoteIssue(BaseModel):
    """Credit part or all of an issued invoice (an amount with VAT included, as the invoice's
    total is), with the reason."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    amount: Annotated[DKKAmount, Field(gt=0)]
    reason: Reason


class InvoiceView(BaseModel):
    """An issued invoice as its parties see it: the document as issued, and what credit notes
    have credited of it since."""

    model_config = ConfigDict(frozen=True)

    id: uuid.UUID
    provider_org: str
    buyer: str
    number: int
    period_start: datetime.date
    period_end: datetime.date
    frequency: InvoiceFrequency
    issue_date: datetime.date
    due_date: datetime.date
    payment_term_days: int
    terms_source: str
    total_ore: int
    vat_ore: int
    line_count: int
    credited_ore: int
    issued_by: str
    issued_at: datetime.datetime

    @property
    def net_ore(self) -> int:
        """The total without the VAT included in it."""
        return self.total_ore - self.vat_ore

    @property
    def balance_ore(self) -> int:
        """What is left of the invoice after its credit notes."""
        return self.total_ore - self.credited_ore


class CreditNoteView(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: uuid.UUID
    invoice_id: uuid.UUID
    provider_org: str
    buyer: str
    number: int
    issue_date: datetime.date
    amount_ore: int
    vat_ore: int
    reason: str
    issued_by: str
    issued_at: datetime.datetime

    @property
    def net_ore(self) -> int:
        return self.amount_ore - self.vat_ore
