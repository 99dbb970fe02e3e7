from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Boolean
from piccolo.columns.column_types import SmallInt
from piccolo.columns.indexes import IndexMethod

ID = "2026-11-24T09:16:57:323376"
VERSION = "1.38.0"
DESCRIPTION = "Price lists state contract terms for offers no agreement covers"


async def forwards():
    manager = MigrationManager(
        migration_id=ID, app_name="marketplace", description=DESCRIPTION
    )

    manager.add_column(
        table_class_name="PriceList",
        tablename="price_list",
        column_name="bill_first_day",
        db_column_name="bill_first_day",
        column_class_name="Boolean",
        column_class=Boolean,
        params={
            "default": None,
            "null": True,
            "primary_key": False,
            "unique": False,
            "index": False,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )

    manager.add_column(
        table_class_name="PriceList",
        tablename="price_list",
        column_name="bill_last_day",
        db_column_name="bill_last_day",
        column_class_name="Boolean",
        column_class=Boolean,
        params={
            "default": None,
            "null": True,
            "primary_key": False,
            "unique": False,
            "index": False,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )

    manager.add_column(
        table_class_name="PriceList",
        tablename="price_list",
        column_name="notice_days",
        db_column_name="notice_days",
        column_class_name="SmallInt",
        column_class=SmallInt,
        params={
            "default": None,
            "null": True,
            "primary_key": False,
            "unique": False,
            "index": False,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )

    return manager
