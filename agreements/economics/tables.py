"""The year's settlement of an offer: its figures as settled, kept (one per offer and year)."""

from __future__ import annotations

from piccolo.columns import JSON, UUID, BigInt, ForeignKey, SmallInt, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from agreements.frameworks.tables import Agreement
from marketplace.offers.tables import Offer


class OfferSettlement(Table, tablename="offer_settlement"):
    """An offer's year settled at its end: occupancy, budget regulation, the result and what
    is carried into a later year's price basis (``figures`` holds every figure)."""

    id = UUID(primary_key=True)
    offer = ForeignKey(references=Offer, null=False, index=True, on_delete=OnDelete.restrict)
    year = SmallInt()
    region = Varchar(length=4, index=True)
    agreement = ForeignKey(
        references=Agreement, null=True, default=None, on_delete=OnDelete.restrict
    )
    result_ore = BigInt()
    carried_ore = BigInt(default=0)
    carried_into_year = SmallInt()
    figures = JSON()
    settled_by = Varchar(length=100)
    settled_at = Timestamptz(default=TimestamptzNow())
