"""The search index and the record of purchasers' searches."""

from __future__ import annotations

from piccolo.columns import JSON, UUID, Boolean, ForeignKey, Integer, SmallInt, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from marketplace.offers.tables import Offer


class SearchTerm(Table, tablename="search_term"):
    """The vocabulary: every stem that occurs in some offer."""

    term = Varchar(length=60, primary_key=True)


class OfferTerm(Table, tablename="offer_term"):
    """A stem of an offer's text, with the weight of the best field it occurs in."""

    offer = ForeignKey(references=Offer, null=False, index=True, on_delete=OnDelete.cascade)
    term = Varchar(length=60, index=True)
    weight = SmallInt()


class SearchEvent(Table, tablename="search_event"):
    """One search by a purchaser: what was asked for (codes, never free text) and how much
    was found. Searches with few or no results are evidence of unmet demand."""

    id = UUID(primary_key=True)
    at = Timestamptz(default=TimestamptzNow(), index=True)
    municipality = Varchar(length=3, index=True)
    filters = JSON(default={})
    had_query = Boolean(default=False)
    result_count = Integer()
