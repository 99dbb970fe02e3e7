"""A council may reconsider: one decision per party becomes one per party, revision and day
(after the columns of the migration before; piccolo runs raw steps first)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from marketplace.core.db import add_unique_index, engine

ID = "2026-12-01T10:12:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "One council decision per party, revision and day"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="agreements", description=DESCRIPTION)

    async def one_decision_a_day():
        await engine().run_ddl('DROP INDEX IF EXISTS "council_decision_once"')
        await add_unique_index(
            "council_decision",
            "council_decision_once_a_day",
            ["agreement", "party", "revision", "decided_on"],
        )

    async def one_decision():
        await engine().run_ddl('DROP INDEX IF EXISTS "council_decision_once_a_day"')
        await add_unique_index("council_decision", "council_decision_once", ["agreement", "party"])

    manager.add_raw(one_decision_a_day)
    manager.add_raw_backwards(one_decision)
    return manager
