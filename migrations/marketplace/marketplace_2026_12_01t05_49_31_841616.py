from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-12-01T05:49:31:841616"
VERSION = "1.38.0"
DESCRIPTION = "The payer columns go: the provider bills the buyer"


async def forwards():
    manager = MigrationManager(
        migration_id=ID, app_name="marketplace", description=DESCRIPTION
    )

    manager.drop_column(
        table_class_name="Contract",
        tablename="contract",
        column_name="payer",
        db_column_name="payer",
        schema=None,
    )

    manager.drop_column(
        table_class_name="PlacementRequest",
        tablename="placement_request",
        column_name="payer",
        db_column_name="payer",
        schema=None,
    )

    return manager
