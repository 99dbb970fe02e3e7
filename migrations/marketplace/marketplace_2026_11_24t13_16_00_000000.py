"""The audit trail: one record per organisation and sequence number, and records that the
database refuses to change or delete."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from marketplace.core.audit import protect_records, unprotect_records
from marketplace.core.db import add_unique_index, engine

ID = "2026-11-24T13:16:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Audit records: unique per chain position, append-only"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="marketplace", description=DESCRIPTION)

    async def add():
        await add_unique_index("audit_record", "audit_record_once", ["org", "seq"])
        await protect_records()

    async def drop():
        await unprotect_records()
        await engine().run_ddl('DROP INDEX IF EXISTS "audit_record_once"')

    manager.add_raw(add)
    manager.add_raw_backwards(drop)
    return manager
