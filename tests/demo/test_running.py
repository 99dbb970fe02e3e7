"""The demo case load: Rebild's § 85 cases (Rebild's three reviews find them), notice to the
end of a month by the agreement's rule, a days-based notice ending on the 15th, a follow-up
held with its next date and a renegotiation date; no offer's free places change, and seeding
twice adds nothing."""

from __future__ import annotations

import datetime
from typing import Any

from demo.agreements import seed_demo_agreements
from demo.offers import seed_demo_offers
from demo.providers import seed_demo_providers
from demo.running import BUYER, seed_demo_running
from marketplace.contracts import caseload, followups, notices
from marketplace.contracts.models import (
    CaseLoadFilter,
    CaseLoadSort,
    ContractDateKind,
    ContractDateStatus,
    ContractStatus,
    FollowUpOutcome,
)
from marketplace.contracts.tables import Contract
from marketplace.core.clock import today
from marketplace.core.errors import parse
from marketplace.core.pagination import PageRequest
from marketplace.core.rules import NoticeConvention
from tests.demo.test_refunds import _free_today

DAY = datetime.timedelta(days=1)


async def _refs(**how: Any) -> list[str]:
    wanted = parse(CaseLoadFilter, {"legal_basis": "SEL-85", **how.pop("filter", {})})
    sort = parse(CaseLoadSort, how.pop("sort", {}))
    page = await caseload.case_load(BUYER, PageRequest(first=50), wanted, sort)
    return [item.contract.citizen_ref or "" for item in page.items]


async def test_the_demo_case_load() -> None:
    await seed_demo_providers()
    await seed_demo_offers()
    await seed_demo_agreements()
    free = await _free_today()
    assert await seed_demo_running() == 7
    assert await seed_demo_running() == 0  # idempotent
    assert await _free_today() == free  # each took a place declared in use
    rows = {
        r["citizen_ref"]: r
        for r in await Contract.select().where(Contract.citizen_ref.like("REBILD-%")).run()
    }
    assert sorted(rows) == [*(f"REBILD-85-{i}" for i in range(1, 7)), "REBILD-BO-1"]
    # Rebild's three reviews (seed 003)
    assert await _refs(filter={"stay_longer_than_years": 5}) == ["REBILD-85-1", "REBILD-85-2"]
    assert (await _refs(sort={"by": "hours_per_week"}))[0] == "REBILD-85-3"
    one_hour = {"max_hours_per_week": "1", "stay_longer_than_years": 1}
    assert await _refs(filter=one_hour) == ["REBILD-85-1", "REBILD-85-4"]
    # notice to the end of the month after one month, by the agreement's rule for § 85
    month_end = rows["REBILD-85-6"]
    assert (month_end["notice_convention"], month_end["notice_months"]) == ("month_end", 1)
    assert month_end["status"] == ContractStatus.NOTICE_GIVEN.value
    assert month_end["end_date"] == (today().replace(day=1) + 62 * DAY).replace(day=1) - DAY
    # 90 days' notice from a later day, ending on the 15th
    mid_month = rows["REBILD-BO-1"]
    [notice] = (await notices.notices_by_contract([mid_month["id"]]))[mid_month["id"]]
    assert (notice.convention, notice.days, notice.end_date.day if notice.end_date else None) == (
        NoticeConvention.DAYS,
        90,
        15,
    )
    assert notice.effective_from > today() and notice.end_date == notice.effective_from + 90 * DAY
    # the follow-up held 14 days ago, its next date, and a renegotiation date
    followed = rows["REBILD-85-3"]["id"]
    [held] = (await followups.follow_ups_by_contract(BUYER, [followed]))[followed]
    assert (held.held_on, held.outcome, held.next_on) == (
        today() - 14 * DAY,
        FollowUpOutcome.ADJUST,
        today() + 76 * DAY,
    )
    dates = (await followups.dates_by_contract(BUYER, [followed]))[followed]
    assert [(d.kind, d.due_on, d.status) for d in dates] == [
        (ContractDateKind.FOLLOW_UP, today() - 14 * DAY, ContractDateStatus.HELD),
        (ContractDateKind.RENEGOTIATION, today() + 30 * DAY, ContractDateStatus.PLANNED),
        (ContractDateKind.FOLLOW_UP, today() + 76 * DAY, ContractDateStatus.PLANNED),
    ]
