"""The closed set of events, their Danish titles, and the views of notifications, webhook
endpoints and deliveries."""

from __future__ import annotations

import datetime
import uuid
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict


class EventKind(StrEnum):
    """What can happen that someone should not miss (webhook event names are these values)."""

    REQUEST_RECEIVED = "placement_request.received"
    REQUEST_ANSWERED = "placement_request.answered"
    REQUEST_WITHDRAWN = "placement_request.withdrawn"
    REQUEST_EXPIRING_SOON = "placement_request.expiring_soon"
    REQUEST_EXPIRED = "placement_request.expired"
    APPROVAL_NEEDED = "approval.needed"
    PROPOSAL_MADE = "proposal.made"
    REFUND_CLAIM_RECEIVED = "refund_claim.received"
    REFUND_CLAIM_DISPUTED = "refund_claim.disputed"
    NOTICE_GIVEN = "contract.notice_given"
    CONTRACT_ENDING_SOON = "contract.ending_soon"
    CONTRACT_ENDED = "contract.ended"
    FOLLOW_UP_DUE = "follow_up.due"
    INVOICE_ISSUED = "invoice.issued"
    PRICE_LIST_MISSING = "price_list.missing"
    COUNCIL_DECISION_RECORDED = "council_decision.recorded"
    APPROVAL_DEADLINE_SOON = "agreement.approval_deadline_soon"
    APPROVAL_DEADLINE_PASSED = "agreement.approval_deadline_passed"
    REPORT_DEADLINE_SOON = "regional_report.deadline_soon"
    REPORT_DEADLINE_PASSED = "regional_report.deadline_passed"
    ANNOUNCEMENT_PUBLISHED = "central_announcement.published"
    OFFER_AT_RISK = "offer.at_risk"


TITLES: dict[EventKind, str] = {
    EventKind.REQUEST_RECEIVED: "Ny henvendelse om en plads",
    EventKind.REQUEST_ANSWERED: "Svar på en henvendelse",
    EventKind.REQUEST_WITHDRAWN: "En henvendelse er trukket tilbage",
    EventKind.REQUEST_EXPIRING_SOON: "En henvendelse udløber snart",
    EventKind.REQUEST_EXPIRED: "En henvendelse er udløbet",
    EventKind.APPROVAL_NEEDED: "En henvendelse venter på godkendelse",
    EventKind.PROPOSAL_MADE: "Nyt forslag til vilkår",
    EventKind.REFUND_CLAIM_RECEIVED: "Nyt refusionskrav",
    EventKind.REFUND_CLAIM_DISPUTED: "Et refusionskrav er bestridt",
    EventKind.NOTICE_GIVEN: "Der er givet opsigelse",
    EventKind.CONTRACT_ENDING_SOON: "En kontrakt ophører snart",
    EventKind.CONTRACT_ENDED: "En kontrakt er ophørt",
    EventKind.FOLLOW_UP_DUE: "Opfølgning forfalder",
    EventKind.INVOICE_ISSUED: "Ny faktura",
    EventKind.PRICE_LIST_MISSING: "Næste års takster mangler",
    EventKind.COUNCIL_DECISION_RECORDED: "En politisk beslutning om rammeaftalen er registreret",
    EventKind.APPROVAL_DEADLINE_SOON: "Fristen for politisk godkendelse nærmer sig",
    EventKind.APPROVAL_DEADLINE_PASSED: "Fristen for politisk godkendelse er overskredet",
    EventKind.REPORT_DEADLINE_SOON: "Fristen for afrapportering nærmer sig",
    EventKind.REPORT_DEADLINE_PASSED: "Fristen for afrapportering er overskredet",
    EventKind.ANNOUNCEMENT_PUBLISHED: "Ny central udmelding",
    EventKind.OFFER_AT_RISK: "Et tilbud er i risiko",
}


# What an event asks of its reader, in Danish (the e-mail's second line); kinds without one
# speak for themselves.
EXPLANATIONS: dict[EventKind, str] = {
    EventKind.PRICE_LIST_MISSING: "Tilbuddet har endnu ingen takster for næste år, og "
    "rammeaftalens frist for at offentliggøre dem er passeret.",
    EventKind.COUNCIL_DECISION_RECORDED: "En part har truffet politisk beslutning om rammeaftalen.",
    EventKind.APPROVAL_DEADLINE_SOON: "Rammeaftalen venter stadig på politisk beslutning fra "
    "en eller flere parter, og fristen nærmer sig.",
    EventKind.APPROVAL_DEADLINE_PASSED: "Fristen for politisk godkendelse af rammeaftalen er "
    "passeret, og en eller flere parter har endnu ikke besluttet sig.",
    EventKind.REPORT_DEADLINE_SOON: "Regionens afrapportering på en central udmelding er "
    "endnu ikke indsendt, og fristen nærmer sig.",
    EventKind.REPORT_DEADLINE_PASSED: "Fristen for regionens afrapportering på en central "
    "udmelding er passeret, og den er ikke indsendt.",
    EventKind.ANNOUNCEMENT_PUBLISHED: "Der er offentliggjort en ny central udmelding, som "
    "regionen skal afrapportere på.",
    EventKind.OFFER_AT_RISK: "Forsyningsanalysen vurderer, at tilbuddet er i risiko.",
}


def explanation(kind: str) -> str:
    """What an event asks of its reader, in Danish ("" when the title says it all)."""
    try:
        return EXPLANATIONS.get(EventKind(kind), "")
    except ValueError:
        return ""


def lead_time(days_left: int, leads: list[int]) -> int | None:
    """The lead time a reminder ``days_left`` before a deadline is sent at: the nearest one
    not yet passed (of 14 and 3: 14 from 14 to 4 days before, 3 from 3 days to the day);
    None before the first or after the deadline."""
    fitting = [lead for lead in leads if 0 <= days_left <= lead]
    return min(fitting) if fitting else None


def title(kind: str) -> str:
    """The Danish title of an event kind (the kind itself if it is not known)."""
    try:
        return TITLES[EventKind(kind)]
    except ValueError:
        return kind


class NotificationView(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: uuid.UUID
    event_id: uuid.UUID
    kind: str
    title: str
    org: str
    person: str | None
    subjects: dict[str, str]
    case_reference: str | None
    payload: dict[str, Any]
    created_at: datetime.datetime
    read_at: datetime.datetime | None


class WebhookEndpointView(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: uuid.UUID
    org: str
    url: str
    events: list[str]
    active: bool
    description: str
    created_at: datetime.datetime
    secret_rotated_at: datetime.datetime | None


class WebhookAttemptView(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: uuid.UUID
    delivery_id: uuid.UUID
    attempt: int
    at: datetime.datetime
    status_code: int | None
    error: str
    duration_ms: int


class WebhookDeliveryView(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: uuid.UUID
    event_id: uuid.UUID
    endpoint_id: uuid.UUID
    kind: str
    status: str
    attempts: int
    next_attempt_at: datetime.datetime
    last_status_code: int | None
    last_error: str
    created_at: datetime.datetime
    delivered_at: datetime.datetime | None
