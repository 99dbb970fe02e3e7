"""Constraints of the agreement registry: one row per party, one decision per party, one
version number per rule set day, one choice per municipality and condition, one decision per
unique offer and year; periods that end after they start."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from marketplace.core.db import add_check, add_unique_index, drop_check, engine

ID = "2026-11-24T09:21:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Agreement registry constraints"

UNIQUE = [
    ("agreement_party", "agreement_party_once", ["agreement", "party"]),
    ("council_decision", "council_decision_once", ["agreement", "party"]),
    ("agreement_rule_set", "agreement_rule_set_version", ["agreement", "valid_from", "version"]),
    ("special_condition_choice", "special_condition_choice_once", ["approval", "municipality"]),
    ("unique_offer_decision", "unique_offer_decision_once", ["agreement", "offer", "year"]),
]

CHECKS = [
    ("agreement", "agreement_period", "{row}.valid_to >= {row}.valid_from"),
    (
        "special_condition_approval",
        "special_condition_period",
        "{row}.valid_to >= {row}.valid_from",
    ),
    (
        "agreement_milestone",
        "agreement_milestone_period",
        "{row}.ends_on IS NULL OR {row}.ends_on >= {row}.starts_on",
    ),
]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="agreements", description=DESCRIPTION)

    async def add_constraints():
        for table, name, columns in UNIQUE:
            await add_unique_index(table, name, columns)
        for table, name, condition in CHECKS:
            await add_check(table, name, condition)

    async def drop_constraints():
        for _table, name, _columns in UNIQUE:
            await engine().run_ddl(f'DROP INDEX IF EXISTS "{name}"')
        for table, name, _condition in CHECKS:
            await drop_check(table, name)

    manager.add_raw(add_constraints)
    manager.add_raw_backwards(drop_constraints)
    return manager
