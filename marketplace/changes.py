"""The change feed for integrations: what changed since a moment that the caller may see.

The source is the audit trail (``marketplace.core.audit``): every change made through the API
leaves one record per object it touched, in the change's own transaction, with the operation,
the object and digests of its state before and after. A record becomes a change: the object's
type and ID, its kind (created when there was no state before, deleted when there is none
after, else updated), the operation and the moment.

Who sees what follows the rest of the API:

- everyone (also without a token): published offers (a new price list version is a change of
  its offer) and providers;
- anyone signed in: the regional agreements as well;
- a municipality's purchasers: their municipality's placement requests, contracts, invoices
  and credit notes; a provider's administrators: their own offers in every status and their
  requests (but those still held inside the buying municipality), contracts, invoices and
  credit notes;
- the registry administrator: every change of these types.

An object's visibility is decided by its state now (an offer published after a change shows
that change). Other objects (rule sets, reports, webhooks, ...) are not in the feed. A page
is two statements (the page and its count), whatever its size.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from piccolo.columns.combination import Combinable, WhereRaw
from piccolo.engine.sqlite import SQLiteEngine
from piccolo.querystring import QueryString

from marketplace.contracts.models import INTERNAL_REQUEST
from marketplace.core.clock import moment_of, utcnow
from marketplace.core.db import engine
from marketplace.core.errors import DomainError, ErrorCode
from marketplace.core.identity import Principal, Role
from marketplace.core.pagination import Page, PageRequest, paginate
from marketplace.core.tables import AuditRecord
from marketplace.offers.models import OfferStatus


class ChangeKind(StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    DELETED = "deleted"


@dataclass(frozen=True, slots=True)
class Change:
    at: datetime.datetime
    object_type: str
    object_id: str
    kind: ChangeKind
    operation: str


# Objects whose parties are a buying municipality (``buyer``) and a provider (``provider_org``).
_PARTY_TABLES = {
    "PlacementRequest": "placement_request",
    "Contract": "contract",
    "Invoice": "invoice",
    "CreditNote": "credit_note",
}
FEED_TYPES = ("Offer", "PriceList", "Provider", "Agreement", *_PARTY_TABLES)


def parse_since(value: str) -> datetime.datetime:
    """An ISO 8601 moment not in the future (no zone is UTC), or a typed INVALID naming
    ``since``."""
    moment = moment_of((value or "").strip(), "since")
    if moment > utcnow():
        raise DomainError(
            ErrorCode.INVALID,
            "`since` is in the future: nothing has changed after it yet.",
            ["since"],
        )
    return moment


def _ids_in(object_type: str, select: str, *args: Any) -> Combinable:
    """Records of ``object_type`` whose object is among the IDs ``select`` gives."""
    return (AuditRecord.object_type == object_type) & WhereRaw(
        f'"audit_record"."object_id" IN ({select})', *args
    )


def _offers_seen(principal: Principal) -> str:
    """The SQL condition on ``o`` (an offer) the caller sees an offer by, with one ``{}``
    for the caller's organisation when it is a provider's administrator."""
    published = f"o.status = '{OfferStatus.PUBLISHED.value}'"
    if principal.role is Role.PROVIDER_ADMIN and principal.org_code:
        return (
            f"({published} OR o.provider IN (SELECT p.id FROM provider p WHERE p.org_code = {{}}))"
        )
    return published


def _public(principal: Principal) -> list[Combinable]:
    offers = _offers_seen(principal)
    args = [principal.org_code] if "{}" in offers else []
    return [
        AuditRecord.object_type == "Provider",
        _ids_in("Offer", f"SELECT CAST(o.id AS TEXT) FROM offer o WHERE {offers}", *args),
        _ids_in(
            "PriceList",
            "SELECT CAST(l.id AS TEXT) FROM price_list l JOIN offer o ON o.id = l.offer "
            f"WHERE {offers}",
            *args,
        ),
    ]


def _parties(principal: Principal) -> list[Combinable]:
    if principal.role not in (Role.PURCHASER, Role.PROVIDER_ADMIN) or not principal.org_code:
        return []
    column = "buyer" if principal.role is Role.PURCHASER else "provider_org"
    found = []
    for object_type, table in _PARTY_TABLES.items():
        select = f"SELECT CAST(t.id AS TEXT) FROM {table} t WHERE t.{column} = {{}}"
        if object_type == "PlacementRequest" and principal.role is Role.PROVIDER_ADMIN:
            held = ", ".join(f"'{status}'" for status in INTERNAL_REQUEST)
            select += f" AND t.status NOT IN ({held})"
        found.append(_ids_in(object_type, select, principal.org_code))
    return found


def visible(principal: Principal) -> Combinable:
    """The audit records of the feed the caller may see."""
    if principal.is_registry_admin:
        return AuditRecord.object_type.is_in(list(FEED_TYPES))
    seen = _public(principal)
    if principal.is_authenticated:
        seen.append(AuditRecord.object_type == "Agreement")
        seen.extend(_parties(principal))
    condition = seen[0]
    for more in seen[1:]:
        condition = condition | more
    return condition


def _kind(row: dict[str, Any]) -> ChangeKind:
    if row["before_digest"] is None:
        return ChangeKind.CREATED
    if row["after_digest"] is None:
        return ChangeKind.DELETED
    return ChangeKind.UPDATED


def _shown_id() -> QueryString:
    """The object a record is shown as: a price list version as its offer, in the page's
    own statement (on PostgreSQL by the price list's key)."""
    key = "l.id = CAST(audit_record.object_id AS UUID)"
    if isinstance(engine(), SQLiteEngine):
        key = "CAST(l.id AS TEXT) = audit_record.object_id"
    return QueryString(
        "CASE WHEN audit_record.object_type = 'PriceList' THEN "
        f"(SELECT CAST(l.offer AS TEXT) FROM price_list l WHERE {key}) "
        "ELSE audit_record.object_id END"
    ).as_alias("shown_id")


async def changes_since(
    principal: Principal, since: datetime.datetime, page: PageRequest
) -> Page[Change]:
    """The changes made on or after ``since`` that the caller may see, oldest first (by the
    moment, then the record's number: a stable order to page through)."""
    found = await paginate(
        AuditRecord,
        where=(AuditRecord.at >= since) & visible(principal),
        order_by=[AuditRecord.at, AuditRecord._meta.primary_key],
        page=page,
        columns=[
            AuditRecord._meta.primary_key,
            AuditRecord.at,
            AuditRecord.operation,
            AuditRecord.object_type,
            AuditRecord.object_id,
            AuditRecord.before_digest,
            AuditRecord.after_digest,
            _shown_id(),
        ],
    )
    changes = []
    for row in found.items:
        object_type, kind = row["object_type"], _kind(row)
        if object_type == "PriceList":  # a new version changes its offer
            object_type, kind = "Offer", ChangeKind.UPDATED
        changes.append(Change(row["at"], object_type, row["shown_id"], kind, row["operation"]))
    return found.with_items(changes)
