"""Follow-up and renegotiation: the dates a buying municipality keeps (the provider sees them),
follow-ups recorded with their outcome and next date (notes never hold a CPR number), the
dates due in a period, and the case load a municipality reviews (Rebild's § 85 review)."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest

from marketplace.contracts import caseload, followups
from marketplace.contracts import service as contracts
from marketplace.contracts.models import (
    CaseLoadFilter,
    CaseLoadOrder,
    CaseLoadSort,
    ContractDateAdd,
    ContractDateCancel,
    ContractDateKind,
    ContractDateMove,
    ContractDateStatus,
    FollowUpOutcome,
    FollowUpRecord,
)
from marketplace.contracts.tables import ContractDate, ContractFollowUp
from marketplace.core.clock import today
from marketplace.core.errors import DomainError, ErrorCode, parse
from marketplace.core.pagination import PageRequest
from marketplace.core.tables import AuditRecord
from tests.factories import REGISTRY_ADMIN
from tests.marketplace.contracts.world import (
    AALBORG,
    AALBORG_PROVIDER_ADMIN,
    AARHUS,
    ENGLY_ADMIN,
    Market,
    backdate,
    contract_for,
    publish_hourly_offer,
)

DAY = datetime.timedelta(days=1)
FOLLOW_UP, RENEGOTIATION = ContractDateKind.FOLLOW_UP, ContractDateKind.RENEGOTIATION


def record(**values: Any) -> FollowUpRecord:
    return parse(FollowUpRecord, {"outcome": "continue", "held_on": today(), **values})


async def dates_of(contract_id: Any, principal: Any = AALBORG) -> list[tuple[Any, ...]]:
    found = (await followups.dates_by_contract(principal, [contract_id]))[contract_id]
    return [(d.kind, d.due_on, d.status) for d in found]


async def test_the_requests_follow_up_date_is_the_contracts_first(market: Market) -> None:
    follow_up = today() + 90 * DAY
    contract = await contract_for(market.offer_id, start=today(), follow_up_on=follow_up)
    assert await dates_of(contract.id) == [(FOLLOW_UP, follow_up, ContractDateStatus.PLANNED)]
    # the provider sees it; its creator is the request's author
    [seen] = (await followups.dates_by_contract(ENGLY_ADMIN, [contract.id]))[contract.id]
    assert (seen.due_on, seen.created_by, seen.note) == (follow_up, "test:aalborg-visitation", "")
    trail = (
        await AuditRecord.select(AuditRecord.operation)
        .where(AuditRecord.object_type == "ContractDate")
        .run()
    )
    assert trail == [{"operation": "placementRequestAccept"}]


async def test_the_buyer_keeps_the_dates_and_the_provider_sees_them(market: Market) -> None:
    contract = await contract_for(market.offer_id, start=today())
    renegotiation = await followups.add_date(
        AALBORG,
        contract.id,
        ContractDateAdd(kind=RENEGOTIATION, due_on=today() + 180 * DAY, note="Takst for 2027"),
    )
    follow_up = await followups.add_date(
        AALBORG, contract.id, ContractDateAdd(due_on=today() + 30 * DAY)
    )
    moved = await followups.move_date(
        AALBORG, follow_up.id, ContractDateMove(due_on=today() + 45 * DAY, note="Efter ferien")
    )
    assert (moved.due_on, moved.note) == (today() + 45 * DAY, "Efter ferien")
    assert await dates_of(contract.id, ENGLY_ADMIN) == [
        (FOLLOW_UP, today() + 45 * DAY, ContractDateStatus.PLANNED),
        (RENEGOTIATION, today() + 180 * DAY, ContractDateStatus.PLANNED),
    ]
    cancelled = await followups.cancel_date(
        AALBORG, renegotiation.id, ContractDateCancel(reason="Aftalt i rammeaftalen")
    )
    assert (cancelled.status, cancelled.close_reason) == (
        ContractDateStatus.CANCELLED,
        "Aftalt i rammeaftalen",
    )
    with pytest.raises(DomainError) as error:  # the provider sees but does not keep them
        await followups.add_date(ENGLY_ADMIN, contract.id, ContractDateAdd(due_on=today()))
    assert error.value.code is ErrorCode.PERMISSION_DENIED
    with pytest.raises(DomainError) as error:  # another municipality: no such contract
        await followups.add_date(AARHUS, contract.id, ContractDateAdd(due_on=today()))
    assert (error.value.code, error.value.field) == (ErrorCode.NOT_FOUND, ["contract_id"])
    with pytest.raises(DomainError) as error:
        await followups.move_date(AARHUS, moved.id, ContractDateMove(due_on=today()))
    assert error.value.code is ErrorCode.NOT_FOUND
    with pytest.raises(DomainError) as error:  # a cancelled date stays cancelled
        await followups.move_date(AALBORG, renegotiation.id, ContractDateMove(due_on=today()))
    assert error.value.code is ErrorCode.INVALID_STATE
    # the registry administrator reads them, without the buyer's notes
    [first, _] = (await followups.dates_by_contract(REGISTRY_ADMIN, [contract.id]))[contract.id]
    assert first.note is None


async def test_a_follow_up_is_recorded_with_its_outcome_and_next_date(market: Market) -> None:
    contract = await contract_for(market.offer_id, follow_up_on=today() + 30 * DAY)
    await backdate(contract.id, 60)  # began 60 days ago: the first date is due in 30
    renegotiation = await followups.add_date(
        AALBORG, contract.id, ContractDateAdd(kind=RENEGOTIATION, due_on=today() + 10 * DAY)
    )
    held = await followups.record_follow_up(
        AALBORG,
        contract.id,
        record(
            held_on=today() - 2 * DAY,
            outcome="adjust",
            notes="Færre timer fra næste måned; ændring foreslås.",
            next_on=today() + 90 * DAY,
        ),
    )
    assert (held.outcome, held.next_on, held.kind) == (
        FollowUpOutcome.ADJUST,
        today() + 90 * DAY,
        FOLLOW_UP,
    )
    # it answers no date that is not yet due, and plans the next
    assert await dates_of(contract.id) == [
        (RENEGOTIATION, today() + 10 * DAY, ContractDateStatus.PLANNED),
        (FOLLOW_UP, today() + 30 * DAY, ContractDateStatus.PLANNED),
        (FOLLOW_UP, today() + 90 * DAY, ContractDateStatus.PLANNED),
    ]
    # held early, it answers the date it names
    planned = (await followups.dates_by_contract(AALBORG, [contract.id]))[contract.id]
    early = await followups.record_follow_up(AALBORG, contract.id, record(date_id=planned[1].id))
    after = (await followups.dates_by_contract(ENGLY_ADMIN, [contract.id]))[contract.id]
    assert [(d.due_on, d.status, d.held_in_id) for d in after] == [
        (today() + 10 * DAY, ContractDateStatus.PLANNED, None),
        (today() + 30 * DAY, ContractDateStatus.HELD, early.id),
        (today() + 90 * DAY, ContractDateStatus.PLANNED, None),
    ]
    assert after[2].planned_in_id == held.id
    # a renegotiation held answers the renegotiation dates due by its day
    await followups.record_follow_up(
        AALBORG,
        contract.id,
        record(kind="renegotiation", held_on=today(), outcome="renegotiate"),
    )
    not_yet = await followups.date_by_id(AALBORG, renegotiation.id)
    assert not_yet is not None and not_yet.status is ContractDateStatus.PLANNED  # due in 10 days
    listed = (await followups.follow_ups_by_contract(ENGLY_ADMIN, [contract.id]))[contract.id]
    assert [f.held_on for f in listed] == [today(), today(), today() - 2 * DAY]  # latest first


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"held_on": -61}, ["held_on"]),  # before the start
        ({"held_on": 1}, ["held_on"]),  # not yet held
        ({"next_on": -30}, ["next_on"]),  # a next date in the past
        ({"next_on": 400}, None),  # fine (the contract is open-ended)
        ({"notes": "Borgeren (010190-1234) trives"}, ["notes"]),  # a CPR number
        ({"notes": "Ring på 0101901234"}, ["notes"]),  # one without the dash
    ],
)
async def test_bad_follow_ups_change_nothing(
    market: Market, values: dict[str, Any], field: list[str] | None
) -> None:
    contract = await contract_for(market.offer_id)
    await backdate(contract.id, 60)
    days = {k: today() + v * DAY for k, v in values.items() if isinstance(v, int)}
    before = (await AuditRecord.count().run(), await ContractDate.count().run())

    async def attempt() -> None:
        command = parse(FollowUpRecord, {"outcome": "end", "held_on": today(), **values, **days})
        await followups.record_follow_up(AALBORG, contract.id, command)

    if field is None:
        await attempt()
        return
    with pytest.raises(DomainError) as error:
        await attempt()
    # a CPR number in the notes is the typed PERSONAL_DATA_IN_TEXT (it was INVALID)
    code = ErrorCode.PERSONAL_DATA_IN_TEXT if "notes" in values else ErrorCode.INVALID
    assert (error.value.code, error.value.field) == (code, field)
    assert "0101901234" not in error.value.message and "010190" not in error.value.message
    assert (await AuditRecord.count().run(), await ContractDate.count().run()) == before
    assert await ContractFollowUp.count().run() == 0


@pytest.mark.parametrize(
    ("due", "note", "field"),
    [
        (3, "", ["due_on"]),  # before the start (in a week)
        (-1, "", ["due_on"]),  # in the past
        (30, "CPR 311299-9999 står i sagen", ["note"]),
    ],
)
async def test_bad_dates_change_nothing(
    market: Market, due: int, note: str, field: list[str]
) -> None:
    contract = await contract_for(market.offer_id)  # starts in a week

    async def add() -> None:
        command = parse(ContractDateAdd, {"due_on": today() + due * DAY, "note": note})
        await followups.add_date(AALBORG, contract.id, command)

    with pytest.raises(DomainError) as error:
        await add()
    # a CPR number in the note is the typed PERSONAL_DATA_IN_TEXT (it was INVALID)
    code = ErrorCode.PERSONAL_DATA_IN_TEXT if note else ErrorCode.INVALID
    assert (error.value.code, error.value.field) == (code, field)
    assert await ContractDate.count().run() == 0


async def test_a_date_after_the_last_day_is_refused(market: Market) -> None:
    contract = await contract_for(market.offer_id, start=today())
    noticed = await contracts.give_notice(AALBORG, contract.id, "Flytter")
    assert noticed.end_date is not None
    with pytest.raises(DomainError) as error:
        await followups.add_date(
            AALBORG, contract.id, ContractDateAdd(due_on=noticed.end_date + DAY)
        )
    assert (error.value.code, error.value.field) == (ErrorCode.INVALID, ["due_on"])


async def test_the_dates_due_in_a_period(market: Market) -> None:
    first = await contract_for(market.offer_id, start=today(), follow_up_on=today() + 20 * DAY)
    second = await contract_for(
        market.offer_id, start=today(), follow_up_on=today() + 40 * DAY, citizen_ref="SAG-2"
    )
    await followups.add_date(
        AALBORG, second.id, ContractDateAdd(kind=RENEGOTIATION, due_on=today() + 25 * DAY)
    )
    other = await contract_for(
        market.aalborg_offer_id,
        AALBORG_PROVIDER_ADMIN,
        AARHUS,
        start=today(),
        follow_up_on=today() + 21 * DAY,
    )
    month = {"due_from": today(), "due_to": today() + 30 * DAY}

    async def listed(principal: Any, **filters: Any) -> list[Any]:
        page = await followups.list_dates(principal, PageRequest(), **filters)
        return [(d.contract_id, d.kind) for d in page.items]

    assert await listed(AALBORG, **month) == [(first.id, FOLLOW_UP), (second.id, RENEGOTIATION)]
    assert await listed(AALBORG, kind=FOLLOW_UP, **month) == [(first.id, FOLLOW_UP)]
    assert await listed(ENGLY_ADMIN, kind=RENEGOTIATION) == [(second.id, RENEGOTIATION)]
    assert await listed(AARHUS, **month) == [(other.id, FOLLOW_UP)]
    # a contract that is over is no longer due
    await contracts.give_notice(AALBORG, first.id, "Flytter")  # runs 90 days more: still due
    assert len(await listed(AALBORG, **month)) == 2
    cancelled = await contract_for(
        market.offer_id,
        follow_up_on=today() + 120 * DAY,
        citizen_ref="SAG-3",
        start=today() + 100 * DAY,
    )
    await contracts.give_notice(AALBORG, cancelled.id, "Anden løsning")  # cancels before start
    assert [c for c, _ in await listed(AALBORG)] == [first.id, second.id, second.id]
    with pytest.raises(DomainError) as error:
        await followups.list_dates(AALBORG, PageRequest(), due_from=today(), due_to=today() - DAY)
    assert error.value.field == ["due_to"]


# --- the case load ---------------------------------------------------------------------------


async def rebild_case_load(market: Market) -> dict[str, Any]:
    """Aalborg's § 85 cases at an hourly offer (512 DKK an hour), begun long ago or lately,
    with few or many hours, and one residential placement."""
    offer = await publish_hourly_offer(ENGLY_ADMIN, market.provider_id)
    cases = {
        "six years, 2 h/week": (6 * 366, "8.67"),
        "seven years, 1 h/week": (7 * 366, "4.33"),
        "two years, 12 h/week": (2 * 366, "52"),
        "fourteen months, 1 h/week": (425, "4.33"),
        "three months, 1 h/week": (90, "4.33"),
    }
    made: dict[str, Any] = {}
    for i, (name, (days, hours)) in enumerate(cases.items()):
        contract = await contract_for(
            offer,
            start=today(),
            citizen_ref=f"SAG-85-{i}",
            price_level=None,
            add_ons=[],
            hours_per_month=Decimal(hours),
        )
        await backdate(contract.id, days)
        made[name] = contract.id
    residential = await contract_for(market.offer_id, start=today(), add_ons=[])
    await backdate(residential.id, 400)
    made["residential"] = residential.id
    return made


async def names(made: dict[str, Any], **how: Any) -> list[str]:
    by_id = {v: k for k, v in made.items()}
    wanted = parse(CaseLoadFilter, how.pop("filter", {}))
    sort = parse(CaseLoadSort, how.pop("sort", {}))
    page = await caseload.case_load(AALBORG, PageRequest(first=50), wanted, sort)
    return [by_id[item.contract.id] for item in page.items]


async def test_rebilds_three_reviews_are_expressible(market: Market) -> None:
    made = await rebild_case_load(market)
    # the longest support, more than 5 years
    over_five = {"legal_basis": "SEL-85", "stay_longer_than_years": 5}
    assert await names(made, filter=over_five) == ["seven years, 1 h/week", "six years, 2 h/week"]
    # the most hours a week
    assert (await names(made, filter={"legal_basis": "SEL-85"}, sort={"by": "hours_per_week"}))[
        :2
    ] == ["two years, 12 h/week", "six years, 2 h/week"]
    # 1 hour a week for more than a year
    one_hour = {"legal_basis": "SEL-85", "max_hours_per_week": "1", "stay_longer_than_years": 1}
    assert await names(made, filter=one_hour) == [
        "seven years, 1 h/week",
        "fourteen months, 1 h/week",
    ]


async def test_the_case_loads_figures_and_order(market: Market) -> None:
    made = await rebild_case_load(market)
    page = await caseload.case_load(AALBORG, PageRequest(first=50))
    items = {item.contract.id: item for item in page.items}
    twelve = items[made["two years, 12 h/week"]]
    assert (twelve.hourly, twelve.hours_per_month, twelve.hours_per_week) == (
        True,
        Decimal("52.00"),
        Decimal("12.00"),
    )
    assert twelve.monthly_cost_ore == 52 * 51200  # 52 hours at 512.00 DKK
    assert twelve.days_of_stay == 2 * 366
    one = items[made["seven years, 1 h/week"]]
    assert one.hours_per_week == Decimal("1.00")  # 4.33 x 12 / 52 = 0.9992...
    home = items[made["residential"]]
    assert (home.hourly, home.hours_per_week) == (False, None)
    assert home.monthly_cost_ore == 30 * 389000  # Niveau 2 for 30 days
    # the longest stay first by default; by cost, the dearest first; hours: the hourly ones
    assert (await names(made))[0] == "seven years, 1 h/week"
    assert (await names(made, sort={"by": "monthly_cost"}))[0] == "residential"
    by_hours = await names(made, sort={"by": "hours_per_week", "descending": False})
    assert by_hours[-1] == "residential"  # no hours: last whichever way
    assert await names(made, filter={"hourly": False}) == ["residential"]
    cheap = {"max_monthly_cost": "5000"}  # 8.67 h (4,439.04) and 4.33 h (2,216.96)
    assert sorted(await names(made, filter=cheap)) == [
        "fourteen months, 1 h/week",
        "seven years, 1 h/week",
        "six years, 2 h/week",
        "three months, 1 h/week",
    ]
    # paged by offset: the pages hold the whole list once
    first = await caseload.case_load(AALBORG, PageRequest(first=4))
    rest = await caseload.case_load(AALBORG, PageRequest(first=4, after=first.cursors[-1]))
    assert (first.total_count, len(first.items), len(rest.items)) == (6, 4, 2)
    assert {i.contract.id for i in first.items + rest.items} == set(made.values())


async def test_the_case_load_is_the_callers_own(market: Market) -> None:
    made = await rebild_case_load(market)
    assert (await caseload.case_load(AARHUS, PageRequest())).total_count == 0
    provider = await caseload.case_load(ENGLY_ADMIN, PageRequest(first=50))
    assert provider.total_count == len(made)
    # a contract under notice still runs; one not yet begun is no case yet
    await contract_for(market.offer_id, citizen_ref="SAG-SENERE")  # starts in a week
    assert (await caseload.case_load(AALBORG, PageRequest())).total_count == len(made)
    with pytest.raises(DomainError) as error:
        parse(CaseLoadFilter, {"min_hours_per_week": "5", "max_hours_per_week": "1"})
    assert error.value.code is ErrorCode.INVALID
    assert CaseLoadOrder.LENGTH_OF_STAY in list(CaseLoadOrder)
