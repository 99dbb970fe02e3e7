"""Write side of the demand forecasts: a municipality's own, or its steering group's."""

from __future__ import annotations

import strawberry

from agreements.announcements.models import ForecastSet
from agreements.gaps import service as gaps
from schema.agreements.gaps.inputs import DemandForecastSetInput
from schema.agreements.gaps.types import DemandForecast
from schema.errors import UserError
from schema.mutation import mutation


@strawberry.type
class DemandForecastPayload:
    demand_forecast: DemandForecast | None
    errors: list[UserError]


@strawberry.type
class GapMutation:
    demand_forecast_set = mutation(
        DemandForecastPayload,
        DemandForecastSetInput,
        lambda who, given: gaps.set_forecast(who, given.command(ForecastSet, nulls="all")),
        description="Record the places a municipality expects to need (itself, or its steering group).",
    )
