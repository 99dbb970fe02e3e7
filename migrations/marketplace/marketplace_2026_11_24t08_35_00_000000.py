"""Constraints of contracting: one claim per idempotency key, one term per contract and day,
at most one open change proposal per contract, end dates not before start dates, no negative
prices or notice periods. Search documents now count places under contract and know the first
free day: their day facts are marked stale, so the next search works them out again."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from marketplace.core.db import add_check, add_unique_index, drop_check, engine

ID = "2026-11-24T08:35:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Contracting constraints"

UNIQUE = [
    ("idempotency_key", "idempotency_key_once", ["scope", "key"]),
    ("contract_term", "contract_term_one_per_day", ["contract", "valid_from"]),
]

CHECKS = [
    (
        "contract",
        "contract_ends_after_it_starts",
        "{row}.end_date IS NULL OR {row}.end_date >= {row}.start_date",
    ),
    ("contract", "contract_notice_not_negative", "{row}.notice_days >= 0"),
    ("contract_term", "contract_term_price_not_negative", "{row}.price_ore >= 0"),
]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="marketplace", description=DESCRIPTION)

    async def add_constraints():
        for table, name, columns in UNIQUE:
            await add_unique_index(table, name, columns)
        await engine().run_ddl(
            'CREATE UNIQUE INDEX IF NOT EXISTS "contract_change_one_open" '
            "ON \"contract_change\" (\"contract\") WHERE \"status\" = 'proposed'"
        )
        for table, name, condition in CHECKS:
            await add_check(table, name, condition)
        await engine().run_ddl('UPDATE "offer_search" SET "facts_until" = "facts_on"')

    async def drop_constraints():
        for _table, name, _columns in UNIQUE:
            await engine().run_ddl(f'DROP INDEX IF EXISTS "{name}"')
        await engine().run_ddl('DROP INDEX IF EXISTS "contract_change_one_open"')
        for table, name, _condition in CHECKS:
            await drop_check(table, name)

    manager.add_raw(add_constraints)
    manager.add_raw_backwards(drop_constraints)
    return manager
