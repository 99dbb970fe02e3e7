"""Central announcements and the regions' reports: who writes them, the lifecycle, deadlines."""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from agreements.announcements import service
from agreements.announcements.models import (
    AnnouncementCreate,
    AnnouncementStatus,
    Assessment,
    ReportCreate,
    ReportFields,
    ReportStatus,
)
from agreements.announcements.tables import RegionalReport
from marketplace.core.clock import today
from marketplace.core.errors import DomainError, ErrorCode, parse
from marketplace.core.identity import Principal, Role
from marketplace.core.pagination import PageRequest
from tests.agreements.world import MIDT_STEERING, NORD_STEERING
from tests.factories import REGISTRY_ADMIN, target_group_code
from tests.marketplace.contracts.world import AALBORG, build_market

PREGNANT = [target_group_code("Stofmisbrug"), target_group_code("Alkoholmisbrug")]


def announcement(**overrides: Any) -> AnnouncementCreate:
    values: dict[str, Any] = {
        "issuer": "Socialstyrelsen",
        "issued_on": today() - datetime.timedelta(days=100),
        "title": "Udsatte gravide med skadeligt rusmiddelbrug",
        "target_groups": PREGNANT,
        "small_group": True,
        "complex_needs": True,
        "report_deadline": today() + datetime.timedelta(days=20),
    }
    return AnnouncementCreate.model_validate({**values, **overrides})


async def test_only_the_registry_administrator_records_announcements() -> None:
    with pytest.raises(DomainError) as error:
        await service.create_announcement(NORD_STEERING, announcement())
    assert error.value.code is ErrorCode.PERMISSION_DENIED
    made = await service.create_announcement(REGISTRY_ADMIN, announcement())
    assert made.status is AnnouncementStatus.OPEN
    page = await service.list_announcements(AALBORG, PageRequest(), status=AnnouncementStatus.OPEN)
    assert [a.id for a in page.items] == [made.id]


@pytest.mark.parametrize(
    "data",
    [
        {"small_group": False, "complex_needs": False},
        {"target_groups": ["nope"]},
        {"target_groups": []},
        {"estimate_low": 400, "estimate_high": 300},
        {"report_deadline": "2000-01-01"},
    ],
)
def test_a_bad_announcement_is_refused(data: dict[str, Any]) -> None:
    values = announcement().model_dump() | data
    with pytest.raises(DomainError):
        parse(AnnouncementCreate, values)


async def test_a_region_drafts_and_submits_its_report_once() -> None:
    market = await build_market()
    made = await service.create_announcement(REGISTRY_ADMIN, announcement())
    draft = await service.create_report(
        NORD_STEERING,
        made.id,
        ReportCreate(
            region_code="1081", offer_ids=[market.aalborg_offer_id], challenges="Få pladser"
        ),
    )
    assert (draft.status, draft.days_to_deadline, draft.overdue) == (ReportStatus.DRAFT, 20, False)
    assert draft.offer_ids == [market.aalborg_offer_id]
    with pytest.raises(DomainError) as error:  # one report per region
        await service.create_report(NORD_STEERING, made.id, ReportCreate(region_code="1081"))
    assert error.value.code is ErrorCode.DUPLICATE
    with pytest.raises(DomainError) as error:  # another region's draft does not exist for it
        await service.update_report(MIDT_STEERING, draft.id, ReportFields(challenges="Andet"))
    assert error.value.code is ErrorCode.NOT_FOUND
    with pytest.raises(DomainError) as error:  # the private offer lies in Central Jutland
        await service.update_report(
            NORD_STEERING, draft.id, ReportFields(offer_ids=[market.offer_id])
        )
    assert error.value.field == ["offer_ids"]
    with pytest.raises(DomainError) as error:  # an assessment first
        await service.submit_report(NORD_STEERING, draft.id)
    assert error.value.code is ErrorCode.REQUIRED
    await service.update_report(NORD_STEERING, draft.id, ReportFields(assessment=Assessment.PARTLY))
    submitted = await service.submit_report(NORD_STEERING, draft.id)
    assert (submitted.status, submitted.submitted_on, submitted.days_to_deadline) == (
        ReportStatus.SUBMITTED,
        today(),
        None,
    )
    with pytest.raises(DomainError) as error:
        await service.submit_report(NORD_STEERING, draft.id)
    assert error.value.code is ErrorCode.INVALID_STATE
    with pytest.raises(DomainError) as error:
        await service.update_report(NORD_STEERING, draft.id, ReportFields(challenges="Senere"))
    assert error.value.code is ErrorCode.INVALID_STATE
    with pytest.raises(DomainError) as error:  # submitted, it is seen by all, still not theirs
        await service.update_report(MIDT_STEERING, draft.id, ReportFields(challenges="Andet"))
    assert error.value.code is ErrorCode.PERMISSION_DENIED


async def test_a_draft_is_read_by_its_region_alone_and_a_submitted_report_by_everyone() -> None:
    made = await service.create_announcement(REGISTRY_ADMIN, announcement())
    draft = await service.create_report(
        NORD_STEERING, made.id, ReportCreate(region_code="1081", challenges="Udkast")
    )

    async def readers() -> dict[str, tuple[bool, bool, bool]]:
        """Who finds the report by its ID, in the list, and under its announcement."""
        found = {}
        for name, principal in {
            "its steering group": NORD_STEERING,
            "registry admin": REGISTRY_ADMIN,
            "another steering group": MIDT_STEERING,
            "a purchaser of the region": AALBORG,
        }.items():
            by_id = await service.reports_by_id(principal, [draft.id])
            page = await service.list_reports(principal, PageRequest(), announcement_id=made.id)
            under = await service.reports_by_announcement(principal, [made.id])
            found[name] = (
                draft.id in by_id,
                [r.id for r in page.items] == [draft.id] and page.total_count == 1,
                [r.id for r in under[made.id]] == [draft.id],
            )
        anonymous = Principal.anonymous()
        assert await service.reports_by_id(anonymous, [draft.id]) == {}
        assert await service.reports_by_announcement(anonymous, [made.id]) == {made.id: []}
        with pytest.raises(DomainError) as error:
            await service.list_reports(anonymous, PageRequest(), announcement_id=made.id)
        assert error.value.code is ErrorCode.UNAUTHENTICATED
        return found

    mine, hidden = (True, True, True), (False, False, False)
    assert await readers() == {
        "its steering group": mine,
        "registry admin": mine,
        "another steering group": hidden,
        "a purchaser of the region": hidden,
    }
    await service.update_report(NORD_STEERING, draft.id, ReportFields(assessment=Assessment.PARTLY))
    await service.submit_report(NORD_STEERING, draft.id)
    assert await readers() == {
        "its steering group": mine,
        "registry admin": mine,
        "another steering group": mine,
        "a purchaser of the region": mine,
    }


async def test_a_late_report_is_overdue_and_five_reports_complete_the_round() -> None:
    made = await service.create_announcement(
        REGISTRY_ADMIN, announcement(report_deadline=today() - datetime.timedelta(days=3))
    )
    late = await service.create_report(NORD_STEERING, made.id, ReportCreate(region_code="1081"))
    assert (late.overdue, late.days_to_deadline) == (True, -3)
    for region in ("1081", "1082", "1083", "1084", "1085"):
        steering = Principal(subject=f"test:{region}", org_code=region, role=Role.STEERING)
        report = (
            late
            if region == "1081"
            else await service.create_report(steering, made.id, ReportCreate(region_code=region))
        )
        await service.update_report(
            steering, report.id, ReportFields(assessment=Assessment.SUFFICIENT)
        )
        await service.submit_report(steering, report.id)
    [done] = (await service.announcements_by_id(AALBORG, [made.id])).values()
    assert done.status is AnnouncementStatus.REPORTS_RECEIVED
    page = await service.list_reports(AALBORG, PageRequest(), announcement_id=made.id)
    assert page.total_count == 5 and await RegionalReport.count().run() == 5


async def test_a_report_submitted_after_its_deadline_keeps_the_days_late() -> None:
    made = await service.create_announcement(
        REGISTRY_ADMIN, announcement(report_deadline=today() - datetime.timedelta(days=3))
    )
    draft = await service.create_report(NORD_STEERING, made.id, ReportCreate(region_code="1081"))
    assert draft.days_late == 3  # open, three days past the deadline
    await service.update_report(
        NORD_STEERING, draft.id, ReportFields(assessment=Assessment.SUFFICIENT)
    )
    submitted = await service.submit_report(NORD_STEERING, draft.id)
    assert (submitted.overdue, submitted.days_late) == (False, 3)
    on_time = await service.create_announcement(
        REGISTRY_ADMIN, announcement(title="Spiseforstyrrelser")
    )
    early = await service.create_report(NORD_STEERING, on_time.id, ReportCreate(region_code="1081"))
    assert early.days_late is None
