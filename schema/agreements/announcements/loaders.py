"""DataLoaders of central announcements and the regions' reports, created per request."""

from __future__ import annotations

import uuid
from functools import partial

from agreements.announcements import service as announcements
from agreements.announcements.models import AnnouncementView, ReportView
from marketplace.core.identity import Principal
from schema.loaders import KeyedLoader


class AnnouncementByIdLoader(KeyedLoader[uuid.UUID, AnnouncementView]):
    def __init__(self, principal: Principal) -> None:
        super().__init__(partial(announcements.announcements_by_id, principal))


class ReportByIdLoader(KeyedLoader[uuid.UUID, ReportView]):
    def __init__(self, principal: Principal) -> None:
        super().__init__(partial(announcements.reports_by_id, principal))


class ReportsByAnnouncementLoader(KeyedLoader[uuid.UUID, list[ReportView]]):
    def __init__(self, principal: Principal) -> None:
        super().__init__(partial(announcements.reports_by_announcement, principal), default=[])
