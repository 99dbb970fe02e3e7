"""Refund claims between municipalities (mellemkommunal refusion, retssikkerhedsloven § 9 c).

The provider bills the buying (acting) municipality, always (§ 9, stk. 1). In the cases § 9 c
lists a former municipality refunds the acting one: the buyer's purchasers register a claim
against that municipality for one of the buyer's contracts, naming the case it rests on. The
debtor's purchasers see a limited view of the contract (offer, provider, period, terms and
prices, the buyer's case reference; never anything of the CPR number) and accept the claim or
dispute it with a reason. A dispute is recorded (who, when, why) and settled outside the
product, at Ankestyrelsen; the buyer keeps paying meanwhile. The buyer may withdraw a claim
that waits for an answer or was disputed; an accepted claim runs to its last day (or the
contract's). A contract has at most one open (claimed or accepted) claim at a time.

Claims are seen by the two municipalities' purchasers and the registry administrator (without
the case reference); to everyone else, the contract's provider included, they do not exist.
Accepted claims make the monthly refund statement (``refund_statement``).
"""

from __future__ import annotations

import datetime
import uuid
from collections import defaultdict
from collections.abc import Sequence
from functools import partial
from typing import Any

from piccolo.columns.combination import Combinable

from marketplace.contracts import parties
from marketplace.contracts.models import (
    OPEN_CLAIMS,
    ContractStatus,
    RefundClaimAnswer,
    RefundClaimCreate,
    RefundClaimDispute,
    RefundClaimStatus,
    RefundClaimView,
    RefundRole,
)
from marketplace.contracts.rows import ClaimOfContract, ContractRow, RefundClaimRow
from marketplace.contracts.tables import Contract, RefundClaim
from marketplace.core import idempotency
from marketplace.core.clock import today, utcnow
from marketplace.core.db import is_unique_violation, lock_row
from marketplace.core.errors import DomainError, ErrorCode, parse
from marketplace.core.identity import Principal, Role
from marketplace.core.pagination import Page, PageRequest, all_of, paginate
from marketplace.core.rows import fields_of, row_or_none, rows_as
from marketplace.core.unit_of_work import write_transaction
from marketplace.notifications.models import EventKind
from marketplace.organisations import service as organisations

_CLAIM = "refund claim"


# --- who sees a claim ---------------------------------------------------------------------------


def is_party(principal: Principal, claimant: str, debtor: str) -> bool:
    """The claimant's and the debtor's purchasers are a claim's parties."""
    return principal.role is Role.PURCHASER and principal.org_code in (claimant, debtor)


def _visible(principal: Principal) -> Combinable | None:
    """The claims the caller may read; None for all (the registry administrator)."""
    if principal.is_registry_admin:
        return None
    if principal.role is not Role.PURCHASER:
        return RefundClaim.id.is_null()  # nothing: claims are between municipalities
    org = principal.org_code
    return (RefundClaim.claimant == org) | (RefundClaim.debtor == org)


def _joined() -> list[Any]:
    """A claim's columns and what its parties may see of its contract."""
    contract = RefundClaim.contract._
    return [
        *RefundClaim.all_columns(),
        contract.offer.as_alias("offer"),
        contract.provider_org.as_alias("provider_org"),
        contract.citizen_ref.as_alias("citizen_ref"),
        contract.legal_basis.as_alias("legal_basis"),
        contract.start_date.as_alias("contract_start"),
        contract.end_date.as_alias("contract_end"),
        contract.status.as_alias("contract_status"),
    ]


async def _views(principal: Principal, rows: Sequence[ClaimOfContract]) -> list[RefundClaimView]:
    """The claims as the caller sees them: the case reference for the parties only."""
    terms = await parties.terms_by_contract(list({row.contract for row in rows}))
    day = today()
    return [
        RefundClaimView.model_validate(
            {
                **fields_of(row),
                "contract_id": row.contract,
                "offer_id": row.offer,
                "citizen_ref": (
                    row.citizen_ref if is_party(principal, row.claimant, row.debtor) else None
                ),
                "contract_status": parties.contract_status(
                    row.contract_status, row.contract_end, day
                ),
                "terms": terms[row.contract],
            }
        )
        for row in rows
    ]


async def _read(principal: Principal, condition: Combinable) -> list[RefundClaimView]:
    """The claims ``condition`` finds that the caller may read, oldest first (two
    statements)."""
    if not principal.is_authenticated:
        return []
    where = all_of([condition, _visible(principal)])
    assert where is not None
    rows = (
        await RefundClaim.select(*_joined())
        .where(where)
        .order_by(RefundClaim.created_at, RefundClaim.id)
        .run()
    )
    return await _views(principal, rows_as(ClaimOfContract, rows))


async def claims_by_id(
    principal: Principal, ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, RefundClaimView]:
    """The claims the caller may read, by ID."""
    if not ids:
        return {}
    return {view.id: view for view in await _read(principal, RefundClaim.id.is_in(list(ids)))}


async def get_claim(principal: Principal, claim_id: uuid.UUID) -> RefundClaimView | None:
    return (await claims_by_id(principal, [claim_id])).get(claim_id)


async def claims_by_contract(
    principal: Principal, contract_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[RefundClaimView]]:
    """The claims on each contract that the caller may read (the buyer's purchasers and the
    registry administrator; the provider sees none), oldest first."""
    result: dict[uuid.UUID, list[RefundClaimView]] = defaultdict(list)
    if contract_ids:
        for view in await _read(principal, RefundClaim.contract.is_in(list(contract_ids))):
            result[view.contract_id].append(view)
    return result


async def list_claims(
    principal: Principal,
    page: PageRequest,
    *,
    status: RefundClaimStatus | None = None,
    role: RefundRole | None = None,
) -> Page[RefundClaimView]:
    """The caller's municipality's claims, as claimant, debtor or either (``role``), oldest
    first; every claim for the registry administrator (``role`` does not apply)."""
    principal.require(Role.PURCHASER, Role.REGISTRY_ADMIN)
    conditions = [_visible(principal)]
    if role is not None and principal.role is Role.PURCHASER:
        column = RefundClaim.claimant if role is RefundRole.CLAIMANT else RefundClaim.debtor
        conditions.append(column == principal.org_code)
    if status is not None:
        conditions.append(RefundClaim.status == status.value)
    rows = await paginate(
        RefundClaim,
        where=all_of(conditions),
        order_by=[RefundClaim.created_at, RefundClaim.id],
        page=page,
        columns=_joined(),
    )
    return rows.with_items(await _views(principal, rows_as(ClaimOfContract, rows.items)))


# --- making a claim -----------------------------------------------------------------------------


async def _bought_contract(principal: Principal, contract_id: uuid.UUID) -> ContractRow:
    """The contract, if the caller's municipality bought it and it was not cancelled; held to
    the commit, so two claims on one contract take turns."""
    row = row_or_none(ContractRow, await lock_row(Contract, contract_id))
    if row is None or row.buyer != principal.org_code:
        raise parties.not_found("contract", ["contract_id"])
    if row.status == ContractStatus.CANCELLED.value:
        raise DomainError(
            ErrorCode.INVALID_STATE,
            "The contract was cancelled before it started: there is nothing to refund.",
            ["contract_id"],
        )
    return row


async def _require_debtor(buyer: str, code: str) -> None:
    """A claim is against another municipality than the buyer."""
    if code == buyer:
        raise DomainError(
            ErrorCode.INVALID,
            "A refund claim is against another municipality than yours.",
            ["debtor_code"],
        )
    await organisations.require_municipality(code, ["debtor_code"])


def _period(
    contract: ContractRow, command: RefundClaimCreate
) -> tuple[datetime.date, datetime.date | None]:
    """The claim's days: from the day given (the contract's first by default) to the day given
    (open when none), inside the contract's period."""
    start, end = contract.start_date, contract.end_date
    span = f"from {start.isoformat()}" + (f" to {end.isoformat()}" if end else "")
    from_day = command.from_day or start
    if from_day < start or (end is not None and from_day > end):
        raise DomainError(
            ErrorCode.INVALID,
            f"The claim starts inside the contract's period ({span}).",
            ["from_day"],
        )
    to_day = command.to_day
    if to_day is not None and (to_day < from_day or (end is not None and to_day > end)):
        raise DomainError(
            ErrorCode.INVALID,
            f"The claim ends on or after its first day, inside the contract's period ({span}).",
            ["to_day"],
        )
    return from_day, to_day


_ONE_OPEN = DomainError(
    ErrorCode.DUPLICATE,
    "The contract has an open refund claim already (waiting for an answer, or accepted).",
    ["contract_id"],
)


async def _write_claim(
    principal: Principal,
    contract: ContractRow,
    command: RefundClaimCreate,
    period: tuple[datetime.date, datetime.date | None],
) -> uuid.UUID:
    """Store the claim; a contract has one open claim at a time (the unique index decides
    when two claims race past the check)."""
    if await (
        RefundClaim.exists()
        .where(
            (RefundClaim.contract == contract.id)
            & RefundClaim.status.is_in([s.value for s in OPEN_CLAIMS])
        )
        .run()
    ):
        raise _ONE_OPEN
    claim_id = uuid.uuid4()
    try:
        await RefundClaim.insert(
            RefundClaim(
                id=claim_id,
                contract=contract.id,
                claimant=contract.buyer,
                debtor=command.debtor_code,
                paragraph=command.paragraph.value,
                from_day=period[0],
                to_day=period[1],
                note=command.note,
                status=RefundClaimStatus.CLAIMED.value,
                created_at=utcnow(),
                created_by=principal.subject or "",
            )
        ).run()
    except Exception as exc:
        if is_unique_violation(exc):
            raise _ONE_OPEN from None
        raise
    return claim_id


async def _claim_key(
    buyer: str, contract_id: uuid.UUID, command: RefundClaimCreate, key: str | None
) -> idempotency.Claim | None:
    if key is None:
        return None
    payload = {"contract": str(contract_id), **command.model_dump(mode="json")}
    return await idempotency.claim(f"{buyer}:refundClaimCreate", key, payload)


async def create_claim(
    principal: Principal,
    contract_id: uuid.UUID,
    command: RefundClaimCreate,
    idempotency_key: str | None = None,
) -> RefundClaimView:
    """The buyer's purchaser claims a refund of one of its contracts from another
    municipality."""
    principal.require(Role.PURCHASER)
    assert principal.org_code is not None
    async with write_transaction(principal, "refundClaimCreate") as unit:
        key = await _claim_key(principal.org_code, contract_id, command, idempotency_key)
        if key is not None and key.previous is not None:
            found = await get_claim(principal, key.previous)
            assert found is not None
            return found
        contract = await _bought_contract(principal, contract_id)
        await _require_debtor(contract.buyer, command.debtor_code)
        period = _period(contract, command)
        claim_id = await _write_claim(principal, contract, command, period)
        unit.emit(
            EventKind.REFUND_CLAIM_RECEIVED,
            [command.debtor_code],
            {"refundClaim": claim_id, "contract": contract_id},
        )
        if key is not None:
            await key.remember(claim_id)
        made = await unit.track(
            "RefundClaim", claim_id, partial(get_claim, principal, claim_id), new=True
        )
    return made.result


# --- answering and withdrawing ------------------------------------------------------------------


async def _claim_of(principal: Principal, claim_id: uuid.UUID, side: RefundRole) -> RefundClaimRow:
    """The claim, held to the commit (two answers take turns), if the caller's municipality is
    its ``side``: NOT_FOUND for a stranger, PERMISSION_DENIED for the other side."""
    principal.require(Role.PURCHASER)
    row = row_or_none(RefundClaimRow, await lock_row(RefundClaim, claim_id))
    if row is None or not is_party(principal, row.claimant, row.debtor):
        raise parties.not_found(_CLAIM)
    own = row.claimant if side is RefundRole.CLAIMANT else row.debtor
    if principal.org_code != own:
        raise DomainError(
            ErrorCode.PERMISSION_DENIED,
            "The municipality the claim is against answers it."
            if side is RefundRole.DEBTOR
            else "The municipality that made the claim withdraws it.",
            ["id"],
        )
    return row


def _require_status(row: RefundClaimRow, *allowed: RefundClaimStatus) -> None:
    if row.status not in {s.value for s in allowed}:
        raise DomainError(ErrorCode.INVALID_STATE, f"The claim is {row.status}.", ["id"])


async def _move(
    principal: Principal,
    claim_id: uuid.UUID,
    operation: str,
    side: RefundRole,
    allowed: Sequence[RefundClaimStatus],
    values: dict[Any, Any],
) -> RefundClaimView:
    """Move a claim on, as its ``side``, from one of the ``allowed`` states: ``values`` are
    the columns to set."""
    async with write_transaction(principal, operation) as unit:
        row = await _claim_of(principal, claim_id, side)
        _require_status(row, *allowed)
        changed = await unit.track("RefundClaim", claim_id, partial(get_claim, principal, claim_id))
        await RefundClaim.update(values).where(RefundClaim.id == row.id).run()
        if operation == "refundClaimDispute":
            unit.emit(
                EventKind.REFUND_CLAIM_DISPUTED,
                [row.claimant],
                {"refundClaim": claim_id, "contract": row.contract},
            )
    return changed.result


async def accept_claim(principal: Principal, claim_id: uuid.UUID, reason: str) -> RefundClaimView:
    """The debtor accepts (with a reason, if it gives one): the claim's days are on the
    refund statement."""
    reason = parse(RefundClaimAnswer, {"reason": reason}).reason
    return await _move(
        principal,
        claim_id,
        "refundClaimAccept",
        RefundRole.DEBTOR,
        [RefundClaimStatus.CLAIMED],
        _answer(principal, RefundClaimStatus.ACCEPTED, reason),
    )


async def dispute_claim(principal: Principal, claim_id: uuid.UUID, reason: str) -> RefundClaimView:
    """The debtor disputes, with a reason (required); the buyer keeps paying, and the dispute
    goes to Ankestyrelsen outside the product."""
    reason = parse(RefundClaimDispute, {"reason": reason}).reason
    return await _move(
        principal,
        claim_id,
        "refundClaimDispute",
        RefundRole.DEBTOR,
        [RefundClaimStatus.CLAIMED],
        _answer(principal, RefundClaimStatus.DISPUTED, reason),
    )


def _answer(principal: Principal, to: RefundClaimStatus, reason: str) -> dict[Any, Any]:
    return {
        RefundClaim.status: to.value,
        RefundClaim.answered_at: utcnow(),
        RefundClaim.answered_by: principal.subject or "",
        RefundClaim.answer_reason: reason.strip(),
    }


async def withdraw_claim(principal: Principal, claim_id: uuid.UUID, reason: str) -> RefundClaimView:
    """The claimant withdraws a claim that waits for an answer, or that was disputed (after
    Ankestyrelsen's decision, say); an accepted claim runs on."""
    reason = parse(RefundClaimAnswer, {"reason": reason}).reason
    return await _move(
        principal,
        claim_id,
        "refundClaimWithdraw",
        RefundRole.CLAIMANT,
        [RefundClaimStatus.CLAIMED, RefundClaimStatus.DISPUTED],
        {
            RefundClaim.status: RefundClaimStatus.WITHDRAWN.value,
            RefundClaim.withdrawn_at: utcnow(),
            RefundClaim.withdrawn_by: principal.subject or "",
            RefundClaim.withdraw_reason: reason.strip(),
        },
    )
