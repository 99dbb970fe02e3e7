"""Placement requests: who may ask, what is checked, the answers, expiry, idempotency, and the
capacity that never overbooks (also under 20 concurrent acceptances, on both databases)."""

from __future__ import annotations

import asyncio
import datetime
from decimal import Decimal

import pytest

from marketplace.contracts import proposals, requests
from marketplace.contracts.models import (
    ContractStatus,
    DeclineReason,
    PlacementProposal,
    PlacementRequestAccept,
    PlacementRequestDecline,
    RequestStatus,
)
from marketplace.contracts.tables import Contract, PlacementRequest
from marketplace.core import calendar
from marketplace.core.clock import today
from marketplace.core.errors import DomainError, ErrorCode, parse
from marketplace.core.pagination import PageRequest
from marketplace.core.tables import IdempotencyKey
from marketplace.offers import service as offers
from tests.factories import REGISTRY_ADMIN
from tests.marketplace.contracts.world import (
    AALBORG,
    AALBORG_PROVIDER_ADMIN,
    AARHUS,
    CPR,
    ENGLY_ADMIN,
    STEERING,
    Market,
    contract_for,
    request_command,
    request_place,
)

SOON = today() + datetime.timedelta(days=7)
DAY = datetime.timedelta(days=1)


async def test_a_purchaser_asks_for_a_place_and_only_the_parties_see_it(market: Market) -> None:
    request = await request_place(market.offer_id)
    assert request.status is RequestStatus.PENDING
    assert (request.buyer, request.provider_org) == ("851", "43389424")
    assert request.legal_basis.value == "SEL-108"  # the offer's residential paragraph
    assert request.cpr_masked == "010190-****" and request.citizen_ref == "SAG-2026-0042"
    assert request.expires_on == today() + datetime.timedelta(days=14)
    [row] = await PlacementRequest.select().run()
    assert CPR not in str(row) and "1234" not in str(row["cpr_hash"])  # a keyed hash only

    for party in (AALBORG, ENGLY_ADMIN):
        seen = await requests.get_request(party, request.id)
        assert seen is not None and seen.citizen_ref == "SAG-2026-0042"
    for outsider in (AARHUS, AALBORG_PROVIDER_ADMIN, STEERING):
        assert await requests.get_request(outsider, request.id) is None
        if outsider is not STEERING:
            page = await requests.list_requests(outsider, PageRequest())
            assert page.total_count == 0
    admin_view = await requests.get_request(REGISTRY_ADMIN, request.id)
    assert admin_view is not None
    assert (admin_view.citizen_ref, admin_view.cpr_masked) == (None, None)


@pytest.mark.parametrize(
    ("overrides", "code", "field"),
    [
        ({"cpr": "320190-1234"}, ErrorCode.INVALID_CPR, ["cpr"]),
        ({"cpr": "0101901234567"}, ErrorCode.INVALID_CPR, ["cpr"]),
        ({"cpr": "010115-4123"}, ErrorCode.INVALID, ["cpr"]),  # a child of 11
        (
            {"desired_start": today() - datetime.timedelta(days=1)},
            ErrorCode.INVALID,
            ["desired_start"],
        ),
        ({"price_level": "Niveau 9"}, ErrorCode.INVALID, ["price_level"]),
        ({"add_ons": [{"name": "Ridning"}]}, ErrorCode.INVALID, ["add_ons"]),
        ({"legal_basis": "SEL-85"}, ErrorCode.INVALID, ["legal_basis"]),
        (
            {"desired_start": datetime.date(today().year + 3, 1, 5)},
            ErrorCode.INVALID,
            ["desired_start"],
        ),
    ],
)
async def test_a_bad_request_is_refused_and_nothing_is_saved(
    market: Market, overrides: dict[str, object], code: ErrorCode, field: list[str]
) -> None:
    with pytest.raises(DomainError) as error:
        await request_place(market.offer_id, **overrides)
    assert (error.value.code, error.value.field) == (code, field)
    assert "010190" not in error.value.message and "1234" not in error.value.message
    assert await PlacementRequest.count().run() == 0


async def test_only_purchasers_ask_and_only_for_published_offers(market: Market) -> None:
    with pytest.raises(DomainError) as error:
        await requests.create_request(ENGLY_ADMIN, request_command(market.offer_id))
    assert error.value.code is ErrorCode.PERMISSION_DENIED
    await offers.change_status(ENGLY_ADMIN, market.offer_id, offers.OfferStatus.SUSPENDED, "Lukket")
    with pytest.raises(DomainError) as error:
        await request_place(market.offer_id)
    assert error.value.code is ErrorCode.NOT_FOUND


async def test_accepting_makes_a_contract_at_the_price_in_force(market: Market) -> None:
    request = await request_place(market.offer_id)
    contract = await requests.accept_request(ENGLY_ADMIN, request.id, PlacementRequestAccept())
    assert contract.status is ContractStatus.ACTIVE
    assert (contract.start_date, contract.end_date) == (SOON, None)
    assert contract.notice_days == 90  # the example for residential offers in settings
    assert (contract.bill_first_day, contract.bill_last_day) == (True, True)
    [term] = contract.terms
    assert (term.price_level, term.price_ore, term.unit.value) == ("Niveau 2", 389000, "per_day")
    [add_on] = term.add_ons
    assert (add_on.name, add_on.price_ore, add_on.quantity) == (
        "Ekstra 1:1-støtte",
        42500,
        Decimal(10),
    )
    answered = await requests.get_request(AALBORG, request.id)
    assert answered is not None and answered.status is RequestStatus.ACCEPTED
    assert answered.contract_id == contract.id
    kinds = [e.kind for e in (await requests.parties.history([request.id]))[request.id]]
    assert kinds == ["requested", "accepted", "signed"]


async def test_a_special_arrangement_has_its_own_price_per_day_agreed_by_both(
    market: Market,
) -> None:
    """Proposed by the provider with its costs, accepted by the buyer (see test_proposals)."""
    request = await request_place(market.offer_id, price_level=None)
    cost = {"staff": [{"role": "Pædagog", "hours_per_week": 42, "hourly_rate": "350"}]}
    proposal = await proposals.propose(
        ENGLY_ADMIN,
        request.id,
        PlacementProposal.model_validate(
            {"special_arrangement": cost, "review_on": today() + 90 * DAY}
        ),
    )
    contract = await proposals.accept_proposal(AALBORG, proposal.id)
    [term] = contract.terms
    assert (term.special_arrangement, term.price_ore) == (True, 210000)  # 42 x 350 / 7


async def test_a_provider_answers_only_on_its_own_offers(market: Market) -> None:
    request = await request_place(market.offer_id)
    for outsider, code in (
        (AALBORG_PROVIDER_ADMIN, ErrorCode.NOT_FOUND),
        (AALBORG, ErrorCode.PERMISSION_DENIED),
    ):
        with pytest.raises(DomainError) as error:
            await requests.accept_request(outsider, request.id, PlacementRequestAccept())
        assert error.value.code is code
    assert await Contract.count().run() == 0


async def test_decline_withdraw_and_answers_after_the_end(market: Market) -> None:
    first = await request_place(market.offer_id)
    with pytest.raises(DomainError) as error:
        parse(PlacementRequestDecline, {"reason": "other"})
    assert error.value.code is ErrorCode.REQUIRED
    declined = await requests.decline_request(
        ENGLY_ADMIN, first.id, PlacementRequestDecline(reason=DeclineReason.NO_CAPACITY)
    )
    assert (declined.status, declined.decline_reason) == (
        RequestStatus.DECLINED,
        DeclineReason.NO_CAPACITY,
    )
    second = await request_place(market.offer_id)
    with pytest.raises(DomainError) as error:
        await requests.withdraw_request(ENGLY_ADMIN, second.id, "")
    assert error.value.code is ErrorCode.PERMISSION_DENIED
    withdrawn = await requests.withdraw_request(AALBORG, second.id, "Borgeren er flyttet")
    assert withdrawn.status is RequestStatus.WITHDRAWN
    with pytest.raises(DomainError) as error:
        await requests.accept_request(ENGLY_ADMIN, second.id, PlacementRequestAccept())
    assert error.value.code is ErrorCode.INVALID_STATE


async def test_an_unanswered_request_expires(market: Market) -> None:
    request = await request_place(market.offer_id)
    # the deadline passes
    await (
        PlacementRequest.update({PlacementRequest.expires_on: today() - datetime.timedelta(days=1)})
        .where(PlacementRequest.id == request.id)
        .run()
    )
    expired = await requests.get_request(AALBORG, request.id)
    assert expired is not None and expired.status is RequestStatus.EXPIRED
    with pytest.raises(DomainError) as error:
        await requests.accept_request(ENGLY_ADMIN, request.id, PlacementRequestAccept())
    assert error.value.code is ErrorCode.INVALID_STATE
    await calendar.tick(today())  # the calendar records what the day meant
    history = (await requests.parties.history([request.id]))[request.id]
    assert [(e.kind, e.actor) for e in history] == [
        ("requested", AALBORG.subject),
        ("expired", "system"),
    ]


async def test_capacity_is_checked_for_every_day_of_the_stay(market: Market) -> None:
    # 12 places, 10 declared in use: two contracts fit, the third does not
    await contract_for(market.offer_id)
    await contract_for(market.offer_id)
    with pytest.raises(DomainError) as error:
        await contract_for(market.offer_id)
    assert error.value.code is ErrorCode.CAPACITY_EXHAUSTED
    assert await Contract.count().run() == 2


async def test_a_future_stay_blocks_an_earlier_open_ended_one(market: Market) -> None:
    await offers.update_offer(ENGLY_ADMIN, market.offer_id, {"occupied_places": 11})  # one free
    await contract_for(market.offer_id, start=today() + datetime.timedelta(days=60))
    with pytest.raises(DomainError) as error:
        await contract_for(market.offer_id, start=SOON)  # would still be there on day 60
    assert error.value.code is ErrorCode.CAPACITY_EXHAUSTED


async def test_fewer_places_than_contracts_is_refused(market: Market) -> None:
    await contract_for(market.offer_id)
    with pytest.raises(DomainError) as error:
        await offers.update_offer(ENGLY_ADMIN, market.offer_id, {"capacity_places": 10})
    assert error.value.field == ["capacity_places"]


async def test_twenty_concurrent_acceptances_for_the_last_place_make_one_contract(
    market: Market,
) -> None:
    await offers.update_offer(ENGLY_ADMIN, market.offer_id, {"occupied_places": 11})  # one free
    waiting = [await request_place(market.offer_id, citizen_ref=f"SAG-{i}") for i in range(20)]
    outcomes = await asyncio.gather(
        *(requests.accept_request(ENGLY_ADMIN, r.id, PlacementRequestAccept()) for r in waiting),
        return_exceptions=True,
    )
    made = [o for o in outcomes if not isinstance(o, BaseException)]
    refused = [o for o in outcomes if isinstance(o, DomainError)]
    assert len(made) == 1 and len(refused) == 19
    assert {e.code for e in refused} == {ErrorCode.CAPACITY_EXHAUSTED}
    assert await Contract.count().run() == 1


async def test_two_answers_to_one_request_take_turns(market: Market) -> None:
    request = await request_place(market.offer_id)
    outcomes = await asyncio.gather(
        requests.accept_request(ENGLY_ADMIN, request.id, PlacementRequestAccept()),
        requests.accept_request(ENGLY_ADMIN, request.id, PlacementRequestAccept()),
        requests.decline_request(
            ENGLY_ADMIN, request.id, PlacementRequestDecline(reason=DeclineReason.NO_CAPACITY)
        ),
        return_exceptions=True,
    )
    answered = [o for o in outcomes if not isinstance(o, BaseException)]
    refused = [o for o in outcomes if isinstance(o, BaseException)]
    assert len(answered) == 1
    assert [e.code for e in refused if isinstance(e, DomainError)] == [ErrorCode.INVALID_STATE] * 2
    assert await Contract.count().run() == len([o for o in answered if hasattr(o, "terms")])


async def test_a_retried_request_returns_the_first_and_a_changed_one_is_refused(
    market: Market,
) -> None:
    command = request_command(market.offer_id)
    first, again = await asyncio.gather(
        requests.create_request(AALBORG, command, "key-0001-abcdef"),
        requests.create_request(AALBORG, command, "key-0001-abcdef"),
    )
    assert first.id == again.id and await PlacementRequest.count().run() == 1
    changed = request_command(market.offer_id, citizen_ref="SAG-OTHER")
    with pytest.raises(DomainError) as error:
        await requests.create_request(AALBORG, changed, "key-0001-abcdef")
    assert error.value.code is ErrorCode.IDEMPOTENCY_KEY_REUSED
    other_cpr = request_command(market.offer_id, cpr="020290-1234")
    with pytest.raises(DomainError):
        await requests.create_request(AALBORG, other_cpr, "key-0001-abcdef")
    # another municipality's key space is its own
    aarhus = await requests.create_request(AARHUS, command, "key-0001-abcdef")
    assert aarhus.id != first.id


async def test_a_retried_acceptance_returns_the_same_contract(market: Market) -> None:
    request = await request_place(market.offer_id)
    accept = PlacementRequestAccept()
    contract = await requests.accept_request(ENGLY_ADMIN, request.id, accept, "accept-key-01")
    again = await requests.accept_request(ENGLY_ADMIN, request.id, accept, "accept-key-01")
    assert again.id == contract.id and await Contract.count().run() == 1
    with pytest.raises(DomainError) as error:
        await requests.accept_request(
            ENGLY_ADMIN, request.id, PlacementRequestAccept(message="Velkommen"), "accept-key-01"
        )
    assert error.value.code is ErrorCode.IDEMPOTENCY_KEY_REUSED


async def test_a_failed_first_call_leaves_the_key_free(market: Market) -> None:
    with pytest.raises(DomainError):
        await requests.create_request(
            AALBORG, request_command(market.offer_id, price_level="Niveau 9"), "key-failing-1"
        )
    assert await IdempotencyKey.count().run() == 0
