"""The audit trail: one record per change made through the API, in the change's own
transaction, append-only and hash-chained per organisation.

A record holds who made the change (token subject, organisation, role), when, the operation,
the object (type and id) and SHA-256 digests of the object's state before and after, never
the state itself: personal data (a citizen's CPR hash, names) only enters a record through a
digest. ``hash`` is SHA-256 over the record's canonical JSON including ``prev_hash``, the hash
of the organisation's record before it, so changing, removing or inserting a record breaks
the chain from there on; ``verify`` finds the first broken link. Appends to one chain take
turns on its head row. The database refuses UPDATE and DELETE on the records (triggers, see
``protect_records``). Someone with the database owner's rights can lift the triggers: a record
changed or removed then breaks its chain, which ``verify`` finds, also when the chain's head
row was deleted as well. Who can also recompute every later hash and the head leaves a chain
that is consistent again; only a copy of the heads kept outside the database reveals that:
``heads`` gives them (``socialmarked audit heads``) and ``verify(anchors=...)`` checks that the
records they name are still there, unchanged (``socialmarked audit verify --against``).
"""

from __future__ import annotations

import datetime
import hashlib
import json
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from typing import Any

from piccolo.engine.sqlite import SQLiteEngine

from marketplace.core.clock import utcnow
from marketplace.core.db import engine, lock_row
from marketplace.core.identity import Principal
from marketplace.core.pagination import Page, PageRequest, all_of, paginate
from marketplace.core.tables import AuditChain, AuditRecord

GENESIS = "0" * 64
CHUNK = 1000


def digest(state: Any) -> str | None:
    """SHA-256 of a state's canonical JSON; None for no state (before a create)."""
    if state is None:
        return None
    canonical = json.dumps(state, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _moment(value: datetime.datetime) -> str:
    return value.astimezone(datetime.UTC).isoformat(timespec="microseconds")


def record_hash(row: dict[str, Any]) -> str:
    """The hash of a record: its fields and the previous record's hash."""
    fields = {
        "org": row["org"],
        "seq": int(row["seq"]),
        "at": _moment(row["at"]),
        "subject": row["subject"],
        "role": row["role"],
        "operation": row["operation"],
        "object_type": row["object_type"],
        "object_id": row["object_id"],
        "before": row["before_digest"],
        "after": row["after_digest"],
        "prev": row["prev_hash"],
    }
    canonical = json.dumps(fields, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def chain_of(principal: Principal) -> str:
    return (principal.org_code or "anonymous")[:16]


async def append(
    principal: Principal,
    operation: str,
    object_type: str,
    object_id: str,
    before: Any,
    after: Any,
) -> dict[str, Any]:
    """Append a record to the principal's organisation's chain. Call inside the change's
    write transaction, after the change."""
    org = chain_of(principal)
    await (
        AuditChain.insert(AuditChain(org=org, seq=0, head=GENESIS))
        .on_conflict(action="DO NOTHING")
        .run()
    )
    head = await lock_row(AuditChain, org)
    assert head is not None
    row: dict[str, Any] = {
        "org": org,
        "seq": int(head["seq"]) + 1,
        "at": utcnow(),
        "subject": (principal.subject or "anonymous")[:200],
        "role": principal.role.value if principal.role else "anonymous",
        "operation": operation[:64],
        "object_type": object_type[:64],
        "object_id": object_id[:64],
        "before_digest": digest(before),
        "after_digest": digest(after),
        "prev_hash": head["head"],
    }
    row["hash"] = record_hash(row)
    await AuditRecord.insert(AuditRecord(**row)).run()
    await (
        AuditChain.update({AuditChain.seq: row["seq"], AuditChain.head: row["hash"]})
        .where(AuditChain.org == org)
        .run()
    )
    return row


@dataclass(frozen=True)
class BrokenLink:
    org: str
    seq: int
    reason: str


async def _records(org: str) -> AsyncIterator[dict[str, Any]]:
    after = 0
    while True:
        rows = (
            await AuditRecord.select()
            .where((AuditRecord.org == org) & (AuditRecord.seq > after))
            .order_by(AuditRecord.seq)
            .limit(CHUNK)
            .run()
        )
        for row in rows:
            yield row
        if len(rows) < CHUNK:
            return
        after = int(rows[-1]["seq"])


async def heads() -> dict[str, tuple[int, str]]:
    """Each organisation's chain head: its last sequence number and hash. Kept outside the
    database, they let ``verify`` prove later that no record up to them was rewritten."""
    rows = await AuditChain.select().order_by(AuditChain.org).run()
    return {row["org"]: (int(row["seq"]), row["head"]) for row in rows if int(row["seq"]) > 0}


async def _chains(org: str | None, anchors: Mapping[str, tuple[int, str]]) -> list[str]:
    """The chains to walk: those with a head, with records (a head may have been deleted)
    or with an anchor."""
    if org is not None:
        return [org]
    names = {row["org"] for row in await AuditChain.select(AuditChain.org).run()}
    names |= {row["org"] for row in await AuditRecord.select(AuditRecord.org).distinct().run()}
    return sorted(names | set(anchors))


async def verify(
    org: str | None = None, anchors: Mapping[str, tuple[int, str]] | None = None
) -> tuple[int, list[BrokenLink]]:
    """Walk every chain (or one): answers the records checked and, per broken chain, its
    first broken link. ``anchors`` are heads recorded earlier (see ``heads``): the record at
    each one's sequence number must still carry its hash."""
    anchors = anchors or {}
    checked, broken = 0, []
    for name in await _chains(org, anchors):
        anchor = anchors.get(name)
        expected_prev, expected_seq = GENESIS, 1
        last_hash, last_seq = GENESIS, 0
        async for row in _records(name):
            checked += 1
            problem = None
            if int(row["seq"]) != expected_seq:
                problem = f"record {expected_seq} is missing (found {row['seq']} next)"
            elif row["prev_hash"] != expected_prev:
                problem = "it does not follow the record before it"
            elif record_hash(row) != row["hash"]:
                problem = "its content does not match its hash"
            elif anchor is not None and anchor[0] == expected_seq and anchor[1] != row["hash"]:
                problem = "it is not the record whose hash was recorded outside the database"
            if problem:
                broken.append(BrokenLink(name, int(row["seq"]), problem))
                break
            expected_prev, expected_seq = row["hash"], expected_seq + 1
            last_hash, last_seq = row["hash"], int(row["seq"])
        else:
            head = await AuditChain.select().where(AuditChain.org == name).first().run()
            if anchor is not None and anchor[0] > last_seq:
                problem = f"records up to {anchor[0]}, recorded outside the database, are missing"
            elif head is None:
                problem = "the chain's head is missing" if last_seq else None
            elif int(head["seq"]) != last_seq or head["head"] != last_hash:
                problem = "records at the end of the chain are missing"
            else:
                problem = None
            if problem:
                broken.append(BrokenLink(name, last_seq + 1, problem))
    return checked, broken


# --- append-only in the database -------------------------------------------------------------

_PG_FUNCTION = """
CREATE OR REPLACE FUNCTION audit_record_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit records are append-only';
END
$$ LANGUAGE plpgsql
"""
TRIGGERS = ("audit_record_no_update", "audit_record_no_delete")


async def protect_records() -> None:
    """Triggers that refuse UPDATE and DELETE on the audit records."""
    db = engine()
    for trigger, event in zip(TRIGGERS, ("UPDATE", "DELETE"), strict=True):
        if isinstance(db, SQLiteEngine):
            await db.run_ddl(
                f'CREATE TRIGGER IF NOT EXISTS "{trigger}" BEFORE {event} ON "audit_record" '
                "BEGIN SELECT RAISE(ABORT, 'audit records are append-only'); END"
            )
        else:
            await db.run_ddl(_PG_FUNCTION)
            await db.run_ddl(f'DROP TRIGGER IF EXISTS "{trigger}" ON "audit_record"')
            await db.run_ddl(
                f'CREATE TRIGGER "{trigger}" BEFORE {event} ON "audit_record" '
                "FOR EACH ROW EXECUTE FUNCTION audit_record_append_only()"
            )


async def unprotect_records() -> None:
    """Remove the triggers (the migration's way back)."""
    db = engine()
    for trigger in TRIGGERS:
        if isinstance(db, SQLiteEngine):
            await db.run_ddl(f'DROP TRIGGER IF EXISTS "{trigger}"')
        else:
            await db.run_ddl(f'DROP TRIGGER IF EXISTS "{trigger}" ON "audit_record"')


# --- reading the trail -----------------------------------------------------------------------


async def list_records(
    page: PageRequest,
    *,
    org: str | None = None,
    object_type: str | None = None,
    object_id: str | None = None,
) -> Page[dict[str, Any]]:
    """Records in the order they were made. Permission is the caller's business: the
    registry admin reads any; the parties of an object read the records of that object."""
    return await paginate(
        AuditRecord,
        where=all_of(
            [
                AuditRecord.org == org if org else None,
                AuditRecord.object_type == object_type if object_type else None,
                AuditRecord.object_id == object_id if object_id else None,
            ]
        ),
        order_by=[AuditRecord.at, AuditRecord.hash],
        page=page,
    )
