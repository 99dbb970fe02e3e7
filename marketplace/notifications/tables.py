"""Tables of the notifications: the outbox of events, the in-app notifications, the webhook
endpoints and their deliveries."""

from __future__ import annotations

from piccolo.columns import (
    JSON,
    UUID,
    BigInt,
    Boolean,
    ForeignKey,
    Integer,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.columns.base import OnDelete
from piccolo.table import Table


class OutboxEvent(Table, tablename="outbox_event"):
    """Something that happened, written in the transaction of the change (the outbox). It
    names the organisations concerned (``orgs``), the objects (``subjects``: role -> id) and
    the buyer's case reference; never a citizen's CPR number or name. ``sort_key`` is the
    negated microseconds of ``created_at``: newest first in ascending (keyset) order."""

    id = UUID(primary_key=True)
    kind = Varchar(length=64, index=True)
    orgs = JSON(default=[])
    subjects = JSON(default={})
    case_reference = Varchar(length=64, null=True, default=None)
    payload = JSON(default={})
    actor_org = Varchar(length=16, null=True, default=None)
    dedupe_key = Varchar(length=200, null=True, default=None, unique=True)
    created_at = Timestamptz(index=True)


class Notification(Table, tablename="notification"):
    """An event shown in an organisation's app (to one person of it, when ``person`` names
    one), read or unread."""

    id = UUID(primary_key=True)
    event = ForeignKey(references=OutboxEvent, null=False, index=True, on_delete=OnDelete.cascade)
    org = Varchar(length=16, index=True)
    person = Varchar(length=200, null=True, default=None)
    kind = Varchar(length=64)
    sort_key = BigInt(index=True)
    created_at = Timestamptz()
    read_at = Timestamptz(null=True, default=None)
    read_by = Varchar(length=200, null=True, default=None)


class WebhookEndpoint(Table, tablename="webhook_endpoint"):
    """An address an organisation's system receives its events at, with the events it
    wants. ``secret`` (``whsec_`` + base64) signs each delivery (Standard Webhooks)."""

    id = UUID(primary_key=True)
    org = Varchar(length=16, index=True)
    url = Varchar(length=2000)
    events = JSON(default=[])
    secret = Varchar(length=100)
    active = Boolean(default=True)
    description = Varchar(length=200, default="")
    created_at = Timestamptz()
    created_by = Varchar(length=200, default="")
    secret_rotated_at = Timestamptz(null=True, default=None)
    # After a rotation the old secret signs too (a second signature) until this time, so a
    # receiver can switch over without losing a delivery.
    previous_secret = Varchar(length=100, null=True, default=None)
    previous_secret_until = Timestamptz(null=True, default=None)


class WebhookDelivery(Table, tablename="webhook_delivery"):
    """One event to one endpoint: tried until the receiver answers 2xx, with exponential
    backoff for a day. A worker leases a delivery (``lease``, until ``lease_until``) before it sends it; a
    worker that dies mid-delivery leaves the lease to run out, and the delivery is sent
    again (at least once: the receiver drops repeats by the event id)."""

    id = UUID(primary_key=True)
    event = ForeignKey(references=OutboxEvent, null=False, index=True, on_delete=OnDelete.cascade)
    endpoint = ForeignKey(
        references=WebhookEndpoint, null=False, index=True, on_delete=OnDelete.cascade
    )
    org = Varchar(length=16, index=True)
    status = Varchar(length=16, index=True)  # pending, delivered, failed
    attempts = Integer(default=0)
    next_attempt_at = Timestamptz(index=True)
    lease_until = Timestamptz(null=True, default=None)
    lease = UUID(null=True, default=None)  # the holding worker's token
    last_status_code = Integer(null=True, default=None)
    last_error = Text(default="")
    sort_key = BigInt(index=True)
    created_at = Timestamptz()
    delivered_at = Timestamptz(null=True, default=None)


class WebhookAttempt(Table, tablename="webhook_attempt"):
    """One attempt at a delivery, kept for the delivery log: when, how long it took, and the
    receiver's answer (status code) or the error."""

    id = UUID(primary_key=True)
    delivery = ForeignKey(
        references=WebhookDelivery, null=False, index=True, on_delete=OnDelete.cascade
    )
    org = Varchar(length=16, index=True)
    attempt = Integer()
    at = Timestamptz()
    status_code = Integer(null=True, default=None)
    error = Text(default="")
    duration_ms = Integer(default=0)
    sort_key = BigInt(index=True)


class EmailRecipient(Table, tablename="email_recipient"):
    """Where an organisation's events go by e-mail: an address of the organisation's (``person``
    null: set by the organisation, every event of it), or a person's own choice (their address
    and the events they want). ``events`` empty: every event."""

    id = UUID(primary_key=True)
    org = Varchar(length=16, index=True)
    person = Varchar(length=200, null=True, default=None)
    address = Varchar(length=254)
    events = JSON(default=[])
    created_at = Timestamptz()
    created_by = Varchar(length=200, default="")


class EmailDelivery(Table, tablename="email_delivery"):
    """One event to one address, sent at least once like a webhook delivery (leased by a
    worker, retried with backoff for a day)."""

    id = UUID(primary_key=True)
    event = ForeignKey(references=OutboxEvent, null=False, index=True, on_delete=OnDelete.cascade)
    recipient = ForeignKey(
        references=EmailRecipient, null=True, index=True, on_delete=OnDelete.set_null
    )
    org = Varchar(length=16, index=True)
    address = Varchar(length=254)
    status = Varchar(length=16, index=True)  # pending, delivered, failed
    attempts = Integer(default=0)
    next_attempt_at = Timestamptz(index=True)
    lease_until = Timestamptz(null=True, default=None)
    lease = UUID(null=True, default=None)
    last_error = Text(default="")
    sort_key = BigInt(index=True)
    created_at = Timestamptz()
    delivered_at = Timestamptz(null=True, default=None)
