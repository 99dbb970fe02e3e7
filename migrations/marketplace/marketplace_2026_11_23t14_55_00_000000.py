"""Binary collation for provider.name_key on PostgreSQL.

Provider lists sort and search by the case-folded name. SQLite compares text by code point;
a PostgreSQL database created with a linguistic collation (en_US, da_DK) would order the
same names differently. COLLATE "C" makes both backends agree, whatever the database's locale.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.finder import engine_finder

ID = "2026-11-23T14:55:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Binary collation for provider.name_key on PostgreSQL"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="marketplace", description=DESCRIPTION)

    async def binary_collation():
        engine = engine_finder()
        if engine is not None and engine.engine_type == "postgres":
            await engine.run_ddl(
                'ALTER TABLE provider ALTER COLUMN name_key TYPE varchar(200) COLLATE "C"'
            )

    async def linguistic_collation():
        engine = engine_finder()
        if engine is not None and engine.engine_type == "postgres":
            await engine.run_ddl(
                "ALTER TABLE provider ALTER COLUMN name_key TYPE varchar(200) COLLATE \"default\""
            )

    manager.add_raw(binary_collation)
    manager.add_raw_backwards(linguistic_collation)
    return manager
