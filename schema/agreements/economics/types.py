"""The year's economics per offer as GraphQL types."""

from __future__ import annotations

import datetime
import uuid
from decimal import Decimal
from typing import Any

import strawberry

from agreements.economics import models as m
from agreements.economics.national import NationalOfferView
from schema.agreements.frameworks.types import Party
from schema.context import Info
from schema.marketplace.offers.types import Coverage, Offer
from schema.money import Money
from schema.relay import load_one


def _percent(bp: int | None) -> Decimal | None:
    return None if bp is None else Decimal(bp) / 100


def _money(ore: int | None) -> Money | None:
    return None if ore is None else Money.from_ore(ore)


@strawberry.type(description="A month's occupancy (belægning) against the budgeted one.")
class MonthOccupancy:
    month: datetime.date = strawberry.field(description="The month's first day.")
    place_days: int = strawberry.field(description="Declared places times the month's days.")
    occupied_days: int = strawberry.field(description="Declared places in use and contracts.")
    occupancy_percent: Decimal
    budgeted_percent: Decimal | None

    @classmethod
    def of(cls, view: m.MonthOccupancy) -> MonthOccupancy:
        return cls(
            month=view.month,
            place_days=view.place_days,
            occupied_days=view.occupied_days,
            occupancy_percent=Decimal(view.occupancy_bp) / 100,
            budgeted_percent=_percent(view.budgeted_bp),
        )


@strawberry.type(description="A municipality's share of an amount shared by population.")
class PartyShare:
    party: Party
    amount: Money


def _shares(shares: dict[str, int]) -> list[PartyShare]:
    return [
        PartyShare(party=Party.of(code), amount=Money.from_ore(v)) for code, v in shares.items()
    ]


@strawberry.type(
    description=(
        "An offer's year settled at its end: budget, revenue, budget regulation, the result "
        "and what is carried into the price basis of the year after next (see the README)."
    )
)
class OfferYearSettlement:
    id: strawberry.ID
    year: int
    region_code: str
    unit: str
    price: Money
    places: int
    place_days: int
    occupied_days: int
    budgeted_days: Decimal
    occupancy_percent: Decimal
    budgeted_percent: Decimal
    deviation_percent: Decimal = strawberry.field(description="Of the budgeted place-days.")
    regulation_share_percent: Decimal | None
    allowed_deviation_percent: Decimal | None
    regulated_days: Decimal = strawberry.field(description="Place-days beyond the deviation.")
    budget: Money
    revenue: Money
    regulation: Money
    regulated_budget: Money
    actual_cost: Money
    objective_financing: Money
    financing_shares: list[PartyShare]
    collective_cover: Money
    cover_shares: list[PartyShare]
    result: Money = strawberry.field(description="Surplus (positive) or deficit (negative).")
    carry_over_cap: Money | None
    carried: Money
    carried_into_year: int
    beyond_cap: Money
    settled_at: datetime.datetime
    offer_id: strawberry.Private[uuid.UUID]

    @strawberry.field
    async def offer(self, info: Info) -> Offer | None:
        return await load_one(info.context.marketplace.offer_by_id, self.offer_id, Offer.of)

    @classmethod
    def of(cls, view: m.SettlementView) -> OfferYearSettlement:
        f: dict[str, Any] = view.figures
        return cls(
            id=strawberry.ID(str(view.id)),
            year=view.year,
            region_code=view.region_code,
            unit=f["unit"],
            price=Money.from_ore(f["price_ore"]),
            places=f["places"],
            place_days=f["place_days"],
            occupied_days=f["occupied_days"],
            budgeted_days=Decimal(f["budgeted_days"]),
            occupancy_percent=Decimal(f["occupancy_bp"]) / 100,
            budgeted_percent=Decimal(f["budgeted_bp"]) / 100,
            deviation_percent=Decimal(f["deviation_bp"]) / 100,
            regulation_share_percent=_percent(f["regulation_share_bp"]),
            allowed_deviation_percent=_percent(f["allowed_deviation_bp"]),
            regulated_days=Decimal(f["regulated_days"]),
            budget=Money.from_ore(f["budget_ore"]),
            revenue=Money.from_ore(f["revenue_ore"]),
            regulation=Money.from_ore(f["regulation_ore"]),
            regulated_budget=Money.from_ore(f["regulated_budget_ore"]),
            actual_cost=Money.from_ore(f["actual_cost_ore"]),
            objective_financing=Money.from_ore(f["objective_financing_ore"]),
            financing_shares=_shares(f["financing_shares"]),
            collective_cover=Money.from_ore(f["collective_cover_ore"]),
            cover_shares=_shares(f["cover_shares"]),
            result=Money.from_ore(f["result_ore"]),
            carry_over_cap=_money(f["carry_over_cap_ore"]),
            carried=Money.from_ore(f["carried_ore"]),
            carried_into_year=view.carried_into_year,
            beyond_cap=Money.from_ore(f["beyond_cap_ore"]),
            settled_at=view.settled_at,
            offer_id=view.offer_id,
        )


@strawberry.type(description="An offer's year: occupancy per month, and its settlement if made.")
class OfferYearEconomics:
    year: int
    unit: str | None
    price: Money | None
    places: int
    declared_in_use: int
    budgeted_percent: Decimal | None
    months: list[MonthOccupancy]
    place_days: int
    occupied_days: int
    occupancy_percent: Decimal | None
    settlement: OfferYearSettlement | None
    offer_id: strawberry.Private[uuid.UUID]

    @strawberry.field
    async def offer(self, info: Info) -> Offer | None:
        return await load_one(info.context.marketplace.offer_by_id, self.offer_id, Offer.of)

    @classmethod
    def of(cls, view: m.YearEconomics) -> OfferYearEconomics:
        return cls(
            year=view.year,
            unit=view.unit,
            price=_money(view.price_ore),
            places=view.places,
            declared_in_use=view.declared,
            budgeted_percent=_percent(view.budgeted_bp),
            months=[MonthOccupancy.of(month) for month in view.months],
            place_days=view.place_days,
            occupied_days=view.occupied_days,
            occupancy_percent=_percent(view.occupancy_bp),
            settlement=OfferYearSettlement.of(view.settlement) if view.settlement else None,
            offer_id=view.offer_id,
        )


@strawberry.type(
    description=(
        "A national or supra-regional offer followed across the regions: the year's "
        "occupancy (to today in the year under way) and its price against the year before."
    )
)
class NationalOffer:
    name: str
    coverage: Coverage  # type: ignore[valid-type]
    region_code: str | None
    year: int
    period_end: datetime.date
    places: int
    occupied_days: int
    place_days: int
    occupancy_percent: Decimal | None
    price: Money | None
    previous_price: Money | None
    price_change_percent: Decimal | None
    offer_id: strawberry.Private[uuid.UUID]

    @strawberry.field
    async def offer(self, info: Info) -> Offer | None:
        return await load_one(info.context.marketplace.offer_by_id, self.offer_id, Offer.of)

    @classmethod
    def of(cls, view: NationalOfferView) -> NationalOffer:
        return cls(
            name=view.name,
            coverage=view.coverage,
            region_code=view.region_code,
            year=view.year,
            period_end=view.period_end,
            places=view.places,
            occupied_days=view.occupied_days,
            place_days=view.place_days,
            occupancy_percent=_percent(view.occupancy_bp),
            price=_money(view.price_ore),
            previous_price=_money(view.previous_price_ore),
            price_change_percent=_percent(view.price_change_bp),
            offer_id=view.offer_id,
        )
