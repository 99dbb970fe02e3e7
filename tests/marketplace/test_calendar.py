"""The calendar: reads answer what a day means without writing, and the tick records it as
the service itself, audited like any other change."""

from __future__ import annotations

import datetime

import pytest

from marketplace.contracts import requests
from marketplace.contracts import service as contracts
from marketplace.contracts.models import ContractStatus, RequestStatus
from marketplace.contracts.tables import Contract, PlacementRequest
from marketplace.core import audit, calendar
from marketplace.core.clock import today
from marketplace.core.pagination import PageRequest
from marketplace.core.tables import AuditRecord
from tests.conftest import clear_audit_trail, writes
from tests.marketplace.contracts.world import (
    AALBORG,
    ENGLY_ADMIN,
    Market,
    build_market,
    contract_for,
    request_place,
)

DAY = datetime.timedelta(days=1)


@pytest.fixture
async def market() -> Market:
    built = await build_market()
    await clear_audit_trail()  # the trail of what the calendar does, not of building the world
    return built


async def _overdue_request(market: Market) -> PlacementRequest:
    request = await request_place(market.offer_id)
    await (
        PlacementRequest.update({PlacementRequest.expires_on: today() - DAY})
        .where(PlacementRequest.id == request.id)
        .run()
    )
    return request


async def test_a_read_of_an_overdue_request_answers_expired_and_writes_nothing(
    market: Market, statements: list[str]
) -> None:
    request = await _overdue_request(market)
    records = await AuditRecord.count().run()
    statements.clear()

    found = await requests.get_request(AALBORG, request.id)
    expired = await requests.list_requests(AALBORG, PageRequest(), status=RequestStatus.EXPIRED)
    pending = await requests.list_requests(AALBORG, PageRequest(), status=RequestStatus.PENDING)
    provider_side = await requests.get_request(ENGLY_ADMIN, request.id)

    assert found is not None and found.status is RequestStatus.EXPIRED
    assert provider_side is not None and provider_side.status is RequestStatus.EXPIRED
    assert [r.id for r in expired.items] == [request.id]
    assert pending.items == []
    assert statements and writes(statements) == []
    stored = await PlacementRequest.select(PlacementRequest.status).first().run()
    assert stored == {"status": "pending"}  # recorded by the calendar, not by the reads
    assert await AuditRecord.count().run() == records


async def test_the_tick_records_an_expired_request_as_the_system_in_the_audit_trail(
    market: Market,
) -> None:
    request = await _overdue_request(market)
    await clear_audit_trail()

    done = await calendar.tick(today())

    assert done["placement requests expired"] == 1
    stored = await PlacementRequest.select(PlacementRequest.status).first().run()
    assert stored == {"status": "expired"}
    [record] = await AuditRecord.select().run()
    assert (record["org"], record["subject"], record["role"]) == (
        "system",
        "system",
        "registry_admin",
    )
    assert (record["operation"], record["object_type"], record["object_id"]) == (
        "placementRequestExpire",
        "PlacementRequest",
        str(request.id),
    )
    assert record["before_digest"] and record["after_digest"]
    history = (await requests.parties.history([request.id]))[request.id]
    assert [(e.kind, e.actor) for e in history] == [
        ("requested", AALBORG.subject),
        ("expired", "system"),
    ]
    # the same day again changes nothing and records nothing
    again = await calendar.tick(today())
    assert again["placement requests expired"] == 0
    assert await AuditRecord.count().run() == 1
    assert await audit.verify() == (1, [])


async def test_a_contract_past_its_last_day_reads_ended_until_the_tick_ends_it(
    market: Market, statements: list[str]
) -> None:
    contract = await contract_for(market.offer_id, start=today())
    await contracts.give_notice(AALBORG, contract.id, "Flytter")
    await (
        Contract.update(
            {Contract.start_date: today() - 100 * DAY, Contract.end_date: today() - DAY}
        )
        .where(Contract.id == contract.id)
        .run()
    )
    await clear_audit_trail()
    statements.clear()

    read = await contracts.get_contract(AALBORG, contract.id)
    ended = await contracts.list_contracts(AALBORG, PageRequest(), status=ContractStatus.ENDED)
    assert read is not None and read.status is ContractStatus.ENDED
    assert [c.id for c in ended.items] == [contract.id]
    assert writes(statements) == []
    assert await AuditRecord.count().run() == 0

    done = await calendar.tick(today())

    assert done["contracts ended"] == 1
    stored = await Contract.select(Contract.status).first().run()
    assert stored == {"status": "ended"}
    [record] = await AuditRecord.select().run()
    assert (record["subject"], record["operation"], record["object_type"]) == (
        "system",
        "contractEnd",
        "Contract",
    )


async def test_the_tick_on_a_later_day_does_that_days_work(market: Market) -> None:
    """Run for a chosen day (``socialmarked tick --day``): a request due after today expires
    when the tick runs for a day past its deadline."""
    request = await request_place(market.offer_id)
    assert request.expires_on > today()

    before = await calendar.tick(request.expires_on)
    after = await calendar.tick(request.expires_on + DAY)

    assert before["placement requests expired"] == 0
    assert after["placement requests expired"] == 1
    stored = await PlacementRequest.select(PlacementRequest.status).first().run()
    assert stored == {"status": "expired"}
