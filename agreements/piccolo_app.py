"""Piccolo app for the regional registry; migrations live in migrations/agreements."""

from pathlib import Path

from piccolo.conf.apps import AppConfig, table_finder

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations" / "agreements"

APP_CONFIG = AppConfig(
    app_name="agreements",
    migrations_folder_path=str(MIGRATIONS),
    table_classes=table_finder(
        modules=[
            "agreements.frameworks.tables",
            "agreements.announcements.tables",
            "agreements.gaps.tables",
            "agreements.economics.tables",
        ],
        exclude_imported=True,
    ),
    migration_dependencies=["marketplace.piccolo_app"],
    commands=[],
)
