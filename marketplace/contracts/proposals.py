"""A provider answers a request with other terms; the buyer accepts or rejects them.

Where money moves both parties agree: a provider that cannot take a citizen on the terms
asked proposes its own (another start, level, hours or add-ons, or a special arrangement,
særforanstaltning, priced from its costs with a review date). The request then waits for the
buyer, who accepts the proposal, which makes the contract on exactly those terms (see
``signing``), or rejects it with a reason, which ends the request. A special arrangement is
thus never agreed by one side, and the contract's term records who agreed it and when.
"""

from __future__ import annotations

import datetime
import uuid
from collections import defaultdict
from collections.abc import Sequence
from functools import partial
from typing import Any

from marketplace.contracts import parties, requests, signing
from marketplace.contracts.models import (
    AddOnRequest,
    Consent,
    ContractView,
    PlacementProposal,
    ProposalStatus,
    ProposalView,
    RequestStatus,
    SpecialArrangementCost,
)
from marketplace.contracts.rows import ProposalRow, RequestRow
from marketplace.contracts.tables import PlacementProposal as ProposalTable
from marketplace.contracts.tables import PlacementRequest
from marketplace.core import idempotency
from marketplace.core.clock import today, utcnow
from marketplace.core.db import lock_row
from marketplace.core.errors import DomainError, ErrorCode
from marketplace.core.identity import Principal, Role
from marketplace.core.rows import row_or_none, rows_as
from marketplace.core.settings import get_settings
from marketplace.core.unit_of_work import write_transaction

_PROPOSAL = "proposal"


# --- reading ------------------------------------------------------------------------------------


def _view(row: ProposalRow, request_status: str) -> ProposalView:
    status = row.status
    if status == ProposalStatus.OPEN.value and request_status == RequestStatus.EXPIRED.value:
        status = ProposalStatus.EXPIRED.value  # the buyer did not answer in time
    cost = row.special_arrangement
    return ProposalView(
        id=row.id,
        request_id=row.request,
        status=ProposalStatus(status),
        start_date=row.start_date,
        price_level=row.price_level,
        hours_per_month=parties.maybe_hundredths(row.hours_per_month),
        hours_per_week=parties.maybe_hundredths(row.hours_per_week),
        add_ons=[AddOnRequest.model_validate(a) for a in row.add_ons],
        special_arrangement=SpecialArrangementCost.model_validate(cost) if cost else None,
        price_ore=row.price_ore,
        review_on=row.review_on,
        message=row.message,
        proposed_by_org=row.proposed_by_org,
        proposed_at=row.proposed_at,
        answered_at=row.answered_at,
        answer_reason=row.answer_reason,
    )


async def _rows(condition: Any) -> list[tuple[ProposalRow, RequestRow]]:
    rows = rows_as(
        ProposalRow,
        await ProposalTable.select()
        .where(condition)
        .order_by(ProposalTable.proposed_at, ProposalTable.id)
        .output(load_json=True)
        .run(),
    )
    if not rows:
        return []
    held = (
        await PlacementRequest.select()
        .where(PlacementRequest.id.is_in(list({r.request for r in rows})))
        .output(load_json=True)
        .run()
    )
    by_id = {r.id: r for r in rows_as(RequestRow, held)}
    return [(row, by_id[row.request]) for row in rows]


async def proposals_by_id(
    principal: Principal, ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, ProposalView]:
    """The proposals on requests the caller may read, by ID."""
    if not ids or not principal.is_authenticated:
        return {}
    now = utcnow()
    return {
        row.id: _view(row, parties.request_status(request, now))
        for row, request in await _rows(ProposalTable.id.is_in(list(ids)))
        if parties.can_read(principal, request.buyer, request.provider_org)
    }


async def proposals_by_request(ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[ProposalView]]:
    """Every proposal on these requests, oldest first (the caller has seen the requests)."""
    found: dict[uuid.UUID, list[ProposalView]] = defaultdict(list)
    if ids:
        now = utcnow()
        for row, request in await _rows(ProposalTable.request.is_in(list(ids))):
            found[row.request].append(_view(row, parties.request_status(request, now)))
    return found


async def get_proposal(principal: Principal, proposal_id: uuid.UUID) -> ProposalView | None:
    return (await proposals_by_id(principal, [proposal_id])).get(proposal_id)


# --- proposing ----------------------------------------------------------------------------------


def proposed_terms(
    asked: signing.Terms, command: PlacementProposal, day: datetime.date
) -> signing.Terms:
    """The proposal's terms: what it names, and the rest as asked (a special arrangement the
    request holds stays unless the proposal names a level)."""
    start = command.start_date or max(asked.start, day)
    if start < day:
        raise DomainError(ErrorCode.INVALID, "The start cannot lie in the past.", ["start_date"])
    special, review_on = command.special_arrangement, command.review_on
    if special is None and not command.changes_level:
        special, review_on = asked.special, review_on or asked.review_on
    if review_on is not None and review_on <= start:
        raise DomainError(ErrorCode.INVALID, "The review date lies after the start.", ["review_on"])
    per_month, per_week = asked.hours_per_month, asked.hours_per_week
    if command.hours_per_month is not None or command.hours_per_week is not None:
        per_month, per_week = command.hours_per_month, command.hours_per_week
    return signing.Terms(
        start=start,
        price_level=None
        if special
        else (command.price_level if command.changes_level else asked.price_level),
        hours_per_month=per_month,
        add_ons=command.add_ons if command.add_ons is not None else asked.add_ons,
        special=special,
        review_on=review_on if special else command.review_on,
        hours_per_week=per_week,
    )


def _buyers_deadline(request: RequestRow, now: datetime.datetime) -> dict[Any, Any]:
    """The buyer answers a proposal in the time the provider had: hours for an acute request,
    the days of a planned one."""
    if request.respond_by is not None:
        window = request.respond_by - request.created_at
        respond_by = now + window
        return {
            PlacementRequest.respond_by: respond_by,
            PlacementRequest.expires_on: respond_by.date(),
        }
    days = datetime.timedelta(days=get_settings().placement_request_expiry_days)
    return {PlacementRequest.expires_on: now.date() + days}


async def _write_proposal(
    principal: Principal, request: RequestRow, terms: signing.Terms, command: PlacementProposal
) -> uuid.UUID:
    proposal_id = uuid.uuid4()
    now = utcnow()
    await ProposalTable.insert(
        ProposalTable(
            id=proposal_id,
            request=request.id,
            status=ProposalStatus.OPEN.value,
            start_date=terms.start,
            price_level=terms.price_level,
            hours_per_month=(
                parties.hundredths(terms.hours_per_month)
                if terms.hours_per_month is not None
                else None
            ),
            hours_per_week=(
                parties.hundredths(terms.hours_per_week)
                if terms.hours_per_week is not None
                else None
            ),
            add_ons=[a.model_dump(mode="json") for a in terms.add_ons],
            special_arrangement=terms.special.model_dump(mode="json") if terms.special else None,
            price_ore=terms.special.price_ore if terms.special else None,
            review_on=terms.review_on,
            message=command.message,
            proposed_by_org=principal.org_code or "",
            proposed_by=principal.subject or "",
            proposed_at=now,
        )
    ).run()
    await (
        PlacementRequest.update(
            {
                PlacementRequest.status: RequestStatus.PROPOSED.value,
                **_buyers_deadline(request, now),
            }
        )
        .where(PlacementRequest.id == request.id)
        .run()
    )
    what = "a special arrangement" if terms.special else f"level {terms.price_level or 'base'}"
    await parties.record(
        principal,
        "proposed",
        request=request.id,
        from_status=request.status,
        to_status=RequestStatus.PROPOSED.value,
        detail=f"{what}, start {terms.start.isoformat()}. {command.message}".strip(),
    )
    return proposal_id


async def propose(
    principal: Principal,
    request_id: uuid.UUID,
    command: PlacementProposal,
    idempotency_key: str | None = None,
) -> ProposalView:
    """The provider answers a pending request with its own terms; the request waits for the
    buyer's answer. The terms are checked as an acceptance would check them: a place free from
    the start, the price list's levels and add-ons, a special arrangement taken by the price
    list and its overhead within the agreement's cap."""
    principal.require(Role.PROVIDER_ADMIN)
    async with write_transaction(principal, "placementRequestPropose") as unit:
        if idempotency_key is not None:
            payload = {"request": str(request_id), **command.model_dump(mode="json")}
            claim = await idempotency.claim(
                f"{principal.org_code}:placementRequestPropose", idempotency_key, payload
            )
            if claim.previous is not None:
                found = await get_proposal(principal, claim.previous)
                assert found is not None
                return found
        request = await requests.held_request(principal, request_id, Role.PROVIDER_ADMIN)
        asked = signing.asked_terms(
            request, request.desired_start, await signing.answered_terms(request)
        )
        terms = proposed_terms(asked, command, today())
        offer = await signing.offer_with_room(request.offer, terms.start)
        await signing.price_terms(offer, request.legal_basis, terms)
        proposal_id = await _write_proposal(principal, request, terms, command)
        if idempotency_key is not None:
            await claim.remember(proposal_id)
        made = await unit.track(
            "PlacementProposal",
            proposal_id,
            partial(get_proposal, principal, proposal_id),
            new=True,
        )
    return made.result


# --- the buyer's answer -------------------------------------------------------------------------


async def _open_proposal(
    principal: Principal, proposal_id: uuid.UUID
) -> tuple[ProposalRow, RequestRow]:
    """The open proposal and its request, held, if the caller is the request's buyer."""
    principal.require(Role.PURCHASER)
    found = (
        await ProposalTable.select()
        .where(ProposalTable.id == proposal_id)
        .output(load_json=True)
        .first()
        .run()
    )
    proposal = row_or_none(ProposalRow, found)
    if proposal is None:
        raise parties.not_found(_PROPOSAL)
    held = row_or_none(
        RequestRow, await lock_row(PlacementRequest, proposal.request, load_json=True)
    )
    if held is None or not parties.is_party(principal, held.buyer, held.provider_org):
        raise parties.not_found(_PROPOSAL)
    status = parties.request_status(held, utcnow())
    if proposal.status != ProposalStatus.OPEN.value or status != RequestStatus.PROPOSED.value:
        shown = proposal.status if proposal.status != ProposalStatus.OPEN.value else status
        raise DomainError(ErrorCode.INVALID_STATE, f"The proposal is {shown}, not open.", ["id"])
    return proposal, held


async def _close(
    principal: Principal, proposal: ProposalRow, to: ProposalStatus, reason: str = ""
) -> None:
    await (
        ProposalTable.update(
            {
                ProposalTable.status: to.value,
                ProposalTable.answered_by: principal.subject or "",
                ProposalTable.answered_at: utcnow(),
                ProposalTable.answer_reason: reason,
            }
        )
        .where(ProposalTable.id == proposal.id)
        .run()
    )


def _proposed_terms(proposal: ProposalRow) -> signing.Terms:
    cost = proposal.special_arrangement
    return signing.Terms(
        start=proposal.start_date,
        price_level=proposal.price_level,
        hours_per_month=parties.maybe_hundredths(proposal.hours_per_month),
        add_ons=[AddOnRequest.model_validate(a) for a in proposal.add_ons],
        special=SpecialArrangementCost.model_validate(cost) if cost else None,
        review_on=proposal.review_on,
        hours_per_week=parties.maybe_hundredths(proposal.hours_per_week),
    )


async def accept_proposal(
    principal: Principal, proposal_id: uuid.UUID, idempotency_key: str | None = None
) -> ContractView:
    """The buyer accepts the provider's terms: the contract is made on them, if a place is
    still free on every day from the proposed start (otherwise CAPACITY_EXHAUSTED and the
    proposal stays open)."""
    async with write_transaction(principal, "placementProposalAccept") as unit:
        if idempotency_key is not None:
            claim = await idempotency.claim(
                f"{principal.org_code}:placementProposalAccept",
                idempotency_key,
                {"proposal": str(proposal_id)},
            )
            if claim.previous is not None:
                return (await parties.contracts_by_id(principal, [claim.previous]))[claim.previous]
        proposal, request = await _open_proposal(principal, proposal_id)
        pending = await requests.get_request(principal, request.id)
        provider = Consent(
            organisation=proposal.proposed_by_org,
            by=proposal.proposed_by,
            at=proposal.proposed_at,
        )
        await _close(principal, proposal, ProposalStatus.ACCEPTED)
        await requests.answer(principal, request, RequestStatus.ACCEPTED, text="proposal accepted")
        contract_id = await signing.sign(
            principal, request, _proposed_terms(proposal), (signing.consent(principal), provider)
        )
        unit.touch_offer(request.offer)
        if idempotency_key is not None:
            await claim.remember(contract_id)
        made = await unit.track(
            "Contract",
            contract_id,
            partial(parties.contract_by_id, principal, contract_id),
            before=pending,
        )
    return made.result


async def reject_proposal(
    principal: Principal, proposal_id: uuid.UUID, reason: str
) -> ProposalView:
    """The buyer rejects the provider's terms, with a reason: the request ends as rejected."""
    if len(reason.strip()) < 3:
        raise DomainError(ErrorCode.REQUIRED, "Say why the proposal is rejected.", ["reason"])
    async with write_transaction(principal, "placementProposalReject") as unit:
        proposal, request = await _open_proposal(principal, proposal_id)
        answered = await unit.track(
            "PlacementProposal", proposal.id, partial(get_proposal, principal, proposal.id)
        )
        await _close(principal, proposal, ProposalStatus.REJECTED, reason.strip())
        await requests.answer(principal, request, RequestStatus.REJECTED, text=reason.strip())
    return answered.result
