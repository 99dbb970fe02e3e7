"""GraphQL types of central announcements and the regions' reports on them."""

from __future__ import annotations

import datetime

import strawberry
from strawberry import relay

from agreements.announcements import models as am
from schema.agreements.frameworks.types import AgreementDocument
from schema.context import Info
from schema.convert import FromView, from_view
from schema.marketplace.offers.types import Offer, TargetGroup
from schema.marketplace.organisations.types import Region
from schema.relay import load_each, load_held, load_list, load_one, nodes_by_key

AnnouncementStatus = strawberry.enum(
    am.AnnouncementStatus,
    name="AnnouncementStatus",
    description="open -> reports_received -> assessed_sufficient | renewed_consideration | operating_order",
)
Assessment = strawberry.enum(am.Assessment, name="SupplyAssessment")
ReportStatus = strawberry.enum(am.ReportStatus, name="RegionalReportStatus")


@strawberry.type(description="The national estimate of a target group's size, where known.")
class NationalEstimate:
    low: int | None
    high: int | None
    note: str


@strawberry.type(
    description=(
        "A central announcement (central udmelding): the national board's concern for the "
        "supply for a small, complex target group; each region reports back."
    )
)
class CentralAnnouncement(relay.Node):
    id: relay.NodeID[str]
    issuer: str
    issued_on: datetime.date
    title: str
    small_group: bool = strawberry.field(description="Criterion: a very small group.")
    complex_needs: bool = strawberry.field(description="Criterion: complex needs.")
    description: str
    national_estimate: NationalEstimate
    report_deadline: datetime.date | None
    status: AnnouncementStatus  # type: ignore[valid-type]
    outcome: str
    documents: list[AgreementDocument]
    is_demo: bool
    view: strawberry.Private[am.AnnouncementView]
    resolve_nodes = nodes_by_key(lambda info: info.context.agreements.announcement_by_id)

    @classmethod
    def of(cls, view: am.AnnouncementView) -> CentralAnnouncement:
        estimate = NationalEstimate(
            low=view.estimate_low, high=view.estimate_high, note=view.estimate_note
        )
        return from_view(cls, view, national_estimate=estimate)

    @strawberry.field
    async def target_groups(self, info: Info) -> list[TargetGroup]:
        loader = info.context.marketplace.target_group_by_code
        return await load_each(loader, self.view.target_groups, TargetGroup.of)

    @strawberry.field(
        description="The regions' reports the caller reads (see regionalReports), by region."
    )
    async def reports(self, info: Info) -> list[RegionalReport]:
        loader = info.context.agreements.reports_by_announcement
        return await load_list(loader, self.view.id, RegionalReport.of)


@strawberry.type(
    description="A region's coordinated report on a central announcement (afrapportering)."
)
class RegionalReport(FromView, relay.Node):
    id: relay.NodeID[str]
    assessment: Assessment | None  # type: ignore[valid-type]
    challenges: str
    coordination_model: str
    planned_initiatives: str
    status: ReportStatus  # type: ignore[valid-type]
    submitted_on: datetime.date | None
    deadline: datetime.date | None
    days_to_deadline: int | None = strawberry.field(
        description="Until submitted; negative when late."
    )
    overdue: bool
    days_late: int | None = strawberry.field(
        description="Days after the deadline it was submitted, or (open) that have passed."
    )
    view: strawberry.Private[am.ReportView]
    resolve_nodes = nodes_by_key(lambda info: info.context.agreements.report_by_id)

    @strawberry.field
    async def region(self, info: Info) -> Region:
        return await load_held(
            info.context.marketplace.region_by_code, self.view.region_code, Region.of
        )

    @strawberry.field
    async def announcement(self, info: Info) -> CentralAnnouncement | None:
        loader = info.context.agreements.announcement_by_id
        return await load_one(loader, self.view.announcement_id, CentralAnnouncement.of)

    @strawberry.field(description="The offers that serve the group, with their capacity.")
    async def offers(self, info: Info) -> list[Offer]:
        loader = info.context.marketplace.offer_by_id
        return await load_each(loader, self.view.offer_ids, Offer.of)
