"""Commands and views of central announcements and the regions' reports."""

from __future__ import annotations

import datetime
import uuid
from enum import StrEnum
from typing import Annotated

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from agreements.frameworks.models import DocumentInput, DocumentView, Text
from marketplace.offers.taxonomy import target_group_records


class AnnouncementStatus(StrEnum):
    OPEN = "open"
    REPORTS_RECEIVED = "reports_received"
    ASSESSED_SUFFICIENT = "assessed_sufficient"
    RENEWED_CONSIDERATION = "renewed_consideration"
    OPERATING_ORDER = "operating_order"


class Assessment(StrEnum):
    SUFFICIENT = "sufficient"
    PARTLY = "partly"
    INSUFFICIENT = "insufficient"


class ReportStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"


def known_target_groups(codes: list[str]) -> list[str]:
    known = {r.code for r in target_group_records()}
    unknown = [c for c in codes if c not in known]
    if unknown:
        raise PydanticCustomError("invalid", f"unknown target group code(s): {', '.join(unknown)}")
    return codes


class AnnouncementCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    issuer: Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=120)]
    issued_on: datetime.date
    title: Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=300)]
    target_groups: list[str] = Field(min_length=1, max_length=10)
    small_group: bool = False
    complex_needs: bool = False
    description: Text = ""
    estimate_low: Annotated[int, Field(ge=0, le=1_000_000)] | None = None
    estimate_high: Annotated[int, Field(ge=0, le=1_000_000)] | None = None
    estimate_note: Text = ""
    report_deadline: datetime.date | None = None
    status: AnnouncementStatus = AnnouncementStatus.OPEN
    outcome: Text = ""
    documents: list[DocumentInput] = Field(default_factory=list, max_length=20)

    _groups = field_validator("target_groups")(known_target_groups)

    @model_validator(mode="after")
    def _consistent(self) -> AnnouncementCreate:
        if not (self.small_group or self.complex_needs):
            raise PydanticCustomError(
                "invalid", "an announcement meets a criterion: a small group or complex needs"
            )
        low, high = self.estimate_low, self.estimate_high
        if low is not None and high is not None and high < low:
            raise PydanticCustomError("invalid", "the estimate's upper bound is below its lower")
        if self.report_deadline is not None and self.report_deadline < self.issued_on:
            raise PydanticCustomError("invalid", "the report deadline lies before the issue date")
        return self


class ReportFields(BaseModel):
    """A report's content; on update, what is left out stays."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    assessment: Assessment | None = None
    offer_ids: list[uuid.UUID] | None = Field(default=None, max_length=100)
    challenges: Text = ""
    coordination_model: Text = ""
    planned_initiatives: Text = ""


class ReportCreate(ReportFields):
    region_code: Annotated[str, StringConstraints(pattern=r"^108[1-5]$")]


class AnnouncementView(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: uuid.UUID
    issuer: str
    issued_on: datetime.date
    title: str
    target_groups: list[str]
    small_group: bool
    complex_needs: bool
    description: str
    estimate_low: int | None
    estimate_high: int | None
    estimate_note: str
    report_deadline: datetime.date | None
    status: AnnouncementStatus
    outcome: str
    documents: list[DocumentView]
    is_demo: bool


class ReportView(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: uuid.UUID
    announcement_id: uuid.UUID
    region_code: str
    assessment: Assessment | None
    offer_ids: list[uuid.UUID]
    challenges: str
    coordination_model: str
    planned_initiatives: str
    status: ReportStatus
    submitted_on: datetime.date | None
    deadline: datetime.date | None
    days_to_deadline: int | None
    overdue: bool
    # days after the deadline it was submitted, or (still open) that have passed since it
    days_late: int | None = None
    created_at: datetime.datetime
    updated_at: datetime.datetime


class ForecastSet(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    municipality_code: Annotated[str, StringConstraints(pattern=r"^\d{3}$")]
    target_group: str
    year: Annotated[int, Field(ge=2000, le=2100)]
    places: Annotated[int, Field(ge=0, le=10_000)]
    note: Text = ""

    @field_validator("target_group")
    @classmethod
    def _known(cls, code: str) -> str:
        known_target_groups([code])
        return code


class ForecastView(BaseModel):
    model_config = ConfigDict(frozen=True)

    municipality: str
    target_group: str
    year: int
    places: int
    note: str
