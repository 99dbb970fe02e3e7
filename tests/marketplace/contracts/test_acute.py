"""Acute requests: answered within hours (the agreement's, or the setting's), expired at that
moment, and only to offers that take acute placements; search finds those offers."""

from __future__ import annotations

import datetime

import pytest

from agreements.frameworks import service as agreements
from agreements.frameworks.models import RuleSetInput
from marketplace.contracts import requests
from marketplace.contracts.models import RequestStatus
from marketplace.contracts.tables import PlacementRequest
from marketplace.core import calendar
from marketplace.core.clock import today, utcnow
from marketplace.core.errors import DomainError, ErrorCode, parse
from marketplace.core.identity import Principal
from marketplace.core.pagination import PageRequest
from marketplace.core.settings import get_settings
from marketplace.offers import service as offers
from marketplace.search import service as search
from marketplace.search.models import SearchCriteria
from tests.agreements.world import NORD_STEERING, agreement_in_force, rules
from tests.marketplace.contracts.world import (
    AALBORG,
    AALBORG_PROVIDER_ADMIN,
    ENGLY_ADMIN,
    Market,
    request_place,
)

HOUR = datetime.timedelta(hours=1)


async def _takes_acute(owner: Principal, offer_id: object) -> None:
    await offers.update_offer(owner, offer_id, {"takes_acute": True})  # type: ignore[arg-type]


async def test_an_acute_request_is_answered_within_the_settings_hours(market: Market) -> None:
    await _takes_acute(ENGLY_ADMIN, market.offer_id)
    before = utcnow()
    request = await request_place(market.offer_id, urgency="acute", desired_start=today())
    assert request.respond_by is not None
    hours = get_settings().acute_response_hours
    assert before + hours * HOUR <= request.respond_by <= utcnow() + hours * HOUR
    assert request.expires_on == request.respond_by.date()
    planned = await request_place(market.offer_id, citizen_ref="SAG-2")
    assert planned.respond_by is None


async def test_the_agreement_gives_the_hours_for_its_offers(market: Market) -> None:
    agreement = await agreement_in_force()
    await agreements.set_rules(
        NORD_STEERING,
        agreement.id,
        RuleSetInput(valid_from=agreement.valid_from, rules=rules(acute_response_hours=6)),
    )
    await _takes_acute(AALBORG_PROVIDER_ADMIN, market.aalborg_offer_id)  # Birkely, Aalborg
    request = await request_place(market.aalborg_offer_id, urgency="acute", desired_start=today())
    assert request.respond_by is not None
    assert request.respond_by - request.created_at == pytest.approx(6 * HOUR, abs=HOUR / 60)


async def test_an_offer_that_takes_no_acute_placements_gets_no_acute_request(
    market: Market,
) -> None:
    with pytest.raises(DomainError) as error:
        await request_place(market.offer_id, urgency="acute")
    assert (error.value.code, error.value.field) == (ErrorCode.INVALID, ["urgency"])
    assert await PlacementRequest.count().run() == 0


async def test_an_acute_request_expires_at_its_hour(market: Market) -> None:
    await _takes_acute(ENGLY_ADMIN, market.offer_id)
    request = await request_place(market.offer_id, urgency="acute", desired_start=today())
    await (
        PlacementRequest.update({PlacementRequest.respond_by: utcnow() - HOUR})
        .where(PlacementRequest.id == request.id)
        .run()
    )  # the hours have passed, on the same day

    read = await requests.get_request(AALBORG, request.id)
    expired = await requests.list_requests(AALBORG, PageRequest(), status=RequestStatus.EXPIRED)
    pending = await requests.list_requests(AALBORG, PageRequest(), status=RequestStatus.PENDING)
    assert read is not None and read.status is RequestStatus.EXPIRED
    assert [r.id for r in expired.items] == [request.id] and pending.items == []

    done = await calendar.tick(today())

    assert done["placement requests expired"] == 1
    stored = await PlacementRequest.select(PlacementRequest.status).first().run()
    assert stored == {"status": "expired"}


async def test_search_finds_the_offers_that_take_acute_placements(market: Market) -> None:
    await _takes_acute(ENGLY_ADMIN, market.offer_id)
    page = await search.search_offers(
        AALBORG, parse(SearchCriteria, {"acute": True}), PageRequest()
    )
    assert [hit.offer.id for hit in page.hits] == [market.offer_id]
    everything = await search.search_offers(AALBORG, SearchCriteria(), PageRequest())
    assert len(everything.hits) == 2
