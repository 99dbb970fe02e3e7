"""The Money type: amounts are integer øre inside, DKK with two decimals outside."""

from __future__ import annotations

from decimal import Decimal

import strawberry

from marketplace.core.money import CURRENCY, to_dkk


@strawberry.type(description="An amount of money. Amounts are exact to the øre.")
class Money:
    amount: Decimal = strawberry.field(description="The amount, e.g. 2450.50.")
    currency: str = strawberry.field(description='Always "DKK".')

    @classmethod
    def from_ore(cls, ore: int) -> Money:
        return cls(amount=to_dkk(ore), currency=CURRENCY)

    @classmethod
    def of_dkk(cls, amount: Decimal) -> Money:
        return cls(amount=amount.quantize(Decimal("0.01")), currency=CURRENCY)
