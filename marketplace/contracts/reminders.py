"""The calendar's reminders: a request whose answer is due soon, a follow-up or renegotiation
date coming up, a contract's last day coming up. One tick step emits them as outbox events,
each once (its dedupe key names the object and the date it is about), so running the tick
again the same day, or the next, reminds no one twice of the same date."""

from __future__ import annotations

import datetime
import uuid
from typing import Any

from marketplace.contracts.events import author_of
from marketplace.contracts.models import OPEN_REQUEST, ContractDateStatus
from marketplace.contracts.parties import RUNNING
from marketplace.contracts.tables import Contract, ContractDate, PlacementRequest
from marketplace.core.identity import SYSTEM
from marketplace.core.settings import get_settings
from marketplace.core.unit_of_work import UnitOfWork, write_transaction
from marketplace.notifications.models import EventKind


async def remind_due(day: datetime.date) -> int:
    """Emit the reminders due on ``day`` that were not sent before; return how many. Two
    ticks at once (two workers) both succeed, and each reminder is written once."""
    settings = get_settings()
    async with write_transaction(SYSTEM, "remindersSend") as unit:
        await _requests(unit, day + datetime.timedelta(days=settings.remind_request_days))
        await _dates(unit, day + datetime.timedelta(days=settings.remind_follow_up_days))
        await _endings(unit, day, day + datetime.timedelta(days=settings.remind_contract_end_days))
    return unit.events_written


async def _requests(unit: UnitOfWork, until: datetime.date) -> int:
    rows: list[dict[str, Any]] = (
        await PlacementRequest.select(
            PlacementRequest.id,
            PlacementRequest.buyer,
            PlacementRequest.provider_org,
            PlacementRequest.citizen_ref,
            PlacementRequest.status,
            PlacementRequest.expires_on,
            PlacementRequest.created_by,
        )
        .where(
            PlacementRequest.status.is_in(list(OPEN_REQUEST))
            & (PlacementRequest.expires_on <= until)
        )
        .run()
    )
    for row in rows:
        # The one who must answer: the provider of a pending request, the buyer of a proposal.
        to = row["provider_org"] if row["status"] == "pending" else row["buyer"]
        unit.emit(
            EventKind.REQUEST_EXPIRING_SOON,
            [to],
            {"placementRequest": row["id"]},
            case_reference=row["citizen_ref"],
            payload={"expiresOn": str(row["expires_on"])},
            dedupe_key=f"expiring:{row['id']}:{row['status']}:{row['expires_on']}",
            addressed=_author(row["buyer"], to, row["created_by"]),
        )
    return len(rows)


def _author(buyer: str, to: str, created_by: str | None) -> dict[str, str] | None:
    """A proposal waits for the buyer: address it to the case handler who made the request."""
    author = author_of(created_by)
    return {buyer: author} if author and to == buyer else None


async def _dates(unit: UnitOfWork, until: datetime.date) -> int:
    rows: list[dict[str, Any]] = (
        await ContractDate.select(
            ContractDate.id,
            ContractDate.contract,
            ContractDate.buyer,
            ContractDate.provider_org,
            ContractDate.kind,
            ContractDate.due_on,
            ContractDate.contract._.request._.citizen_ref.as_alias("citizen_ref"),
        )
        .where(
            (ContractDate.status == ContractDateStatus.PLANNED.value)
            & (ContractDate.due_on <= until)
            & ContractDate.contract._.status.is_in(list(RUNNING))
        )
        .run()
    )
    for row in rows:
        unit.emit(
            EventKind.FOLLOW_UP_DUE,
            [row["buyer"], row["provider_org"]],
            {"contractDate": row["id"], "contract": row["contract"]},
            case_reference=row["citizen_ref"],
            payload={"kind": row["kind"], "dueOn": str(row["due_on"])},
            dedupe_key=f"follow-up:{row['id']}:{row['due_on']}",
        )
    return len(rows)


async def _endings(unit: UnitOfWork, day: datetime.date, until: datetime.date) -> int:
    rows: list[dict[str, Any]] = (
        await Contract.select(
            Contract.id,
            Contract.buyer,
            Contract.provider_org,
            Contract.end_date,
            Contract.request._.citizen_ref.as_alias("citizen_ref"),
        )
        .where(
            Contract.status.is_in(list(RUNNING))
            & (Contract.end_date >= day)
            & (Contract.end_date <= until)
        )
        .run()
    )
    for row in rows:
        contract: uuid.UUID = row["id"]
        unit.emit(
            EventKind.CONTRACT_ENDING_SOON,
            [row["buyer"], row["provider_org"]],
            {"contract": contract},
            case_reference=row["citizen_ref"],
            payload={"endDate": str(row["end_date"])},
            dedupe_key=f"ending:{contract}:{row['end_date']}",
        )
    return len(rows)
