from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Varchar
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-01T10:15:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Offer coverage: regional, supra-regional or national"


async def forwards():
    manager = MigrationManager(
        migration_id=ID, app_name="marketplace", description=DESCRIPTION
    )

    manager.add_column(
        table_class_name="Offer",
        tablename="offer",
        column_name="coverage",
        db_column_name="coverage",
        column_class_name="Varchar",
        column_class=Varchar,
        params={
            "length": 16,
            "default": "regional",
            "null": False,
            "primary_key": False,
            "unique": False,
            "index": True,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )

    return manager
