"""Offer search documents, and a covering term index.

The term index is read as (term -> offer, weight): one covering index serves it without
touching the table, and the unique (offer, term) index serves deletes by offer, so the two
single-column indexes went in the migration before. Existing offers get a search document
whose day facts are stale on purpose: the first search works them out.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from marketplace.core.db import engine

ID = "2026-11-24T08:18:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Offer search documents: binary name key, covering term index, backfill"

BACKFILL = """
INSERT INTO offer_search (offer, status, owner_org, name_key, category, region, municipality,
    latitude, longitude, min_age, max_age, capacity, occupied, expected_free_from,
    unique_status, price_unit, price_ore, facts_on, facts_until)
SELECT o.id, o.status, p.org_code, o.name_key, o.category, mu.region, o.municipality,
    o.latitude, o.longitude, o.min_age, o.max_age, o.capacity_places, o.occupied_places,
    o.expected_free_from, o.unique_status, NULL, NULL, '1970-01-01', '1970-01-01'
FROM offer o JOIN provider p ON p.id = o.provider
LEFT JOIN municipality mu ON mu.code = o.municipality
WHERE o.id NOT IN (SELECT offer FROM offer_search)
"""


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="marketplace", description=DESCRIPTION)

    async def add():
        db = engine()
        await db.run_ddl(
            'CREATE INDEX IF NOT EXISTS "offer_term_lookup" ON "offer_term" ("term", "offer", "weight")'
        )
        if db.engine_type == "postgres":
            await db.run_ddl(
                'ALTER TABLE "offer_search" ALTER COLUMN "name_key" TYPE varchar(200) COLLATE "C"'
            )
        await db.run_ddl(BACKFILL)

    async def drop():
        await engine().run_ddl('DROP INDEX IF EXISTS "offer_term_lookup"')

    manager.add_raw(add)
    manager.add_raw_backwards(drop)
    return manager
