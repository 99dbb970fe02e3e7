"""GraphQL inputs of central announcements and the regions' reports; pydantic commands
validate them."""

from __future__ import annotations

import datetime

import strawberry

from schema.agreements.announcements.types import AnnouncementStatus, Assessment
from schema.agreements.frameworks.inputs import AgreementDocumentInput


@strawberry.input
class CentralAnnouncementCreateInput:
    issuer: str
    issued_on: datetime.date
    title: str
    target_groups: list[str] = strawberry.field(description="FFB codes.")
    small_group: bool | None = strawberry.UNSET
    complex_needs: bool | None = strawberry.UNSET
    description: str | None = strawberry.UNSET
    estimate_low: int | None = strawberry.UNSET
    estimate_high: int | None = strawberry.UNSET
    estimate_note: str | None = strawberry.UNSET
    report_deadline: datetime.date | None = strawberry.UNSET
    status: AnnouncementStatus | None = strawberry.UNSET  # type: ignore[valid-type]
    outcome: str | None = strawberry.UNSET
    documents: list[AgreementDocumentInput] | None = strawberry.UNSET


@strawberry.input(description="A report's content; on update, what is left out stays.")
class RegionalReportFields:
    assessment: Assessment | None = strawberry.UNSET  # type: ignore[valid-type]
    offer_ids: list[strawberry.ID] | None = strawberry.field(
        default=strawberry.UNSET, description="The region's offers that serve the group."
    )
    challenges: str | None = strawberry.UNSET
    coordination_model: str | None = strawberry.UNSET
    planned_initiatives: str | None = strawberry.UNSET


@strawberry.input
class RegionalReportCreateInput(RegionalReportFields):
    announcement_id: strawberry.ID
    region_code: str


@strawberry.input
class RegionalReportUpdateInput(RegionalReportFields):
    id: strawberry.ID


@strawberry.input
class RegionalReportSubmitInput:
    id: strawberry.ID
