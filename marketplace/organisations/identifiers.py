"""Organisations' identifiers for electronic documents (their e-invoicing settings): the CVR
number of the legal entity and the EAN/GLN location number invoices are sent to (NemHandel).

An organisation's own users and the registry administrator set them; anyone signed in with a
party to a document reads them through that document. A private provider's CVR number is its
organisation code, so it needs no setting.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any

from marketplace.core.errors import DomainError, ErrorCode
from marketplace.core.identity import OrgKind, Principal, Role, is_valid_cvr, org_kind
from marketplace.core.unit_of_work import write_transaction
from marketplace.organisations import service as organisations
from marketplace.organisations.tables import PartyIdentifiers


@dataclass(frozen=True, slots=True)
class PartyIds:
    org_code: str
    cvr: str | None = None
    gln: str | None = None


def is_valid_gln(value: str) -> bool:
    """A 13-digit GS1 location number with its check digit (weights 1 and 3 from the left)."""
    if len(value) != 13 or not value.isdigit():
        return False
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(value[:12]))
    return (10 - total % 10) % 10 == int(value[12])


def _checked(cvr: str | None, gln: str | None) -> tuple[str | None, str | None]:
    cvr = (cvr or "").strip() or None
    gln = (gln or "").strip() or None
    if cvr is not None and not is_valid_cvr(cvr):
        raise DomainError(ErrorCode.INVALID_CVR, "Give an 8-digit CVR number.", ["cvr"])
    if gln is not None and not is_valid_gln(gln):
        raise DomainError(
            ErrorCode.INVALID,
            "Give the EAN/GLN location number as 13 digits with a valid check digit.",
            ["gln"],
        )
    return cvr, gln


def _may_set(principal: Principal, org_code: str) -> None:
    if not principal.is_registry_admin and principal.org_code != org_code:
        raise DomainError(
            ErrorCode.PERMISSION_DENIED,
            "Only the organisation's own users set its identifiers.",
            ["org_code"],
        )


async def _require_organisation(org_code: str) -> None:
    """Settings are kept only for an organisation that can exist: a municipality or region of
    the registry, or a provider by its CVR number."""
    try:
        kind = org_kind(org_code)
    except ValueError:
        kind = None
    if kind is None or (
        kind is not OrgKind.PRIVATE and org_code not in await organisations.registry_codes()
    ):
        raise DomainError(
            ErrorCode.NOT_FOUND,
            "There is no organisation with this code: a municipality's code has 3 digits, a "
            "region's 4 and a provider's is its 8-digit CVR number.",
            ["org_code"],
        )


async def _stored(org_code: str) -> PartyIds:
    """The identifiers as the organisation's settings hold them (none where unset)."""
    row = await PartyIdentifiers.select().where(PartyIdentifiers.org_code == org_code).first()
    return PartyIds(org_code, row["cvr"], row["gln"]) if row else PartyIds(org_code)


async def settings_of(principal: Principal, org_code: str | None = None) -> PartyIds:
    """An organisation's e-invoicing settings (the caller's own unless told), for its own
    users and the registry administrator."""
    principal.require(*Role)
    code = org_code or principal.org_code or ""
    _may_set(principal, code)
    return await _stored(code)


async def set_party_identifiers(
    principal: Principal, org_code: str, *, cvr: str | None, gln: str | None
) -> PartyIds:
    """Set (or clear, with None) an organisation's CVR number and EAN/GLN number."""
    _may_set(principal, org_code)
    await _require_organisation(org_code)
    cvr, gln = _checked(cvr, gln)
    async with write_transaction(principal, "organisationSettingsUpdate") as unit:
        await unit.track("OrganisationSettings", org_code, partial(_stored, org_code))
        values: dict[Any, Any] = {
            PartyIdentifiers.cvr: cvr,
            PartyIdentifiers.gln: gln,
            PartyIdentifiers.updated_by: principal.subject,
            PartyIdentifiers.updated_at: datetime.datetime.now(datetime.UTC),
        }
        found = await PartyIdentifiers.exists().where(PartyIdentifiers.org_code == org_code)
        if found:
            await PartyIdentifiers.update(values).where(PartyIdentifiers.org_code == org_code)
        else:
            await PartyIdentifiers.insert(
                PartyIdentifiers(org_code=org_code, cvr=cvr, gln=gln, updated_by=principal.subject)
            )
    return PartyIds(org_code, cvr, gln)


async def update_party_identifiers(
    principal: Principal, org_code: str, given: Mapping[str, str | None]
) -> PartyIds:
    """Change the identifiers named in ``given`` (``cvr``, ``gln``; None or blank clears
    one); the others stay as they are."""
    _may_set(principal, org_code)
    now = await _stored(org_code)
    return await set_party_identifiers(
        principal,
        org_code,
        cvr=given.get("cvr", now.cvr),
        gln=given.get("gln", now.gln),
    )


async def party_identifiers(org_codes: Iterable[str]) -> dict[str, PartyIds]:
    """The identifiers of organisations, by code (one statement); a private provider's CVR
    number is its code where no other is set."""
    codes = sorted(set(org_codes))
    found = {code: PartyIds(code, code if is_valid_cvr(code) else None) for code in codes}
    if not codes:
        return found
    for row in await PartyIdentifiers.select().where(PartyIdentifiers.org_code.is_in(codes)):
        code = row["org_code"]
        found[code] = PartyIds(code, row["cvr"] or found[code].cvr, row["gln"])
    return found
