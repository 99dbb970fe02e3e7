"""The server does the calendar's work itself: at start-up and every TICK_INTERVAL_SECONDS."""

from __future__ import annotations

import asyncio
import datetime

from marketplace.contracts.tables import PlacementRequest
from marketplace.core.clock import today
from marketplace.core.settings import get_settings
from marketplace.core.tables import AuditRecord
from tests.conftest import serve
from tests.marketplace.contracts.world import build_market, request_place


async def _status() -> str:
    row = await PlacementRequest.select(PlacementRequest.status).first().run()
    assert row is not None
    return str(row["status"])


async def test_a_started_server_expires_an_overdue_request_on_its_own(database: None) -> None:
    market = await build_market()
    request = await request_place(market.offer_id)
    await (
        PlacementRequest.update({PlacementRequest.expires_on: today() - datetime.timedelta(days=1)})
        .where(PlacementRequest.id == request.id)
        .run()
    )
    settings = get_settings().model_copy(update={"tick_interval_seconds": 3600})

    async with serve(settings) as http:
        for _ in range(100):  # the first tick runs as the server starts
            if await _status() == "expired":
                break
            await asyncio.sleep(0.05)
        assert (await http.get("/health")).status_code == 200

    assert await _status() == "expired"
    system = await AuditRecord.select().where(AuditRecord.org == "system").run()
    assert [r["operation"] for r in system] == ["placementRequestExpire"]


async def test_with_no_interval_the_server_leaves_the_calendar_to_the_command(
    database: None,
) -> None:
    market = await build_market()
    request = await request_place(market.offer_id)
    await (
        PlacementRequest.update({PlacementRequest.expires_on: today() - datetime.timedelta(days=1)})
        .where(PlacementRequest.id == request.id)
        .run()
    )
    settings = get_settings().model_copy(update={"tick_interval_seconds": 0})

    async with serve(settings) as http:
        await asyncio.sleep(0.3)
        assert (await http.get("/health")).status_code == 200

    assert await _status() == "pending"
