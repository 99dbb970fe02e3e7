"""The case handler's frame: a request whose expected cost is above its author's frame waits
for an approver of the same municipality (not its author) before the provider sees it; the
expected cost is shown; frames and approvers are kept by the municipality's approvers."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from marketplace.contracts import frames, requests
from marketplace.contracts.models import (
    FrameBasis,
    FrameSet,
    PlacementRequestAccept,
    RequestStatus,
)
from marketplace.contracts.tables import ApprovalFrame, PlacementRequest
from marketplace.core.clock import today
from marketplace.core.errors import DomainError, ErrorCode
from marketplace.core.identity import Principal, Role
from marketplace.core.pagination import PageRequest
from tests.factories import REGISTRY_ADMIN
from tests.marketplace.contracts.world import AALBORG, AARHUS, ENGLY_ADMIN, Market, request_place

LEADER = Principal(subject="test:aalborg-leder", org_code="851", role=Role.PURCHASER)
AARHUS_LEADER = Principal(subject="test:aarhus-leder", org_code="751", role=Role.PURCHASER)
DAY = datetime.timedelta(days=1)
# This year's Niveau 2 at 3,890 DKK a day x 30 days + 10 hours a month of 1:1 support at
# 425 DKK (the requests start today, so this year's price list prices them)
MONTHLY_ORE = (389000 * 30) + (42500 * 10)


async def _frame(
    amount: str, basis: FrameBasis = FrameBasis.PER_MONTH, subject: str | None = None
) -> None:
    await frames.add_approver(REGISTRY_ADMIN, "851", LEADER.subject or "")
    await frames.set_frame(
        LEADER,
        FrameSet(municipality_code="851", subject=subject, amount=Decimal(amount), basis=basis),
    )


async def test_the_expected_cost_is_shown_and_no_frame_lets_a_request_go(market: Market) -> None:
    follow_up = today() + 59 * DAY  # 60 days from the desired start
    request = await request_place(market.offer_id, desired_start=today(), follow_up_on=follow_up)
    assert request.status is RequestStatus.PENDING  # Aalborg sets no frame
    assert request.expected_monthly_ore == MONTHLY_ORE
    assert request.expected_to_follow_up_ore == MONTHLY_ORE * 2  # 60 days
    assert request.frame_ore is None


async def test_a_request_above_the_frame_waits_for_an_approver_unseen_by_the_provider(
    market: Market,
) -> None:
    await _frame("50000")  # the top of Norddjurs' 25,000-50,000 DKK
    request = await request_place(market.offer_id, desired_start=today())

    assert request.status is RequestStatus.AWAITING_APPROVAL
    assert (request.frame_ore, request.frame_basis) == (5000000, FrameBasis.PER_MONTH)
    assert await requests.get_request(ENGLY_ADMIN, request.id) is None
    listed = await requests.list_requests(ENGLY_ADMIN, PageRequest())
    assert listed.items == []
    with pytest.raises(DomainError) as error:
        await requests.accept_request(ENGLY_ADMIN, request.id, PlacementRequestAccept())
    assert error.value.code is ErrorCode.NOT_FOUND

    approved = await requests.approve_request(LEADER, request.id, "Visitationsudvalget 1/12")

    assert approved.status is RequestStatus.PENDING
    assert (approved.approved_by, approved.approval_reason) == (
        LEADER.subject,
        "Visitationsudvalget 1/12",
    )
    assert approved.expires_on == today() + 14 * DAY
    seen = await requests.get_request(ENGLY_ADMIN, request.id)
    assert seen is not None and seen.status is RequestStatus.PENDING
    history = (await requests.parties.history([request.id]))[request.id]
    assert [(e.kind, e.actor) for e in history] == [
        ("requested", AALBORG.subject),
        ("approved", LEADER.subject),
    ]
    await requests.accept_request(ENGLY_ADMIN, request.id, PlacementRequestAccept())


async def test_a_request_within_the_frame_goes_straight_to_the_provider(market: Market) -> None:
    await _frame("200000")
    request = await request_place(market.offer_id, desired_start=today())
    assert request.status is RequestStatus.PENDING and request.frame_ore == 20000000


async def test_a_personal_frame_comes_before_the_municipalitys(market: Market) -> None:
    await _frame("200000")  # every purchaser
    await frames.set_frame(
        LEADER, FrameSet(municipality_code="851", subject=AALBORG.subject, amount=Decimal(25000))
    )
    request = await request_place(market.offer_id, desired_start=today())
    assert request.status is RequestStatus.AWAITING_APPROVAL and request.frame_ore == 2500000


async def test_a_frame_to_the_follow_up_date_counts_the_whole_period(market: Market) -> None:
    await _frame("200000", FrameBasis.TO_FOLLOW_UP)
    short = await request_place(
        market.offer_id, desired_start=today(), follow_up_on=today() + 14 * DAY
    )
    long = await request_place(
        market.offer_id, desired_start=today(), citizen_ref="SAG-2"
    )  # no follow-up: a year
    assert short.status is RequestStatus.PENDING
    assert long.status is RequestStatus.AWAITING_APPROVAL
    assert long.expected_to_follow_up_ore == MONTHLY_ORE * 12


async def test_the_approver_refuses_with_a_reason(market: Market) -> None:
    await _frame("50000")
    request = await request_place(market.offer_id, desired_start=today())
    with pytest.raises(DomainError) as error:
        await requests.refuse_request(LEADER, request.id, "")
    assert (error.value.code, error.value.field) == (ErrorCode.REQUIRED, ["reason"])
    refused = await requests.refuse_request(LEADER, request.id, "Et normaltilbud først")
    assert refused.status is RequestStatus.REFUSED
    assert await requests.get_request(ENGLY_ADMIN, request.id) is None


async def test_who_may_approve(market: Market) -> None:
    await _frame("50000")
    request = await request_place(market.offer_id, desired_start=today())
    author = await request_place(
        market.offer_id, desired_start=today(), buyer=LEADER, citizen_ref="SAG-L"
    )
    with pytest.raises(DomainError) as error:  # the author, even an approver, does not
        await requests.approve_request(LEADER, author.id, "Egen sag")
    assert error.value.code is ErrorCode.PERMISSION_DENIED
    with pytest.raises(DomainError) as error:  # a purchaser who is no approver
        await requests.approve_request(
            Principal(subject="test:kollega", org_code="851", role=Role.PURCHASER),
            request.id,
            "Ok",
        )
    assert error.value.code is ErrorCode.PERMISSION_DENIED
    await frames.add_approver(REGISTRY_ADMIN, "751", AARHUS_LEADER.subject or "")
    with pytest.raises(DomainError) as error:  # another municipality's approver: not found
        await requests.approve_request(AARHUS_LEADER, request.id, "Ok")
    assert error.value.code is ErrorCode.NOT_FOUND
    stored = (
        await PlacementRequest.select(PlacementRequest.status)
        .where(PlacementRequest.id == request.id)
        .first()
        .run()
    )
    assert stored == {"status": "for_approval"}


async def test_frames_are_kept_by_the_municipalitys_approvers(market: Market) -> None:
    with pytest.raises(DomainError) as error:  # no approver yet: nobody could approve
        await frames.set_frame(
            REGISTRY_ADMIN, FrameSet(municipality_code="851", amount=Decimal(50000))
        )
    assert (error.value.code, error.value.field) == (ErrorCode.INVALID, ["municipality_code"])
    await frames.add_approver(REGISTRY_ADMIN, "851", LEADER.subject or "")
    for outsider in (AALBORG, AARHUS_LEADER, ENGLY_ADMIN):
        with pytest.raises(DomainError) as error:
            await frames.set_frame(
                outsider, FrameSet(municipality_code="851", amount=Decimal(50000))
            )
        assert error.value.code in (ErrorCode.PERMISSION_DENIED,)
    with pytest.raises(ValueError, match="greater than or equal to 0"):
        FrameSet(municipality_code="851", amount=Decimal(-1))
    made = await frames.set_frame(LEADER, FrameSet(municipality_code="851", amount=Decimal(50000)))
    again = await frames.set_frame(LEADER, FrameSet(municipality_code="851", amount=Decimal(40000)))
    assert made.id == again.id and again.amount_ore == 4000000
    assert await ApprovalFrame.count().run() == 1
    with pytest.raises(DomainError) as error:  # the last approver stays while frames exist
        await frames.remove_approver(LEADER, "851", LEADER.subject or "")
    assert error.value.code is ErrorCode.INVALID_STATE
    listed = await frames.frames(AALBORG, "851", PageRequest())
    assert [(f.subject, f.amount_ore) for f in listed.items] == [(None, 4000000)]
    with pytest.raises(DomainError) as error:
        await frames.frames(AARHUS, "851", PageRequest())
    assert error.value.code is ErrorCode.PERMISSION_DENIED
