"""Read side of central announcements and the regions' reports on them."""

from __future__ import annotations

import strawberry

from agreements.announcements import service as announcements
from schema.agreements.announcements.types import (
    AnnouncementStatus,
    CentralAnnouncement,
    RegionalReport,
)
from schema.context import Info
from schema.ids import require_uuid
from schema.relay import Connection, node_by_id, page_request


@strawberry.type
class AnnouncementQuery:
    @strawberry.field(description="Central announcements, oldest first.")
    async def central_announcements(
        self,
        info: Info,
        status: AnnouncementStatus | None = None,  # type: ignore[valid-type]
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[CentralAnnouncement]:
        page = await announcements.list_announcements(
            info.context.principal, page_request(info, first, after), status=status
        )
        return Connection.of(page, CentralAnnouncement.of)

    @strawberry.field
    async def central_announcement(
        self, info: Info, id: strawberry.ID
    ) -> CentralAnnouncement | None:
        return await node_by_id(info, id, CentralAnnouncement)

    @strawberry.field(
        description=(
            "The regions' reports, by announcement and/or region: the submitted ones, and drafts "
            "to their own region's steering group and the registry administrator."
        )
    )
    async def regional_reports(
        self,
        info: Info,
        announcement_id: strawberry.ID | None = None,
        region_code: str | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[RegionalReport]:
        announcement = (
            require_uuid(
                announcement_id, "CentralAnnouncement", "central announcement", "announcementId"
            )
            if announcement_id is not None
            else None
        )
        page = await announcements.list_reports(
            info.context.principal,
            page_request(info, first, after),
            announcement_id=announcement,
            region_code=region_code,
        )
        return Connection.of(page, RegionalReport.of)
