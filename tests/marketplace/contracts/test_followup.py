"""Follow-up and renegotiation: the dates a buying municipality keeps (the provider sees them),
follow-ups recorded with their outcome and next date (notes never hold a CPR number), the
dates due in a period."""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from marketplace.contracts import followups
from marketplace.contracts import service as contracts
from marketplace.contracts.models import (
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
    assert (error.value.code, error.value.field) == (ErrorCode.INVALID, field)
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
    assert (error.value.code, error.value.field) == (ErrorCode.INVALID, field)
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
