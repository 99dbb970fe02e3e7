"""Tables of the offer catalogue."""

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
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.columns.base import OnDelete
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from marketplace.organisations.tables import Municipality, Provider


class TargetGroup(Table, tablename="target_group"):
    """KL FFB target group (målgruppe); the FFB UUID is the code."""

    code = Varchar(length=36, primary_key=True)
    label_da = Varchar(length=120)
    label_en = Varchar(length=120)
    group_da = Varchar(length=60)
    parent_label_da = Varchar(length=120)
    position = SmallInt()


class ServiceType(Table, tablename="service_type"):
    """One of Tilbudsportalen's 12 service types (ydelsestyper)."""

    code = Varchar(length=40, primary_key=True)
    label_da = Varchar(length=80)
    label_en = Varchar(length=80)
    position = SmallInt()


class Offer(Table, tablename="offer"):
    """An offer (tilbud): what a provider sells, where, to whom, under which paragraphs."""

    id = UUID(primary_key=True)
    provider = ForeignKey(references=Provider, null=False, index=True, on_delete=OnDelete.restrict)
    name = Varchar(length=200)
    name_key = Varchar(length=200, index=True)
    description = Text(default="")
    category = Varchar(length=16, index=True)
    age_segment = Varchar(length=24)
    min_age = SmallInt()
    max_age = SmallInt()
    street_address = Varchar(length=200, null=True, default=None)
    postal_code = Varchar(length=4, null=True, default=None)
    city = Varchar(length=100, null=True, default=None)
    municipality = ForeignKey(
        references=Municipality, null=True, default=None, index=True, on_delete=OnDelete.restrict
    )
    latitude = Float(null=True, default=None, index=True)
    longitude = Float(null=True, default=None)
    approval_status = Varchar(length=16, default="not_applied")
    approved_places = Integer(null=True, default=None)
    approved_on = Date(null=True, default=None)
    unique_status = Varchar(length=32, default="none", index=True)
    special_conditions = JSON(default=[])
    takes_acute = Boolean(default=False)  # takes acute placements (answers within hours)
    # regional, supra_regional or national (lands- og landsdelsdækkende tilbud)
    coverage = Varchar(length=16, default="regional", index=True)
    capacity_places = Integer(default=0)
    occupied_places = Integer(default=0)
    expected_free_from = Date(null=True, default=None)
    status = Varchar(length=16, default="draft", index=True)
    is_demo = Boolean(default=False)
    published_at = Timestamptz(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())


class OfferTargetGroup(Table, tablename="offer_target_group"):
    offer = ForeignKey(references=Offer, null=False, index=True, on_delete=OnDelete.cascade)
    target_group = ForeignKey(
        references=TargetGroup, null=False, index=True, on_delete=OnDelete.restrict
    )
    is_primary = Boolean(default=False)


class OfferServiceType(Table, tablename="offer_service_type"):
    offer = ForeignKey(references=Offer, null=False, index=True, on_delete=OnDelete.cascade)
    service_type = ForeignKey(
        references=ServiceType, null=False, index=True, on_delete=OnDelete.restrict
    )


class OfferLegalBasis(Table, tablename="offer_legal_basis"):
    offer = ForeignKey(references=Offer, null=False, index=True, on_delete=OnDelete.cascade)
    legal_basis = Varchar(length=16, index=True)


class OfferMethod(Table, tablename="offer_method"):
    """A method or approach (faglig tilgang og metode) in the provider's own words."""

    offer = ForeignKey(references=Offer, null=False, index=True, on_delete=OnDelete.cascade)
    term = Varchar(length=100)
    term_key = Varchar(length=100, index=True)


class OfferEvent(Table, tablename="offer_event"):
    """The offer's history: every change, who made it and why."""

    id = UUID(primary_key=True)
    offer = ForeignKey(references=Offer, null=False, index=True, on_delete=OnDelete.cascade)
    at = Timestamptz(default=TimestamptzNow())
    kind = Varchar(length=32)
    from_status = Varchar(length=16, null=True, default=None)
    to_status = Varchar(length=16, null=True, default=None)
    reason = Text(default="")
    detail = Varchar(length=200, default="")
    actor = Varchar(length=100)
    actor_org = Varchar(length=8, null=True, default=None)
    fields = JSON(default=[])


class PriceList(Table, tablename="price_list"):
    """A version of an offer's price list (takster) for one calendar year.

    Never edited in place: a correction is a new version with a reason. ``valid_from`` is
    the first day the version is in force; ``locked_at`` is set once a contract refers to it.
    """

    id = UUID(primary_key=True)
    offer = ForeignKey(references=Offer, null=False, index=True, on_delete=OnDelete.cascade)
    year = SmallInt()
    version = SmallInt()
    valid_from = Date()
    unit = Varchar(length=16)
    base_price_ore = BigInt()
    vat_included = Boolean(default=False)
    accepts_special_arrangements = Boolean(default=False)
    overhead_bp = Integer(null=True, default=None)
    budgeted_occupancy_bp = Integer(null=True, default=None)
    # terms for contracts where no regional agreement applies (private providers)
    notice_days = SmallInt(null=True, default=None)
    notice_months = SmallInt(null=True, default=None)  # or to a month's end, months on
    bill_first_day = Boolean(null=True, default=None)
    bill_last_day = Boolean(null=True, default=None)
    reason = Text(default="")
    published_at = Timestamptz(default=TimestamptzNow())
    published_by = Varchar(length=100)
    locked_at = Timestamptz(null=True, default=None)


class PriceLevel(Table, tablename="price_level"):
    """A price level (takstniveau) of a price list, with what it covers."""

    price_list = ForeignKey(
        references=PriceList, null=False, index=True, on_delete=OnDelete.cascade
    )
    position = SmallInt()
    name = Varchar(length=100)
    covers = Text()
    price_ore = BigInt()


class PriceAddOn(Table, tablename="price_add_on"):
    """An add-on service (tillægsydelse) with its own price."""

    price_list = ForeignKey(
        references=PriceList, null=False, index=True, on_delete=OnDelete.cascade
    )
    position = SmallInt()
    name = Varchar(length=100)
    description = Text()
    unit = Varchar(length=16)
    price_ore = BigInt()
