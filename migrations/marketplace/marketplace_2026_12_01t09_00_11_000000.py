"""Notices and follow-up dates of the contracts made before them, and their constraints.

- Every contract keeps its notice as agreed terms by a convention: the ones made before are
  days-based (the column's default, ``days``, with no months).
- Every contract under notice (or cancelled by notice) gets its notice: given on the day it
  was given, counted from that day (notice ran from the day it was given), by the contract's
  days, with the end it set; before it, the contract was active and open-ended.
- Every contract whose request asked for a follow-up date gets it as its first planned
  follow-up date (on the start, if the contract started later).

Each notice and date made is audited as the service's own change. Also the constraints: known
conventions, statuses, kinds and outcomes; at most one notice in force per contract. Running
it again changes nothing.
"""

import datetime
import uuid

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.querystring import QueryString

from marketplace.core import audit
from marketplace.core.db import add_check, drop_check, engine
from marketplace.core.identity import SYSTEM

ID = "2026-12-01T09:00:11:000000"
VERSION = "1.38.0"
DESCRIPTION = "Notices and follow-up dates of earlier contracts; their constraints"

MIGRATED_BY = "migration:notice-followup"
CHECKS = [
    (
        "contract",
        "contract_notice_convention_known",
        "{row}.notice_convention IN ('days', 'month_end')",
    ),
    (
        "contract_notice",
        "contract_notice_convention_known",
        "{row}.convention IN ('days', 'month_end')",
    ),
    (
        "contract_notice",
        "contract_notice_status_known",
        "{row}.status IN ('given', 'superseded', 'withdrawn')",
    ),
    ("contract_date", "contract_date_kind_known", "{row}.kind IN ('follow_up', 'renegotiation')"),
    (
        "contract_date",
        "contract_date_status_known",
        "{row}.status IN ('planned', 'held', 'cancelled')",
    ),
    (
        "contract_follow_up",
        "contract_follow_up_kind_known",
        "{row}.kind IN ('follow_up', 'renegotiation')",
    ),
    (
        "contract_follow_up",
        "contract_follow_up_outcome_known",
        "{row}.outcome IN ('continue', 'adjust', 'renegotiate', 'end')",
    ),
    (
        "contract_follow_up",
        "contract_follow_up_next_after",
        "{row}.next_on IS NULL OR {row}.next_on > {row}.held_on",
    ),
]


async def add_constraints() -> None:
    await engine().run_ddl(
        'CREATE UNIQUE INDEX IF NOT EXISTS "contract_notice_one_given" ON "contract_notice" '
        '("contract") WHERE "status" = \'given\''
    )
    for table, name, condition in CHECKS:
        if engine().engine_type == "postgres":
            await drop_check(table, name)  # ADD CONSTRAINT has no IF NOT EXISTS
        await add_check(table, name, condition)


async def notices_from_contracts() -> int:
    """A notice for each contract whose notice was given before notices were kept; returns
    how many."""
    db = engine()
    rows = await db.run_querystring(
        QueryString(
            'SELECT "id", "status", "notice_days", "end_date", "notice_given_on", '
            '"notice_given_by" FROM "contract" WHERE "notice_given_on" IS NOT NULL AND "id" NOT '
            'IN (SELECT "contract" FROM "contract_notice") ORDER BY "created_at", "id"'
        )
    )
    now = datetime.datetime.now(datetime.UTC)
    for row in rows:
        notice_id = uuid.uuid4()
        await db.run_querystring(
            QueryString(
                'INSERT INTO "contract_notice" ("id", "contract", "status", "given_on", '
                '"given_by_org", "given_by", "effective_from", "convention", "days", "months", '
                '"end_date", "reason", "supersedes", "previous_status", "previous_end_date", '
                '"previous_notice_given_on", "previous_notice_given_by", "withdrawn_at", '
                "\"created_at\") VALUES ({}, {}, 'given', {}, {}, {}, {}, 'days', {}, 0, {}, "
                "'', NULL, 'active', NULL, NULL, NULL, NULL, {})",
                notice_id,
                row["id"],
                row["notice_given_on"],
                row["notice_given_by"] or "",
                MIGRATED_BY,
                row["notice_given_on"],
                row["notice_days"],
                row["end_date"],
                now,
            )
        )
        state = {
            "id": str(notice_id),
            "contract_id": str(row["id"]),
            "status": "given",
            "given_on": str(row["notice_given_on"]),
            "effective_from": str(row["notice_given_on"]),
            "convention": "days",
            "days": row["notice_days"],
            "end_date": str(row["end_date"]) if row["end_date"] else None,
        }
        await audit.append(
            SYSTEM, "contractNoticeMigrated", "ContractNotice", str(notice_id), None, state
        )
    return len(rows)


async def dates_from_follow_ups() -> int:
    """The request's follow-up date as each contract's first planned follow-up date, for the
    contracts that have no dates yet; returns how many."""
    db = engine()
    rows = await db.run_querystring(
        QueryString(
            'SELECT "contract"."id", "contract"."buyer", "contract"."provider_org", '
            '"contract"."follow_up_on", "contract"."start_date", "placement_request"."created_by" '
            'FROM "contract" JOIN "placement_request" ON "placement_request"."id" = '
            '"contract"."request" WHERE "contract"."follow_up_on" IS NOT NULL AND '
            '"contract"."id" NOT IN (SELECT "contract" FROM "contract_date") '
            'ORDER BY "contract"."created_at", "contract"."id"'
        )
    )
    now = datetime.datetime.now(datetime.UTC)
    for row in rows:
        date_id = uuid.uuid4()
        due_on = max(_day(row["follow_up_on"]), _day(row["start_date"]))
        await db.run_querystring(
            QueryString(
                'INSERT INTO "contract_date" ("id", "contract", "buyer", "provider_org", "kind", '
                '"due_on", "status", "note", "planned_in", "held_in", "created_by", '
                '"created_at", "closed_by", "closed_at", "close_reason") VALUES ({}, {}, {}, {}, '
                "'follow_up', {}, 'planned', '', NULL, NULL, {}, {}, NULL, NULL, '')",
                date_id,
                row["id"],
                row["buyer"],
                row["provider_org"],
                due_on,
                (row["created_by"] or MIGRATED_BY)[:100],
                now,
            )
        )
        state = {
            "id": str(date_id),
            "contract_id": str(row["id"]),
            "kind": "follow_up",
            "due_on": due_on.isoformat(),
            "status": "planned",
        }
        await audit.append(
            SYSTEM, "contractDateMigrated", "ContractDate", str(date_id), None, state
        )
    return len(rows)


def _day(value: object) -> datetime.date:
    """A date column's value (SQLite's driver may hand it over as text)."""
    if isinstance(value, datetime.date):
        return value
    return datetime.date.fromisoformat(str(value))


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="marketplace", description=DESCRIPTION)

    async def migrate_contracts():
        await add_constraints()
        await notices_from_contracts()
        await dates_from_follow_ups()

    async def drop_constraints():
        """Back: the notices and dates go with their tables (the previous migration's
        backwards); the contracts keep their notice_given_on and follow_up_on."""
        for table, name, _condition in CHECKS:
            await drop_check(table, name)
        await engine().run_ddl('DROP INDEX IF EXISTS "contract_notice_one_given"')

    manager.add_raw(migrate_contracts)
    manager.add_raw_backwards(drop_constraints)
    return manager
