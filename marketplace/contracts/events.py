"""The outbox events of placement requests and contracts, derived from their history: each
entry ``parties.record`` writes that someone should hear of is also an event for the
organisations concerned (see ``marketplace.notifications``). The events carry the IDs and the
buyer's case reference only."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from marketplace.contracts.tables import Contract, PlacementRequest
from marketplace.core.rows import row_or_none
from marketplace.core.unit_of_work import current
from marketplace.notifications.models import EventKind


@dataclass(frozen=True, slots=True)
class _Parties:
    buyer: str
    provider_org: str
    citizen_ref: str
    created_by: str
    request: uuid.UUID


# history kind -> (event, who hears of it: "buyer", "provider" or both)
_OF_REQUEST: dict[str, tuple[EventKind, tuple[str, ...]]] = {
    "approved": (EventKind.REQUEST_RECEIVED, ("provider",)),
    "accepted": (EventKind.REQUEST_ANSWERED, ("buyer",)),
    "declined": (EventKind.REQUEST_ANSWERED, ("buyer",)),
    "withdrawn": (EventKind.REQUEST_WITHDRAWN, ("provider",)),
    "proposed": (EventKind.PROPOSAL_MADE, ("buyer",)),
    "expired": (EventKind.REQUEST_EXPIRED, ("buyer", "provider")),
}
_OF_CONTRACT: dict[str, tuple[EventKind, tuple[str, ...]]] = {
    "notice_given": (EventKind.NOTICE_GIVEN, ("buyer", "provider")),
    "cancelled": (EventKind.NOTICE_GIVEN, ("buyer", "provider")),
    "ended": (EventKind.CONTRACT_ENDED, ("buyer", "provider")),
}


def _which(
    kind: str, to_status: str | None, contract: bool
) -> tuple[EventKind, tuple[str, ...]] | None:
    if contract:
        return _OF_CONTRACT.get(kind)
    if kind == "requested":
        if to_status == "for_approval":
            return EventKind.APPROVAL_NEEDED, ("buyer",)
        return EventKind.REQUEST_RECEIVED, ("provider",)
    return _OF_REQUEST.get(kind)


async def _parties(request: uuid.UUID | None, contract: uuid.UUID | None) -> _Parties | None:
    if contract is not None:
        row = await (
            Contract.select(
                Contract.buyer,
                Contract.provider_org,
                Contract.request._.citizen_ref.as_alias("citizen_ref"),
                Contract.request._.created_by.as_alias("created_by"),
                Contract.request.as_alias("request"),
            )
            .where(Contract.id == contract)
            .first()
            .run()
        )
    else:
        row = await (
            PlacementRequest.select(
                PlacementRequest.buyer,
                PlacementRequest.provider_org,
                PlacementRequest.citizen_ref,
                PlacementRequest.created_by,
                PlacementRequest.id.as_alias("request"),
            )
            .where(PlacementRequest.id == request)
            .first()
            .run()
        )
    return row_or_none(_Parties, row)


async def emit_for_history(
    kind: str,
    *,
    request: uuid.UUID | None,
    contract: uuid.UUID | None,
    to_status: str | None,
) -> None:
    """Emit the event a history entry stands for, if it stands for one, in the caller's unit
    of work."""
    unit = current()
    which = _which(kind, to_status, contract is not None)
    if unit is None or which is None:
        return
    found = await _parties(request, contract)
    if found is None:
        return
    event, to = which
    orgs = [found.buyer if side == "buyer" else found.provider_org for side in to]
    author = author_of(found.created_by)
    subjects: dict[str, uuid.UUID | str] = {"placementRequest": found.request}
    if contract is not None:
        subjects["contract"] = contract
    unit.emit(
        event,
        orgs,
        subjects,
        case_reference=found.citizen_ref,
        payload={"status": to_status, "change": kind},
        addressed={found.buyer: author} if author and "buyer" in to else None,
    )


def author_of(created_by: str | None) -> str | None:
    """The person who made a request (the case handler), to address the buyer's events to:
    a signed-in person's subject, not the service or an operator at the command line."""
    if not created_by or created_by == "system" or created_by.startswith("cli:"):
        return None
    return created_by
