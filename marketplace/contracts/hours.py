"""Delivered hours: hourly support (SEL § 85) is billed by the hours delivered.

The provider's administrators report the hours delivered under an hourly contract in a month;
billing uses them instead of the agreed hours (``billing``), and each line says which hours
it was billed by. A later report for the month corrects it (``revision`` counts the reports)
until the month is invoiced; after that its hours are the invoice's, and a correction is a
credit note (``invoices``).

A report is refused, and nothing changes, when the hours are negative or more than the
contract's days in the month hold (24 hours a day), when the month has not begun or the
contract does not run in it, when the contract is not priced per hour in the month or was
cancelled, and when the month is invoiced. A report takes the lock of the provider's invoice
counter, so it and an invoice of the same provider take turns: an invoice never bills hours
that change while it is issued.

The contract's parties read the reports (and the registry administrator).
"""

from __future__ import annotations

import datetime
import uuid
from collections import defaultdict
from collections.abc import Sequence
from functools import partial

from marketplace.contracts import parties
from marketplace.contracts.billing import is_hourly, month_window, term_windows
from marketplace.contracts.capacity import FOREVER
from marketplace.contracts.invoices import hold_numbers
from marketplace.contracts.models import (
    ContractStatus,
    DeliveredHoursReport,
    DeliveredHoursView,
    TermView,
)
from marketplace.contracts.rows import ContractRow, DeliveredHoursRow
from marketplace.contracts.tables import Contract, DeliveredHours, InvoiceLine
from marketplace.core.clock import today, utcnow
from marketplace.core.db import lock_row
from marketplace.core.errors import DomainError, ErrorCode
from marketplace.core.identity import Principal, Role
from marketplace.core.rows import fields_of, row_or_none, rows_as
from marketplace.core.unit_of_work import write_transaction

HOURS_A_DAY = 24


# --- reading ------------------------------------------------------------------------------------


async def _invoiced(
    pairs: Sequence[tuple[uuid.UUID, datetime.date]],
) -> dict[tuple[uuid.UUID, datetime.date], int]:
    """The invoice number each (contract, month) is on, for those that are invoiced."""
    if not pairs:
        return {}
    rows = (
        await InvoiceLine.select(
            InvoiceLine.contract, InvoiceLine.month, InvoiceLine.invoice._.number.as_alias("number")
        )
        .where(InvoiceLine.contract.is_in(list({contract for contract, _ in pairs})))
        .run()
    )
    return {(row["contract"], row["month"]): row["number"] for row in rows}


async def _views(rows: Sequence[DeliveredHoursRow]) -> list[DeliveredHoursView]:
    invoiced = await _invoiced([(row.contract, row.month) for row in rows])
    return [
        DeliveredHoursView.model_validate(
            {
                **fields_of(row),
                "contract_id": row.contract,
                "hours": parties.from_hundredths(row.hours),
                "invoiced": (row.contract, row.month) in invoiced,
            }
        )
        for row in rows
    ]


async def hours_by_contract(
    contract_ids: Sequence[uuid.UUID],
) -> dict[uuid.UUID, list[DeliveredHoursView]]:
    """The reports under contracts the caller has read, the latest month first (two
    statements for any number of contracts)."""
    found: dict[uuid.UUID, list[DeliveredHoursView]] = defaultdict(list)
    if contract_ids:
        rows = (
            await DeliveredHours.select()
            .where(DeliveredHours.contract.is_in(list(contract_ids)))
            .order_by(DeliveredHours.month, ascending=False)
            .run()
        )
        for view in await _views(rows_as(DeliveredHoursRow, rows)):
            found[view.contract_id].append(view)
    return found


async def get_hours(principal: Principal, hours_id: uuid.UUID) -> DeliveredHoursView | None:
    """One report, if the caller may read its contract."""
    row = row_or_none(
        DeliveredHoursRow,
        await DeliveredHours.select().where(DeliveredHours.id == hours_id).first().run(),
    )
    if row is None or await parties.contract_by_id(principal, row.contract) is None:
        return None
    return (await _views([row]))[0]


# --- reporting ----------------------------------------------------------------------------------


async def _provided_contract(principal: Principal, contract_id: uuid.UUID) -> ContractRow:
    """The contract, if the caller's provider runs it and it was not cancelled; held to the
    commit. NOT_FOUND for a stranger, PERMISSION_DENIED for the buyer."""
    principal.require(Role.PROVIDER_ADMIN, Role.PURCHASER)
    row = row_or_none(ContractRow, await lock_row(Contract, contract_id))
    if row is None or not parties.is_party(principal, row.buyer, row.provider_org):
        raise parties.not_found("contract", ["contract_id"])
    if principal.role is not Role.PROVIDER_ADMIN:
        raise DomainError(
            ErrorCode.PERMISSION_DENIED,
            "The provider reports the hours it delivered.",
            ["contract_id"],
        )
    if row.status == ContractStatus.CANCELLED.value:
        raise DomainError(
            ErrorCode.INVALID_STATE,
            "The contract was cancelled before it started.",
            ["contract_id"],
        )
    return row


def _days_in(contract: ContractRow, month: datetime.date) -> int:
    """The calendar days of the month the contract runs on."""
    first, last = month_window(month)
    start, end = max(contract.start_date, first), min(contract.end_date or FOREVER, last)
    return max((end - start).days + 1, 0)


def _check(contract: ContractRow, terms: Sequence[TermView], report: DeliveredHoursReport) -> None:
    """The month has begun, the contract runs in it priced per hour, and the hours fit it."""
    month, label = report.month, report.month.strftime("%Y-%m")
    if month > today().replace(day=1):
        raise DomainError(ErrorCode.INVALID, f"{label} has not begun.", ["month"])
    days = _days_in(contract, month)
    if days == 0:
        raise DomainError(ErrorCode.INVALID, f"The contract does not run in {label}.", ["month"])
    if not any(is_hourly(term) for term, _ in term_windows(terms, month_window(month))):
        raise DomainError(
            ErrorCode.INVALID_STATE,
            f"The contract is not priced per hour in {label}: only hourly services are billed "
            "by the hours delivered.",
            ["contract_id"],
        )
    if report.hours > days * HOURS_A_DAY:
        raise DomainError(
            ErrorCode.INVALID,
            f"More than {label} holds: the contract runs {days} days in it, at most "
            f"{days * HOURS_A_DAY} hours.",
            ["hours"],
        )


async def _not_invoiced(contract_id: uuid.UUID, month: datetime.date) -> None:
    number = (await _invoiced([(contract_id, month)])).get((contract_id, month))
    if number is not None:
        raise DomainError(
            ErrorCode.INVALID_STATE,
            f"{month.strftime('%Y-%m')} is invoiced (invoice {number}): its hours no longer "
            "change; a correction is a credit note on the invoice.",
            ["month"],
        )


async def _write(
    principal: Principal, contract: ContractRow, report: DeliveredHoursReport
) -> tuple[uuid.UUID, DeliveredHoursView | None]:
    """Store the report, or correct the month's earlier one; the report's ID and what it
    replaced."""
    earlier = row_or_none(
        DeliveredHoursRow,
        await DeliveredHours.select()
        .where((DeliveredHours.contract == contract.id) & (DeliveredHours.month == report.month))
        .first()
        .run(),
    )
    hours, by, at = parties.hundredths(report.hours), (principal.subject or "")[:100], utcnow()
    if earlier is None:
        hours_id = uuid.uuid4()
        await DeliveredHours.insert(
            DeliveredHours(
                id=hours_id,
                contract=contract.id,
                month=report.month,
                hours=hours,
                note=report.note,
                reported_by=by,
                reported_at=at,
            )
        ).run()
        return hours_id, None
    await (
        DeliveredHours.update(
            {
                DeliveredHours.hours: hours,
                DeliveredHours.note: report.note,
                DeliveredHours.revision: earlier.revision + 1,
                DeliveredHours.reported_by: by,
                DeliveredHours.reported_at: at,
            }
        )
        .where(DeliveredHours.id == earlier.id)
        .run()
    )
    return earlier.id, (await _views([earlier]))[0]


async def report_hours(
    principal: Principal, contract_id: uuid.UUID, report: DeliveredHoursReport
) -> DeliveredHoursView:
    """The provider's administrator reports the hours delivered under one of its hourly
    contracts in a month, or corrects the month's report while it is not invoiced."""
    async with write_transaction(principal, "deliveredHoursReport") as unit:
        contract = await _provided_contract(principal, contract_id)
        await hold_numbers(contract.provider_org)
        terms = (await parties.terms_by_contract([contract.id]))[contract.id]
        _check(contract, terms, report)
        await _not_invoiced(contract.id, report.month)
        hours_id, replaced = await _write(principal, contract, report)
        reported = await unit.track(
            "DeliveredHours",
            hours_id,
            partial(get_hours, principal, hours_id),
            before=replaced,
            new=replaced is None,
        )
        await parties.record(
            principal,
            "hours_corrected" if replaced else "hours_reported",
            contract=contract.id,
            detail=f"{report.month.strftime('%Y-%m')}: {report.hours} hours delivered",
        )
    return reported.result
