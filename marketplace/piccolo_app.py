"""Piccolo app for the market's tables; migrations live in migrations/marketplace."""

from pathlib import Path

from piccolo.conf.apps import AppConfig, table_finder

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations" / "marketplace"

APP_CONFIG = AppConfig(
    app_name="marketplace",
    migrations_folder_path=str(MIGRATIONS),
    table_classes=table_finder(
        modules=[
            "marketplace.organisations.tables",
            "marketplace.offers.tables",
            "marketplace.search.tables",
            "marketplace.contracts.tables",
            "marketplace.core.tables",
            "marketplace.notifications.tables",
        ],
        exclude_imported=True,
    ),
    migration_dependencies=[],
    commands=[],
)
