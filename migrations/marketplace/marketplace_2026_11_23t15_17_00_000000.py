"""Constraints of the offer catalogue: one row per pair in the link tables, one number per
price-list version, places and ages that add up, no negative prices; and binary collation
for the sort and search keys on PostgreSQL (as for provider.name_key)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from marketplace.core.db import add_check, add_unique_index, drop_check, engine

ID = "2026-11-23T15:17:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Offer catalogue constraints"

UNIQUE = [
    ("offer_target_group", "offer_target_group_once", ["offer", "target_group"]),
    ("offer_service_type", "offer_service_type_once", ["offer", "service_type"]),
    ("offer_legal_basis", "offer_legal_basis_once", ["offer", "legal_basis"]),
    ("offer_method", "offer_method_once", ["offer", "term_key"]),
    ("price_list", "price_list_one_version_number", ["offer", "year", "version"]),
]

BINARY_KEYS = [("offer", "name_key", 200), ("offer_method", "term_key", 100)]

CHECKS = [
    (
        "offer",
        "offer_places_consistent",
        "{row}.capacity_places >= 0 AND {row}.occupied_places >= 0 "
        "AND {row}.occupied_places <= {row}.capacity_places",
    ),
    (
        "offer",
        "offer_ages_consistent",
        "{row}.min_age >= 0 AND {row}.max_age <= 120 AND {row}.min_age <= {row}.max_age",
    ),
    ("price_list", "price_list_price_not_negative", "{row}.base_price_ore >= 0"),
    ("price_level", "price_level_price_not_negative", "{row}.price_ore >= 0"),
    ("price_add_on", "price_add_on_price_not_negative", "{row}.price_ore >= 0"),
]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="marketplace", description=DESCRIPTION)

    async def add_constraints():
        for table, name, columns in UNIQUE:
            await add_unique_index(table, name, columns)
        for table, name, condition in CHECKS:
            await add_check(table, name, condition)
        if engine().engine_type == "postgres":
            for table, column, length in BINARY_KEYS:
                await engine().run_ddl(
                    f'ALTER TABLE "{table}" ALTER COLUMN "{column}" TYPE varchar({length}) COLLATE "C"'
                )

    async def drop_constraints():
        for _table, name, _columns in UNIQUE:
            await engine().run_ddl(f'DROP INDEX IF EXISTS "{name}"')
        for table, name, _condition in CHECKS:
            await drop_check(table, name)

    manager.add_raw(add_constraints)
    manager.add_raw_backwards(drop_constraints)
    return manager
