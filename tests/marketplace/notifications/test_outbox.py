"""The transactional outbox: events written with the change or not at all, naming IDs and the
buyer's case reference only; the notifications they make; the calendar's reminders, once."""

from __future__ import annotations

import asyncio
import datetime
import json

import pytest

from marketplace.contracts import refunds, reminders, requests
from marketplace.contracts import service as contracts
from marketplace.contracts.models import PlacementRequestDecline, RefundClaimCreate
from marketplace.core import calendar
from marketplace.core.clock import today
from marketplace.core.errors import DomainError, ErrorCode
from marketplace.core.identity import Principal, Role
from marketplace.core.pagination import PageRequest
from marketplace.core.unit_of_work import write_transaction
from marketplace.notifications import service as notifications
from marketplace.notifications.models import EventKind
from marketplace.notifications.tables import Notification, OutboxEvent
from tests.marketplace.contracts.world import (
    AALBORG,
    AARHUS,
    CPR,
    ENGLY_ADMIN,
    Market,
    contract_for,
    request_place,
)


async def events_of(kind: EventKind) -> list[dict]:
    return (
        await OutboxEvent.select()
        .where(OutboxEvent.kind == kind.value)
        .output(load_json=True)
        .run()
    )


async def test_a_request_and_its_answer_are_events_for_the_other_side(market: Market) -> None:
    request = await request_place(market.offer_id)
    [received] = await events_of(EventKind.REQUEST_RECEIVED)
    assert received["orgs"] == ["43389424"]
    assert received["subjects"] == {"placementRequest": str(request.id)}
    assert received["case_reference"] == "SAG-2026-0042"
    page = await notifications.list_notifications(ENGLY_ADMIN, PageRequest())
    assert [n.kind for n in page.items] == [EventKind.REQUEST_RECEIVED.value]
    assert page.items[0].title == "Ny henvendelse om en plads"
    assert (await notifications.list_notifications(AALBORG, PageRequest())).total_count == 0

    await requests.decline_request(
        ENGLY_ADMIN, request.id, PlacementRequestDecline.model_validate({"reason": "no_capacity"})
    )
    [answered] = await events_of(EventKind.REQUEST_ANSWERED)
    assert answered["orgs"] == ["851"]
    assert answered["payload"]["status"] == "declined"
    assert await notifications.unread_count(AALBORG) == 1


async def test_no_event_names_a_cpr_number(market: Market) -> None:
    contract = await contract_for(market.offer_id)
    await refunds.create_claim(
        AALBORG,
        contract.id,
        RefundClaimCreate.model_validate({"debtor_code": "751", "paragraph": "stk2_nr1"}),
    )
    rows = await OutboxEvent.select().output(load_json=True).run()
    assert {r["kind"] for r in rows} >= {
        EventKind.REQUEST_RECEIVED.value,
        EventKind.REQUEST_ANSWERED.value,
        EventKind.REFUND_CLAIM_RECEIVED.value,
    }
    text = json.dumps(rows, default=str)
    assert CPR not in text and CPR.replace("-", "") not in text and "010190" not in text
    [claim] = await events_of(EventKind.REFUND_CLAIM_RECEIVED)
    assert claim["orgs"] == ["751"]
    assert await notifications.unread_count(AARHUS) == 1


async def _failing_change() -> None:
    async with write_transaction(AALBORG, "test") as unit:
        unit.emit(EventKind.REQUEST_RECEIVED, ["851"], {"placementRequest": "x"})
        raise RuntimeError("the change fails")


async def test_a_change_that_fails_leaves_no_event(market: Market) -> None:
    with pytest.raises(RuntimeError):
        await _failing_change()
    assert await OutboxEvent.count().run() == 0
    assert await Notification.count().run() == 0


async def test_marking_read_is_for_ones_own_notifications(market: Market) -> None:
    await request_place(market.offer_id)
    page = await notifications.list_notifications(ENGLY_ADMIN, PageRequest(), unread_only=True)
    [mine] = page.items
    with pytest.raises(DomainError) as refused:
        await notifications.mark_read(AALBORG, [mine.id])
    assert refused.value.code is ErrorCode.NOT_FOUND
    assert await notifications.unread_count(ENGLY_ADMIN) == 1
    [marked] = await notifications.mark_read(ENGLY_ADMIN, [mine.id])
    assert marked.read_at is not None
    assert await notifications.unread_count(ENGLY_ADMIN) == 0
    unread = await notifications.list_notifications(ENGLY_ADMIN, PageRequest(), unread_only=True)
    assert unread.total_count == 0


async def test_pages_run_newest_first_without_n_plus_one(market: Market) -> None:
    for _ in range(3):
        await request_place(market.offer_id)
    first = await notifications.list_notifications(ENGLY_ADMIN, PageRequest(first=2))
    assert first.total_count == 3 and first.has_next_page
    rest = await notifications.list_notifications(
        ENGLY_ADMIN, PageRequest(first=2, after=first.cursors[-1])
    )
    assert len(rest.items) == 1
    ids = [n.id for n in first.items + rest.items]
    assert len(set(ids)) == 3
    times = [n.created_at for n in first.items + rest.items]
    assert times == sorted(times, reverse=True)


async def test_the_tick_reminds_once_and_expires_with_an_event(market: Market) -> None:
    request = await request_place(market.offer_id)
    soon = request.expires_on - datetime.timedelta(days=1)
    assert await reminders.remind_due(soon) == 1
    assert await reminders.remind_due(soon) == 0  # once
    [expiring] = await events_of(EventKind.REQUEST_EXPIRING_SOON)
    assert expiring["orgs"] == ["43389424"]
    done = await calendar.tick(request.expires_on + datetime.timedelta(days=1))
    assert done["placement requests expired"] == 1
    [expired] = await events_of(EventKind.REQUEST_EXPIRED)
    assert sorted(expired["orgs"]) == ["43389424", "851"]
    again = await calendar.tick(request.expires_on + datetime.timedelta(days=1))
    assert again["reminders sent"] == 0


async def test_a_contracts_calendar_notice_and_end_are_events(market: Market) -> None:
    day = datetime.timedelta(days=1)
    start = today()
    contract = await contract_for(market.offer_id, start=start, follow_up_on=start + 5 * day)
    noticed = await contracts.give_notice(AALBORG, contract.id, "Flytter")
    [notice] = await events_of(EventKind.NOTICE_GIVEN)
    assert sorted(notice["orgs"]) == ["43389424", "851"]
    assert notice["subjects"]["contract"] == str(contract.id)
    assert noticed.end_date is not None
    await reminders.remind_due(start)
    [follow_up] = await events_of(EventKind.FOLLOW_UP_DUE)
    assert follow_up["payload"]["dueOn"] == str(start + 5 * day)
    assert await events_of(EventKind.CONTRACT_ENDING_SOON) == []  # 90 days away
    await reminders.remind_due(noticed.end_date - 10 * day)
    [ending] = await events_of(EventKind.CONTRACT_ENDING_SOON)
    assert ending["payload"]["endDate"] == str(noticed.end_date)
    assert len(await events_of(EventKind.FOLLOW_UP_DUE)) == 1  # reminded once
    await calendar.tick(noticed.end_date + day)
    [ended] = await events_of(EventKind.CONTRACT_ENDED)
    assert sorted(ended["orgs"]) == ["43389424", "851"]
    assert ended["case_reference"] == "SAG-2026-0042"


async def test_two_workers_ticking_at_once_remind_once(market: Market) -> None:
    request = await request_place(market.offer_id)
    soon = request.expires_on - datetime.timedelta(days=1)
    first, second = await asyncio.gather(reminders.remind_due(soon), reminders.remind_due(soon))
    assert first + second == 1  # both succeed; one of them wrote the reminder
    [expiring] = await events_of(EventKind.REQUEST_EXPIRING_SOON)
    assert await Notification.count().where(Notification.event == expiring["id"]).run() == 1
    ticks = await asyncio.gather(calendar.tick(soon), calendar.tick(soon))
    assert [t["reminders sent"] for t in ticks] == [0, 0]


async def test_a_buyers_event_is_addressed_to_the_case_handler_and_seen_by_the_organisation(
    market: Market,
) -> None:
    request = await request_place(market.offer_id)
    await requests.decline_request(
        ENGLY_ADMIN, request.id, PlacementRequestDecline.model_validate({"reason": "no_capacity"})
    )
    [answered] = await events_of(EventKind.REQUEST_ANSWERED)
    colleague = Principal(subject="test:aalborg-kollega", org_code="851", role=Role.PURCHASER)
    for_author = await notifications.list_notifications(AALBORG, PageRequest(), for_me=True)
    assert [n.event_id for n in for_author.items] == [answered["id"]]
    assert for_author.items[0].person == AALBORG.subject
    # the organisation sees it too (a colleague can take over the case) ...
    seen = await notifications.list_notifications(colleague, PageRequest())
    assert [n.event_id for n in seen.items] == [answered["id"]]
    # ... but it is not addressed to the colleague
    assert (
        await notifications.list_notifications(colleague, PageRequest(), for_me=True)
    ).items == []
    # the provider's notification of the request is addressed to no one in particular
    [received] = (await notifications.list_notifications(ENGLY_ADMIN, PageRequest())).items
    assert received.person is None
