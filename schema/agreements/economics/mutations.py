"""Write side of the year's economics: the provider settles its offer's year."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import strawberry

from agreements.economics import settlement
from agreements.economics.models import SettlementCreate
from marketplace.core.identity import Principal
from schema.agreements.economics.types import OfferYearSettlement
from schema.errors import UserError
from schema.mutation import Given, mutation


@strawberry.input(description="Settle an offer's year after its end.")
class OfferYearSettleInput:
    offer_id: strawberry.ID
    year: int
    actual_cost: Decimal | None = strawberry.field(
        default=strawberry.UNSET,
        description="The year's actual cost in DKK (the accounts); the regulated budget if left out.",
    )


@strawberry.type
class OfferYearSettlePayload:
    settlement: OfferYearSettlement | None
    errors: list[UserError]


async def _settle(who: Principal, given: Given) -> Any:
    given.data["offer_id"] = given.id("offer_id", "Offer", "offer")
    command = given.command(SettlementCreate, nulls="all")
    return await settlement.settle_year(who, command)


@strawberry.type
class EconomicsMutation:
    offer_year_settle = mutation(
        OfferYearSettlePayload,
        OfferYearSettleInput,
        _settle,
        description=(
            "Settle an offer's year after its end (its provider): budget regulation, the "
            "result, and what is carried into the price basis of the year after next."
        ),
    )
