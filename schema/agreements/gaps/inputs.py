"""GraphQL inputs of the demand forecasts; a pydantic command validates them."""

from __future__ import annotations

import strawberry


@strawberry.input
class DemandForecastSetInput:
    municipality_code: str
    target_group: str = strawberry.field(description="An FFB code.")
    year: int
    places: int
    note: str | None = strawberry.UNSET
