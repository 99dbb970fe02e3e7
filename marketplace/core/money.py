"""Money: integer øre in the domain and the database, DKK amounts at the edges."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from pydantic import Field

CURRENCY = "DKK"

# A non-negative amount in DKK with at most two decimals (øre), below 100 million.
DKKAmount = Annotated[Decimal, Field(ge=0, lt=Decimal(100_000_000), decimal_places=2)]


def to_ore(amount: Decimal) -> int:
    """DKK to øre, exactly (the amount has at most two decimals)."""
    return int((amount * 100).to_integral_value())


def to_dkk(ore: int) -> Decimal:
    return (Decimal(ore) / 100).quantize(Decimal("0.01"))
