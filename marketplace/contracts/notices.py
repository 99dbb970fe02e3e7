"""Notice on a contract: from a chosen day, by the agreed convention, and withdrawn when both
parties agree.

Either party gives notice. It takes effect today or on a later day the party chooses (not
before the contract's first day), and the contract's last day follows from the convention
agreed when the contract was made: that many days later, or the last day of the month some
months on (the rest of the month plus N months). Notice that takes effect today on a contract
that has not started, and runs out before its start, cancels it. A second notice must end the
contract earlier than the one in force, which it supersedes.

The contract's audit record covers a notice (its status, end and who gave notice change), as
it covers a withdrawal. A notice is withdrawn only when both parties agree: one proposes the withdrawal (a proposed
change that ``withdraws_notice``), the other accepts it, and the contract runs again as before
the notice: its status, its end (open, or an end agreed before), and the notice it superseded,
if any, back in force. The days it runs again need a free place.
"""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Sequence
from functools import partial

from marketplace.contracts import parties
from marketplace.contracts.capacity import FOREVER, OfferPlaces, check_capacity, lock_offer
from marketplace.contracts.models import (
    ContractStatus,
    ContractView,
    NoticeStatus,
    NoticeView,
)
from marketplace.contracts.rows import ChangeRow, ContractRow, NoticeRow
from marketplace.contracts.tables import Contract, ContractNotice
from marketplace.core.clock import today, utcnow
from marketplace.core.cpr import holds_cpr
from marketplace.core.errors import DomainError, ErrorCode
from marketplace.core.identity import Principal
from marketplace.core.rows import fields_of, row_or_none, rows_as
from marketplace.core.rules import NoticeConvention, NoticeTerms
from marketplace.core.unit_of_work import UnitOfWork, write_transaction


def agreed_notice(contract: ContractRow) -> NoticeTerms:
    """The notice agreed when the contract was made."""
    return NoticeTerms(
        NoticeConvention(contract.notice_convention), contract.notice_days, contract.notice_months
    )


def _view(row: NoticeRow) -> NoticeView:
    return NoticeView.model_validate({**fields_of(row), "contract_id": row.contract})


async def notices_by_contract(ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[NoticeView]]:
    """Every notice given on the contracts, oldest first (the caller has seen them)."""
    result: dict[uuid.UUID, list[NoticeView]] = {i: [] for i in ids}
    if ids:
        rows = (
            await ContractNotice.select()
            .where(ContractNotice.contract.is_in(list(ids)))
            .order_by(ContractNotice.created_at, ContractNotice.id)
            .run()
        )
        for row in rows_as(NoticeRow, rows):
            result[row.contract].append(_view(row))
    return result


async def given_notice(contract_id: uuid.UUID) -> NoticeRow | None:
    """The notice that sets the contract's end, if one does."""
    row = (
        await ContractNotice.select()
        .where(
            (ContractNotice.contract == contract_id)
            & (ContractNotice.status == NoticeStatus.GIVEN.value)
        )
        .first()
        .run()
    )
    return row_or_none(NoticeRow, row)


def _effective_day(
    contract: ContractRow, effective_from: datetime.date | None, day: datetime.date
) -> datetime.date:
    """The day notice counts from: today, or the day chosen (today or later, and not before
    the contract's first day)."""
    if effective_from is None:
        return day
    if effective_from < day:
        raise DomainError(
            ErrorCode.INVALID,
            "Notice takes effect today or on a later day, not in the past.",
            ["effective_from"],
        )
    if effective_from < contract.start_date:
        raise DomainError(
            ErrorCode.INVALID,
            f"Notice takes effect on the contract's first day ({contract.start_date.isoformat()}) "
            "or later.",
            ["effective_from"],
        )
    return effective_from


def _ends_earlier(contract: ContractRow, end: datetime.date, field: list[str]) -> None:
    """A notice must end the contract before the end it already has (an earlier notice's, or
    one agreed)."""
    if contract.end_date is None or end < contract.end_date:
        return
    earlier = "Notice given earlier ends" if contract.notice_given_on else "The contract ends"
    raise DomainError(
        ErrorCode.INVALID_STATE,
        f"{earlier} the contract on {contract.end_date.isoformat()}; this notice would end it "
        f"on {end.isoformat()}, not earlier.",
        field,
    )


async def _write_notice(
    principal: Principal,
    contract: ContractRow,
    notice: tuple[NoticeTerms, datetime.date, datetime.date | None],
    reason: str,
    earlier: NoticeRow | None,
) -> uuid.UUID:
    """Store the notice, with what the contract was before it (and supersede the earlier)."""
    terms, effective, end = notice
    if earlier is not None:
        await (
            ContractNotice.update({ContractNotice.status: NoticeStatus.SUPERSEDED.value})
            .where(ContractNotice.id == earlier.id)
            .run()
        )
    notice_id = uuid.uuid4()
    await ContractNotice.insert(
        ContractNotice(
            id=notice_id,
            contract=contract.id,
            status=NoticeStatus.GIVEN.value,
            given_on=today(),
            given_by_org=principal.org_code or "",
            given_by=(principal.subject or "")[:100],
            effective_from=effective,
            convention=terms.convention.value,
            days=terms.days,
            months=terms.months,
            end_date=end,
            reason=reason,
            supersedes=earlier.id if earlier else None,
            previous_status=contract.status,
            previous_end_date=contract.end_date,
            previous_notice_given_on=contract.notice_given_on,
            previous_notice_given_by=contract.notice_given_by,
            created_at=utcnow(),
        )
    ).run()
    return notice_id


async def give_notice(
    principal: Principal,
    contract_id: uuid.UUID,
    reason: str,
    effective_from: datetime.date | None = None,
) -> ContractView:
    """Either party gives notice, from today or a later day (see the module's docstring)."""
    day = today()
    reason = reason.strip()
    if holds_cpr(reason):
        raise DomainError(
            ErrorCode.PERSONAL_DATA_IN_TEXT,
            "The reason holds a CPR number; name the citizen by the case reference only.",
            ["reason"],
        )
    field = ["effective_from"] if effective_from is not None else ["id"]
    async with write_transaction(principal, "contractGiveNotice") as unit:
        contract = await parties.running_contract(principal, contract_id)
        found = await unit.track(
            "Contract", contract_id, partial(parties.contract_by_id, principal, contract_id)
        )
        effective = _effective_day(contract, effective_from, day)
        terms = agreed_notice(contract)
        last = terms.last_day(effective)
        _ends_earlier(contract, last, field)
        cancelled = last < contract.start_date
        end = None if cancelled else last
        earlier = await given_notice(contract_id)
        await _write_notice(principal, contract, (terms, effective, end), reason, earlier)
        to = ContractStatus.CANCELLED if cancelled else ContractStatus.NOTICE_GIVEN
        await (
            Contract.update(
                {
                    Contract.status: to.value,
                    Contract.end_date: end,
                    Contract.notice_given_on: day,
                    Contract.notice_given_by: principal.org_code,
                    Contract.updated_at: utcnow(),
                }
            )
            .where(Contract.id == contract_id)
            .run()
        )
        detail = (
            "cancelled before the start"
            if cancelled
            else f"{terms.described} from {effective.isoformat()}: last day {last.isoformat()}"
        )
        await parties.record(
            principal,
            "cancelled" if cancelled else "notice_given",
            contract=contract_id,
            from_status=contract.status,
            to_status=to.value,
            detail=f"{detail}. {reason}".strip(),
        )
        unit.touch_offer(contract.offer)
    return found.result


async def open_for_withdrawal(contract: ContractRow) -> uuid.UUID:
    """The notice a proposed withdrawal would withdraw: the one in force, or INVALID_STATE
    when nobody has given notice."""
    notice = await given_notice(contract.id) if contract.end_date is not None else None
    if notice is None:
        raise DomainError(
            ErrorCode.INVALID_STATE,
            "No notice is in force on the contract: there is nothing to withdraw.",
            ["withdraw_notice"],
        )
    return notice.id


async def _room_to_run_again(contract: ContractRow, end: datetime.date | None) -> None:
    """The days the contract runs again need a free place (decided under the offer's lock)."""
    current = contract.end_date
    if current is None or (end is not None and end <= current):
        return
    places = await lock_offer(OfferPlaces, contract.offer)
    await check_capacity(
        contract.offer,
        places.capacity_places,
        places.occupied_places,
        current + datetime.timedelta(days=1),
        end or FOREVER,
        ignore=contract.id,
    )


async def withdraw(
    principal: Principal, unit: UnitOfWork, contract: ContractRow, change: ChangeRow
) -> None:
    """Withdraw the notice an accepted change names: the contract runs again as before it."""
    assert change.withdraws_notice is not None
    notice = await given_notice(contract.id)
    if notice is None or notice.id != change.withdraws_notice:
        raise DomainError(
            ErrorCode.INVALID_STATE,
            "The notice the change withdraws is no longer in force.",
            ["id"],
        )
    await _room_to_run_again(contract, notice.previous_end_date)
    await unit.track(
        "Contract", contract.id, partial(parties.contract_by_id, principal, contract.id)
    )
    await (
        ContractNotice.update(
            {
                ContractNotice.status: NoticeStatus.WITHDRAWN.value,
                ContractNotice.withdrawn_at: utcnow(),
            }
        )
        .where(ContractNotice.id == notice.id)
        .run()
    )
    if notice.supersedes is not None:
        await (
            ContractNotice.update({ContractNotice.status: NoticeStatus.GIVEN.value})
            .where(ContractNotice.id == notice.supersedes)
            .run()
        )
    await (
        Contract.update(
            {
                Contract.status: notice.previous_status,
                Contract.end_date: notice.previous_end_date,
                Contract.notice_given_on: notice.previous_notice_given_on,
                Contract.notice_given_by: notice.previous_notice_given_by,
                Contract.updated_at: utcnow(),
            }
        )
        .where(Contract.id == contract.id)
        .run()
    )
    end = notice.previous_end_date
    await parties.record(
        principal,
        "notice_withdrawn",
        contract=contract.id,
        from_status=contract.status,
        to_status=notice.previous_status,
        detail=f"notice of {notice.given_on.isoformat()} withdrawn; "
        + (f"last day {end.isoformat()}" if end else "open-ended again"),
    )
