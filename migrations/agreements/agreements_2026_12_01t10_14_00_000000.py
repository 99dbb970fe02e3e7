"""One settlement per offer and year (after the table of the migration before)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from marketplace.core.db import add_unique_index, engine

ID = "2026-12-01T10:14:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "One settlement per offer and year"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="agreements", description=DESCRIPTION)

    async def once():
        await add_unique_index("offer_settlement", "offer_settlement_once", ["offer", "year"])

    async def drop():
        await engine().run_ddl('DROP INDEX IF EXISTS "offer_settlement_once"')

    manager.add_raw(once)
    manager.add_raw_backwards(drop)
    return manager
