"""The target groups of the searches recorded so far, one row per search and group, and one
row only: the gap analysis counts them in SQL from now on."""

import json

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.querystring import QueryString

from marketplace.core.db import add_unique_index, engine

ID = "2026-11-24T12:38:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Backfill the target groups of searches"


def groups_of(filters: object) -> list[str]:
    data = json.loads(filters) if isinstance(filters, str) else filters
    if not isinstance(data, dict):
        return []
    codes = [*data.get("any_target_groups", []), *data.get("all_target_groups", [])]
    return sorted(set(codes))


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="marketplace", description=DESCRIPTION)

    async def backfill():
        await add_unique_index(
            "search_event_group", "search_event_group_once", ["event", "target_group"]
        )
        db = engine()
        rows = await db.run_querystring(
            QueryString(
                'SELECT "id", "filters" FROM "search_event" WHERE "id" NOT IN '
                '(SELECT "event" FROM "search_event_group")'
            )
        )
        values = [(row["id"], code) for row in rows for code in groups_of(row["filters"])]
        for start in range(0, len(values), 400):
            chunk = values[start : start + 400]
            marks = ", ".join("({}, {})" for _ in chunk)
            args = [value for pair in chunk for value in pair]
            await db.run_querystring(
                QueryString(
                    f'INSERT INTO "search_event_group" ("event", "target_group") VALUES {marks}',
                    *args,
                )
            )

    async def drop():
        await engine().run_ddl('DROP INDEX IF EXISTS "search_event_group_once"')

    manager.add_raw(backfill)
    manager.add_raw_backwards(drop)
    return manager
