"""Contracts as call-offs for open-data feeds (OCDS): who bought which offer from whom, under
which paragraph, for which period and at what price; never the citizen (no case reference, no
CPR number). A contract's parties see their own; the region's steering group and the registry
administrator every contract at an offer in the region."""

from __future__ import annotations

import datetime
import uuid
from dataclasses import dataclass

from piccolo.columns.combination import Combinable

from marketplace.contracts.tables import Contract, ContractTerm
from marketplace.core.errors import DomainError, ErrorCode
from marketplace.core.identity import Principal, Role
from marketplace.core.pagination import all_of
from marketplace.organisations.reference import region_records


@dataclass(frozen=True, slots=True)
class CallOff:
    id: uuid.UUID
    offer_id: uuid.UUID
    offer_name: str
    provider_org: str
    buyer: str
    legal_basis: str
    start_date: datetime.date
    end_date: datetime.date | None
    status: str
    unit: str | None
    price_ore: int | None
    created_at: datetime.datetime
    updated_at: datetime.datetime


def _visible(principal: Principal, region_code: str) -> Combinable | None:
    if principal.is_registry_admin:
        return None
    if principal.role is Role.STEERING and principal.org_code == region_code:
        return None
    if principal.role is Role.PURCHASER:
        return Contract.buyer == principal.org_code
    if principal.role is Role.PROVIDER_ADMIN:
        return Contract.provider_org == principal.org_code
    return Contract.id.is_null()


async def _first_terms(contract_ids: list[uuid.UUID]) -> dict[uuid.UUID, dict[str, object]]:
    """Each contract's first term: its unit and price (one statement)."""
    terms: dict[uuid.UUID, dict[str, object]] = {}
    if contract_ids:
        for term in (
            await ContractTerm.select(
                ContractTerm.contract, ContractTerm.unit, ContractTerm.price_ore
            )
            .where(ContractTerm.contract.is_in(contract_ids))
            .order_by(ContractTerm.valid_from, ascending=False)
            .run()
        ):
            terms[term["contract"]] = term  # the earliest term is written last
    return terms


async def call_offs(
    principal: Principal, region_code: str, modified_after: datetime.datetime | None = None
) -> list[CallOff]:
    """The contracts at offers in the region the caller may see, oldest first, each with its
    first term's price (two statements)."""
    if not principal.is_authenticated:
        raise DomainError(ErrorCode.UNAUTHENTICATED, "Sign in to read contracts.")
    if region_code not in region_records():
        raise DomainError(ErrorCode.UNKNOWN_REGION, f"No region {region_code!r}.", ["region_code"])
    conditions: list[Combinable | None] = [
        Contract.offer._.municipality._.region == region_code,
        _visible(principal, region_code),
    ]
    if modified_after is not None:
        conditions.append(Contract.updated_at >= modified_after)
    rows = (
        await Contract.select(
            Contract.id,
            Contract.offer,
            Contract.offer._.name.as_alias("offer_name"),
            Contract.provider_org,
            Contract.buyer,
            Contract.legal_basis,
            Contract.start_date,
            Contract.end_date,
            Contract.status,
            Contract.created_at,
            Contract.updated_at,
        )
        .where(all_of(conditions))  # type: ignore[arg-type]
        .order_by(Contract.created_at)
        .order_by(Contract.id)
        .run()
    )
    terms = await _first_terms([r["id"] for r in rows])
    return [
        CallOff(
            id=r["id"],
            offer_id=r["offer"],
            offer_name=r["offer_name"],
            provider_org=r["provider_org"],
            buyer=r["buyer"],
            legal_basis=r["legal_basis"],
            start_date=r["start_date"],
            end_date=r["end_date"],
            status=r["status"],
            unit=str(terms[r["id"]]["unit"]) if r["id"] in terms else None,
            price_ore=int(str(terms[r["id"]]["price_ore"])) if r["id"] in terms else None,
            created_at=r["created_at"],
            updated_at=r["updated_at"],
        )
        for r in rows
    ]
