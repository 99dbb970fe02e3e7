"""Notifications by e-mail: where an organisation's events go (addresses of the organisation,
and each person's own choice of address and events), the Danish message (text and HTML, from
``templates/``) and the sending through SMTP (aiosmtplib), at least once like the webhooks
(leased by a worker, retried with backoff for a day; see ``delivery``).

The message names the event, the buyer's case reference and a link; never a CPR number or a
citizen's name. No e-mail is made while ``SMTP_HOST`` is unset."""

from __future__ import annotations

import asyncio
import re
import uuid
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path
from typing import Any

import aiosmtplib
from jinja2 import Environment, FileSystemLoader, select_autoescape
from pydantic import BaseModel, Field, field_validator

from marketplace.core.clock import utcnow
from marketplace.core.errors import DomainError, ErrorCode
from marketplace.core.identity import SYSTEM, Principal
from marketplace.core.pagination import Page, PageRequest, paginate
from marketplace.core.settings import Settings
from marketplace.core.unit_of_work import write_transaction
from marketplace.notifications.delivery import lease_due, settled, still_due
from marketplace.notifications.models import EventKind, explanation, title
from marketplace.notifications.tables import EmailDelivery, EmailRecipient, OutboxEvent

# A pragmatic check (RFC 5322 allows more, but no one is sent mail at those): one @, a dot in
# the domain, no spaces or angle brackets.
ADDRESS = re.compile(
    r"^[^@\s<>(),;:\"]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?\.[A-Za-z]{2,}$"
)
MAX_RECIPIENTS = 20
_TEMPLATES = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=select_autoescape(["html"]),
    keep_trailing_newline=True,
)
_FACTS = {
    "status": "Status",
    "expiresOn": "Frist",
    "dueOn": "Dato",
    "endDate": "Sidste dag",
    "number": "Fakturanummer",
    "deadline": "Frist",
    "daysLeft": "Dage til fristen",
    "missing": "Parter uden politisk beslutning",
    "party": "Part",
    "decision": "Beslutning",
    "decidedOn": "Besluttet den",
    "reportDeadline": "Frist for afrapportering",
    "year": "Takstår",
    "reasons": "Årsag",
    "occupancyBp": "Belægning ved seneste månedsskifte",
    "bandMinBp": "Aftalens laveste belægning",
}
_VALUES = {
    "approved": "godkendt",
    "rejected": "forkastet",
    "low_occupancy": "belægning under aftalens bånd de seneste tre måneder",
    "emergency_track": "i nødsporet",
    "reinforced_cooperation": "unikt tilbud i det forstærkede samarbejde",
}


def _fact(key: str, value: Any) -> str:
    """One fact of an event in Danish: its label and its value (a date as dd.mm.yyyy, basis
    points as a percentage, a code in words)."""
    if isinstance(value, list):
        shown = ", ".join(_VALUES.get(str(v), str(v)) for v in value)
    elif key.endswith("Bp") and isinstance(value, int):
        shown = f"{value / 100:.1f} %".replace(".", ",")
    elif isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        shown = f"{value[8:10]}.{value[5:7]}.{value[0:4]}"
    else:
        shown = _VALUES.get(str(value), str(value))
    return f"{_FACTS[key]}: {shown}"


class EmailRecipientSet(BaseModel):
    address: str = Field(max_length=254)
    events: list[str] = Field(default=[], max_length=len(EventKind))
    for_organisation: bool = False

    @field_validator("address")
    @classmethod
    def _an_address(cls, value: str) -> str:
        value = value.strip()
        if not ADDRESS.match(value) or ".." in value:
            raise ValueError("Not an e-mail address.")
        return value

    @field_validator("events")
    @classmethod
    def _known(cls, value: list[str]) -> list[str]:
        known = {k.value for k in EventKind}
        unknown = [v for v in value if v not in known]
        if unknown:
            raise ValueError(f"Unknown event {unknown[0]!r}.")
        return list(dict.fromkeys(value))


class EmailRecipientView(BaseModel):
    id: uuid.UUID
    org: str
    person: str | None
    address: str
    events: list[str]
    created_at: Any


def _owner(principal: Principal) -> str:
    if not principal.is_authenticated or not principal.subject:
        raise DomainError(ErrorCode.UNAUTHENTICATED, "Sign in to choose your e-mail.")
    assert principal.org_code is not None
    return principal.org_code


async def add_recipient(principal: Principal, command: EmailRecipientSet) -> EmailRecipientView:
    """An address for the organisation's events (``for_organisation``), or the caller's own
    address for the events they choose (replacing their earlier choice)."""
    org = _owner(principal)
    person = None if command.for_organisation else principal.subject
    recipient_id = uuid.uuid4()
    async with write_transaction(principal, "emailRecipientSet") as unit:
        if person is not None:
            await (
                EmailRecipient.delete()
                .where((EmailRecipient.org == org) & (EmailRecipient.person == person))
                .run()
            )
        elif await EmailRecipient.count().where(EmailRecipient.org == org).run() >= MAX_RECIPIENTS:
            raise DomainError(ErrorCode.INVALID, f"At most {MAX_RECIPIENTS} addresses.")
        await EmailRecipient.insert(
            EmailRecipient(
                id=recipient_id,
                org=org,
                person=person,
                address=command.address,
                events=command.events,
                created_at=utcnow(),
                created_by=principal.subject or "",
            )
        ).run()
        made = await unit.track(
            "EmailRecipient", recipient_id, lambda: _one(org, recipient_id), new=True
        )
    return made.result


async def _one(org: str, recipient_id: uuid.UUID) -> EmailRecipientView | None:
    row = (
        await EmailRecipient.select()
        .where((EmailRecipient.id == recipient_id) & (EmailRecipient.org == org))
        .output(load_json=True)
        .first()
        .run()
    )
    return EmailRecipientView.model_validate(row) if row else None


async def get_recipient(principal: Principal, recipient_id: str) -> EmailRecipientView | None:
    """One of the organisation's addresses or the caller's own, by its id; else None."""
    if not principal.is_authenticated:
        return None
    try:
        key = uuid.UUID(recipient_id)
    except ValueError:
        return None
    found = await _one(principal.org_code or "", key)
    if found is None or (found.person is not None and found.person != principal.subject):
        return None
    return found


async def remove_recipient(principal: Principal, recipient_id: uuid.UUID) -> None:
    """Remove an address of the organisation's, or one's own."""
    org = _owner(principal)
    async with write_transaction(principal, "emailRecipientRemove") as unit:
        found = await _one(org, recipient_id)
        if found is None or (found.person is not None and found.person != principal.subject):
            raise DomainError(ErrorCode.NOT_FOUND, "No such e-mail address of yours.", ["id"])
        await unit.track("EmailRecipient", recipient_id, lambda: _one(org, recipient_id))
        await EmailRecipient.delete().where(EmailRecipient.id == recipient_id).run()


async def list_recipients(principal: Principal, page: PageRequest) -> Page[EmailRecipientView]:
    """The organisation's addresses and the caller's own."""
    org = _owner(principal)
    rows = await paginate(
        EmailRecipient,
        where=(EmailRecipient.org == org)
        & (EmailRecipient.person.is_null() | (EmailRecipient.person == principal.subject)),
        order_by=[EmailRecipient.created_at, EmailRecipient.id],
        page=page,
        load_json=True,
    )
    return rows.map(EmailRecipientView.model_validate)


# --- the outbox's fan-out and the sending -------------------------------------------------------


def wanted(recipient: dict[str, Any], kind: str, addressed: str | None) -> bool:
    """Whether a recipient gets an event: it wants the kind, and a person-addressed event
    goes to the organisation's addresses and that person only."""
    if recipient["events"] and kind not in recipient["events"]:
        return False
    return recipient["person"] is None or addressed in (None, recipient["person"])


@dataclass(frozen=True, slots=True)
class Mail:
    id: uuid.UUID
    lease: uuid.UUID
    attempts: int
    created_at: Any
    address: str
    person: bool
    event: dict[str, Any]


def message_of(mail: Mail, settings: Settings) -> EmailMessage:
    """The Danish e-mail for an event (text and HTML)."""
    event = mail.event
    context = {
        "organisation": mail.event["_org"],
        "title": title(event["kind"]),
        "case_reference": event["case_reference"],
        "facts": [
            _fact(k, v) for k, v in event["payload"].items() if k in _FACTS and v is not None
        ],
        "explanation": explanation(event["kind"]),
        "link": settings.public_url.rstrip("/") + "/notifikationer",
        "reason": "du har valgt at få den" if mail.person else "adressen er din organisations",
    }
    message = EmailMessage()
    message["From"] = settings.mail_from
    message["To"] = mail.address
    message["Subject"] = f"Socialmarked: {context['title']}"
    message["Message-ID"] = make_msgid(idstring=str(event["id"]), domain="socialmarked")
    message["X-Socialmarked-Event"] = str(event["id"])
    message.set_content(_TEMPLATES.get_template("notification.txt").render(context))
    message.add_alternative(
        _TEMPLATES.get_template("notification.html").render(context), subtype="html"
    )
    return message


async def _claim(settings: Settings, batch: int, only: uuid.UUID | None = None) -> list[Mail]:
    async with write_transaction(SYSTEM, "emailDeliveriesClaim"):
        lease, ids = await lease_due(EmailDelivery, settings, batch, only)
        if not ids:
            return []
        rows = await (
            EmailDelivery.select(
                EmailDelivery.id,
                EmailDelivery.attempts,
                EmailDelivery.created_at,
                EmailDelivery.address,
                EmailDelivery.org,
                EmailDelivery.recipient._.person.as_alias("person"),
                EmailDelivery.event.as_alias("event_id"),
            )
            .where(EmailDelivery.id.is_in(ids))
            .run()
        )
        events = {
            row["id"]: row
            for row in await OutboxEvent.select()
            .where(OutboxEvent.id.is_in([r["event_id"] for r in rows]))
            .output(load_json=True)
            .run()
        }
    return [
        Mail(
            row["id"],
            lease,
            row["attempts"],
            row["created_at"],
            row["address"],
            row["person"] is not None,
            {**events[row["event_id"]], "_org": row["org"]},
        )
        for row in rows
    ]


async def _send(mail: Mail, settings: Settings) -> str:
    """Send one mail; answers the error, or "" when the server took it."""
    password = settings.smtp_password.get_secret_value() if settings.smtp_password else None
    try:
        await aiosmtplib.send(
            message_of(mail, settings),
            hostname=settings.smtp_host,
            port=settings.smtp_port,
            username=settings.smtp_username,
            password=password,
            start_tls=settings.smtp_starttls and not settings.smtp_tls,
            use_tls=settings.smtp_tls,
            timeout=settings.smtp_timeout_seconds,
        )
    except (aiosmtplib.SMTPException, OSError) as error:
        return f"{type(error).__name__}: {error}"[:500]
    return ""


async def send_due(settings: Settings, batch: int = 20) -> int:
    """Claim, send and record one batch of due e-mails; returns how many were sent."""
    if not settings.smtp_host:
        return 0
    mails = await _claim(settings, batch)
    if not mails:
        return 0
    await _send_and_record(mails, settings)
    return len(mails)


async def send_one(settings: Settings, delivery_id: uuid.UUID) -> None:
    """One e-mail's job on PostgreSQL (``schema.worker``): lease it if it is due, send it,
    record the outcome; ``DueAgain`` when it is to be tried again."""
    mails = await _claim(settings, 1, only=delivery_id)
    if mails:
        await _send_and_record(mails, settings)
    await still_due(EmailDelivery, delivery_id)


async def _send_and_record(mails: list[Mail], settings: Settings) -> None:
    errors = await asyncio.gather(*(_send(m, settings) for m in mails))
    async with write_transaction(SYSTEM, "emailDeliveriesRecord"):
        for mail, error in zip(mails, errors, strict=True):
            values = settled(EmailDelivery, not error, mail.attempts, mail.created_at, settings)
            values[EmailDelivery.last_error] = error
            await (
                EmailDelivery.update(values)
                .where((EmailDelivery.id == mail.id) & (EmailDelivery.lease == mail.lease))
                .run()
            )
