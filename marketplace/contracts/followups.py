"""Follow-up and renegotiation of a running contract.

The buying municipality keeps a contract's follow-up and renegotiation dates (opfølgning,
genforhandling: Region Sjælland's strategy asks for dates for both in every citizen's
contract, seed 001) and the provider sees them. The request's follow-up date becomes the
contract's first. A follow-up held is recorded with its day, outcome, notes (never a CPR
number: refused) and the next date, which becomes a planned date of the same kind; it answers
the planned dates of its kind due by its day. Lists of the dates due in a period are read
with a fixed number of statements however long they are.

A planned date lies on the contract's first day or later, today or later, and not after its
last day; a follow-up is recorded once held (today or earlier, not before the start).
"""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Sequence
from functools import partial
from typing import Any

from piccolo.columns.combination import Combinable

from marketplace.contracts import parties
from marketplace.contracts.models import (
    ContractDateAdd,
    ContractDateCancel,
    ContractDateKind,
    ContractDateMove,
    ContractDateStatus,
    ContractDateView,
    FollowUpRecord,
    FollowUpView,
)
from marketplace.contracts.rows import ContractRow, DateRow, FollowUpRow, RequestRow
from marketplace.contracts.tables import ContractDate, ContractFollowUp
from marketplace.core.clock import today, utcnow
from marketplace.core.errors import DomainError, ErrorCode
from marketplace.core.identity import Principal, Role
from marketplace.core.pagination import Page, PageRequest, all_of, paginate
from marketplace.core.rows import fields_of, row_or_none, rows_as
from marketplace.core.unit_of_work import Tracked, UnitOfWork, current, write_transaction

_DATE = "contract date"


# --- views ----------------------------------------------------------------------------------


def _date_view(principal: Principal, row: DateRow) -> ContractDateView:
    """A date as the caller sees it: the registry administrator, no party, without its texts."""
    party = parties.is_party(principal, row.buyer, row.provider_org)
    return ContractDateView.model_validate(
        {
            **fields_of(row),
            "contract_id": row.contract,
            "planned_in_id": row.planned_in,
            "held_in_id": row.held_in,
            "note": row.note if party else None,
            "close_reason": row.close_reason if party else None,
        }
    )


def _follow_up_view(principal: Principal, row: FollowUpRow) -> FollowUpView:
    party = parties.is_party(principal, row.buyer, row.provider_org)
    return FollowUpView.model_validate(
        {**fields_of(row), "contract_id": row.contract, "notes": row.notes if party else None}
    )


async def dates_by_id(
    principal: Principal, ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, ContractDateView]:
    """The dates of contracts the caller may read, by ID (one statement)."""
    if not ids or not principal.is_authenticated:
        return {}
    rows = await ContractDate.select().where(ContractDate.id.is_in(list(ids))).run()
    return {
        row.id: _date_view(principal, row)
        for row in rows_as(DateRow, rows)
        if parties.can_read(principal, row.buyer, row.provider_org)
    }


async def date_by_id(principal: Principal, date_id: uuid.UUID) -> ContractDateView | None:
    return (await dates_by_id(principal, [date_id])).get(date_id)


async def dates_by_contract(
    principal: Principal, ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[ContractDateView]]:
    """Every date of the contracts, earliest first (the caller has seen the contracts)."""
    result: dict[uuid.UUID, list[ContractDateView]] = {i: [] for i in ids}
    if ids:
        rows = (
            await ContractDate.select()
            .where(ContractDate.contract.is_in(list(ids)))
            .order_by(ContractDate.due_on, ContractDate.id)
            .run()
        )
        for row in rows_as(DateRow, rows):
            result[row.contract].append(_date_view(principal, row))
    return result


async def follow_ups_by_id(
    principal: Principal, ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, FollowUpView]:
    """The follow-ups of contracts the caller may read, by ID (one statement)."""
    if not ids or not principal.is_authenticated:
        return {}
    rows = await ContractFollowUp.select().where(ContractFollowUp.id.is_in(list(ids))).run()
    return {
        row.id: _follow_up_view(principal, row)
        for row in rows_as(FollowUpRow, rows)
        if parties.can_read(principal, row.buyer, row.provider_org)
    }


async def follow_up_by_id(principal: Principal, follow_up_id: uuid.UUID) -> FollowUpView | None:
    return (await follow_ups_by_id(principal, [follow_up_id])).get(follow_up_id)


async def follow_ups_by_contract(
    principal: Principal, ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[FollowUpView]]:
    """Every follow-up recorded on the contracts, the latest first."""
    result: dict[uuid.UUID, list[FollowUpView]] = {i: [] for i in ids}
    if ids:
        rows = (
            await ContractFollowUp.select()
            .where(ContractFollowUp.contract.is_in(list(ids)))
            .order_by(ContractFollowUp.held_on, ContractFollowUp.recorded_at)
            .run()
        )
        for row in reversed(rows_as(FollowUpRow, rows)):
            result[row.contract].append(_follow_up_view(principal, row))
    return result


def due_condition(
    kind: ContractDateKind | None, due_from: datetime.date | None, due_to: datetime.date | None
) -> Combinable | None:
    conditions: list[Combinable | None] = [
        ContractDate.kind == kind.value if kind is not None else None,
        ContractDate.due_on >= due_from if due_from is not None else None,
        ContractDate.due_on <= due_to if due_to is not None else None,
    ]
    return all_of(conditions)


def _of_running_contracts(day: datetime.date) -> Combinable:
    """Dates of contracts that run on ``day`` (a join on the contract)."""
    contract = ContractDate.contract
    return contract._.status.is_in(list(parties.RUNNING)) & (
        contract._.end_date.is_null() | (contract._.end_date >= day)
    )


async def list_dates(
    principal: Principal,
    page: PageRequest,
    *,
    kind: ContractDateKind | None = None,
    status: ContractDateStatus | None = ContractDateStatus.PLANNED,
    due_from: datetime.date | None = None,
    due_to: datetime.date | None = None,
    contract_id: uuid.UUID | None = None,
) -> Page[ContractDateView]:
    """The follow-up and renegotiation dates of the caller's contracts (as buyer or
    provider), earliest first: by default those planned on running contracts, so a kind and a
    period give the contracts due for follow-up or renegotiation then. Two statements."""
    if due_from is not None and due_to is not None and due_to < due_from:
        raise DomainError(ErrorCode.INVALID, "The period ends before it starts.", ["due_to"])
    conditions = [
        parties.visible(ContractDate, principal),
        due_condition(kind, due_from, due_to),
        ContractDate.status == status.value if status is not None else None,
        ContractDate.contract == contract_id if contract_id is not None else None,
        _of_running_contracts(today()) if status is ContractDateStatus.PLANNED else None,
    ]
    rows = await paginate(
        ContractDate,
        where=all_of(conditions),
        order_by=[ContractDate.due_on, ContractDate.id],
        page=page,
        columns=ContractDate.all_columns(),
    )
    return rows.map(lambda row: _date_view(principal, DateRow(**row)))


# --- writing --------------------------------------------------------------------------------


async def _buyers_contract(
    principal: Principal, contract_id: uuid.UUID, field: Sequence[str] = ("contract_id",)
) -> ContractRow:
    """The running contract, if the caller is a purchaser of its buying municipality; its
    provider sees the dates but does not keep them."""
    contract = await parties.running_contract(principal, contract_id, field)
    if principal.role is not Role.PURCHASER:
        raise DomainError(
            ErrorCode.PERMISSION_DENIED,
            "Follow-up and renegotiation are kept by the buying municipality.",
            list(field),
        )
    return contract


def check_planned_day(
    contract: ContractRow, due_on: datetime.date, field: str, day: datetime.date
) -> None:
    """A planned date lies on or after the contract's first day, today or later, and not
    after its last day."""
    start, end = contract.start_date, contract.end_date
    if due_on < start:
        raise DomainError(
            ErrorCode.INVALID,
            f"The date lies before the contract's first day ({start.isoformat()}).",
            [field],
        )
    if due_on < day:
        raise DomainError(ErrorCode.INVALID, "A planned date lies today or later.", [field])
    if end is not None and due_on > end:
        raise DomainError(
            ErrorCode.INVALID,
            f"The date lies after the contract's last day ({end.isoformat()}).",
            [field],
        )


async def _insert_date(
    contract: ContractRow | RequestRow,
    contract_id: uuid.UUID,
    values: tuple[ContractDateKind, datetime.date, str],
    by: str,
    planned_in: uuid.UUID | None = None,
) -> uuid.UUID:
    kind, due_on, note = values
    date_id = uuid.uuid4()
    await ContractDate.insert(
        ContractDate(
            id=date_id,
            contract=contract_id,
            buyer=contract.buyer,
            provider_org=contract.provider_org,
            kind=kind.value,
            due_on=due_on,
            status=ContractDateStatus.PLANNED.value,
            note=note,
            planned_in=planned_in,
            created_by=by[:100],
            created_at=utcnow(),
        )
    ).run()
    return date_id


async def _track_date(
    unit: UnitOfWork, principal: Principal, date_id: uuid.UUID, **how: Any
) -> Tracked[ContractDateView]:
    return await unit.track("ContractDate", date_id, partial(date_by_id, principal, date_id), **how)


async def first_date(request: RequestRow, contract_id: uuid.UUID, start: datetime.date) -> None:
    """The follow-up date a request asked for becomes its contract's first (on the start, if
    the contract starts later); recorded under the signing's unit of work."""
    if request.follow_up_on is None:
        return
    due_on = max(request.follow_up_on, start)
    values = (ContractDateKind.FOLLOW_UP, due_on, "")
    date_id = await _insert_date(request, contract_id, values, request.created_by)
    unit = current()
    if unit is not None:
        buyer = Principal(subject=request.created_by, org_code=request.buyer, role=Role.PURCHASER)
        await _track_date(unit, buyer, date_id, new=True)


async def add_date(
    principal: Principal, contract_id: uuid.UUID, command: ContractDateAdd
) -> ContractDateView:
    """The buying municipality plans a follow-up or renegotiation date."""
    async with write_transaction(principal, "contractDateAdd") as unit:
        contract = await _buyers_contract(principal, contract_id)
        check_planned_day(contract, command.due_on, "due_on", today())
        values = (command.kind, command.due_on, command.note)
        date_id = await _insert_date(contract, contract.id, values, principal.subject or "")
        made = await _track_date(unit, principal, date_id, new=True)
    return made.result


async def _planned_date(principal: Principal, date_id: uuid.UUID) -> tuple[DateRow, ContractRow]:
    """A planned date and its running contract, if the caller keeps it."""
    row = row_or_none(
        DateRow, await ContractDate.select().where(ContractDate.id == date_id).first().run()
    )
    if row is None:
        raise parties.not_found(_DATE)
    try:
        contract = await _buyers_contract(principal, row.contract, ("id",))
    except DomainError as error:
        if error.code is ErrorCode.NOT_FOUND:
            raise parties.not_found(_DATE) from None
        raise
    if row.status != ContractDateStatus.PLANNED.value:
        raise DomainError(ErrorCode.INVALID_STATE, f"The date is {row.status}.", ["id"])
    return row, contract


async def move_date(
    principal: Principal, date_id: uuid.UUID, command: ContractDateMove
) -> ContractDateView:
    """Move a planned date to another day (and replace its note, if one is given)."""
    async with write_transaction(principal, "contractDateMove") as unit:
        row, contract = await _planned_date(principal, date_id)
        check_planned_day(contract, command.due_on, "due_on", today())
        moved = await _track_date(unit, principal, date_id)
        note = row.note if command.note is None else command.note
        await (
            ContractDate.update({ContractDate.due_on: command.due_on, ContractDate.note: note})
            .where(ContractDate.id == date_id)
            .run()
        )
    return moved.result


async def cancel_date(
    principal: Principal, date_id: uuid.UUID, command: ContractDateCancel
) -> ContractDateView:
    """Cancel a planned date, with a reason (never a CPR number)."""
    async with write_transaction(principal, "contractDateCancel") as unit:
        await _planned_date(principal, date_id)
        cancelled = await _track_date(unit, principal, date_id)
        await _close(
            [date_id],
            ContractDateStatus.CANCELLED,
            principal,
            close_reason=command.reason,
            held_in=None,
        )
    return cancelled.result


async def _close(
    ids: Sequence[uuid.UUID],
    status: ContractDateStatus,
    principal: Principal,
    *,
    close_reason: str,
    held_in: uuid.UUID | None,
) -> None:
    if not ids:
        return
    await (
        ContractDate.update(
            {
                ContractDate.status: status.value,
                ContractDate.held_in: held_in,
                ContractDate.closed_by: (principal.subject or "")[:100],
                ContractDate.closed_at: utcnow(),
                ContractDate.close_reason: close_reason,
            }
        )
        .where(ContractDate.id.is_in(list(ids)))
        .run()
    )


def _check_held(contract: ContractRow, command: FollowUpRecord, day: datetime.date) -> None:
    """A follow-up is recorded once held: today or earlier, not before the start; the next
    date is a planned date's."""
    if command.held_on < contract.start_date:
        raise DomainError(
            ErrorCode.INVALID,
            f"The follow-up lies before the contract's first day "
            f"({contract.start_date.isoformat()}).",
            ["held_on"],
        )
    if command.held_on > day:
        raise DomainError(
            ErrorCode.INVALID, "A follow-up is recorded once held: today or earlier.", ["held_on"]
        )
    if command.next_on is not None:
        if command.next_on <= command.held_on:
            raise DomainError(
                ErrorCode.INVALID, "The next date lies after the follow-up.", ["next_on"]
            )
        check_planned_day(contract, command.next_on, "next_on", day)


async def _answered(contract_id: uuid.UUID, command: FollowUpRecord) -> list[uuid.UUID]:
    """The planned dates a follow-up answers: those of its kind due by its day, and the one
    it names."""
    planned = rows_as(
        DateRow,
        await ContractDate.select()
        .where(
            (ContractDate.contract == contract_id)
            & (ContractDate.status == ContractDateStatus.PLANNED.value)
        )
        .run(),
    )
    if command.date_id is not None and command.date_id not in {d.id for d in planned}:
        raise DomainError(
            ErrorCode.INVALID_STATE,
            "The date named is no planned date of the contract.",
            ["date_id"],
        )
    return [
        d.id
        for d in planned
        if d.id == command.date_id or (d.kind == command.kind.value and d.due_on <= command.held_on)
    ]


async def _insert_follow_up(
    principal: Principal, contract: ContractRow, command: FollowUpRecord
) -> uuid.UUID:
    follow_up_id = uuid.uuid4()
    await ContractFollowUp.insert(
        ContractFollowUp(
            id=follow_up_id,
            contract=contract.id,
            buyer=contract.buyer,
            provider_org=contract.provider_org,
            kind=command.kind.value,
            held_on=command.held_on,
            outcome=command.outcome.value,
            notes=command.notes,
            next_on=command.next_on,
            recorded_by=(principal.subject or "")[:100],
            recorded_at=utcnow(),
        )
    ).run()
    return follow_up_id


async def record_follow_up(
    principal: Principal, contract_id: uuid.UUID, command: FollowUpRecord
) -> FollowUpView:
    """The buying municipality records a follow-up (or renegotiation) held: it answers the
    planned dates of its kind due by its day (and the one it names), and its next date
    becomes a planned date of the same kind."""
    async with write_transaction(principal, "contractFollowUpRecord") as unit:
        contract = await _buyers_contract(principal, contract_id)
        _check_held(contract, command, today())
        answered = await _answered(contract.id, command)
        follow_up_id = await _insert_follow_up(principal, contract, command)
        for date_id in answered:
            await _track_date(unit, principal, date_id)
        await _close(
            answered, ContractDateStatus.HELD, principal, close_reason="", held_in=follow_up_id
        )
        if command.next_on is not None:
            values = (command.kind, command.next_on, "")
            by = principal.subject or ""
            next_id = await _insert_date(contract, contract.id, values, by, follow_up_id)
            await _track_date(unit, principal, next_id, new=True)
        made = await unit.track(
            "ContractFollowUp",
            follow_up_id,
            partial(follow_up_by_id, principal, follow_up_id),
            new=True,
        )
        await parties.record(
            principal,
            "follow_up_recorded",
            contract=contract.id,
            detail=f"{command.kind.value.replace('_', '-')} held on "
            f"{command.held_on.isoformat()}: {command.outcome.value}",
        )
    return made.result
