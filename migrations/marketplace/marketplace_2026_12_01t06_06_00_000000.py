"""One frame per case handler (or for every purchaser) and one approver entry per person, per
municipality."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from marketplace.core.db import add_unique_index, engine

ID = "2026-12-01T06:06:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Approval frames and approvers: unique per municipality and person"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="marketplace", description=DESCRIPTION)

    async def add():
        await add_unique_index("approval_frame", "approval_frame_once", ["municipality", "subject"])
        await add_unique_index("approver", "approver_once", ["municipality", "subject"])

    async def drop():
        await engine().run_ddl('DROP INDEX IF EXISTS "approval_frame_once"')
        await engine().run_ddl('DROP INDEX IF EXISTS "approver_once"')

    manager.add_raw(add)
    manager.add_raw_backwards(drop)
    return manager
