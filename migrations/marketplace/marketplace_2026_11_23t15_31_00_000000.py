"""One index row per offer and term."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from marketplace.core.db import add_unique_index, engine

ID = "2026-11-23T15:31:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Offer search constraints"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="marketplace", description=DESCRIPTION)

    async def add():
        await add_unique_index("offer_term", "offer_term_once", ["offer", "term"])

    async def drop():
        await engine().run_ddl('DROP INDEX IF EXISTS "offer_term_once"')

    manager.add_raw(add)
    manager.add_raw_backwards(drop)
    return manager
