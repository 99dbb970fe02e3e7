"""Tables of contracting: needs sent to several offers and their answers, placement
requests, contracts per citizen, their terms, proposed changes, notices, follow-ups and their
dates, and the history of both."""

from __future__ import annotations

from piccolo.columns import (
    JSON,
    UUID,
    BigInt,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Integer,
    SmallInt,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.columns.base import OnDelete
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.columns.reference import LazyTableReference
from piccolo.table import Table

from marketplace.offers.tables import Offer, PriceList


class PlacementNeed(Table, tablename="placement_need"):
    """One anonymised need a municipality sends to several offers at once: who it is for in
    general terms (target groups, age, legal basis), where, from when, how much and how
    urgently, and by when the answers are due. It names no citizen.

    ``latitude`` / ``longitude`` is the point distances to the offers are measured from: the
    area's point or municipality's seat, else the buying municipality's seat. The buyer picks
    an answer by ``decide_by``.
    """

    id = UUID(primary_key=True)
    buyer = Varchar(length=3, index=True)
    status = Varchar(length=16, index=True)
    age = SmallInt()
    legal_basis = Varchar(length=16, null=True, default=None)
    area = JSON(null=True, default=None)  # NeedArea
    latitude = Float()
    longitude = Float()
    desired_start = Date()
    hours_per_month = Integer(null=True, default=None)  # in hundredths, for hourly prices
    urgency = Varchar(length=16)
    max_price_ore = BigInt(null=True, default=None)  # the ceiling per day
    message = Text(default="")
    match = JSON(null=True, default=None)  # NeedMatch: what the search asked beyond the need
    matched_count = Integer(default=0)  # offers that matched (it went to at most 50)
    sent_count = Integer(default=0)
    respond_by = Timestamptz(index=True)
    decide_by = Timestamptz(index=True)
    cancel_reason = Text(default="")
    created_at = Timestamptz(default=TimestamptzNow(), index=True)
    created_by = Varchar(length=100)
    closed_at = Timestamptz(null=True, default=None)


class PlacementNeedGroup(Table, tablename="placement_need_group"):
    """A target group a need names, one row per need and group, so the declines are counted
    per target group in SQL (the gap analysis)."""

    need = ForeignKey(references=PlacementNeed, null=False, index=True, on_delete=OnDelete.cascade)
    target_group = Varchar(length=36, index=True)


class NeedAnswer(Table, tablename="need_answer"):
    """One offer's answer to a need (one row per offer the need was sent to): waiting, a
    proposal with its terms priced by the offer's price list, or a decline with a reason.
    ``buyer``, ``respond_by`` and ``decide_by`` are the need's, kept with each answer (they
    never change) so lists filter on them without a join."""

    id = UUID(primary_key=True)
    need = ForeignKey(references=PlacementNeed, null=False, index=True, on_delete=OnDelete.cascade)
    offer = ForeignKey(references=Offer, null=False, index=True, on_delete=OnDelete.restrict)
    provider_org = Varchar(length=8, index=True)
    buyer = Varchar(length=3, index=True)
    legal_basis = Varchar(length=16)
    distance_m = Integer(null=True, default=None)  # from the need's point to the offer
    respond_by = Timestamptz(index=True)
    decide_by = Timestamptz()
    status = Varchar(length=16, index=True)
    start_date = Date(null=True, default=None)
    price_level = Varchar(length=100, null=True, default=None)
    hours_per_month = Integer(null=True, default=None)  # in hundredths
    add_ons = JSON(default=[])  # AgreedAddOn: priced by the price list
    special_arrangement = JSON(null=True, default=None)  # SpecialArrangementCost
    review_on = Date(null=True, default=None)
    price_unit = Varchar(length=16, null=True, default=None)
    price_ore = BigInt(null=True, default=None)
    message = Text(default="")
    decline_reason = Varchar(length=32, null=True, default=None)
    decline_text = Text(default="")
    sent_at = Timestamptz(default=TimestamptzNow())
    answered_by = Varchar(length=100, null=True, default=None)
    answered_at = Timestamptz(null=True, default=None, index=True)


class PlacementRequest(Table, tablename="placement_request"):
    """A municipality asks an offer for a place for a citizen (henvendelse).

    ``buyer`` is the acting municipality (handlekommune), which decides and pays
    (retssikkerhedsloven § 9, stk. 1); ``provider_org`` the organisation that runs the offer.
    The citizen is the buyer's case reference and, if given, a keyed hash and masked form of
    the CPR number.
    """

    id = UUID(primary_key=True)
    offer = ForeignKey(references=Offer, null=False, index=True, on_delete=OnDelete.restrict)
    provider_org = Varchar(length=8, index=True)
    buyer = Varchar(length=3, index=True)
    citizen_ref = Varchar(length=64)
    cpr_hash = Varchar(length=64, null=True, default=None, index=True)
    cpr_masked = Varchar(length=11, null=True, default=None)
    legal_basis = Varchar(length=16)
    desired_start = Date()
    price_level = Varchar(length=100, null=True, default=None)
    hours_per_month = Integer(null=True, default=None)  # in hundredths, for hourly prices
    add_ons = JSON(default=[])
    urgency = Varchar(length=16)
    message = Text(default="")
    individual_plan_ref = Varchar(length=100, null=True, default=None)
    follow_up_on = Date(null=True, default=None)
    status = Varchar(length=16, index=True)
    decline_reason = Varchar(length=32, null=True, default=None)
    decline_text = Text(default="")
    expires_on = Date(index=True)
    # An acute request's answer is due by this moment (hours after it was made); a planned
    # one's by the end of ``expires_on``.
    respond_by = Timestamptz(null=True, default=None, index=True)
    created_at = Timestamptz(default=TimestamptzNow(), index=True)
    created_by = Varchar(length=100)
    answered_at = Timestamptz(null=True, default=None)
    # What the request is expected to cost (the price in force x quantity): a month, and to
    # the follow-up date; the author's frame when it was made; the approver's decision when
    # the cost was above the frame.
    expected_monthly_ore = BigInt(null=True, default=None)
    expected_to_follow_up_ore = BigInt(null=True, default=None)
    frame_ore = BigInt(null=True, default=None)
    frame_basis = Varchar(length=16, null=True, default=None)
    approved_by = Varchar(length=100, null=True, default=None)
    approved_at = Timestamptz(null=True, default=None)
    approval_reason = Text(default="")
    # The answer to a need the request was made from (the buyer picked it): its terms, and
    # the provider's consent given by answering. At most one request per answer (an index).
    need_answer = ForeignKey(
        references=NeedAnswer, null=True, default=None, on_delete=OnDelete.restrict
    )
    hours_per_week = Integer(null=True, default=None)  # in hundredths; instead of a month's


class PlacementProposal(Table, tablename="placement_proposal"):
    """The provider's answer to a request with other terms than asked (start, level, hours,
    add-ons, or a special arrangement priced from its costs with a review date); the buyer
    accepts it, which makes the contract on these terms, or rejects it."""

    id = UUID(primary_key=True)
    request = ForeignKey(
        references=PlacementRequest, null=False, index=True, on_delete=OnDelete.cascade
    )
    status = Varchar(length=16)
    start_date = Date()
    price_level = Varchar(length=100, null=True, default=None)
    hours_per_month = Integer(null=True, default=None)  # in hundredths
    add_ons = JSON(default=[])
    special_arrangement = JSON(null=True, default=None)  # SpecialArrangementCost
    price_ore = BigInt(null=True, default=None)  # a special arrangement's price per day
    review_on = Date(null=True, default=None)
    message = Text(default="")
    proposed_by_org = Varchar(length=8)
    proposed_by = Varchar(length=100)
    proposed_at = Timestamptz(default=TimestamptzNow())
    answered_by = Varchar(length=100, null=True, default=None)
    answered_at = Timestamptz(null=True, default=None)
    answer_reason = Text(default="")
    hours_per_week = Integer(null=True, default=None)  # in hundredths; instead of a month's


class Contract(Table, tablename="contract"):
    """The contract for one citizen's placement (kontrakt pr. borger).

    It occupies one of the offer's places from ``start_date`` to ``end_date`` (open until
    notice is given). Notice period and billing convention are the agreed terms, taken from
    the rules in force for the offer on the start date: ``notice_days`` days, or under the
    ``month_end`` convention the rest of the month plus ``notice_months`` months. The provider
    bills the buyer; what a former municipality refunds the buyer is a ``RefundClaim`` between
    the two. ``follow_up_on`` is the follow-up date the request asked for; the contract's
    follow-up and renegotiation dates are ``ContractDate`` rows (that one the first).
    """

    id = UUID(primary_key=True)
    request = ForeignKey(
        references=PlacementRequest, null=False, unique=True, on_delete=OnDelete.restrict
    )
    offer = ForeignKey(references=Offer, null=False, index=True, on_delete=OnDelete.restrict)
    provider_org = Varchar(length=8, index=True)
    buyer = Varchar(length=3, index=True)
    citizen_ref = Varchar(length=64)
    cpr_hash = Varchar(length=64, null=True, default=None, index=True)
    cpr_masked = Varchar(length=11, null=True, default=None)
    legal_basis = Varchar(length=16)
    start_date = Date(index=True)
    end_date = Date(null=True, default=None, index=True)
    status = Varchar(length=16, index=True)
    notice_days = SmallInt()
    notice_convention = Varchar(length=16, default="days")
    notice_months = SmallInt(default=0)
    bill_first_day = Boolean()
    bill_last_day = Boolean()
    rules_source = Varchar(length=200)
    notice_given_on = Date(null=True, default=None)
    notice_given_by = Varchar(length=8, null=True, default=None)
    individual_plan_ref = Varchar(length=100, null=True, default=None)
    follow_up_on = Date(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())


class ContractTerm(Table, tablename="contract_term"):
    """The agreed price from a day on: a level (or the base price, or a special arrangement)
    at the price taken from the price list in force then, and the agreed add-ons. A change
    both parties accept starts a new term; the earlier days keep theirs."""

    id = UUID(primary_key=True)
    contract = ForeignKey(references=Contract, null=False, index=True, on_delete=OnDelete.cascade)
    valid_from = Date()
    price_level = Varchar(length=100, null=True, default=None)
    special_arrangement = Boolean(default=False)
    unit = Varchar(length=16)
    price_ore = BigInt()
    quantity = Integer(default=100)  # in hundredths: hours a month for an hourly price, else 1
    price_list = ForeignKey(
        references=PriceList, null=True, default=None, on_delete=OnDelete.restrict
    )
    vat_included = Boolean(default=False)
    add_ons = JSON(default=[])
    cost = JSON(null=True, default=None)  # a special arrangement's SpecialArrangementCost
    review_on = Date(null=True, default=None)  # a special arrangement's review date
    # Who agreed the term for each party, and when: a special arrangement is never agreed by
    # one side.
    buyer_agreed_org = Varchar(length=8, null=True, default=None)
    buyer_agreed_by = Varchar(length=100, null=True, default=None)
    buyer_agreed_at = Timestamptz(null=True, default=None)
    provider_agreed_org = Varchar(length=8, null=True, default=None)
    provider_agreed_by = Varchar(length=100, null=True, default=None)
    provider_agreed_at = Timestamptz(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())
    # For an hourly price: whether ``quantity`` is hours a month or hours a week.
    hours_per = Varchar(length=8, default="month")


class ContractChange(Table, tablename="contract_change"):
    """A change one party proposes after signing (price level, add-ons, end date, or the
    withdrawal of the notice in force, ``withdraws_notice``); the other party accepts or
    rejects it."""

    id = UUID(primary_key=True)
    contract = ForeignKey(references=Contract, null=False, index=True, on_delete=OnDelete.cascade)
    status = Varchar(length=16)
    effective_from = Date(null=True, default=None)
    changes_level = Boolean(default=False)
    price_level = Varchar(length=100, null=True, default=None)
    add_ons = JSON(null=True, default=None)
    special_arrangement = JSON(null=True, default=None)  # new SpecialArrangementCost
    review_on = Date(null=True, default=None)
    end_date = Date(null=True, default=None)
    reason = Text(default="")
    proposed_by_org = Varchar(length=8)
    proposed_by = Varchar(length=100)
    proposed_at = Timestamptz(default=TimestamptzNow())
    responded_by_org = Varchar(length=8, null=True, default=None)
    responded_by = Varchar(length=100, null=True, default=None)
    responded_at = Timestamptz(null=True, default=None)
    response_reason = Text(default="")
    withdraws_notice: ForeignKey[ContractNotice] = ForeignKey(
        references=LazyTableReference("ContractNotice", module_path=__name__),
        null=True,
        default=None,
        on_delete=OnDelete.set_null,
    )


class ContractNotice(Table, tablename="contract_notice"):
    """Notice one party gave on a contract: from which day it counts (``effective_from``),
    by which convention and period, and the last day it sets (``end_date``; null when it
    cancelled a contract that had not started).

    A notice is ``given`` while it sets the contract's end; a later notice that ends the
    contract earlier ``supersedes`` it; both parties may agree to withdraw it (an accepted
    ``ContractChange`` that ``withdraws_notice``), and the contract then runs again as before
    the notice: the ``previous_*`` columns keep what it was. A contract has at most one given
    notice (an index).
    """

    id = UUID(primary_key=True)
    contract = ForeignKey(references=Contract, null=False, index=True, on_delete=OnDelete.cascade)
    status = Varchar(length=16, index=True)
    given_on = Date()
    given_by_org = Varchar(length=8)
    given_by = Varchar(length=100)
    effective_from = Date()
    convention = Varchar(length=16)
    days = SmallInt(default=0)
    months = SmallInt(default=0)
    end_date = Date(null=True, default=None)
    reason = Text(default="")
    supersedes: ForeignKey[ContractNotice] = ForeignKey(
        references="self", null=True, default=None, on_delete=OnDelete.set_null
    )
    previous_status = Varchar(length=16)
    previous_end_date = Date(null=True, default=None)
    previous_notice_given_on = Date(null=True, default=None)
    previous_notice_given_by = Varchar(length=8, null=True, default=None)
    withdrawn_at = Timestamptz(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())


class ContractFollowUp(Table, tablename="contract_follow_up"):
    """A follow-up (or renegotiation) the buying municipality held on a contract: the day,
    the outcome, notes (never a CPR number: refused) and the next date it set, if any.
    ``buyer`` and ``provider_org`` are the contract's, kept so lists filter without a join."""

    id = UUID(primary_key=True)
    contract = ForeignKey(references=Contract, null=False, index=True, on_delete=OnDelete.cascade)
    buyer = Varchar(length=3, index=True)
    provider_org = Varchar(length=8, index=True)
    kind = Varchar(length=16)
    held_on = Date(index=True)
    outcome = Varchar(length=16)
    notes = Text(default="")
    next_on = Date(null=True, default=None)
    recorded_by = Varchar(length=100)
    recorded_at = Timestamptz(default=TimestamptzNow())


class ContractDate(Table, tablename="contract_date"):
    """A follow-up or renegotiation date of a contract, kept by the buying municipality and
    seen by the provider: planned, then held (answered by a recorded follow-up, ``held_in``)
    or cancelled. ``planned_in`` is the follow-up that set it as its next date, if one did.
    ``buyer`` and ``provider_org`` are the contract's, kept so lists filter without a join."""

    id = UUID(primary_key=True)
    contract = ForeignKey(references=Contract, null=False, index=True, on_delete=OnDelete.cascade)
    buyer = Varchar(length=3, index=True)
    provider_org = Varchar(length=8, index=True)
    kind = Varchar(length=16)
    due_on = Date(index=True)
    status = Varchar(length=16, index=True)
    note = Text(default="")
    planned_in = ForeignKey(
        references=ContractFollowUp, null=True, default=None, on_delete=OnDelete.set_null
    )
    held_in = ForeignKey(
        references=ContractFollowUp, null=True, default=None, on_delete=OnDelete.set_null
    )
    created_by = Varchar(length=100)
    created_at = Timestamptz(default=TimestamptzNow())
    closed_by = Varchar(length=100, null=True, default=None)
    closed_at = Timestamptz(null=True, default=None)
    close_reason = Text(default="")


class PlacementEvent(Table, tablename="placement_event"):
    """The history of a request and the contract it became: every change of state, who made
    it, for which organisation and when."""

    id = UUID(primary_key=True)
    request = ForeignKey(
        references=PlacementRequest, null=True, default=None, index=True, on_delete=OnDelete.cascade
    )
    contract = ForeignKey(
        references=Contract, null=True, default=None, index=True, on_delete=OnDelete.cascade
    )
    at = Timestamptz(default=TimestamptzNow())
    kind = Varchar(length=32)
    from_status = Varchar(length=16, null=True, default=None)
    to_status = Varchar(length=16, null=True, default=None)
    actor = Varchar(length=100)
    actor_org = Varchar(length=8, null=True, default=None)
    actor_role = Varchar(length=20, null=True, default=None)
    detail = Text(default="")


class ApprovalFrame(Table, tablename="approval_frame"):
    """The amount a case handler may commit without an approver (handlingsramme): for one
    purchaser (``subject``, their login) or every purchaser of the municipality (``subject``
    empty); counted per month or to the request's follow-up date."""

    id = UUID(primary_key=True)
    municipality = Varchar(length=3, index=True)
    subject = Varchar(length=100, default="")
    amount_ore = BigInt()
    basis = Varchar(length=16)
    set_by = Varchar(length=100)
    set_at = Timestamptz(default=TimestamptzNow())


class Approver(Table, tablename="approver"):
    """A purchaser of a municipality who approves requests above their authors' frames."""

    id = UUID(primary_key=True)
    municipality = Varchar(length=3, index=True)
    subject = Varchar(length=100)
    added_by = Varchar(length=100)
    added_at = Timestamptz(default=TimestamptzNow())


class RefundClaim(Table, tablename="refund_claim"):
    """A buying (acting) municipality's claim that a former municipality refunds what one of
    its contracts costs (mellemkommunal refusion, retssikkerhedsloven § 9 c).

    ``claimant`` is the contract's buyer, ``debtor`` the municipality the claim is against;
    ``paragraph`` names the case of § 9 c it rests on (null: not stated, for claims moved from
    the former payer field). The claim covers the contract's days from ``from_day`` to
    ``to_day`` (open while null). The debtor accepts or disputes it; the claimant may withdraw
    it. A contract has at most one open (claimed or accepted) claim.
    """

    id = UUID(primary_key=True)
    contract = ForeignKey(references=Contract, null=False, index=True, on_delete=OnDelete.restrict)
    claimant = Varchar(length=3, index=True)
    debtor = Varchar(length=3, index=True)
    paragraph = Varchar(length=16, null=True, default=None)
    from_day = Date()
    to_day = Date(null=True, default=None)
    note = Text(default="")
    status = Varchar(length=16, index=True)
    created_at = Timestamptz(default=TimestamptzNow(), index=True)
    created_by = Varchar(length=100)
    answered_at = Timestamptz(null=True, default=None)
    answered_by = Varchar(length=100, null=True, default=None)
    answer_reason = Text(default="")
    withdrawn_at = Timestamptz(null=True, default=None)
    withdrawn_by = Varchar(length=100, null=True, default=None)
    withdraw_reason = Text(default="")


class DeliveredHours(Table, tablename="delivered_hours"):
    """The hours a provider delivered under an hourly contract (SEL § 85 support) in one
    month: billing uses them instead of the agreed hours. A later report for the month
    corrects it (``revision`` counts the reports) until the month is invoiced. One row per
    contract and month (a unique index)."""

    id = UUID(primary_key=True)
    contract = ForeignKey(references=Contract, null=False, index=True, on_delete=OnDelete.restrict)
    month = Date()  # its first day
    hours = Integer()  # in hundredths
    note = Text(default="")
    revision = SmallInt(default=1)
    reported_by = Varchar(length=100)
    reported_at = Timestamptz(default=TimestamptzNow())


class InvoiceCounter(Table, tablename="invoice_counter"):
    """The last number a provider gave a document of a kind (an invoice, a credit note). The
    transaction that issues the next one counts on under this row's lock, so two issues at
    once take turns: numbers are never shared or skipped (a failed issue rolls its count
    back). One row per provider and kind (a unique index)."""

    id = UUID(primary_key=True)
    provider_org = Varchar(length=8)
    kind = Varchar(length=16)
    last_number = Integer(default=0)


class Invoice(Table, tablename="invoice"):
    """A provider's invoice to a buying municipality for a period (a month, or a quarter or
    half-year where the agreement says): numbered without gaps per provider, with its issue
    and due date (the payment term) and its totals in øre, VAT included in them. Issued once
    and never changed; a correction is a ``CreditNote``."""

    id = UUID(primary_key=True)
    provider_org = Varchar(length=8, index=True)
    buyer = Varchar(length=3, index=True)
    number = Integer()
    period_start = Date()
    period_end = Date()
    frequency = Varchar(length=16)
    issue_date = Date()
    due_date = Date()
    payment_term_days = SmallInt()
    terms_source = Varchar(length=300)  # where the frequency and the payment term come from
    total_ore = BigInt()
    vat_ore = BigInt()  # VAT included in the total (private providers' prices)
    line_count = Integer()
    issued_by = Varchar(length=100)
    issued_at = Timestamptz(default=TimestamptzNow(), index=True)


class InvoiceLine(Table, tablename="invoice_line"):
    """One contract's billing line for one month of an invoice's period, as it was billed:
    its charges (the service at its price level, and each add-on), the hours it was billed
    by, and its total. The citizen is the buyer's case reference only, never a CPR number.
    A contract's month is on one invoice at most (a unique index)."""

    id = UUID(primary_key=True)
    invoice = ForeignKey(references=Invoice, null=False, index=True, on_delete=OnDelete.restrict)
    position = SmallInt()
    contract = ForeignKey(references=Contract, null=False, index=True, on_delete=OnDelete.restrict)
    offer = ForeignKey(references=Offer, null=False, on_delete=OnDelete.restrict)
    month = Date()
    citizen_ref = Varchar(length=64)
    legal_basis = Varchar(length=16)
    period_start = Date()
    period_end = Date()
    days = SmallInt()
    hours = Integer(null=True, default=None)  # in hundredths, for an hourly service
    hours_source = Varchar(length=16, null=True, default=None)
    vat_included = Boolean()
    charges = JSON(default=[])  # the billing line's charges
    total_ore = BigInt()


class CreditNote(Table, tablename="credit_note"):
    """A correction of an issued invoice: an amount (VAT included, as the invoice's total)
    credited with a reason, never more than what is left of the invoice. Numbered without
    gaps per provider, in a series of its own."""

    id = UUID(primary_key=True)
    invoice = ForeignKey(references=Invoice, null=False, index=True, on_delete=OnDelete.restrict)
    provider_org = Varchar(length=8, index=True)
    buyer = Varchar(length=3, index=True)
    number = Integer()
    issue_date = Date()
    amount_ore = BigInt()
    vat_ore = BigInt()
    reason = Text()
    issued_by = Varchar(length=100)
    issued_at = Timestamptz(default=TimestamptzNow(), index=True)
