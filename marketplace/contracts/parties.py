"""Who may see and act on a placement: the buying municipality's purchasers and the offer's
provider administrators. To everyone else a request or contract does not exist; the registry
administrator sees them without the citizen's details. Also: the history, and the views."""

from __future__ import annotations

import datetime
import uuid
from collections import defaultdict
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import partial
from typing import Any

from piccolo.columns.combination import Combinable
from piccolo.table import Table

from marketplace.contracts.events import emit_for_history
from marketplace.contracts.models import (
    INTERNAL_REQUEST,
    OPEN_REQUEST,
    AddOnRequest,
    AgreedAddOn,
    Consent,
    ContractStatus,
    ContractView,
    EventView,
    RequestStatus,
    RequestView,
    TermView,
)
from marketplace.contracts.rows import ContractRow, EventRow, RequestOfContract, RequestRow, TermRow
from marketplace.contracts.tables import Contract, ContractTerm, PlacementEvent, PlacementRequest
from marketplace.core.clock import today, utcnow
from marketplace.core.errors import DomainError, ErrorCode
from marketplace.core.identity import SYSTEM, Principal, Role
from marketplace.core.rows import fields_of, row_or_none, rows_as
from marketplace.core.unit_of_work import write_transaction

READERS = (Role.PURCHASER, Role.PROVIDER_ADMIN, Role.REGISTRY_ADMIN)


def is_party(principal: Principal, buyer: str, provider_org: str) -> bool:
    if principal.role is Role.PURCHASER:
        return principal.org_code == buyer
    if principal.role is Role.PROVIDER_ADMIN:
        return principal.org_code == provider_org
    return False


def can_read(principal: Principal, buyer: str, provider_org: str) -> bool:
    return principal.is_registry_admin or is_party(principal, buyer, provider_org)


def visible(table: type[Table], principal: Principal) -> Combinable | None:
    """The rows of ``table`` (requests or contracts) the caller may list; None for all."""
    principal.require(*READERS)
    if principal.is_registry_admin:
        return None
    column = "buyer" if principal.role is Role.PURCHASER else "provider_org"
    return table._meta.get_column_by_name(column) == principal.org_code


def shown(principal: Principal, status: str) -> bool:
    """A request held inside the buying municipality (awaiting its approver, or refused) is
    not the provider's to see."""
    return not (principal.role is Role.PROVIDER_ADMIN and status in INTERNAL_REQUEST)


def shown_requests(principal: Principal) -> Combinable | None:
    """The condition ``shown`` puts on a list of requests."""
    if principal.role is Role.PROVIDER_ADMIN:
        return PlacementRequest.status.not_in(list(INTERNAL_REQUEST))
    return None


def not_found(what: str, field: Sequence[str] = ("id",)) -> DomainError:
    return DomainError(ErrorCode.NOT_FOUND, f"There is no such {what}.", field)


def hundredths(value: Decimal) -> int:
    return int((value * 100).to_integral_value())


def from_hundredths(value: int) -> Decimal:
    return (Decimal(value) / 100).quantize(Decimal("0.01"))


def maybe_hundredths(value: int | None) -> Decimal | None:
    """Hundredths as stored (hours), or None."""
    return None if value is None else from_hundredths(value)


# --- what the calendar means on a day --------------------------------------------------------
# A pending request is expired once its deadline has passed, and a running contract ended once
# its last day has; the calendar (``tick``) records that, and until it has, every read answers
# what the day means without writing.

RUNNING = (ContractStatus.ACTIVE.value, ContractStatus.NOTICE_GIVEN.value)


def moment_of(day: datetime.date) -> datetime.datetime:
    """The moment the calendar's work for ``day`` looks from: now on today, else the day's
    start (UTC)."""
    if day == today():
        return utcnow()
    return datetime.datetime.combine(day, datetime.time.min, datetime.UTC)


def request_status(row: RequestRow, now: datetime.datetime) -> str:
    """A request's status at ``now``: one waiting for an answer past its deadline (the end of
    ``expires_on``, or an acute request's ``respond_by``) is expired."""
    overdue = row.expires_on < now.date() or (row.respond_by is not None and row.respond_by <= now)
    if row.status in OPEN_REQUEST and overdue:
        return RequestStatus.EXPIRED.value
    return row.status


async def running_contract(
    principal: Principal, contract_id: uuid.UUID, field: Sequence[str] = ("id",)
) -> ContractRow:
    """The contract, if the caller is its party and it is running (``field`` names the
    command's field that names it)."""
    principal.require(*READERS)
    row = row_or_none(
        ContractRow, await Contract.select().where(Contract.id == contract_id).first().run()
    )
    if row is None or not is_party(principal, row.buyer, row.provider_org):
        raise not_found("contract", field)
    status = contract_status(row.status, row.end_date, today())
    if status not in RUNNING:
        raise DomainError(ErrorCode.INVALID_STATE, f"The contract is {status}.", list(field))
    return row


def contract_status(status: str, end_date: datetime.date | None, day: datetime.date) -> str:
    if status in RUNNING and end_date is not None and end_date < day:
        return ContractStatus.ENDED.value
    return status


def overdue_requests(now: datetime.datetime) -> Combinable:
    late = (PlacementRequest.expires_on < now.date()) | (
        PlacementRequest.respond_by.is_not_null() & (PlacementRequest.respond_by <= now)
    )
    return PlacementRequest.status.is_in(list(OPEN_REQUEST)) & late


def past_contracts(day: datetime.date) -> Combinable:
    return Contract.status.is_in(list(RUNNING)) & (Contract.end_date < day)


def request_status_is(status: RequestStatus, now: datetime.datetime) -> Combinable:
    """The requests whose status at ``now`` is ``status``."""
    stored = PlacementRequest.status == status.value
    if status is RequestStatus.EXPIRED:
        return stored | overdue_requests(now)
    if status.value in OPEN_REQUEST:
        in_time = (PlacementRequest.expires_on >= now.date()) & (
            PlacementRequest.respond_by.is_null() | (PlacementRequest.respond_by > now)
        )
        return stored & in_time
    return stored


def contract_status_is(status: ContractStatus, day: datetime.date) -> Combinable:
    """The contracts whose status on ``day`` is ``status``."""
    stored = Contract.status == status.value
    if status is ContractStatus.ENDED:
        return stored | past_contracts(day)
    if status.value in RUNNING:
        return stored & (Contract.end_date.is_null() | (Contract.end_date >= day))
    return stored


def _citizen(principal: Principal, row: RequestRow | ContractRow) -> dict[str, Any]:
    if is_party(principal, row.buyer, row.provider_org):
        return {"citizen_ref": row.citizen_ref, "cpr_masked": row.cpr_masked}
    return {"citizen_ref": None, "cpr_masked": None}


def request_view(
    principal: Principal, row: RequestRow, contract_id: uuid.UUID | None
) -> RequestView:
    hours = row.hours_per_month
    return RequestView.model_validate(
        {
            **fields_of(row),
            **_citizen(principal, row),
            "status": request_status(row, utcnow()),
            "offer_id": row.offer,
            "hours_per_month": from_hundredths(hours) if hours is not None else None,
            "add_ons": [AddOnRequest.model_validate(a) for a in row.add_ons],
            "contract_id": contract_id,
            "need_answer_id": row.need_answer,
            "hours_per_week": maybe_hundredths(row.hours_per_week),
        }
    )


def _consent(org: str | None, by: str | None, at: datetime.datetime | None) -> Consent | None:
    return Consent(organisation=org or "", by=by or "", at=at) if at is not None else None


def term_view(row: TermRow) -> TermView:
    return TermView.model_validate(
        {
            **fields_of(row),
            "quantity": from_hundredths(row.quantity),
            "price_list_id": row.price_list,
            "add_ons": [AgreedAddOn.model_validate(a) for a in row.add_ons],
            "buyer_consent": _consent(
                row.buyer_agreed_org, row.buyer_agreed_by, row.buyer_agreed_at
            ),
            "provider_consent": _consent(
                row.provider_agreed_org, row.provider_agreed_by, row.provider_agreed_at
            ),
        }
    )


async def terms_by_contract(ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[TermView]]:
    terms: dict[uuid.UUID, list[TermView]] = defaultdict(list)
    if ids:
        rows = (
            await ContractTerm.select()
            .where(ContractTerm.contract.is_in(list(ids)))
            .order_by(ContractTerm.valid_from)
            .output(load_json=True)
            .run()
        )
        for row in rows_as(TermRow, rows):
            terms[row.contract].append(term_view(row))
    return terms


async def contract_views(principal: Principal, rows: Sequence[ContractRow]) -> list[ContractView]:
    terms = await terms_by_contract([row.id for row in rows])
    day = today()
    return [
        ContractView.model_validate(
            {
                **fields_of(row),
                **_citizen(principal, row),
                "status": contract_status(row.status, row.end_date, day),
                "request_id": row.request,
                "offer_id": row.offer,
                "terms": terms[row.id],
            }
        )
        for row in rows
    ]


async def contracts_by_id(
    principal: Principal, ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, ContractView]:
    """The contracts the caller may read, by ID (two statements for any number)."""
    if not ids or not principal.is_authenticated:
        return {}
    rows = rows_as(ContractRow, await Contract.select().where(Contract.id.is_in(list(ids))).run())
    readable = [r for r in rows if can_read(principal, r.buyer, r.provider_org)]
    return {view.id: view for view in await contract_views(principal, readable)}


async def contract_by_id(principal: Principal, contract_id: uuid.UUID) -> ContractView | None:
    return (await contracts_by_id(principal, [contract_id])).get(contract_id)


async def record(
    principal: Principal,
    kind: str,
    *,
    request: uuid.UUID | None = None,
    contract: uuid.UUID | None = None,
    from_status: str | None = None,
    to_status: str | None = None,
    detail: str = "",
) -> None:
    """Write one entry of the history (call inside the changing transaction). The detail
    never holds the citizen's details."""
    await PlacementEvent.insert(
        PlacementEvent(
            id=uuid.uuid4(),
            request=request,
            contract=contract,
            at=utcnow(),
            kind=kind,
            from_status=from_status,
            to_status=to_status,
            actor=principal.subject or "anonymous",
            actor_org=principal.org_code if principal.org_code != "system" else None,
            actor_role=principal.role.value if principal.role else None,
            detail=detail,
        )
    ).run()
    await emit_for_history(kind, request=request, contract=contract, to_status=to_status)


@dataclass(frozen=True, slots=True)
class _Due:
    id: uuid.UUID
    status: str


async def settle_due(
    table: type[PlacementRequest] | type[Contract],
    due: Combinable,
    to_status: str,
    kind: str,
    *,
    operation: str,
    load: Callable[[uuid.UUID], Awaitable[Any]],
    detail: str = "",
) -> int:
    """Move the rows of ``table`` that ``due`` finds to ``to_status`` and record ``kind`` in
    their history, as the service itself (an answer that never came, a last day that has
    passed): the calendar's work, audited as ``operation``. Rows another transaction moved
    meanwhile are left alone. Returns how many moved."""
    rows = rows_as(_Due, await table.select(table.id, table.status).where(due).run())
    moved = 0
    for row in rows:
        async with write_transaction(SYSTEM, operation) as unit:
            before = await load(row.id)
            changed = (
                await table.update({table.status: to_status})
                .where((table.id == row.id) & due)
                .returning(table.id)
                .run()
            )
            if not changed:
                continue
            await unit.track(table.__name__, row.id, partial(load, row.id), before=before)
            key = "request" if table is PlacementRequest else "contract"
            await record(
                SYSTEM,
                kind,
                **{key: row.id},
                from_status=row.status,
                to_status=to_status,
                detail=detail,
            )
            moved += 1
    return moved


async def history(request_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[EventView]]:
    """The history of requests and the contracts they became, oldest first, per request."""
    result: dict[uuid.UUID, list[EventView]] = {i: [] for i in request_ids}
    if not request_ids:
        return result
    made = (
        await Contract.select(Contract.id, Contract.request)
        .where(Contract.request.is_in(list(request_ids)))
        .run()
    )
    contracts = {row.id: row.request for row in rows_as(RequestOfContract, made)}
    condition: Combinable = PlacementEvent.request.is_in(list(request_ids))
    if contracts:
        condition = condition | PlacementEvent.contract.is_in(list(contracts))
    rows = (
        await PlacementEvent.select()
        .where(condition)
        .order_by(PlacementEvent.at, PlacementEvent.id)
        .run()
    )
    for row in rows_as(EventRow, rows):
        result[_owner(row, contracts)].append(EventView.model_validate(fields_of(row)))
    return result


def _owner(event: EventRow, requests_of: Mapping[uuid.UUID, uuid.UUID]) -> uuid.UUID:
    """The request an entry of the history belongs to, itself or through its contract."""
    if event.request is not None:
        return event.request
    assert event.contract is not None  # an entry is of a request or of a contract
    return requests_of[event.contract]
