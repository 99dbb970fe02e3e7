"""Piccolo app for the regional registry; migrations live in migrations/agreements."""

from pathlib import Path

from piccolo.conf.apps import AppConfig

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations" / "agreements"

APP_CONFIG = AppConfig(
    app_name="agreements",
    migrations_folder_path=str(MIGRATIONS),
    table_classes=[],
    migration_dependencies=["marketplace.piccolo_app"],
    commands=[],
)
