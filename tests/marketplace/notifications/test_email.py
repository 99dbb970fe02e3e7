"""Notifications by e-mail, against a local SMTP server (aiosmtpd) on loopback: an
organisation's address gets every event, a person's own choice only the events chosen; the
Danish message has a text and an HTML part, the case reference and no CPR number; a server
that refuses is tried again; a bad address or event is refused with nothing stored."""

from __future__ import annotations

import asyncio
import email
import email.policy
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from marketplace.core.errors import DomainError, DomainErrors, ErrorCode, parse
from marketplace.core.pagination import PageRequest
from marketplace.core.settings import Settings, get_settings
from marketplace.notifications import email as mail
from marketplace.notifications.models import EventKind
from marketplace.notifications.tables import EmailDelivery, EmailRecipient
from tests.conftest import BACKEND
from tests.marketplace.contracts.world import CPR, ENGLY_ADMIN, Market, request_place


class Inbox:
    def __init__(self) -> None:
        self.messages: list[tuple[list[str], email.message.EmailMessage]] = []
        self.refuse = 0
        self.port = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.refuse:
            self.refuse -= 1
            return "451 Try again later"
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages.append((list(envelope.rcpt_tos), parsed))  # type: ignore[arg-type]
        return "250 OK"


@pytest.fixture
def inbox(monkeypatch: pytest.MonkeyPatch) -> Iterator[Inbox]:
    handler = Inbox()
    with socket.socket() as probe:  # a free port (aiosmtpd checks it is up by connecting)
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    handler.port = port
    server = Controller(handler, hostname="127.0.0.1", port=port)
    server.start()
    settings = get_settings()
    monkeypatch.setattr(settings, "smtp_host", "127.0.0.1")
    monkeypatch.setattr(settings, "smtp_port", port)
    monkeypatch.setattr(settings, "smtp_starttls", False)
    try:
        yield handler
    finally:
        server.stop()


def settings() -> Settings:
    return get_settings()


def recipient(address: str, **values: Any) -> mail.EmailRecipientSet:
    return parse(mail.EmailRecipientSet, {"address": address, **values})


async def test_the_organisation_and_a_person_get_their_mail(inbox: Inbox, market: Market) -> None:
    await mail.add_recipient(ENGLY_ADMIN, recipient("visitation@engly.dk", for_organisation=True))
    await mail.add_recipient(
        ENGLY_ADMIN, recipient("leder@engly.dk", events=[EventKind.CONTRACT_ENDED.value])
    )
    await request_place(market.offer_id)
    assert await mail.send_due(settings()) == 1
    [(to, message)] = inbox.messages
    assert to == ["visitation@engly.dk"]
    assert message["Subject"] == "Socialmarked: Ny henvendelse om en plads"
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert "Sagsnummer: SAG-2026-0042" in text and "SAG-2026-0042" in html
    assert "/notifikationer" in text and 'lang="da"' in html
    raw = message.as_string()
    assert CPR not in raw and "010190" not in raw
    [row] = await EmailDelivery.select().run()
    assert row["status"] == "delivered"
    page = await mail.list_recipients(ENGLY_ADMIN, PageRequest())
    assert {r.address for r in page.items} == {"visitation@engly.dk", "leder@engly.dk"}


async def test_a_refusing_server_is_tried_again(inbox: Inbox, market: Market) -> None:
    inbox.refuse = 1
    await mail.add_recipient(ENGLY_ADMIN, recipient("visitation@engly.dk", for_organisation=True))
    await request_place(market.offer_id)
    await mail.send_due(settings())
    [row] = await EmailDelivery.select().run()
    assert row["status"] == "pending" and "451" in row["last_error"]
    await EmailDelivery.update({EmailDelivery.next_attempt_at: row["created_at"]}, force=True).run()
    await mail.send_due(settings())
    assert len(inbox.messages) == 1
    [row] = await EmailDelivery.select().run()
    assert row["status"] == "delivered" and row["attempts"] == 2


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"address": "ikke en adresse"}, "address"),
        ({"address": "a@b"}, "address"),
        ({"address": "x@engly.dk", "events": ["placement_request.eaten"]}, "events"),
    ],
)
async def test_bad_input_is_refused(values: dict[str, Any], field: str) -> None:
    with pytest.raises(DomainErrors) as refused:
        parse(mail.EmailRecipientSet, values)
    assert refused.value.code is ErrorCode.INVALID and refused.value.field == [field]
    assert await EmailRecipient.count().run() == 0


async def test_another_organisations_address_cannot_be_removed() -> None:
    made = await mail.add_recipient(ENGLY_ADMIN, recipient("v@engly.dk", for_organisation=True))
    other = ENGLY_ADMIN.__class__(subject="x", org_code="851", role=ENGLY_ADMIN.role)
    with pytest.raises(DomainError) as refused:
        await mail.remove_recipient(other, made.id)
    assert refused.value.code is ErrorCode.NOT_FOUND
    assert await EmailRecipient.count().run() == 1
    await mail.remove_recipient(ENGLY_ADMIN, made.id)
    assert await EmailRecipient.count().run() == 0


async def test_no_mail_is_made_without_an_smtp_server(market: Market) -> None:
    await mail.add_recipient(ENGLY_ADMIN, recipient("v@engly.dk", for_organisation=True))
    await request_place(market.offer_id)
    assert await EmailDelivery.count().run() == 0


async def test_an_answer_is_mailed_to_the_case_handler_as_they_chose(
    inbox: Inbox, market: Market
) -> None:
    from marketplace.contracts import requests
    from marketplace.contracts.models import PlacementRequestDecline
    from marketplace.core.identity import Principal, Role
    from tests.marketplace.contracts.world import AALBORG

    colleague = Principal(subject="test:aalborg-kollega", org_code="851", role=Role.PURCHASER)
    answered = EventKind.REQUEST_ANSWERED.value
    await mail.add_recipient(AALBORG, recipient("visitation@aalborg.dk", for_organisation=True))
    await mail.add_recipient(AALBORG, recipient("sagsbehandler@aalborg.dk", events=[answered]))
    await mail.add_recipient(colleague, recipient("kollega@aalborg.dk", events=[answered]))
    first = await request_place(market.offer_id)
    await requests.decline_request(
        ENGLY_ADMIN, first.id, PlacementRequestDecline.model_validate({"reason": "no_capacity"})
    )
    await mail.send_due(settings())
    # the organisation's address and the author's own; not the colleague's (not their case)
    assert sorted(to[0] for to, _ in inbox.messages) == [
        "sagsbehandler@aalborg.dk",
        "visitation@aalborg.dk",
    ]
    # the author chooses other events: their own address no longer gets answers
    await mail.add_recipient(
        AALBORG, recipient("sagsbehandler@aalborg.dk", events=[EventKind.CONTRACT_ENDED.value])
    )
    inbox.messages.clear()
    second = await request_place(market.offer_id, citizen_ref="SAG-2026-0043")
    await requests.decline_request(
        ENGLY_ADMIN, second.id, PlacementRequestDecline.model_validate({"reason": "no_capacity"})
    )
    await mail.send_due(settings())
    assert [to[0] for to, _ in inbox.messages] == ["visitation@aalborg.dk"]


async def test_a_deadline_mail_speaks_danish(inbox: Inbox) -> None:
    import datetime

    from agreements import reminders
    from agreements.frameworks import service
    from agreements.frameworks.models import AgreementStatus, AgreementUpdate
    from marketplace.core.clock import today
    from tests.agreements.world import NORD_STEERING, agreement_command

    deadline = today() + datetime.timedelta(days=3)
    agreement = await service.create_agreement(
        NORD_STEERING, agreement_command(parties=["851", "1081"], approval_deadline=deadline)
    )
    await service.update_agreement(
        NORD_STEERING, agreement.id, AgreementUpdate(status=AgreementStatus.SENT_FOR_APPROVAL)
    )
    await mail.add_recipient(NORD_STEERING, recipient("das@rn.dk", for_organisation=True))
    await reminders.remind_approvals(today())
    await mail.send_due(settings())
    [(to, message)] = inbox.messages
    assert to == ["das@rn.dk"]
    assert message["Subject"] == "Socialmarked: Fristen for politisk godkendelse nærmer sig"
    text = message.get_body(("plain",)).get_content()
    assert "venter stadig på politisk beslutning" in text
    assert f"Frist: {deadline:%d.%m.%Y}" in text and "Dage til fristen: 3" in text
    assert "Parter uden politisk beslutning: 2" in text


@pytest.mark.skipif(BACKEND != "postgres", reason="procrastinate is PostgreSQL's")
async def test_a_job_worker_sends_the_mail_and_tries_a_refusal_again(
    inbox: Inbox, market: Market
) -> None:
    inbox.refuse = 1
    await mail.add_recipient(ENGLY_ADMIN, recipient("visitation@engly.dk", for_organisation=True))
    await request_place(market.offer_id)
    env = {
        **os.environ,
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": str(inbox.port),
        "SMTP_STARTTLS": "false",
        "WEBHOOK_BACKOFF_SECONDS": "1",
        "DELIVERY_POLL_SECONDS": "0.1",
    }
    command = [str(Path(sys.executable).with_name("socialmarked")), "worker", "--no-tick"]
    worker = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while not inbox.messages:
            assert time.monotonic() < deadline, "no mail"
            await asyncio.sleep(0.1)
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(30)
    [(to, message)] = inbox.messages
    assert to == ["visitation@engly.dk"] and "SAG-2026-0042" in message.as_string()
    [row] = await EmailDelivery.select().run()
    assert row["status"] == "delivered" and row["attempts"] == 2
