"""Rows of the framework-agreement registry as stored, typed (see ``agreements.rows``)."""

from __future__ import annotations

import datetime
import uuid
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class AgreementRow:
    """An agreement as stored; ``status`` is the one recorded (see ``agreement_status``)."""

    id: uuid.UUID
    region: str
    name: str
    valid_from: datetime.date
    valid_to: datetime.date
    status: str
    steering_group: str
    vision: str
    approval_deadline: datetime.date | None
    is_demo: bool
    created_at: datetime.datetime
    updated_at: datetime.datetime
    revision: int = 1
    approvals_from: int = 1


@dataclass(frozen=True, slots=True)
class PartyRow:
    agreement: uuid.UUID
    party: str


@dataclass(frozen=True, slots=True)
class RuleSetRow:
    """A version of an agreement's rules as stored (``rules`` as JSON data)."""

    id: uuid.UUID
    agreement: uuid.UUID
    valid_from: datetime.date
    version: int
    rules: dict[str, Any]
    is_example: bool
    set_by: str
    set_at: datetime.datetime


@dataclass(frozen=True, slots=True)
class CouncilDecisionRow:
    agreement: uuid.UUID
    party: str
    decision: str
    body: str
    decided_on: datetime.date
    reference: str
    recorded_at: datetime.datetime
    revision: int = 1


@dataclass(frozen=True, slots=True)
class SpecialConditionRow:
    """A special condition the steering group approved, as stored."""

    id: uuid.UUID
    agreement: uuid.UUID
    offer: uuid.UUID
    condition: str
    approved_by: str
    approved_on: datetime.date
    valid_from: datetime.date
    valid_to: datetime.date
    parameters: dict[str, Any]
    notes: str


@dataclass(frozen=True, slots=True)
class ChoiceRow:
    """A municipality's choice on a special condition, as stored."""

    approval: uuid.UUID
    municipality: str
    opted_in: bool
    decided_on: datetime.date


@dataclass(frozen=True, slots=True)
class ApprovalOfRegion:
    """A special condition, its agreement and the agreement's region."""

    id: uuid.UUID
    agreement: uuid.UUID
    region: str


@dataclass(frozen=True, slots=True)
class UniqueDecisionRow:
    agreement: uuid.UUID
    offer: uuid.UUID
    year: int
    status: str
    recommended_by: str
    working_group: str
    progress: str
    decided_on: datetime.date


@dataclass(frozen=True, slots=True)
class OfAgreement:
    """The agreement a row of one of its lists (focus areas, documents, ...) belongs to."""

    agreement: uuid.UUID
