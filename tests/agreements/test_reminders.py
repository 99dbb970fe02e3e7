"""The regional registry's events: a council decision recorded and a central announcement
published in the transaction of the change; the calendar's reminders of the council approval
deadline and the report deadline (at each lead time, and once passed), of next year's price
list missing after the agreement's day, each sent once however often the tick runs, and two
ticks at once both succeed."""

from __future__ import annotations

import asyncio
import datetime
import uuid
from typing import Any

import pytest
from pydantic import ValidationError

from agreements import reminders
from agreements.announcements import service as announcements
from agreements.announcements.models import AnnouncementCreate, Assessment, ReportCreate
from agreements.frameworks import service
from agreements.frameworks.models import (
    AgreementStatus,
    AgreementUpdate,
    CouncilDecisionRecord,
)
from marketplace.core import calendar
from marketplace.core.clock import today
from marketplace.core.errors import DomainError
from marketplace.core.identity import Principal, Role
from marketplace.core.pagination import PageRequest
from marketplace.notifications import service as notifications
from marketplace.notifications.models import EventKind
from marketplace.notifications.tables import Notification, OutboxEvent
from marketplace.offers.tables import PriceList
from tests.agreements.world import (
    AALBORG_PURCHASER,
    NORD,
    NORD_STEERING,
    THIS_YEAR,
    agreement_command,
    agreement_in_force,
    rules,
)
from tests.factories import REGISTRY_ADMIN, target_group_code
from tests.marketplace.contracts.world import AALBORG_PROVIDER_ADMIN, build_market

DAY = datetime.timedelta(days=1)
REGIONS = ["1081", "1082", "1083", "1084", "1085"]


async def events_of(kind: EventKind) -> list[dict[str, Any]]:
    return (
        await OutboxEvent.select()
        .where(OutboxEvent.kind == kind.value)
        .order_by(OutboxEvent.created_at)
        .output(load_json=True)
        .run()
    )


def decided(party: str, kind: str = "approved") -> CouncilDecisionRecord:
    return CouncilDecisionRecord.model_validate(
        {
            "party_code": party,
            "decision": kind,
            "body": "Byrådet",
            "decided_on": today() - DAY,
        }
    )


async def sent_for_approval(deadline: datetime.date, parties: list[str]) -> uuid.UUID:
    agreement = await service.create_agreement(
        NORD_STEERING, agreement_command(parties=parties, approval_deadline=deadline)
    )
    await service.update_agreement(
        NORD_STEERING, agreement.id, AgreementUpdate(status=AgreementStatus.SENT_FOR_APPROVAL)
    )
    return agreement.id


async def test_a_council_decision_is_an_event_for_the_steering_group_and_the_parties() -> None:
    agreement_id = await sent_for_approval(today() + 30 * DAY, ["851", "849", NORD])
    await service.record_decision(NORD_STEERING, agreement_id, decided("851"))
    [event] = await events_of(EventKind.COUNCIL_DECISION_RECORDED)
    assert sorted(event["orgs"]) == ["1081", "849", "851"]
    assert event["subjects"] == {"agreement": str(agreement_id)}
    assert event["payload"] == {
        "party": "851",
        "decision": "approved",
        "decidedOn": str(today() - DAY),
    }
    page = await notifications.list_notifications(AALBORG_PURCHASER, PageRequest())
    assert [n.title for n in page.items] == [
        "En politisk beslutning om rammeaftalen er registreret"
    ]
    # refused (not a party): no event
    with pytest.raises(DomainError):
        await service.record_decision(NORD_STEERING, agreement_id, decided("773"))
    assert len(await events_of(EventKind.COUNCIL_DECISION_RECORDED)) == 1


async def test_the_approval_deadline_is_reminded_at_each_lead_time_and_once_passed() -> None:
    deadline = today() + 20 * DAY
    agreement_id = await sent_for_approval(deadline, ["851", "849", NORD])
    await service.record_decision(NORD_STEERING, agreement_id, decided("851"))
    assert await reminders.remind_approvals(deadline - 15 * DAY) == 0  # before the first lead
    assert await reminders.remind_approvals(deadline - 14 * DAY) == 1
    assert await reminders.remind_approvals(deadline - 14 * DAY) == 0  # once
    assert await reminders.remind_approvals(deadline - 5 * DAY) == 0  # still the 14-day lead
    assert await reminders.remind_approvals(deadline - 2 * DAY) == 1  # the 3-day lead
    soon = await events_of(EventKind.APPROVAL_DEADLINE_SOON)
    assert [e["payload"]["daysLeft"] for e in soon] == [14, 2]
    # the steering group and the parties that have not decided (Aalborg has)
    assert sorted(soon[0]["orgs"]) == ["1081", "849"]
    assert soon[0]["payload"]["deadline"] == str(deadline) and soon[0]["payload"]["missing"] == 2
    assert await reminders.remind_approvals(deadline) == 0
    assert await reminders.remind_approvals(deadline + DAY) == 1
    assert await reminders.remind_approvals(deadline + 9 * DAY) == 0
    [passed] = await events_of(EventKind.APPROVAL_DEADLINE_PASSED)
    assert sorted(passed["orgs"]) == ["1081", "849"]
    # Jammerbugt's own list shows it; Aalborg, which decided, is not reminded
    jammerbugt = Principal(subject="test:jammerbugt", org_code="849", role=Role.PURCHASER)
    page = await notifications.list_notifications(jammerbugt, PageRequest())
    titles = {n.title for n in page.items}
    assert "Fristen for politisk godkendelse er overskredet" in titles


async def test_no_reminder_once_every_party_has_decided() -> None:
    deadline = today() + 2 * DAY
    agreement_id = await sent_for_approval(deadline, ["851", NORD])
    await service.record_decision(NORD_STEERING, agreement_id, decided("851"))
    await service.record_decision(NORD_STEERING, agreement_id, decided(NORD, "rejected"))
    assert await reminders.remind_approvals(deadline - DAY) == 0
    assert await reminders.remind_approvals(deadline + DAY) == 0


def announcement(deadline: datetime.date) -> AnnouncementCreate:
    return AnnouncementCreate.model_validate(
        {
            "issuer": "Socialstyrelsen",
            "issued_on": today() - 100 * DAY,
            "title": "Udsatte gravide med skadeligt rusmiddelbrug",
            "target_groups": [target_group_code("Stofmisbrug")],
            "small_group": True,
            "complex_needs": True,
            "report_deadline": deadline,
        }
    )


async def test_a_new_announcement_and_its_report_deadline_reach_the_regions() -> None:
    await build_market()
    deadline = today() + 10 * DAY
    made = await announcements.create_announcement(REGISTRY_ADMIN, announcement(deadline))
    [published] = await events_of(EventKind.ANNOUNCEMENT_PUBLISHED)
    assert sorted(published["orgs"]) == REGIONS
    assert published["payload"] == {"reportDeadline": str(deadline)}
    steering = await notifications.list_notifications(NORD_STEERING, PageRequest())
    assert [n.title for n in steering.items] == ["Ny central udmelding"]

    # North Jutland submits; the other four regions are reminded, each once per lead time
    report = await announcements.create_report(
        NORD_STEERING,
        made.id,
        ReportCreate(region_code=NORD, assessment=Assessment.SUFFICIENT),
    )
    await announcements.submit_report(NORD_STEERING, report.id)
    assert await reminders.remind_reports(deadline - 10 * DAY) == 4
    assert await reminders.remind_reports(deadline - 9 * DAY) == 0
    soon = await events_of(EventKind.REPORT_DEADLINE_SOON)
    assert sorted(o for e in soon for o in e["orgs"]) == REGIONS[1:]
    assert all(e["subjects"] == {"centralAnnouncement": str(made.id)} for e in soon)
    assert await reminders.remind_reports(deadline + DAY) == 4
    assert await reminders.remind_reports(deadline + 2 * DAY) == 0
    passed = await events_of(EventKind.REPORT_DEADLINE_PASSED)
    assert "1081" not in {o for e in passed for o in e["orgs"]}


async def test_a_missing_price_list_is_reminded_after_the_agreements_day() -> None:
    market = await build_market()
    await agreement_in_force(with_rules=rules(price_lists_due="10-01"))
    birkely = market.aalborg_offer_id  # Aalborg's own offer: a public provider
    await (
        PriceList.delete()
        .where((PriceList.offer == birkely) & (PriceList.year == THIS_YEAR + 1))
        .run()
    )
    assert await reminders.remind_price_lists(datetime.date(THIS_YEAR, 10, 1)) == 0  # the day
    assert await reminders.remind_price_lists(datetime.date(THIS_YEAR, 10, 2)) == 1
    assert await reminders.remind_price_lists(datetime.date(THIS_YEAR, 10, 3)) == 0  # once
    [missing] = await events_of(EventKind.PRICE_LIST_MISSING)
    assert missing["orgs"] == ["851"]  # the provider (the private provider's offer is outside)
    assert missing["subjects"]["offer"] == str(birkely)
    assert missing["payload"] == {"year": THIS_YEAR + 1, "dueOn": f"{THIS_YEAR}-10-01"}
    page = await notifications.list_notifications(AALBORG_PROVIDER_ADMIN, PageRequest())
    assert "Næste års takster mangler" in [n.title for n in page.items]


async def test_price_lists_due_must_be_a_day_of_the_year() -> None:
    for bad in ("13-01", "02-30", "2026-10-01", "1-10"):
        with pytest.raises(ValidationError, match="price_lists_due"):
            rules(price_lists_due=bad)
    assert rules(price_lists_due="10-01").price_lists_due_in(2027) == datetime.date(2027, 10, 1)


async def test_two_ticks_at_once_both_succeed_and_remind_once() -> None:
    await build_market()
    deadline = today() + 3 * DAY
    await sent_for_approval(deadline, ["851", "849", NORD])
    await announcements.create_announcement(REGISTRY_ADMIN, announcement(deadline))
    first, second = await asyncio.gather(calendar.tick(today()), calendar.tick(today()))
    for step in ("council approval deadlines reminded", "report deadlines reminded"):
        assert first[step] + second[step] == (1 if step.startswith("council") else 5)
    assert len(await events_of(EventKind.APPROVAL_DEADLINE_SOON)) == 1
    assert len(await events_of(EventKind.REPORT_DEADLINE_SOON)) == 5
    keys = await OutboxEvent.select(OutboxEvent.dedupe_key).output(as_list=True).run()
    written = [k for k in keys if k]
    assert len(written) == len(set(written))
    # each reminder made its notifications once
    soon = await events_of(EventKind.APPROVAL_DEADLINE_SOON)
    assert await Notification.count().where(Notification.event == soon[0]["id"]).run() == 3
