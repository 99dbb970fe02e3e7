"""GraphQL types of contracting: placement requests, contracts, their terms, notices, changes
and history, the monthly billing statement, refund claims between municipalities and the
monthly refund statement."""

from __future__ import annotations

import datetime
import uuid
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from strawberry import relay

from marketplace.contracts import billing
from marketplace.contracts import models as m
from marketplace.contracts import refund_statement as refunds
from marketplace.core import rules
from marketplace.core.clock import today
from marketplace.core.pagination import PageRequest, page_of
from schema.context import Info
from schema.convert import FromView, from_view
from schema.marketplace.offers.types import LegalBasis, Offer, PriceUnit
from schema.marketplace.organisations.types import Municipality, Provider
from schema.money import Money
from schema.relay import Connection, load_held, load_list, load_one, nodes_by_key

if TYPE_CHECKING:
    from schema.marketplace.contracts.followup.types import ContractDate, ContractFollowUp
    from schema.marketplace.contracts.invoices.types import DeliveredHours
    from schema.marketplace.contracts.needs.types import NeedAnswer

_FOLLOW_UP_TYPES = "schema.marketplace.contracts.followup.types"

RequestStatus = strawberry.enum(
    m.RequestStatus,
    name="PlacementRequestStatus",
    description=(
        "pending -> accepted | declined | proposed | withdrawn | expired; proposed (the "
        "provider proposed other terms) -> accepted | rejected | withdrawn | expired"
    ),
)
ProposalStatus = strawberry.enum(
    m.ProposalStatus,
    name="PlacementProposalStatus",
    description="open -> accepted | rejected | expired",
)
RefundParagraph = strawberry.enum(
    m.RefundParagraph,
    name="RefundParagraph",
    description=(
        "The case of retssikkerhedsloven § 9 c (mellemkommunal refusion) a refund claim rests "
        "on; each value's description is the case in Danish."
    ),
)
for _value in RefundParagraph.__strawberry_definition__.values:  # type: ignore[attr-defined]
    _value.description = m.REFUND_PARAGRAPHS[m.RefundParagraph(_value.value)]
RefundClaimStatus = strawberry.enum(
    m.RefundClaimStatus,
    name="RefundClaimStatus",
    description=(
        "claimed -> accepted | disputed | withdrawn; a disputed claim may be withdrawn. "
        "Open: claimed or accepted (one per contract)."
    ),
)
RefundRole = strawberry.enum(
    m.RefundRole,
    name="RefundRole",
    description="Your municipality's side of a refund claim: it claims, or it is to refund.",
)
Urgency = strawberry.enum(m.Urgency, name="Urgency")
DeclineReason = strawberry.enum(m.DeclineReason, name="DeclineReason")
ContractStatus = strawberry.enum(
    m.ContractStatus,
    name="ContractStatus",
    description="active -> notice_given -> ended; cancelled when notice runs out before the start",
)
ChangeStatus = strawberry.enum(m.ChangeStatus, name="ContractChangeStatus")
NoticeConvention = strawberry.enum(
    rules.NoticeConvention,
    name="NoticeConvention",
    description=(
        "How a notice period is counted from the day notice takes effect: DAYS (that many "
        "days later), or MONTH_END (the rest of that month plus some months, to a month's end)"
    ),
)
NoticeStatus = strawberry.enum(
    m.NoticeStatus,
    name="NoticeStatus",
    description=(
        "given (it sets the contract's end) -> superseded (a later notice ends the contract "
        "earlier) | withdrawn (both parties agreed); a superseded notice is given again when "
        "the later one is withdrawn"
    ),
)
FrameBasis = strawberry.enum(
    m.FrameBasis,
    name="FrameBasis",
    description="How a frame counts a request's cost: a month, or to its follow-up date.",
)
HoursPer = strawberry.enum(
    m.HoursPer,
    name="HoursPer",
    description="What an hourly price's agreed hours count: hours a month, or hours a week.",
)
HoursSource = strawberry.enum(
    m.HoursSource,
    name="HoursSource",
    description=(
        "Which hours an hourly service is billed by in a month: the hours its provider "
        "reported delivered, or (none reported) the agreed hours."
    ),
)


@strawberry.type(description="An add-on service asked for, and how much of it.")
class RequestedAddOn:
    name: str
    quantity: Decimal = strawberry.field(
        description="Hours a month for an hourly add-on; units a day, month or year otherwise."
    )


@strawberry.type(description="An agreed add-on service at its agreed price.")
class AgreedAddOn:
    name: str
    unit: PriceUnit  # type: ignore[valid-type]
    price: Money
    quantity: Decimal


@strawberry.type(description="A change in the history of a request or contract.")
class PlacementEvent:
    at: datetime.datetime
    kind: str = strawberry.field(
        description=(
            "requested, accepted, declined, withdrawn, expired, signed, notice_given, "
            "notice_withdrawn, cancelled, ended, change_proposed, change_accepted, "
            "change_rejected or follow_up_recorded."
        )
    )
    from_status: str | None
    to_status: str | None
    actor: str = strawberry.field(description="Who made it (the token's subject).")
    actor_organisation: str | None = strawberry.field(description="For which organisation.")
    actor_role: str | None
    detail: str

    @classmethod
    def of(cls, view: m.EventView) -> PlacementEvent:
        return from_view(cls, view, actor_organisation=view.actor_org)


@strawberry.type(description="Staff a special arrangement needs: hours a week at an hourly rate.")
class StaffCost(FromView):
    role: str
    hours_per_week: Decimal
    hourly_rate: Money

    @classmethod
    def of(cls, view: m.StaffCost) -> StaffCost:
        return from_view(cls, view, hourly_rate=Money.of_dkk(view.hourly_rate))


@strawberry.type(
    description=(
        "How a special arrangement's (særforanstaltning) price per day is built: staff hours "
        "a week at their rates, other direct costs a day, and overhead on both."
    )
)
class SpecialArrangementCost:
    staff: list[StaffCost]
    other_costs_per_day: Money
    overhead_percent: Decimal
    price_per_day: Money = strawberry.field(
        description="(staff's weekly cost / 7 + other costs a day) x (1 + overhead), to the øre."
    )

    @classmethod
    def of(cls, view: m.SpecialArrangementCost) -> SpecialArrangementCost:
        return from_view(
            cls,
            view,
            other_costs_per_day=Money.of_dkk(view.other_costs_per_day),
            price_per_day=Money.from_ore(view.price_ore),
        )


@strawberry.type(description="One party's agreement to terms: its organisation, who and when.")
class Consent(FromView):
    organisation: str
    by: str = strawberry.field(description="Who agreed (the token's subject).")
    at: datetime.datetime


async def _history(info: Info, request_id: uuid.UUID) -> list[PlacementEvent]:
    loader = info.context.marketplace.placement_history_by_request
    return await load_list(loader, request_id, PlacementEvent.of)


async def _municipality(info: Info, code: str) -> Municipality:
    # codes are checked when the request is made
    return await load_held(info.context.marketplace.municipality_by_code, code, Municipality.of)


@strawberry.interface(
    description=(
        "What a placement request and a contract share: the offer, its provider and the buying "
        "(acting) municipality, which pays."
    )
)
class Placement:
    view: strawberry.Private[Any]

    @strawberry.field(description="The offer; null if it is no longer yours to see.")
    async def offer(self, info: Info) -> Offer | None:
        return await load_one(info.context.marketplace.offer_by_id, self.view.offer_id, Offer.of)

    @strawberry.field(description="The offer's provider (driftsherre).")
    async def provider(self, info: Info) -> Provider | None:
        loader = info.context.marketplace.provider_by_org
        return await load_one(loader, self.view.provider_org, Provider.of)

    @strawberry.field(description="The acting municipality (handlekommune).")
    async def buyer(self, info: Info) -> Municipality:
        return await _municipality(info, self.view.buyer)

    @strawberry.field(
        description="The municipality the provider bills: the buyer.",
        deprecation_reason=(
            "Always the buyer: the acting municipality (handlekommune) pays "
            "(retssikkerhedsloven § 9, stk. 1). A former municipality that must refund the "
            "buyer (§ 9 c) is named in a refund claim: refundClaimCreate, Contract.refundClaims."
        ),
    )
    async def payer(self, info: Info) -> Municipality:
        return await _municipality(info, self.view.buyer)


@strawberry.type(
    description=(
        "A municipality's request for a place in an offer for a citizen (henvendelse). Only "
        "the buying municipality and the offer's provider see it."
    )
)
class PlacementRequest(FromView, Placement, relay.Node):
    id: relay.NodeID[str]
    citizen_ref: str | None = strawberry.field(
        description="The buying municipality's case reference (the two parties only)."
    )
    cpr_masked: str | None = strawberry.field(
        description="The citizen's CPR number, masked (010190-****), if one was given."
    )
    legal_basis: LegalBasis  # type: ignore[valid-type]
    desired_start: datetime.date
    price_level: str | None = strawberry.field(description="null: the base price.")
    hours_per_month: Decimal | None = strawberry.field(description="For an hourly price.")
    hours_per_week: Decimal | None = strawberry.field(
        description="For an hourly price agreed in hours a week (instead of hoursPerMonth)."
    )
    add_ons: list[RequestedAddOn]
    urgency: Urgency  # type: ignore[valid-type]
    message: str
    individual_plan_ref: str | None
    follow_up_on: datetime.date | None
    status: RequestStatus  # type: ignore[valid-type]
    decline_reason: DeclineReason | None  # type: ignore[valid-type]
    decline_text: str
    expires_on: datetime.date = strawberry.field(
        description="An unanswered request expires after this day."
    )
    respond_by: datetime.datetime | None = strawberry.field(
        description=(
            "An acute request's deadline, to the hour (the hours the offer's agreement gives, "
            "or the setting); null for a planned request, which waits to the end of expiresOn."
        )
    )
    created_at: datetime.datetime
    answered_at: datetime.datetime | None
    expected_monthly: Money | None = strawberry.field(
        description=(
            "What a month of the terms asked for is expected to cost: the price in force x "
            "the quantity (a month of 30 days), and the add-ons."
        )
    )
    expected_to_follow_up: Money | None = strawberry.field(
        description="What they are expected to cost to the follow-up date (a year without one)."
    )
    frame: Money | None = strawberry.field(
        description="The author's frame (handlingsramme) when the request was made; null: none."
    )
    frame_basis: FrameBasis | None  # type: ignore[valid-type]
    approved_by: str | None = strawberry.field(
        description="The approver who decided on a request above its author's frame."
    )
    approved_at: datetime.datetime | None
    approval_reason: str
    view: strawberry.Private[m.RequestView]
    resolve_nodes = nodes_by_key(lambda info: info.context.marketplace.placement_request_by_id)

    @strawberry.field(description="The provider's proposals with other terms, oldest first.")
    async def proposals(self, info: Info) -> list[PlacementProposal]:
        loader = info.context.marketplace.proposals_by_request
        return await load_list(loader, self.view.id, PlacementProposal.of)

    @strawberry.field(description="The contract the request became, once accepted.")
    async def contract(self, info: Info) -> Contract | None:
        loader = info.context.marketplace.contract_by_id
        return await load_one(loader, self.view.contract_id, Contract.of)

    @strawberry.field(
        description=(
            "The answer to a need the request was made from (the buyer picked it): its terms "
            "are what the request asks, a special arrangement included."
        )
    )
    async def need_answer(
        self, info: Info
    ) -> Annotated[NeedAnswer, strawberry.lazy("schema.marketplace.contracts.needs.types")] | None:
        from schema.marketplace.contracts.needs.types import NeedAnswer

        loader = info.context.marketplace.need_answer_by_id
        return await load_one(loader, self.view.need_answer_id, NeedAnswer.of)

    @strawberry.field(description="Every change of state: who, for which organisation, when.")
    async def history(self, info: Info) -> list[PlacementEvent]:
        return await _history(info, self.view.id)


@strawberry.type(description="The agreed price from a day on, and the agreed add-ons.")
class ContractTerm(FromView):
    valid_from: datetime.date
    price_level: str | None = strawberry.field(description="null: the base price.")
    special_arrangement: bool = strawberry.field(
        description="An individually priced special arrangement (særforanstaltning)."
    )
    unit: PriceUnit  # type: ignore[valid-type]
    price: Money = strawberry.field(
        description="The agreed price in the term's first year; later years follow their price list."
    )
    quantity: Decimal = strawberry.field(
        description="Hours a month or a week (hoursPer) for an hourly price, else 1."
    )
    hours_per: HoursPer = strawberry.field(  # type: ignore[valid-type]
        description="For an hourly price: whether quantity is hours a month or a week."
    )
    vat_included: bool
    add_ons: list[AgreedAddOn]
    cost: SpecialArrangementCost | None = strawberry.field(
        description="A special arrangement's costs, which its price is worked out from."
    )
    review_on: datetime.date | None = strawberry.field(
        description="When a special arrangement is reviewed."
    )
    buyer_consent: Consent | None = strawberry.field(
        description="Who agreed the term for the buying municipality, and when."
    )
    provider_consent: Consent | None = strawberry.field(
        description="Who agreed the term for the provider, and when."
    )


@strawberry.type(
    description=(
        "The provider's answer to a request with other terms than asked; the buyer accepts "
        "it (the contract is made on these terms) or rejects it. Only the request's parties "
        "see it."
    )
)
class PlacementProposal(FromView, relay.Node):
    id: relay.NodeID[str]
    status: ProposalStatus  # type: ignore[valid-type]
    start_date: datetime.date
    price_level: str | None = strawberry.field(description="null: the base price.")
    hours_per_month: Decimal | None
    hours_per_week: Decimal | None
    add_ons: list[RequestedAddOn]
    special_arrangement: SpecialArrangementCost | None = strawberry.field(
        description="A special arrangement's costs; its price per day follows from them."
    )
    price: Money | None = strawberry.field(description="A special arrangement's price per day.")
    review_on: datetime.date | None
    message: str
    proposed_by: str = strawberry.field(description="The proposing organisation's code.")
    proposed_at: datetime.datetime
    answered_at: datetime.datetime | None
    answer_reason: str
    view: strawberry.Private[m.ProposalView]
    resolve_nodes = nodes_by_key(lambda info: info.context.marketplace.proposal_by_id)

    @classmethod
    def of(cls, view: m.ProposalView) -> PlacementProposal:
        return from_view(cls, view, proposed_by=view.proposed_by_org)

    @strawberry.field(description="The request the proposal answers.")
    async def request(self, info: Info) -> PlacementRequest | None:
        loader = info.context.marketplace.placement_request_by_id
        return await load_one(loader, self.view.request_id, PlacementRequest.of)


@strawberry.type(description="A change one party proposed after signing.")
class ContractChange(relay.Node):
    id: relay.NodeID[str]
    status: ChangeStatus  # type: ignore[valid-type]
    withdraws_notice: bool = strawberry.field(
        description=(
            "It withdraws the notice in force: accepted, the contract runs again as before "
            "the notice."
        )
    )
    effective_from: datetime.date | None
    changes_price_level: bool
    price_level: str | None
    add_ons: list[RequestedAddOn] | None
    special_arrangement: SpecialArrangementCost | None = strawberry.field(
        description="A special arrangement's new costs (and so its new price per day)."
    )
    review_on: datetime.date | None
    end_date: datetime.date | None
    reason: str
    proposed_by: str = strawberry.field(description="The proposing organisation's code.")
    proposed_at: datetime.datetime
    responded_by: str | None
    responded_at: datetime.datetime | None
    response_reason: str
    view: strawberry.Private[m.ChangeView]
    resolve_nodes = nodes_by_key(lambda info: info.context.marketplace.change_by_id)

    @classmethod
    def of(cls, view: m.ChangeView) -> ContractChange:
        return from_view(
            cls,
            view,
            changes_price_level=view.changes_level,
            withdraws_notice=view.withdraws_notice_id is not None,
            proposed_by=view.proposed_by_org,
            responded_by=view.responded_by_org,
        )


@strawberry.type(
    description=(
        "A notice period and how it is counted from the day notice takes effect: `days` days "
        "(DAYS), or the rest of that month plus `months` months, to a month's end (MONTH_END)."
    )
)
class NoticeTerms:
    convention: NoticeConvention  # type: ignore[valid-type]
    days: int | None = strawberry.field(description="With DAYS; null with MONTH_END.")
    months: int | None = strawberry.field(description="With MONTH_END; null with DAYS.")
    description: str = strawberry.field(
        description='In words: "60 days", "the rest of the month plus 2 months".'
    )
    terms: strawberry.Private[rules.NoticeTerms]

    @classmethod
    def of(cls, terms: rules.NoticeTerms) -> NoticeTerms:
        by_days = terms.convention is rules.NoticeConvention.DAYS
        return cls(
            convention=terms.convention,
            days=terms.days if by_days else None,
            months=None if by_days else terms.months,
            description=terms.period,
            terms=terms,
        )

    @strawberry.field(description="The last day of notice that takes effect on a day.")
    def last_day(self, effective_from: datetime.date) -> datetime.date:
        return self.terms.last_day(effective_from)


@strawberry.type(
    description=(
        "Notice given on a contract: by whom, from which day it counts, by which convention, "
        "and the last day it sets; withdrawn when both parties agree (a proposed change that "
        "withdraws notice, accepted)."
    )
)
class ContractNotice:
    status: NoticeStatus  # type: ignore[valid-type]
    given_on: datetime.date
    given_by: str = strawberry.field(description="The organisation that gave notice.")
    effective_from: datetime.date = strawberry.field(description="The day the notice counts from.")
    notice: NoticeTerms
    end_date: datetime.date | None = strawberry.field(
        description="The contract's last day by this notice; null: it cancelled the contract."
    )
    reason: str
    withdrawn_at: datetime.datetime | None

    @classmethod
    def of(cls, view: m.NoticeView) -> ContractNotice:
        terms = rules.NoticeTerms(view.convention, view.days, view.months)
        return from_view(cls, view, given_by=view.given_by_org, notice=NoticeTerms.of(terms))


@strawberry.type(
    description=(
        "The contract for one citizen's placement (kontrakt pr. borger). Only the buying "
        "municipality and the contracted provider see it."
    )
)
class Contract(Placement, relay.Node):
    id: relay.NodeID[str]
    citizen_ref: str | None
    cpr_masked: str | None
    legal_basis: LegalBasis  # type: ignore[valid-type]
    start_date: datetime.date
    end_date: datetime.date | None = strawberry.field(description="null until notice is given.")
    status: ContractStatus  # type: ignore[valid-type]
    notice_period_days: int | None = strawberry.field(
        description="Days' notice under the DAYS convention; null under MONTH_END (see notice)."
    )
    notice: NoticeTerms = strawberry.field(
        description="The agreed notice: its convention and period (from the rules at signing)."
    )
    bill_first_day: bool = strawberry.field(description="Whether the first day is billed.")
    bill_last_day: bool = strawberry.field(description="Whether the last day is billed.")
    rules_source: str = strawberry.field(
        description="Where the notice and billing rules come from."
    )
    notice_given_on: datetime.date | None
    notice_given_by: str | None = strawberry.field(description="The organisation that gave notice.")
    individual_plan_ref: str | None
    terms: list[ContractTerm] = strawberry.field(description="The agreed terms, oldest first.")
    created_at: datetime.datetime
    view: strawberry.Private[m.ContractView]
    resolve_nodes = nodes_by_key(lambda info: info.context.marketplace.contract_by_id)

    @classmethod
    def of(cls, view: m.ContractView) -> Contract:
        terms = rules.NoticeTerms(view.notice_convention, view.notice_days, view.notice_months)
        by_days = view.notice_convention is rules.NoticeConvention.DAYS
        return from_view(
            cls,
            view,
            notice_period_days=view.notice_days if by_days else None,
            notice=NoticeTerms.of(terms),
        )

    @strawberry.field(
        description=(
            "The next follow-up date: the earliest planned follow-up (at first the request's "
            "followUpOn); null when none is planned. All dates: `dates`."
        )
    )
    async def follow_up_on(self, info: Info) -> datetime.date | None:
        loader = info.context.marketplace.contract_dates_by_contract
        planned = [
            d.due_on
            for d in await loader.load(self.view.id) or []
            if d.kind is m.ContractDateKind.FOLLOW_UP and d.status is m.ContractDateStatus.PLANNED
        ]
        return min(planned, default=None)

    @strawberry.field(
        description=(
            "Follow-up and renegotiation dates, earliest first (kept by the buying "
            "municipality, seen by the provider)."
        )
    )
    async def dates(
        self, info: Info
    ) -> list[Annotated[ContractDate, strawberry.lazy(_FOLLOW_UP_TYPES)]]:
        from schema.marketplace.contracts.followup.types import ContractDate

        loader = info.context.marketplace.contract_dates_by_contract
        return await load_list(loader, self.view.id, ContractDate.of)

    @strawberry.field(description="Follow-ups and renegotiations held, the latest first.")
    async def follow_ups(
        self, info: Info
    ) -> list[Annotated[ContractFollowUp, strawberry.lazy(_FOLLOW_UP_TYPES)]]:
        from schema.marketplace.contracts.followup.types import ContractFollowUp

        loader = info.context.marketplace.follow_ups_by_contract
        return await load_list(loader, self.view.id, ContractFollowUp.of)

    @strawberry.field(description="Notices given on the contract, oldest first.")
    async def notices(self, info: Info) -> list[ContractNotice]:
        loader = info.context.marketplace.notices_by_contract
        return await load_list(loader, self.view.id, ContractNotice.of)

    @strawberry.field(description="The term in force on a day (today when left out).")
    def term_on(self, date: datetime.date | None = None) -> ContractTerm | None:
        day = date or today()
        current = [t for t in self.view.terms if t.valid_from <= day]
        return ContractTerm.of(current[-1]) if current else None

    @strawberry.field(
        description=(
            "The hours delivered under an hourly contract, per month, the latest first (its "
            "provider reports them; both parties read them)."
        )
    )
    async def delivered_hours(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[
        Annotated[DeliveredHours, strawberry.lazy("schema.marketplace.contracts.invoices.types")]
    ]:
        from schema.marketplace.contracts.invoices.types import DeliveredHours

        found = await info.context.marketplace.delivered_hours_by_contract.load(self.view.id)
        return Connection.of(page_of(found or [], PageRequest.of(first, after)), DeliveredHours.of)

    @strawberry.field(description="The request the contract came from.")
    async def request(self, info: Info) -> PlacementRequest | None:
        loader = info.context.marketplace.placement_request_by_id
        return await load_one(loader, self.view.request_id, PlacementRequest.of)

    @strawberry.field(description="Changes proposed after signing, oldest first.")
    async def changes(self, info: Info) -> list[ContractChange]:
        loader = info.context.marketplace.changes_by_contract
        return await load_list(loader, self.view.id, ContractChange.of)

    @strawberry.field(description="Every change of state of the request and the contract.")
    async def history(self, info: Info) -> list[PlacementEvent]:
        return await _history(info, self.view.request_id)

    @strawberry.field(
        description=(
            "The buyer's refund claims on the contract, oldest first (the buying municipality's "
            "purchasers; claims are between municipalities, so the provider sees none)."
        )
    )
    async def refund_claims(self, info: Info) -> list[RefundClaim]:
        loader = info.context.marketplace.refund_claims_by_contract
        return await load_list(loader, self.view.id, RefundClaim.of)


@strawberry.type(description="One priced part of a billing line: the base price or an add-on.")
class BillingCharge:
    name: str
    unit: PriceUnit  # type: ignore[valid-type]
    quantity: Decimal = strawberry.field(
        description=(
            "Units a day, month or year; for an hourly price the agreed hours a month or a week "
            "(hoursPer), or, with hoursPer null, the hours delivered on these days."
        )
    )
    unit_price: Money
    days: int = strawberry.field(description="Billed days the charge covers.")
    amount: Money
    price_level: str | None = strawberry.field(
        description="The base price's level (for hourly support, its tier); null for add-ons."
    )
    hours_per: HoursPer | None = strawberry.field(  # type: ignore[valid-type]
        description="For agreed hours: whether quantity is hours a month or a week."
    )


@strawberry.type(description="What one contract costs in the month.")
class BillingLine(FromView):
    citizen_ref: str | None
    cpr_masked: str | None
    legal_basis: LegalBasis  # type: ignore[valid-type]
    period_start: datetime.date
    period_end: datetime.date
    days: int = strawberry.field(description="Billed days in the month.")
    vat_included: bool
    charges: list[BillingCharge]
    base: Money
    add_ons: Money
    total: Money
    vat: Money = strawberry.field(
        description="The VAT the total includes (VAT-inclusive prices: a fifth, i.e. 20%); else 0."
    )
    hours: Decimal | None = strawberry.field(
        description="The hours an hourly service is billed for in the month (to 0.01)."
    )
    hours_source: HoursSource | None = strawberry.field(  # type: ignore[valid-type]
        description="Which hours: DELIVERED (reported) or AGREED; null when not hourly."
    )
    view: strawberry.Private[billing.BillingLine]

    @strawberry.field
    async def contract(self, info: Info) -> Contract | None:
        loader = info.context.marketplace.contract_by_id
        return await load_one(loader, self.view.contract_id, Contract.of)

    @strawberry.field
    async def offer(self, info: Info) -> Offer | None:
        return await load_one(info.context.marketplace.offer_by_id, self.view.offer_id, Offer.of)


@strawberry.type(description="The lines of one legal basis, summed.")
class BillingSubtotal:
    legal_basis: LegalBasis  # type: ignore[valid-type]
    lines: int
    total: Money


@strawberry.type(
    description=(
        "A month's billing statement: for a municipality, the contracts it bought (the buying "
        "municipality pays); for a provider, the contracts it bills. Lines are ordered by legal "
        "basis and start. It is the preview of the coming invoice: a provider's invoice to a "
        "municipality (invoiceIssue) is made of exactly these lines, once the period is over."
    )
)
class BillingStatement:
    month: str = strawberry.field(description="YYYY-MM")
    total: Money
    vat: Money = strawberry.field(description="The VAT the total includes.")
    subtotals: list[BillingSubtotal] = strawberry.field(description="Per legal basis.")
    view: strawberry.Private[billing.BillingStatement]

    @classmethod
    def of(cls, view: billing.BillingStatement) -> BillingStatement:
        return from_view(cls, view, month=view.month.strftime("%Y-%m"))

    @strawberry.field(description="The buying municipality, for a municipality's statement.")
    async def municipality(self, info: Info) -> Municipality | None:
        code = self.view.municipality_code
        return await _municipality(info, code) if code else None

    @strawberry.field(description="The provider, for a provider's statement.")
    async def provider(self, info: Info) -> Provider | None:
        loader = info.context.marketplace.provider_by_org
        return await load_one(loader, self.view.provider_org, Provider.of)

    @strawberry.field(description="One line per contract with billed days in the month.")
    def lines(self, first: int | None = None, after: str | None = None) -> Connection[BillingLine]:
        page = page_of(self.view.lines, PageRequest.of(first, after))
        return Connection.of(page, BillingLine.of)


@strawberry.type(
    description=(
        "A buying (acting) municipality's claim that another municipality refunds what one of "
        "its contracts costs (mellemkommunal refusion, retssikkerhedsloven § 9 c). Seen by the "
        "two municipalities' purchasers, with a limited view of the contract (offer, provider, "
        "period, terms and prices, the buyer's case reference; never anything of the CPR "
        "number)."
    )
)
class RefundClaim(FromView, relay.Node):
    id: relay.NodeID[str]
    status: RefundClaimStatus  # type: ignore[valid-type]
    paragraph: RefundParagraph | None = strawberry.field(  # type: ignore[valid-type]
        description="null: not stated (a claim moved from the former payer field)."
    )
    paragraph_text: str | None = strawberry.field(description="The case of § 9 c, in Danish.")
    from_day: datetime.date = strawberry.field(description="The first day the claim covers.")
    to_day: datetime.date | None = strawberry.field(
        description="The last day it covers; null: as long as the contract runs."
    )
    note: str
    created_at: datetime.datetime
    created_by: str = strawberry.field(description="Who made the claim (the token's subject).")
    answered_at: datetime.datetime | None
    answered_by: str | None = strawberry.field(
        description="Who accepted or disputed it for the municipality it is against."
    )
    answer_reason: str = strawberry.field(description="Why (required to dispute).")
    withdrawn_at: datetime.datetime | None
    withdrawn_by: str | None
    withdraw_reason: str
    citizen_ref: str | None = strawberry.field(
        description="The buyer's case reference (the two municipalities only)."
    )
    legal_basis: LegalBasis  # type: ignore[valid-type]
    contract_start: datetime.date
    contract_end: datetime.date | None = strawberry.field(description="null until notice.")
    contract_status: ContractStatus  # type: ignore[valid-type]
    terms: list[ContractTerm] = strawberry.field(
        description="The contract's agreed terms and prices, oldest first."
    )
    view: strawberry.Private[m.RefundClaimView]
    resolve_nodes = nodes_by_key(lambda info: info.context.marketplace.refund_claim_by_id)

    @classmethod
    def of(cls, view: m.RefundClaimView) -> RefundClaim:
        text = m.REFUND_PARAGRAPHS[view.paragraph] if view.paragraph else None
        return from_view(cls, view, paragraph_text=text)

    @strawberry.field(description="The municipality that claims: the contract's buyer.")
    async def claimant(self, info: Info) -> Municipality:
        return await _municipality(info, self.view.claimant)

    @strawberry.field(description="The municipality that is to refund.")
    async def debtor(self, info: Info) -> Municipality:
        return await _municipality(info, self.view.debtor)

    @strawberry.field(description="The contracted offer.")
    async def offer(self, info: Info) -> Offer | None:
        return await load_one(info.context.marketplace.offer_by_id, self.view.offer_id, Offer.of)

    @strawberry.field(description="The offer's provider (driftsherre).")
    async def provider(self, info: Info) -> Provider | None:
        loader = info.context.marketplace.provider_by_org
        return await load_one(loader, self.view.provider_org, Provider.of)

    @strawberry.field(
        description=(
            "The contract itself, for its parties; null for the municipality the claim is "
            "against, which sees the fields above."
        )
    )
    async def contract(self, info: Info) -> Contract | None:
        loader = info.context.marketplace.contract_by_id
        return await load_one(loader, self.view.contract_id, Contract.of)


@strawberry.type(description="What one contract costs on the days of an accepted refund claim.")
class RefundStatementLine(FromView):
    paragraph: RefundParagraph | None  # type: ignore[valid-type]
    citizen_ref: str | None = strawberry.field(description="The buyer's case reference.")
    legal_basis: LegalBasis  # type: ignore[valid-type]
    period_start: datetime.date
    period_end: datetime.date
    days: int = strawberry.field(description="Billed days in the month inside the claim.")
    vat_included: bool
    charges: list[BillingCharge]
    base: Money
    add_ons: Money
    total: Money
    view: strawberry.Private[refunds.RefundLine]

    @strawberry.field(description="The accepted claim.")
    async def claim(self, info: Info) -> RefundClaim | None:
        loader = info.context.marketplace.refund_claim_by_id
        return await load_one(loader, self.view.claim_id, RefundClaim.of)

    @strawberry.field
    async def offer(self, info: Info) -> Offer | None:
        return await load_one(info.context.marketplace.offer_by_id, self.view.offer_id, Offer.of)


@strawberry.type(
    description=(
        "A month's refund statement between two municipalities: what the debtor refunds the "
        "claimant for the claims it accepted, made of the same lines as the billing statement "
        "(the contracts' billed days inside each claim's period). Lines are ordered by legal "
        "basis and start."
    )
)
class RefundStatement:
    month: str = strawberry.field(description="YYYY-MM")
    total: Money
    subtotals: list[BillingSubtotal] = strawberry.field(description="Per legal basis.")
    view: strawberry.Private[refunds.RefundStatement]

    @classmethod
    def of(cls, view: refunds.RefundStatement) -> RefundStatement:
        return from_view(cls, view, month=view.month.strftime("%Y-%m"))

    @strawberry.field(description="The municipality that claims.")
    async def claimant(self, info: Info) -> Municipality:
        return await _municipality(info, self.view.claimant)

    @strawberry.field(description="The municipality that refunds.")
    async def debtor(self, info: Info) -> Municipality:
        return await _municipality(info, self.view.debtor)

    @strawberry.field(description="One line per accepted claim with days in the month.")
    def lines(
        self, first: int | None = None, after: str | None = None
    ) -> Connection[RefundStatementLine]:
        page = page_of(self.view.lines, PageRequest.of(first, after))
        return Connection.of(page, RefundStatementLine.of)


@strawberry.type(
    description=(
        "A case handler's frame (handlingsramme): what a purchaser may commit without an "
        "approver; for one purchaser (subject, their login) or every purchaser (subject null)."
    )
)
class ApprovalFrame(FromView):
    subject: str | None
    amount: Money
    basis: FrameBasis  # type: ignore[valid-type]
    set_by: str
    set_at: datetime.datetime


@strawberry.type(description="A purchaser who approves requests above their authors' frames.")
class Approver(FromView):
    subject: str
    added_by: str
    added_at: datetime.datetime
