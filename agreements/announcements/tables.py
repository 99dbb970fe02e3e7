"""Tables of central announcements (centrale udmeldinger) and the regions' reports on them."""

from __future__ import annotations

from piccolo.columns import (
    JSON,
    UUID,
    Boolean,
    Date,
    ForeignKey,
    Integer,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.columns.base import OnDelete
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from marketplace.offers.tables import Offer


class CentralAnnouncement(Table, tablename="central_announcement"):
    """The national board's announcement that a small, complex target group needs
    coordinated supply across municipalities; each region reports back by the deadline."""

    id = UUID(primary_key=True)
    issuer = Varchar(length=120)
    issued_on = Date()
    title = Varchar(length=300)
    target_groups = JSON(default=[])
    small_group = Boolean(default=False)
    complex_needs = Boolean(default=False)
    description = Text(default="")
    estimate_low = Integer(null=True, default=None)
    estimate_high = Integer(null=True, default=None)
    estimate_note = Text(default="")
    report_deadline = Date(null=True, default=None)
    status = Varchar(length=32, index=True)
    outcome = Text(default="")
    documents = JSON(default=[])
    is_demo = Boolean(default=False)
    created_at = Timestamptz(default=TimestamptzNow())


class RegionalReport(Table, tablename="regional_report"):
    """A region's coordinated answer to an announcement (afrapportering)."""

    id = UUID(primary_key=True)
    announcement = ForeignKey(
        references=CentralAnnouncement, null=False, index=True, on_delete=OnDelete.cascade
    )
    region = Varchar(length=4, index=True)
    assessment = Varchar(length=16, null=True, default=None)
    challenges = Text(default="")
    coordination_model = Text(default="")
    planned_initiatives = Text(default="")
    status = Varchar(length=16)
    submitted_on = Date(null=True, default=None)
    submitted_by = Varchar(length=100, null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())


class ReportOffer(Table, tablename="regional_report_offer"):
    """An offer the report names as serving the target group."""

    report = ForeignKey(
        references=RegionalReport, null=False, index=True, on_delete=OnDelete.cascade
    )
    offer = ForeignKey(references=Offer, null=False, index=True, on_delete=OnDelete.restrict)
