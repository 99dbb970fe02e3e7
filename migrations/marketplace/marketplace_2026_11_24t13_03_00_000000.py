"""One counter per client and minute (the rate limit's upsert needs the unique index)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from marketplace.core.db import add_unique_index, engine

ID = "2026-11-24T13:03:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Rate-limit windows: one per client and minute"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="marketplace", description=DESCRIPTION)

    async def add():
        await add_unique_index("rate_limit_window", "rate_limit_window_once", ["client", "window_start"])

    async def drop():
        await engine().run_ddl('DROP INDEX IF EXISTS "rate_limit_window_once"')

    manager.add_raw(add)
    manager.add_raw_backwards(drop)
    return manager
