"""Contracts after signing: reading them, giving notice (see ``notices``), changes both parties
agree to (the withdrawal of notice among them), and the end of a contract when its last day
has passed."""

from __future__ import annotations

import datetime
import uuid
from functools import partial
from typing import Any

from marketplace.contracts import notices, parties, signing
from marketplace.contracts.capacity import OfferPlaces, check_capacity, lock_offer
from marketplace.contracts.models import (
    AddOnRequest,
    ChangeStatus,
    ChangeView,
    Consent,
    ContractChangeProposal,
    ContractStatus,
    ContractView,
    HoursPer,
    SpecialArrangementCost,
    TermView,
)
from marketplace.contracts.pricing import (
    agreed_add_ons,
    agreed_price,
    price_list_on,
    require_level,
)
from marketplace.contracts.rows import ChangeOfContract, ChangeRow, ContractRow
from marketplace.contracts.tables import Contract, ContractChange, ContractTerm
from marketplace.core import cpr
from marketplace.core.clock import today, utcnow
from marketplace.core.db import is_unique_violation
from marketplace.core.errors import DomainError, ErrorCode
from marketplace.core.identity import SYSTEM, Principal
from marketplace.core.pagination import Page, PageRequest, all_of, paginate
from marketplace.core.rows import fields_of, row_or_none, rows_as
from marketplace.core.unit_of_work import UnitOfWork, write_transaction
from marketplace.offers import service as offers
from marketplace.offers.models import PriceListView
from marketplace.offers.pricing import lock_price_list

_CONTRACT = "contract"


async def end_due(day: datetime.date) -> int:
    """The calendar's work: record running contracts whose last day lies before ``day`` as
    ended; return how many."""
    return await parties.settle_due(
        Contract,
        parties.past_contracts(day),
        ContractStatus.ENDED.value,
        "ended",
        operation="contractEnd",
        load=partial(parties.contract_by_id, SYSTEM),
    )


async def get_contract(principal: Principal, contract_id: uuid.UUID) -> ContractView | None:
    return await parties.contract_by_id(principal, contract_id)


async def list_contracts(
    principal: Principal,
    page: PageRequest,
    *,
    status: ContractStatus | None = None,
    offer_id: uuid.UUID | None = None,
    citizen_cpr: str | None = None,
) -> Page[ContractView]:
    """The caller's contracts (as buyer or provider), oldest first; a CPR number finds one
    citizen's contracts by its keyed hash, for their parties only: the registry administrator,
    who reads every contract without its citizen, may not look a citizen up."""
    conditions = [parties.visible(Contract, principal)]
    if citizen_cpr is not None and principal.is_registry_admin:
        raise DomainError(
            ErrorCode.PERMISSION_DENIED,
            "Only the parties of a contract find it by the citizen's CPR number.",
            ["citizen_cpr"],
        )
    if status is not None:
        conditions.append(parties.contract_status_is(status, today()))
    if offer_id is not None:
        conditions.append(Contract.offer == offer_id)
    if citizen_cpr is not None:
        try:
            conditions.append(Contract.cpr_hash == cpr.citizen_id(citizen_cpr).hash)
        except DomainError as error:
            raise DomainError(error.code, error.message, ["citizen_cpr"]) from None
    rows = await paginate(
        Contract,
        where=all_of(conditions),
        order_by=[Contract.created_at, Contract.id],
        page=page,
    )
    return rows.with_items(
        await parties.contract_views(principal, rows_as(ContractRow, rows.items))
    )


async def _party_contract(principal: Principal, contract_id: uuid.UUID) -> ContractRow:
    """The contract, if the caller is its party and it is running."""
    return await parties.running_contract(principal, contract_id)


async def give_notice(
    principal: Principal,
    contract_id: uuid.UUID,
    reason: str,
    effective_from: datetime.date | None = None,
) -> ContractView:
    """Either party gives notice: the contract ends when the agreed notice period has run
    from today, or from a later day chosen (see ``notices``). Notice that runs out before
    the start cancels the contract."""
    return await notices.give_notice(principal, contract_id, reason, effective_from)


def _add_ons(stored: list[dict[str, Any]] | None) -> list[AddOnRequest] | None:
    return [AddOnRequest.model_validate(a) for a in stored] if stored is not None else None


def _change_view(row: ChangeRow) -> ChangeView:
    return ChangeView.model_validate(
        {
            **fields_of(row),
            "contract_id": row.contract,
            "add_ons": _add_ons(row.add_ons),
            "withdraws_notice_id": row.withdraws_notice,
        }
    )


async def changes_by_id(principal: Principal, ids: list[uuid.UUID]) -> dict[uuid.UUID, ChangeView]:
    """The proposed changes of contracts the caller may read, by ID."""
    if not ids or not principal.is_authenticated:
        return {}
    rows = (
        await ContractChange.select(
            *ContractChange.all_columns(),
            ContractChange.contract._.buyer.as_alias("buyer"),
            ContractChange.contract._.provider_org.as_alias("provider_org"),
        )
        .where(ContractChange.id.is_in(ids))
        .output(load_json=True)
        .run()
    )
    return {
        row.id: _change_view(row)
        for row in rows_as(ChangeOfContract, rows)
        if parties.can_read(principal, row.buyer, row.provider_org)
    }


async def change_by_id(principal: Principal, change_id: uuid.UUID) -> ChangeView | None:
    return (await changes_by_id(principal, [change_id])).get(change_id)


async def changes_by_contract(ids: list[uuid.UUID]) -> dict[uuid.UUID, list[ChangeView]]:
    """Every proposed change of the contracts, oldest first (the caller has seen them)."""
    result: dict[uuid.UUID, list[ChangeView]] = {i: [] for i in ids}
    if ids:
        rows = (
            await ContractChange.select()
            .where(ContractChange.contract.is_in(ids))
            .order_by(ContractChange.proposed_at, ContractChange.id)
            .output(load_json=True)
            .run()
        )
        for row in rows_as(ChangeRow, rows):
            result[row.contract].append(_change_view(row))
    return result


async def _validate_new_terms(
    contract: ContractRow, proposal: ContractChangeProposal, day: datetime.date
) -> None:
    """A change of level or add-ons applies from a running day of the contract, and the price
    list in force then has the level and add-ons."""
    assert proposal.effective_from is not None
    if proposal.effective_from < max(day, contract.start_date):
        raise DomainError(
            ErrorCode.INVALID,
            "A change applies from today or later, and not before the start.",
            ["effective_from"],
        )
    if contract.end_date is not None and proposal.effective_from > contract.end_date:
        raise DomainError(
            ErrorCode.INVALID,
            "The contract has ended by then.",
            ["effective_from"],
        )
    version = await price_list_on(contract.offer, proposal.effective_from, ["effective_from"])
    if proposal.changes_level:
        require_level(version, proposal.price_level)
    if proposal.add_ons is not None:
        agreed_add_ons(version, proposal.add_ons)
    if proposal.special_arrangement is not None:
        await _validate_special(contract, proposal, version)


async def _validate_special(
    contract: ContractRow, proposal: ContractChangeProposal, version: PriceListView
) -> None:
    """A special arrangement's new costs: the price list takes special arrangements, the
    overhead keeps the agreement's cap, and the review date lies after the change."""
    assert proposal.effective_from is not None and proposal.special_arrangement is not None
    agreed_price(version, None, None, special=proposal.special_arrangement)
    offer = await offers.get_offer(SYSTEM, contract.offer)
    assert offer is not None  # offers are never deleted
    await signing.check_special_cost(
        offer, proposal.special_arrangement, proposal.effective_from, "special_arrangement"
    )
    if proposal.review_on is not None and proposal.review_on <= proposal.effective_from:
        raise DomainError(
            ErrorCode.INVALID, "The review date lies after the change.", ["review_on"]
        )


def _validate_new_end(
    contract: ContractRow, proposal: ContractChangeProposal, day: datetime.date
) -> None:
    if proposal.end_date is not None and proposal.end_date < max(day, contract.start_date):
        raise DomainError(
            ErrorCode.INVALID,
            "An end date lies today or later, and not before the start.",
            ["end_date"],
        )


async def _write_proposal(
    principal: Principal,
    contract_id: uuid.UUID,
    proposal: ContractChangeProposal,
    notice_id: uuid.UUID | None = None,
) -> uuid.UUID:
    """Store the proposed change; a contract waits for one answer at a time."""
    change_id = uuid.uuid4()
    try:
        await ContractChange.insert(
            ContractChange(
                id=change_id,
                contract=contract_id,
                status=ChangeStatus.PROPOSED.value,
                effective_from=proposal.effective_from,
                changes_level=proposal.changes_level,
                price_level=proposal.price_level,
                add_ons=(
                    [a.model_dump(mode="json") for a in proposal.add_ons]
                    if proposal.add_ons is not None
                    else None
                ),
                special_arrangement=(
                    proposal.special_arrangement.model_dump(mode="json")
                    if proposal.special_arrangement is not None
                    else None
                ),
                review_on=proposal.review_on,
                end_date=proposal.end_date,
                reason=proposal.reason,
                withdraws_notice=notice_id,
                proposed_by_org=principal.org_code or "",
                proposed_by=principal.subject or "",
                proposed_at=utcnow(),
            )
        ).run()
    except Exception as exc:
        if is_unique_violation(exc):
            raise DomainError(
                ErrorCode.INVALID_STATE,
                "A proposed change is already waiting for an answer.",
                ["contract_id"],
            ) from None
        raise
    return change_id


async def propose_change(
    principal: Principal, contract_id: uuid.UUID, proposal: ContractChangeProposal
) -> ChangeView:
    """One party proposes a change; nothing changes until the other party accepts it. A
    withdrawal of notice names the notice in force (there must be one)."""
    day = today()
    async with write_transaction(principal, "contractChangePropose") as unit:
        contract = await _party_contract(principal, contract_id)
        if proposal.effective_from is not None:
            await _validate_new_terms(contract, proposal, day)
        _validate_new_end(contract, proposal, day)
        notice_id = (
            await notices.open_for_withdrawal(contract) if proposal.withdraw_notice else None
        )
        change_id = await _write_proposal(principal, contract_id, proposal, notice_id)
        await parties.record(
            principal, "change_proposed", contract=contract_id, detail=proposal.reason
        )
        made = await unit.track(
            "ContractChange", change_id, partial(change_by_id, principal, change_id), new=True
        )
    return made.result


def _kept_price(current: TermView) -> dict[str, Any]:
    """The price columns of a term that keeps the current term's price."""
    return {
        "price_level": current.price_level,
        "special_arrangement": current.special_arrangement,
        "unit": current.unit.value,
        "price_ore": current.price_ore,
        "quantity": parties.hundredths(current.quantity),
        "price_list": current.price_list_id,
        "vat_included": current.vat_included,
        "cost": current.cost.model_dump(mode="json") if current.cost else None,
        "review_on": current.review_on,
        "hours_per": current.hours_per.value,
    }


def _consents(
    principal: Principal, contract: ContractRow, change: ChangeRow
) -> tuple[Consent, Consent]:
    """The buyer's and the provider's agreement to a changed term: the party that proposed
    it when it did, the other now."""
    proposer = Consent(
        organisation=change.proposed_by_org, by=change.proposed_by, at=change.proposed_at
    )
    responder = signing.consent(principal)
    return (
        (proposer, responder)
        if change.proposed_by_org == contract.buyer
        else (
            responder,
            proposer,
        )
    )


def _new_price(
    change: ChangeRow, current: TermView, version: PriceListView
) -> dict[str, Any] | None:
    """The new term's price columns when the change sets a price (None keeps the current)."""
    if change.special_arrangement is not None:
        cost = SpecialArrangementCost.model_validate(change.special_arrangement)
        return {**agreed_price(version, None, None, special=cost), "review_on": change.review_on}
    if change.changes_level:
        weekly = current.hours_per is HoursPer.WEEK
        return agreed_price(version, change.price_level, current.quantity, per_week=weekly)
    return None


async def _start_term(
    principal: Principal, contract: ContractRow, change: ChangeRow, effective: datetime.date
) -> None:
    """Begin a new term on ``effective``: the new level or special arrangement priced by the
    price list in force then (which is then in use), or the current price; the new add-ons or
    the current ones; who agreed it for each party. A term that began the same day is
    replaced."""
    terms = await parties.terms_by_contract([contract.id])
    current = [t for t in terms[contract.id] if t.valid_from <= effective][-1]
    version = await price_list_on(contract.offer, effective, ["id"])
    price = _new_price(change, current, version)
    if price is not None:
        await lock_price_list(version.id)
    else:
        price = _kept_price(current)
    wanted = _add_ons(change.add_ons)
    add_ons = (
        agreed_add_ons(version, wanted)
        if wanted is not None
        else [a.model_dump(mode="json") for a in current.add_ons]
    )
    await (
        ContractTerm.delete()
        .where((ContractTerm.contract == contract.id) & (ContractTerm.valid_from == effective))
        .run()
    )
    await ContractTerm.insert(
        ContractTerm(
            id=uuid.uuid4(),
            contract=contract.id,
            valid_from=effective,
            **price,
            add_ons=add_ons,
            **signing.consent_columns(*_consents(principal, contract, change)),
        )
    ).run()


async def _move_end(contract: ContractRow, new_end: datetime.date) -> None:
    """Move the last day; a later one needs a place on the extra days, decided under the
    offer's row lock (held to the commit)."""
    old_end = contract.end_date
    if old_end is not None and new_end > old_end:  # longer: the extra days need a place
        places = await lock_offer(OfferPlaces, contract.offer)
        await check_capacity(
            contract.offer,
            places.capacity_places,
            places.occupied_places,
            old_end + datetime.timedelta(days=1),
            new_end,
            ignore=contract.id,
        )
    await (
        Contract.update({Contract.end_date: new_end, Contract.updated_at: utcnow()})
        .where(Contract.id == contract.id)
        .run()
    )


async def _apply(
    principal: Principal, unit: UnitOfWork, contract: ContractRow, change: ChangeRow
) -> None:
    """Make an accepted change part of the contract."""
    if change.withdraws_notice is not None:
        await notices.withdraw(principal, unit, contract, change)
    if change.effective_from is not None:
        await _start_term(principal, contract, change, change.effective_from)
    if change.end_date is not None:
        await _move_end(contract, change.end_date)
    unit.touch_offer(contract.offer)


async def _open_change(principal: Principal, change_id: uuid.UUID) -> tuple[ChangeRow, ContractRow]:
    """The proposed change and its running contract, if the caller is the party that did not
    propose it and it awaits an answer."""
    change = row_or_none(
        ChangeRow,
        await ContractChange.select()
        .where(ContractChange.id == change_id)
        .output(load_json=True)
        .first()
        .run(),
    )
    if change is None:
        raise parties.not_found("proposed change")
    try:
        contract = await _party_contract(principal, change.contract)
    except DomainError as error:
        if error.code is ErrorCode.NOT_FOUND:
            raise parties.not_found("proposed change") from None
        raise
    if change.status != ChangeStatus.PROPOSED.value:
        raise DomainError(
            ErrorCode.INVALID_STATE,
            f"The change is already {change.status}.",
            ["id"],
        )
    if change.proposed_by_org == principal.org_code:
        raise DomainError(
            ErrorCode.PERMISSION_DENIED,
            "The other party answers a proposed change.",
            ["id"],
        )
    return change, contract


async def respond_to_change(
    principal: Principal, change_id: uuid.UUID, accept: bool, reason: str
) -> ChangeView:
    """The other party accepts or rejects a proposed change."""
    async with write_transaction(principal, "contractChangeRespond") as unit:
        change, contract = await _open_change(principal, change_id)
        to = ChangeStatus.ACCEPTED if accept else ChangeStatus.REJECTED
        answered = await unit.track(
            "ContractChange", change_id, partial(change_by_id, principal, change_id)
        )
        if accept:
            await _apply(principal, unit, contract, change)
        await (
            ContractChange.update(
                {
                    ContractChange.status: to.value,
                    ContractChange.responded_by_org: principal.org_code,
                    ContractChange.responded_by: principal.subject,
                    ContractChange.responded_at: utcnow(),
                    ContractChange.response_reason: reason.strip(),
                }
            )
            .where(ContractChange.id == change_id)
            .run()
        )
        await parties.record(
            principal, f"change_{to.value}", contract=change.contract, detail=reason.strip()
        )
    return answered.result
