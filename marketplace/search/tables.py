"""The search index and the record of purchasers' searches."""

from __future__ import annotations

from piccolo.columns import (
    JSON,
    UUID,
    BigInt,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Integer,
    SmallInt,
    Timestamptz,
    Varchar,
)
from piccolo.columns.base import OnDelete
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from marketplace.offers.tables import Offer


class SearchTerm(Table, tablename="search_term"):
    """The vocabulary: every stem that occurs in some offer."""

    term = Varchar(length=60, primary_key=True)


class OfferTerm(Table, tablename="offer_term"):
    """A stem of an offer's text, with the weight of the best field it occurs in."""

    offer = ForeignKey(references=Offer, null=False, on_delete=OnDelete.cascade)
    term = Varchar(length=60)
    weight = SmallInt()


class OfferSearch(Table, tablename="offer_search"):
    """What search filters, sorts and counts on, one narrow row per offer.

    Kept in step with the offer, its provider and its price lists in the same transaction as
    every change to them, so a search reads one small table instead of joining the catalogue.
    The price in force, the places in use (declared, and under contract) and the first day a
    place is free are facts of a day: ``facts_on`` is the day they were worked out for and
    ``facts_until`` the first day they may differ; a search on a day outside that window works
    the rows out again first.
    """

    offer = ForeignKey(references=Offer, primary_key=True, null=False, on_delete=OnDelete.cascade)
    status = Varchar(length=16)
    owner_org = Varchar(length=8)
    name_key = Varchar(length=200)
    category = Varchar(length=16)
    region = Varchar(length=4, null=True, default=None)
    municipality = Varchar(length=3, null=True, default=None)
    latitude = Float(null=True, default=None, index=True)
    longitude = Float(null=True, default=None)
    min_age = SmallInt()
    max_age = SmallInt()
    capacity = Integer()
    occupied = Integer()
    expected_free_from = Date(null=True, default=None)
    free_from = Date(null=True, default=None)
    unique_status = Varchar(length=32)
    takes_acute = Boolean(default=False)
    price_unit = Varchar(length=16, null=True, default=None)
    price_ore = BigInt(null=True, default=None)
    facts_on = Date(index=True)
    facts_until = Date(index=True)


class SearchEvent(Table, tablename="search_event"):
    """One search by a purchaser: what was asked for (codes, never free text) and how much
    was found. Searches with few or no results are evidence of unmet demand."""

    id = UUID(primary_key=True)
    at = Timestamptz(default=TimestamptzNow(), index=True)
    municipality = Varchar(length=3, index=True)
    filters = JSON(default={})
    had_query = Boolean(default=False)
    result_count = Integer()


class SearchEventGroup(Table, tablename="search_event_group"):
    """A target group a search asked for, one row per search and group, so the demand
    signals per target group are counted in SQL."""

    event = ForeignKey(references=SearchEvent, null=False, index=True, on_delete=OnDelete.cascade)
    target_group = Varchar(length=36, index=True)
