"""Placement requests: a municipality asks an offer for a place; the provider accepts, which
makes the contract, or declines with a reason; the municipality may withdraw; an unanswered
request expires."""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

from pydantic import SecretStr

from marketplace.contracts import frames, parties, signing
from marketplace.contracts.models import (
    Consent,
    ContractView,
    DeclineReason,
    FrameView,
    PlacementRequestAccept,
    PlacementRequestCreate,
    PlacementRequestDecline,
    ProposalStatus,
    RequestStatus,
    RequestView,
    Urgency,
)
from marketplace.contracts.pricing import agreed_add_ons, agreed_price, price_list_on
from marketplace.contracts.rows import RequestOfContract, RequestRow
from marketplace.contracts.tables import Contract, PlacementProposal, PlacementRequest
from marketplace.core import cpr, idempotency
from marketplace.core.clock import today, utcnow
from marketplace.core.db import lock_row
from marketplace.core.errors import DomainError, ErrorCode
from marketplace.core.identity import SYSTEM, Principal, Role
from marketplace.core.pagination import Page, PageRequest, all_of, paginate
from marketplace.core.rows import row_or_none, rows_as
from marketplace.core.rules import rule_book
from marketplace.core.settings import get_settings
from marketplace.core.unit_of_work import write_transaction
from marketplace.offers import service as offers
from marketplace.offers.models import OWN_KINDS, OfferStatus, OfferView
from marketplace.offers.taxonomy import LegalBasis, legal_bases

_REQUEST = "placement request"


async def _contract_ids(request_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, uuid.UUID]:
    if not request_ids:
        return {}
    rows = (
        await Contract.select(Contract.id, Contract.request)
        .where(Contract.request.is_in(list(request_ids)))
        .run()
    )
    return {row.request: row.id for row in rows_as(RequestOfContract, rows)}


async def _views(principal: Principal, rows: Sequence[RequestRow]) -> list[RequestView]:
    contracts = await _contract_ids([row.id for row in rows])
    return [parties.request_view(principal, row, contracts.get(row.id)) for row in rows]


async def requests_by_id(
    principal: Principal, ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, RequestView]:
    """The requests the caller may read, by ID."""
    if not ids or not principal.is_authenticated:
        return {}
    rows = (
        await PlacementRequest.select()
        .where(PlacementRequest.id.is_in(list(ids)))
        .output(load_json=True)
        .run()
    )
    readable = [
        r
        for r in rows_as(RequestRow, rows)
        if parties.can_read(principal, r.buyer, r.provider_org)
        and parties.shown(principal, r.status)
    ]
    return {view.id: view for view in await _views(principal, readable)}


async def get_request(principal: Principal, request_id: uuid.UUID) -> RequestView | None:
    return (await requests_by_id(principal, [request_id])).get(request_id)


async def list_requests(
    principal: Principal,
    page: PageRequest,
    *,
    status: RequestStatus | None = None,
    offer_id: uuid.UUID | None = None,
) -> Page[RequestView]:
    """The caller's requests (the buyer's or the provider's), oldest first."""
    conditions = [parties.visible(PlacementRequest, principal), parties.shown_requests(principal)]
    if status is not None:
        conditions.append(parties.request_status_is(status, utcnow()))
    if offer_id is not None:
        conditions.append(PlacementRequest.offer == offer_id)
    rows = await paginate(
        PlacementRequest,
        where=all_of(conditions),
        order_by=[PlacementRequest.created_at, PlacementRequest.id],
        page=page,
        load_json=True,
    )
    return rows.with_items(await _views(principal, rows_as(RequestRow, rows.items)))


async def expire_due(day: datetime.date) -> int:
    """The calendar's work: record requests whose answer is overdue (the provider's, or the
    buyer's to a proposal) as expired, and their open proposals with them; return how many."""
    expired = await parties.settle_due(
        PlacementRequest,
        parties.overdue_requests(parties.moment_of(day)),
        RequestStatus.EXPIRED.value,
        "expired",
        operation="placementRequestExpire",
        load=partial(get_request, SYSTEM),
        detail="No answer before the deadline.",
    )
    lapsed = (
        await PlacementProposal.select(PlacementProposal.id)
        .where(
            (PlacementProposal.status == ProposalStatus.OPEN.value)
            & (PlacementProposal.request._.status == RequestStatus.EXPIRED.value)
        )
        .output(as_list=True)
        .run()
    )
    if lapsed:
        async with write_transaction(SYSTEM, "placementProposalExpire"):
            await (
                PlacementProposal.update({PlacementProposal.status: ProposalStatus.EXPIRED.value})
                .where(PlacementProposal.id.is_in(lapsed))
                .run()
            )
    return expired


def legal_basis_for(offer_bases: list[LegalBasis], wanted: LegalBasis | None, category: Any) -> str:
    """The paragraph a placement in the offer is made under: the one wanted, if the offer is
    approved under it, else the offer's first of its own kind."""
    if wanted is not None:
        if wanted not in offer_bases:
            raise DomainError(
                ErrorCode.INVALID,
                "The offer is not approved under that paragraph.",
                ["legal_basis"],
            )
        return wanted.value
    own = [b for b in offer_bases if legal_bases()[b].kind in OWN_KINDS[category]]
    chosen = own or offer_bases
    if not chosen:
        raise DomainError(ErrorCode.INVALID, "The offer names no legal basis.", ["offer_id"])
    return chosen[0].value


@dataclass(frozen=True, slots=True)
class _Citizen:
    """The citizen a request is for: what is kept of the CPR number, and the birth date."""

    hash: str
    masked: str
    born: datetime.date


def citizen_of(number: SecretStr | None) -> _Citizen | None:
    """The citizen whose CPR number a request gives, if it gives one."""
    if number is None:
        return None
    try:
        citizen = cpr.citizen_id(number.get_secret_value())
        born = cpr.birth_date(number.get_secret_value())
    except DomainError as error:
        raise DomainError(error.code, error.message, ["cpr"]) from None
    return _Citizen(citizen.hash, citizen.masked, born)


async def _claim_request(
    buyer: str,
    command: PlacementRequestCreate,
    citizen: _Citizen | None,
    idempotency_key: str | None,
) -> idempotency.Claim | None:
    """The call's hold on its idempotency key, if it has one (the CPR number is told apart
    by its keyed hash)."""
    if idempotency_key is None:
        return None
    payload = {**command.fingerprint_payload(), "cpr": citizen.hash if citizen else None}
    return await idempotency.claim(f"{buyer}:placementRequestCreate", idempotency_key, payload)


async def _published_offer(principal: Principal, offer_id: uuid.UUID) -> OfferView:
    offer = await offers.get_offer(principal, offer_id)
    if offer is None or offer.status is not OfferStatus.PUBLISHED:
        raise parties.not_found("offer", ["offer_id"])
    return offer


def _validate_desired_start(desired_start: datetime.date, day: datetime.date) -> None:
    if desired_start < day:
        raise DomainError(
            ErrorCode.INVALID,
            "The desired start cannot lie in the past.",
            ["desired_start"],
        )


def _validate_age(citizen: _Citizen | None, start: datetime.date, offer: OfferView) -> None:
    """The citizen's age on the first day fits the offer's ages."""
    if citizen is None:
        return
    age = _age(citizen.born, start)
    if not offer.min_age <= age <= offer.max_age:
        raise DomainError(
            ErrorCode.INVALID,
            f"The citizen will be {age} at the start; the offer takes ages "
            f"{offer.min_age} to {offer.max_age}.",
            ["cpr"],
        )


async def _choose_legal_basis(offer: OfferView, command: PlacementRequestCreate) -> str:
    relations = (await offers.relations_by_offer([offer.id]))[offer.id]
    return legal_basis_for(relations.legal_bases, command.legal_basis, offer.category)


async def acute_hours(
    offer: OfferView, urgency: Urgency, desired_start: datetime.date, basis: str
) -> int | None:
    """The hours a provider has to answer an acute request: the agreement's that covers the
    offer (the setting where none does); only offers that take acute placements take one."""
    if urgency is not Urgency.ACUTE:
        return None
    if not offer.takes_acute:
        raise DomainError(ErrorCode.INVALID, "The offer takes no acute placements.", ["urgency"])
    legal = (await offers.legal_bases_by_offer([offer.id]))[offer.id]
    rules = await rule_book().contract_rules(
        offers.rule_facts(offer, legal, basis=basis), desired_start
    )
    return rules.acute_response_hours or get_settings().acute_response_hours


@dataclass(frozen=True, slots=True)
class _Cost:
    """What a request is expected to cost, and the frame of its author that it was held to
    (None: the municipality sets none); ``held`` when it is above the frame."""

    monthly_ore: int
    to_follow_up_ore: int
    frame: FrameView | None

    @property
    def held(self) -> bool:
        if self.frame is None:
            return False
        return frames.counted(self.frame, self.monthly_ore, self.to_follow_up_ore) > (
            self.frame.amount_ore
        )


async def _expected_cost(
    principal: Principal, offer_id: uuid.UUID, command: PlacementRequestCreate
) -> _Cost:
    """Price the level, hours and add-ons asked for by the price list in force on the desired
    start, and hold the cost to the author's frame."""
    version = await price_list_on(offer_id, command.desired_start, ["desired_start"])
    weekly = command.hours_per_week is not None
    hours = command.hours_per_week if weekly else command.hours_per_month
    price = agreed_price(version, command.price_level, hours, per_week=weekly)
    add_ons = agreed_add_ons(version, command.add_ons)
    monthly = frames.monthly_cost(price, add_ons)
    assert principal.org_code is not None
    return _Cost(
        monthly,
        frames.cost_to_follow_up(monthly, command.desired_start, command.follow_up_on),
        await frames.frame_for(principal.org_code, principal.subject or ""),
    )


def _asked_columns(command: PlacementRequestCreate) -> dict[str, Any]:
    """The columns of what a request asks for, as the purchaser gave it."""
    hours = command.hours_per_month
    return {
        "citizen_ref": command.citizen_ref,
        "desired_start": command.desired_start,
        "price_level": command.price_level,
        "hours_per_month": parties.hundredths(hours) if hours is not None else None,
        "hours_per_week": (
            parties.hundredths(command.hours_per_week) if command.hours_per_week else None
        ),
        "add_ons": [a.model_dump(mode="json") for a in command.add_ons],
        "urgency": command.urgency.value,
        "message": command.message,
        "individual_plan_ref": command.individual_plan_ref,
        "follow_up_on": command.follow_up_on,
    }


async def _write_request(
    principal: Principal,
    command: PlacementRequestCreate,
    offer: OfferView,
    *,
    buyer: str,
    citizen: _Citizen | None,
    basis: str,
    day: datetime.date,
    acute: int | None,
    cost: _Cost,
    need_answer: uuid.UUID | None,
) -> uuid.UUID:
    """Store the request (pending, or awaiting an approver when above its author's frame)
    and the first entry of its history. A planned request waits for an answer to the end of
    its ``expires_on``; an acute one ``acute`` hours (from its approval, when it needs one)."""
    request_id = uuid.uuid4()
    expiry = day + datetime.timedelta(days=get_settings().placement_request_expiry_days)
    status = RequestStatus.AWAITING_APPROVAL if cost.held else RequestStatus.PENDING
    respond_by = utcnow() + datetime.timedelta(hours=acute) if acute and not cost.held else None
    await PlacementRequest.insert(
        PlacementRequest(
            **_asked_columns(command),
            id=request_id,
            offer=offer.id,
            provider_org=offer.provider_org_code,
            buyer=buyer,
            cpr_hash=citizen.hash if citizen else None,
            cpr_masked=citizen.masked if citizen else None,
            legal_basis=basis,
            status=status.value,
            expires_on=respond_by.date() if respond_by is not None else expiry,
            respond_by=respond_by,
            expected_monthly_ore=cost.monthly_ore,
            expected_to_follow_up_ore=cost.to_follow_up_ore,
            frame_ore=cost.frame.amount_ore if cost.frame else None,
            frame_basis=cost.frame.basis.value if cost.frame else None,
            created_at=utcnow(),
            created_by=principal.subject or "",
            need_answer=need_answer,
        )
    ).run()
    await parties.record(
        principal,
        "requested",
        request=request_id,
        to_status=status.value,
        detail=f"{command.urgency.value}, start {command.desired_start.isoformat()}"
        + (" (above the case handler's frame: waits for an approver)" if cost.held else ""),
    )
    return request_id


async def create_request(
    principal: Principal, command: PlacementRequestCreate, idempotency_key: str | None = None
) -> RequestView:
    """A purchaser asks an offer for a place for a citizen of its municipality."""
    principal.require(Role.PURCHASER)
    assert principal.org_code is not None
    buyer = principal.org_code
    citizen = citizen_of(command.cpr)
    async with write_transaction(principal, "placementRequestCreate") as unit:
        claim = await _claim_request(buyer, command, citizen, idempotency_key)
        if claim is not None and claim.previous is not None:
            found = await get_request(principal, claim.previous)
            assert found is not None
            return found
        request_id = await make_request(principal, command, citizen)
        if claim is not None:
            await claim.remember(request_id)
        created = await unit.track(
            "PlacementRequest", request_id, partial(get_request, principal, request_id), new=True
        )
    return created.result


async def make_request(
    principal: Principal,
    command: PlacementRequestCreate,
    citizen: _Citizen | None,
    *,
    need_answer: uuid.UUID | None = None,
) -> uuid.UUID:
    """Check and store a purchaser's request, inside the caller's unit of work (a request of
    its own, or one made from the answer to a need the buyer picked)."""
    assert principal.org_code is not None
    day = today()
    offer = await _published_offer(principal, command.offer_id)
    _validate_desired_start(command.desired_start, day)
    _validate_age(citizen, command.desired_start, offer)
    basis = await _choose_legal_basis(offer, command)
    cost = await _expected_cost(principal, offer.id, command)
    acute = await acute_hours(offer, command.urgency, command.desired_start, basis)
    return await _write_request(
        principal,
        command,
        offer,
        buyer=principal.org_code,
        citizen=citizen,
        basis=basis,
        day=day,
        acute=acute,
        cost=cost,
        need_answer=need_answer,
    )


def _age(born: datetime.date, on: datetime.date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


async def held_request(
    principal: Principal,
    request_id: uuid.UUID,
    role: Role,
    *waiting: RequestStatus,
    field: str = "id",
) -> RequestRow:
    """The request, if the caller is its party in ``role`` and it is in one of ``waiting``
    (pending when none is named), held until the answer commits, so two answers to one
    request take turns."""
    principal.require(role)
    row = row_or_none(RequestRow, await lock_row(PlacementRequest, request_id, load_json=True))
    if (
        row is None
        or not parties.is_party(principal, row.buyer, row.provider_org)
        or not parties.shown(principal, row.status)
    ):
        raise parties.not_found(_REQUEST, [field])
    status = parties.request_status(row, utcnow())
    wanted = [s.value for s in waiting or (RequestStatus.PENDING,)]
    if status not in wanted:
        raise DomainError(
            ErrorCode.INVALID_STATE, f"The request is {status}, not {' or '.join(wanted)}.", [field]
        )
    return row


async def answer(
    principal: Principal,
    request: RequestRow,
    to: RequestStatus,
    *,
    reason: DeclineReason | None = None,
    text: str = "",
) -> None:
    await (
        PlacementRequest.update(
            {
                PlacementRequest.status: to.value,
                PlacementRequest.answered_at: utcnow(),
                PlacementRequest.decline_reason: reason.value if reason else None,
                PlacementRequest.decline_text: text,
            }
        )
        .where(PlacementRequest.id == request.id)
        .run()
    )
    await parties.record(
        principal,
        to.value,
        request=request.id,
        from_status=request.status,
        to_status=to.value,
        detail=(reason.value if reason else "") + (f": {text}" if text else ""),
    )


async def decline_request(
    principal: Principal, request_id: uuid.UUID, command: PlacementRequestDecline
) -> RequestView:
    async with write_transaction(principal, "placementRequestDecline") as unit:
        request = await held_request(principal, request_id, Role.PROVIDER_ADMIN)
        found = await unit.track(
            "PlacementRequest", request_id, partial(get_request, principal, request_id)
        )
        await answer(
            principal, request, RequestStatus.DECLINED, reason=command.reason, text=command.text
        )
    return found.result


async def withdraw_request(principal: Principal, request_id: uuid.UUID, reason: str) -> RequestView:
    async with write_transaction(principal, "placementRequestWithdraw") as unit:
        request = await held_request(
            principal, request_id, Role.PURCHASER, RequestStatus.PENDING, RequestStatus.PROPOSED
        )
        found = await unit.track(
            "PlacementRequest", request_id, partial(get_request, principal, request_id)
        )
        await answer(principal, request, RequestStatus.WITHDRAWN, text=reason.strip())
    return found.result


async def _claim_acceptance(
    provider_org: str,
    request_id: uuid.UUID,
    command: PlacementRequestAccept,
    idempotency_key: str | None,
) -> idempotency.Claim | None:
    """The call's hold on its idempotency key, if it has one."""
    if idempotency_key is None:
        return None
    payload = {"request": str(request_id), **command.model_dump(mode="json")}
    return await idempotency.claim(
        f"{provider_org}:placementRequestAccept", idempotency_key, payload
    )


async def accept_request(
    principal: Principal,
    request_id: uuid.UUID,
    command: PlacementRequestAccept,
    idempotency_key: str | None = None,
) -> ContractView:
    """The provider accepts the request as asked: the contract is made from the desired start
    (today, if that has passed), if a place is free on every day from then on (see
    ``signing``). The buyer agreed by asking; other terms are a proposal (``proposals``). A
    request made from an answer to a need asks the provider's own answer (a special
    arrangement included), which the provider agreed to by answering."""
    principal.require(Role.PROVIDER_ADMIN)
    assert principal.org_code is not None
    day = today()
    async with write_transaction(principal, "placementRequestAccept") as unit:
        claim = await _claim_acceptance(principal.org_code, request_id, command, idempotency_key)
        if claim is not None and claim.previous is not None:
            found = await parties.contracts_by_id(principal, [claim.previous])
            return found[claim.previous]
        request = await held_request(principal, request_id, Role.PROVIDER_ADMIN)
        pending = await get_request(principal, request_id)
        answered = await signing.answered_terms(request)
        terms = signing.asked_terms(request, max(request.desired_start, day), answered)
        buyer = Consent(organisation=request.buyer, by=request.created_by, at=request.created_at)
        provider = answered.provider if answered else signing.consent(principal)
        await answer(principal, request, RequestStatus.ACCEPTED, text=command.message)
        contract_id = await signing.sign(principal, request, terms, (buyer, provider))
        unit.touch_offer(request.offer)
        if claim is not None:
            await claim.remember(contract_id)
        made = await unit.track(
            "Contract",
            contract_id,
            partial(parties.contract_by_id, principal, contract_id),
            before=pending,
        )
    return made.result


# --- the approver's decision --------------------------------------------------------------------


async def _decide(
    principal: Principal, request_id: uuid.UUID, approve: bool, reason: str
) -> RequestView:
    """An approver of the buying municipality, not the request's author, lets a request
    above its author's frame go to the provider (its answer time starts now), or refuses it."""
    operation = "placementRequestApprove" if approve else "placementRequestRefuse"
    async with write_transaction(principal, operation) as unit:
        request = await held_request(
            principal, request_id, Role.PURCHASER, RequestStatus.AWAITING_APPROVAL
        )
        await _may_decide(principal, request)
        decided = await unit.track(
            "PlacementRequest", request_id, partial(get_request, principal, request_id)
        )
        values: dict[Any, Any] = {
            PlacementRequest.approved_by: principal.subject or "",
            PlacementRequest.approved_at: utcnow(),
            PlacementRequest.approval_reason: reason.strip(),
        }
        to = RequestStatus.PENDING if approve else RequestStatus.REFUSED
        if approve:
            values.update(await _answer_time(request))
        await (
            PlacementRequest.update({PlacementRequest.status: to.value, **values})
            .where(PlacementRequest.id == request_id)
            .run()
        )
        kind = "approved" if approve else "refused"
        await parties.record(
            principal,
            kind,
            request=request_id,
            from_status=request.status,
            to_status=to.value,
            detail=reason.strip(),
        )
    return decided.result


async def _may_decide(principal: Principal, request: RequestRow) -> None:
    if request.created_by == principal.subject:
        raise DomainError(
            ErrorCode.PERMISSION_DENIED,
            "An approver decides on others' requests, not their own.",
            ["id"],
        )
    if not await frames.is_approver(request.buyer, principal.subject or ""):
        raise DomainError(
            ErrorCode.PERMISSION_DENIED, "Only the municipality's approvers decide this.", ["id"]
        )


async def _answer_time(request: RequestRow) -> dict[Any, Any]:
    """The provider's time to answer, from the approval: the days of a planned request, the
    hours of an acute one."""
    offer = await offers.get_offer(SYSTEM, request.offer)
    assert offer is not None
    hours = await acute_hours(
        offer, Urgency(request.urgency), request.desired_start, request.legal_basis
    )
    if hours is not None:
        respond_by = utcnow() + datetime.timedelta(hours=hours)
        return {
            PlacementRequest.respond_by: respond_by,
            PlacementRequest.expires_on: respond_by.date(),
        }
    days = datetime.timedelta(days=get_settings().placement_request_expiry_days)
    return {PlacementRequest.expires_on: today() + days}


async def approve_request(principal: Principal, request_id: uuid.UUID, reason: str) -> RequestView:
    return await _decide(principal, request_id, True, reason)


async def refuse_request(principal: Principal, request_id: uuid.UUID, reason: str) -> RequestView:
    if len(reason.strip()) < 3:
        raise DomainError(ErrorCode.REQUIRED, "Say why the request is refused.", ["reason"])
    return await _decide(principal, request_id, False, reason)
