"""Commands and views of the year's economics per offer."""

from __future__ import annotations

import datetime
import uuid
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field


class _View(BaseModel):
    model_config = ConfigDict(frozen=True)


class MonthOccupancy(_View):
    """A month's occupancy: place-days occupied (declared places and contracts) of the
    place-days the declared capacity offers, against the price list's budgeted occupancy."""

    month: datetime.date  # its first day
    place_days: int
    occupied_days: int
    occupancy_bp: int
    budgeted_bp: int | None


class SettlementView(_View):
    id: uuid.UUID
    offer_id: uuid.UUID
    year: int
    region_code: str
    agreement_id: uuid.UUID | None
    result_ore: int
    carried_ore: int
    carried_into_year: int
    figures: dict[str, Any]
    settled_by: str
    settled_at: datetime.datetime


class YearEconomics(_View):
    offer_id: uuid.UUID
    offer_name: str
    region_code: str | None
    year: int
    unit: str | None
    price_ore: int | None
    places: int
    declared: int
    budgeted_bp: int | None
    months: list[MonthOccupancy]
    place_days: int
    occupied_days: int
    occupancy_bp: int | None
    settlement: SettlementView | None


class SettlementCreate(BaseModel):
    """Settle an offer's year after its end; ``actual_cost`` (DKK) from the accounts, the
    regulated budget when left out."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    offer_id: uuid.UUID
    year: Annotated[int, Field(ge=2000, le=2100)]
    actual_cost: Annotated[Decimal, Field(ge=0, max_digits=14, decimal_places=2)] | None = None
