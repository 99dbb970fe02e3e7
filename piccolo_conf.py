"""Piccolo configuration: the engine comes from DATABASE_URL (see marketplace.core.settings)."""

from piccolo.conf.apps import AppRegistry

from marketplace.core.db import create_engine
from marketplace.core.settings import get_settings

DB = create_engine(get_settings().database_url)

APP_REGISTRY = AppRegistry(apps=["marketplace.piccolo_app", "agreements.piccolo_app"])
