"""Demand forecasts: the places a municipality expects to need per target group and year."""

from __future__ import annotations

from piccolo.columns import SmallInt, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table


class DemandForecast(Table, tablename="demand_forecast"):
    municipality = Varchar(length=3, index=True)
    target_group = Varchar(length=36)
    year = SmallInt()
    places = SmallInt()
    note = Text(default="")
    set_by = Varchar(length=100)
    set_at = Timestamptz(default=TimestamptzNow())
