"""Constraints: one report per announcement and region, one row per offer in a report, one
forecast per municipality, target group and year; no negative forecasts or estimates."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from marketplace.core.db import add_check, add_unique_index, drop_check, engine

ID = "2026-11-24T09:39:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Announcement and forecast constraints"

UNIQUE = [
    ("regional_report", "regional_report_once", ["announcement", "region"]),
    ("regional_report_offer", "regional_report_offer_once", ["report", "offer"]),
    ("demand_forecast", "demand_forecast_once", ["municipality", "target_group", "year"]),
]

CHECKS = [
    ("demand_forecast", "demand_forecast_places", "{row}.places >= 0"),
    (
        "central_announcement",
        "central_announcement_estimate",
        "({row}.estimate_low IS NULL OR {row}.estimate_low >= 0) AND "
        "({row}.estimate_high IS NULL OR {row}.estimate_low IS NULL "
        "OR {row}.estimate_high >= {row}.estimate_low)",
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
