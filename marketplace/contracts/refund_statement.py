"""The monthly refund statement between two municipalities: what the debtor refunds the
claimant for a month, from the claims the debtor accepted (see ``refunds``).

It is made of the same lines as the billing statement (``billing``): each accepted claim's
contract over its billed days in the month that lie inside the claim's period, priced by the
contract's terms and counted by its first- and last-day convention, so a refund is exactly
what the buyer was billed for those days. A line shows the buyer's case reference to the two
municipalities, never anything of the CPR number.
"""

from __future__ import annotations

import calendar
import datetime
import uuid
from dataclasses import dataclass, field

from piccolo.columns.combination import Combinable

from marketplace.contracts import parties
from marketplace.contracts.billing import (
    BilledContract,
    BillingLine,
    Subtotal,
    billing_line,
    changed_since,
    delivered_in,
    subtotals,
)
from marketplace.contracts.capacity import FOREVER
from marketplace.contracts.models import ContractStatus, RefundClaimStatus
from marketplace.contracts.refunds import is_party
from marketplace.contracts.tables import RefundClaim
from marketplace.core.errors import DomainError, ErrorCode
from marketplace.core.identity import Principal, Role
from marketplace.core.rows import fields_of, rows_as
from marketplace.offers import pricing
from marketplace.organisations import service as organisations


@dataclass(frozen=True)
class RefundLine(BillingLine):
    """A contract's line for the days of an accepted claim."""

    claim_id: uuid.UUID
    paragraph: str | None


@dataclass(frozen=True)
class RefundStatement:
    month: datetime.date
    claimant: str
    debtor: str
    lines: list[RefundLine]
    subtotals: list[Subtotal] = field(default_factory=list)

    @property
    def total_ore(self) -> int:
        return sum(line.total_ore for line in self.lines)


@dataclass(frozen=True, slots=True)
class _ClaimedContract(BilledContract):
    """An accepted claim's contract as the statement reads it (a row)."""

    claim_id: uuid.UUID
    paragraph: str | None
    from_day: datetime.date
    to_day: datetime.date | None


def _claims_changed_since(moment: datetime.datetime | None) -> Combinable | None:
    """Claims made or answered on or after ``moment``, or whose contract changed since."""
    if moment is None:
        return None
    claim = (RefundClaim.created_at >= moment) | (RefundClaim.answered_at >= moment)
    return claim | changed_since(moment, RefundClaim.contract._.updated_at, RefundClaim.contract)


async def _claimed_contracts(
    claimant: str,
    debtor: str,
    month: datetime.date,
    month_end: datetime.date,
    modified_after: datetime.datetime | None = None,
) -> list[_ClaimedContract]:
    """The accepted claims of ``claimant`` on ``debtor`` whose period and contract both run on
    some day of the month, by legal basis and start (with ``modified_after``, those changed
    since)."""
    contract = RefundClaim.contract._
    changed = _claims_changed_since(modified_after)
    query = (
        RefundClaim.select(
            RefundClaim.id.as_alias("claim_id"),
            RefundClaim.paragraph,
            RefundClaim.from_day,
            RefundClaim.to_day,
            contract.id.as_alias("id"),
            contract.offer.as_alias("offer"),
            contract.provider_org.as_alias("provider_org"),
            contract.buyer.as_alias("buyer"),
            contract.citizen_ref.as_alias("citizen_ref"),
            contract.cpr_masked.as_alias("cpr_masked"),
            contract.legal_basis.as_alias("legal_basis"),
            contract.start_date.as_alias("start_date"),
            contract.end_date.as_alias("end_date"),
            contract.bill_first_day.as_alias("bill_first_day"),
            contract.bill_last_day.as_alias("bill_last_day"),
        )
        .where(
            (RefundClaim.claimant == claimant)
            & (RefundClaim.debtor == debtor)
            & (RefundClaim.status == RefundClaimStatus.ACCEPTED.value)
            & (RefundClaim.from_day <= month_end)
            & (RefundClaim.to_day.is_null() | (RefundClaim.to_day >= month))
            & (contract.status != ContractStatus.CANCELLED.value)
            & (contract.start_date <= month_end)
            & (contract.end_date.is_null() | (contract.end_date >= month))
        )
        .order_by(contract.legal_basis, contract.start_date, RefundClaim.id)
    )
    rows = await (query.where(changed) if changed is not None else query).run()
    return rows_as(_ClaimedContract, rows)


async def _may_read(principal: Principal, claimant: str, debtor: str) -> None:
    """The two municipalities' purchasers read their statement, and the registry
    administrator; the codes must name municipalities."""
    principal.require(Role.PURCHASER, Role.REGISTRY_ADMIN)
    for code, name in ((claimant, "claimant_code"), (debtor, "debtor_code")):
        if not (len(code) == 3 and code.isascii() and code.isdigit()):
            raise DomainError(ErrorCode.INVALID, "Give a 3-digit municipality code.", [name])
        await organisations.require_municipality(code, [name])
    if not (principal.is_registry_admin or is_party(principal, claimant, debtor)):
        raise DomainError(
            ErrorCode.PERMISSION_DENIED,
            "A refund statement is for the purchasers of the two municipalities.",
            ["claimant_code"],
        )


async def refund_statement(
    principal: Principal,
    month: datetime.date,
    claimant: str,
    debtor: str,
    modified_after: datetime.datetime | None = None,
) -> RefundStatement:
    """What ``debtor`` refunds ``claimant`` for ``month``: one line per accepted claim with
    days in the month (with ``modified_after``, the claims changed on or after it)."""
    await _may_read(principal, claimant, debtor)
    month_end = month.replace(day=calendar.monthrange(month.year, month.month)[1])
    claimed = await _claimed_contracts(claimant, debtor, month, month_end, modified_after)
    contract_ids = list({c.id for c in claimed})
    terms = await parties.terms_by_contract(contract_ids)
    versions = await pricing.price_lists_by_offer(list({c.offer for c in claimed}), month.year)
    delivered = await delivered_in(month, contract_ids)
    shown = is_party(principal, claimant, debtor)
    lines = []
    for claim in claimed:
        line = billing_line(
            claim,
            terms[claim.id],
            month,
            versions[claim.offer],
            shown=shown,
            within=(claim.from_day, claim.to_day or FOREVER),
            delivered=delivered.get(claim.id),
        )
        if line.period_start <= line.period_end:
            values = {**fields_of(line), "cpr_masked": None}
            lines.append(RefundLine(**values, claim_id=claim.claim_id, paragraph=claim.paragraph))
    return RefundStatement(month, claimant, debtor, lines, subtotals(lines))
