"""Answering with other terms: the provider proposes (another start, level, add-ons, or a
special arrangement priced from its costs), the buyer accepts, which makes the contract on
exactly those terms with both consents recorded, or rejects it. Where money moves both sides
agree; bad input and races change nothing."""

from __future__ import annotations

import asyncio
import datetime
from decimal import Decimal
from typing import Any

import pytest

from marketplace.contracts import proposals, requests
from marketplace.contracts import service as contracts
from marketplace.contracts.models import (
    ContractChangeProposal,
    PlacementProposal,
    PlacementRequestAccept,
    ProposalStatus,
    RequestStatus,
)
from marketplace.contracts.tables import Contract, PlacementRequest
from marketplace.contracts.tables import PlacementProposal as ProposalTable
from marketplace.core import calendar
from marketplace.core.clock import today
from marketplace.core.errors import DomainError, ErrorCode
from marketplace.offers import pricing
from marketplace.offers import service as offers
from tests.agreements.world import agreement_in_force
from tests.marketplace.contracts.world import (
    AALBORG,
    AALBORG_PROVIDER_ADMIN,
    AARHUS,
    ENGLY_ADMIN,
    Market,
    next_year_prices,
    request_place,
)

DAY = datetime.timedelta(days=1)
COSTS = {
    "staff": [
        {"role": "Pædagog, 1:1 i dagtimerne", "hours_per_week": "56", "hourly_rate": "360"},
        {"role": "Vågen nattevagt", "hours_per_week": "70", "hourly_rate": "395.50"},
    ],
    "other_costs_per_day": "240",
    "overhead_percent": "4.5",
}
# (56 x 360 + 70 x 395.50) / 7 + 240 = 47,845 / 7 + 240 = 7,075 DKK a day;
# plus 4.5% overhead = 7,393.375 -> 7,393.38 DKK
PRICE_ORE = 739338


def special(**overrides: Any) -> PlacementProposal:
    values: dict[str, Any] = {
        "special_arrangement": COSTS,
        "review_on": today() + 90 * DAY,
        "message": "Kræver 1:1 i dagtimerne og vågen nattevagt.",
    }
    return PlacementProposal.model_validate({**values, **overrides})


async def test_a_special_arrangement_is_proposed_with_its_costs_and_agreed_by_the_buyer(
    market: Market,
) -> None:
    request = await request_place(market.offer_id, price_level="Niveau 2")
    proposal = await proposals.propose(ENGLY_ADMIN, request.id, special())

    assert proposal.status is ProposalStatus.OPEN and proposal.price_ore == PRICE_ORE
    waiting = await requests.get_request(AALBORG, request.id)
    assert waiting is not None and waiting.status is RequestStatus.PROPOSED
    assert await Contract.count().run() == 0  # nothing is agreed yet

    contract = await proposals.accept_proposal(AALBORG, proposal.id)

    [term] = contract.terms
    assert (term.special_arrangement, term.price_ore, term.unit.value) == (
        True,
        PRICE_ORE,
        "per_day",
    )
    assert term.cost is not None and term.cost.price_ore == PRICE_ORE
    assert term.review_on == today() + 90 * DAY
    assert term.provider_consent is not None and term.buyer_consent is not None
    assert (term.provider_consent.organisation, term.provider_consent.by) == (
        ENGLY_ADMIN.org_code,
        ENGLY_ADMIN.subject,
    )
    assert (term.buyer_consent.organisation, term.buyer_consent.by) == ("851", AALBORG.subject)
    assert term.provider_consent.at <= term.buyer_consent.at
    answered = await requests.get_request(AALBORG, request.id)
    assert answered is not None and answered.status is RequestStatus.ACCEPTED
    [closed] = (await proposals.proposals_by_request([request.id]))[request.id]
    assert closed.status is ProposalStatus.ACCEPTED
    kinds = [e.kind for e in (await requests.parties.history([request.id]))[request.id]]
    assert kinds == ["requested", "proposed", "accepted", "signed"]


async def test_accepting_as_asked_records_the_buyers_request_as_its_consent(
    market: Market,
) -> None:
    request = await request_place(market.offer_id)
    contract = await requests.accept_request(ENGLY_ADMIN, request.id, PlacementRequestAccept())
    [term] = contract.terms
    assert term.special_arrangement is False and term.cost is None
    assert term.buyer_consent is not None and term.buyer_consent.by == AALBORG.subject
    assert term.buyer_consent.at == request.created_at
    assert term.provider_consent is not None and term.provider_consent.by == ENGLY_ADMIN.subject


async def test_another_start_and_level_are_proposed_and_the_buyer_rejects_them(
    market: Market,
) -> None:
    request = await request_place(market.offer_id, price_level="Niveau 2")
    later = request.desired_start + 21 * DAY
    proposal = await proposals.propose(
        ENGLY_ADMIN,
        request.id,
        PlacementProposal(start_date=later, price_level="Niveau 1", message="Plads fra senere"),
    )
    assert (proposal.start_date, proposal.price_level, proposal.special_arrangement) == (
        later,
        "Niveau 1",
        None,
    )
    assert [a.name for a in proposal.add_ons] == ["Ekstra 1:1-støtte"]  # as asked

    rejected = await proposals.reject_proposal(AALBORG, proposal.id, "Borgeren kan ikke vente")

    assert rejected.status is ProposalStatus.REJECTED
    assert rejected.answer_reason == "Borgeren kan ikke vente"
    found = await requests.get_request(AALBORG, request.id)
    assert found is not None and found.status is RequestStatus.REJECTED
    assert await Contract.count().run() == 0


async def test_a_proposed_level_becomes_the_contracts_level(market: Market) -> None:
    request = await request_place(market.offer_id, price_level="Niveau 2")
    proposal = await proposals.propose(
        ENGLY_ADMIN, request.id, PlacementProposal(price_level=None, add_ons=[])
    )
    contract = await proposals.accept_proposal(AALBORG, proposal.id)
    [term] = contract.terms
    assert (term.price_level, term.add_ons, term.special_arrangement) == (None, [], False)
    assert term.price_ore == 245050  # the base price, not Niveau 2's


@pytest.mark.parametrize(
    ("overrides", "code", "field"),
    [
        ({"start_date": "YESTERDAY"}, ErrorCode.INVALID, ["start_date"]),
        ({"price_level": "Niveau 9"}, ErrorCode.INVALID, ["price_level"]),
        ({"add_ons": [{"name": "Ridning"}]}, ErrorCode.INVALID, ["add_ons"]),
        ({"review_on": "TODAY"}, ErrorCode.INVALID, ["review_on"]),
    ],
)
async def test_a_bad_proposal_is_refused_and_nothing_changes(
    market: Market, overrides: dict[str, Any], code: ErrorCode, field: list[str]
) -> None:
    request = await request_place(market.offer_id)
    days = {"YESTERDAY": today() - DAY, "TODAY": request.desired_start}
    values = {k: days.get(v, v) if isinstance(v, str) else v for k, v in overrides.items()}
    command = (
        special(**values) if "review_on" in values else PlacementProposal.model_validate(values)
    )
    with pytest.raises(DomainError) as error:
        await proposals.propose(ENGLY_ADMIN, request.id, command)
    assert (error.value.code, error.value.field) == (code, field)
    assert await ProposalTable.count().run() == 0
    found = await requests.get_request(AALBORG, request.id)
    assert found is not None and found.status is RequestStatus.PENDING


def test_a_special_arrangement_needs_its_costs_and_a_review_date() -> None:
    with pytest.raises(ValueError, match="review date"):
        PlacementProposal.model_validate({"special_arrangement": COSTS})
    with pytest.raises(ValueError, match="priced from its costs"):
        PlacementProposal.model_validate(
            {"special_arrangement": COSTS, "review_on": today() + DAY, "price_level": "Niveau 2"}
        )
    with pytest.raises(ValueError, match="at least 1"):
        PlacementProposal.model_validate(
            {"special_arrangement": {**COSTS, "staff": []}, "review_on": today() + DAY}
        )


async def test_a_price_list_without_special_arrangements_takes_none(market: Market) -> None:
    next_year = today().year + 1
    plain = next_year_prices(accepts_special_arrangements=False, reason="Ingen særforanstaltninger")
    await pricing.publish_price_list(AALBORG_PROVIDER_ADMIN, market.aalborg_offer_id, plain)
    request = await request_place(
        market.aalborg_offer_id, desired_start=datetime.date(next_year, 2, 1)
    )
    with pytest.raises(DomainError) as error:
        await proposals.propose(AALBORG_PROVIDER_ADMIN, request.id, special())
    assert (error.value.code, error.value.field) == (ErrorCode.INVALID, ["special_arrangement"])


async def test_overhead_above_the_agreements_cap_is_refused(market: Market) -> None:
    await agreement_in_force()  # North Jutland caps overhead at 4.5%: Birkely is in Aalborg
    request = await request_place(market.aalborg_offer_id)
    too_much = special(special_arrangement={**COSTS, "overhead_percent": "6"})
    with pytest.raises(DomainError) as error:
        await proposals.propose(AALBORG_PROVIDER_ADMIN, request.id, too_much)
    assert (error.value.code, error.value.field) == (
        ErrorCode.RULE_BROKEN,
        ["special_arrangement", "overhead_percent"],
    )
    made = await proposals.propose(AALBORG_PROVIDER_ADMIN, request.id, special())
    assert made.price_ore == PRICE_ORE


async def test_a_proposal_is_answered_once_by_the_buyer_only(market: Market) -> None:
    request = await request_place(market.offer_id)
    proposal = await proposals.propose(ENGLY_ADMIN, request.id, special())
    with pytest.raises(DomainError) as error:  # one open proposal: the request is not pending
        await proposals.propose(ENGLY_ADMIN, request.id, special())
    assert error.value.code is ErrorCode.INVALID_STATE
    with pytest.raises(DomainError) as error:  # the provider accepts no proposal of its own
        await proposals.accept_proposal(ENGLY_ADMIN, proposal.id)
    assert error.value.code is ErrorCode.PERMISSION_DENIED
    with pytest.raises(DomainError) as error:  # another municipality: not found
        await proposals.accept_proposal(AARHUS, proposal.id)
    assert error.value.code is ErrorCode.NOT_FOUND
    with pytest.raises(DomainError) as error:  # the request is no longer pending
        await requests.accept_request(ENGLY_ADMIN, request.id, PlacementRequestAccept())
    assert error.value.code is ErrorCode.INVALID_STATE

    await proposals.accept_proposal(AALBORG, proposal.id)
    for again in (
        proposals.accept_proposal(AALBORG, proposal.id),
        proposals.reject_proposal(AALBORG, proposal.id, "For sent"),
    ):
        with pytest.raises(DomainError) as error:
            await again
        assert error.value.code is ErrorCode.INVALID_STATE
    assert await Contract.count().run() == 1


async def test_no_proposal_on_a_withdrawn_or_expired_request(market: Market) -> None:
    withdrawn = await request_place(market.offer_id)
    await requests.withdraw_request(AALBORG, withdrawn.id, "Anden løsning fundet")
    expired = await request_place(market.offer_id, citizen_ref="SAG-2")
    await (
        PlacementRequest.update({PlacementRequest.expires_on: today() - DAY})
        .where(PlacementRequest.id == expired.id)
        .run()
    )
    for request_id in (withdrawn.id, expired.id):
        with pytest.raises(DomainError) as error:
            await proposals.propose(ENGLY_ADMIN, request_id, special())
        assert error.value.code is ErrorCode.INVALID_STATE
    assert await ProposalTable.count().run() == 0


async def test_an_unanswered_proposal_expires_with_its_request(market: Market) -> None:
    request = await request_place(market.offer_id)
    proposal = await proposals.propose(ENGLY_ADMIN, request.id, special())
    await (
        PlacementRequest.update({PlacementRequest.expires_on: today() - DAY})
        .where(PlacementRequest.id == request.id)
        .run()
    )
    read = await proposals.get_proposal(AALBORG, proposal.id)
    assert read is not None and read.status is ProposalStatus.EXPIRED  # read, not written
    with pytest.raises(DomainError) as error:
        await proposals.accept_proposal(AALBORG, proposal.id)
    assert error.value.code is ErrorCode.INVALID_STATE

    done = await calendar.tick(today())

    assert done["placement requests expired"] == 1
    stored = await ProposalTable.select(ProposalTable.status).first().run()
    assert stored == {"status": "expired"}


async def test_twenty_concurrent_acceptances_of_proposals_make_three_contracts(
    market: Market,
) -> None:
    await offers.update_offer(ENGLY_ADMIN, market.offer_id, {"occupied_places": 9})  # 3 free
    waiting = []
    for i in range(20):
        request = await request_place(market.offer_id, citizen_ref=f"SAG-{i}")
        waiting.append(await proposals.propose(ENGLY_ADMIN, request.id, special()))

    outcomes = await asyncio.gather(
        *(proposals.accept_proposal(AALBORG, p.id) for p in waiting), return_exceptions=True
    )

    made = [o for o in outcomes if not isinstance(o, BaseException)]
    refused = [o for o in outcomes if isinstance(o, DomainError)]
    assert len(made) == 3 and len(refused) == 17
    assert {e.code for e in refused} == {ErrorCode.CAPACITY_EXHAUSTED}
    assert await Contract.count().run() == 3
    still_open = await ProposalTable.count().where(ProposalTable.status == "open").run()
    assert still_open == 17  # refused for capacity: the proposals wait, nothing else changed


async def test_a_special_arrangements_price_changes_only_with_new_costs_both_agree(
    market: Market,
) -> None:
    request = await request_place(market.offer_id)
    proposal = await proposals.propose(ENGLY_ADMIN, request.id, special())
    contract = await proposals.accept_proposal(AALBORG, proposal.id)
    effective = contract.start_date + 10 * DAY
    fewer_hours = {**COSTS, "staff": [COSTS["staff"][1]]}  # only the night watch
    change = await contracts.propose_change(
        ENGLY_ADMIN,
        contract.id,
        ContractChangeProposal.model_validate(
            {
                "effective_from": effective,
                "special_arrangement": fewer_hours,
                "review_on": effective + 90 * DAY,
                "reason": "Borgeren klarer dagtimerne i gruppen",
            }
        ),
    )
    assert change.special_arrangement is not None
    await contracts.respond_to_change(AALBORG, change.id, True, "Enig")

    after = await contracts.get_contract(AALBORG, contract.id)
    assert after is not None
    first, second = after.terms
    assert first.price_ore == PRICE_ORE
    # (70 x 395.50) / 7 + 240 = 4,195 DKK, plus 4.5% = 4,383.775 -> 4,383.78
    assert (second.valid_from, second.price_ore, second.special_arrangement) == (
        effective,
        438378,
        True,
    )
    assert second.provider_consent is not None and second.buyer_consent is not None
    assert second.provider_consent.organisation == ENGLY_ADMIN.org_code
    assert second.buyer_consent.organisation == "851"


async def test_a_special_arrangement_change_needs_a_review_date() -> None:
    with pytest.raises(ValueError, match="review date"):
        ContractChangeProposal.model_validate(
            {"effective_from": today(), "special_arrangement": COSTS, "reason": "Nye udgifter"}
        )


def test_the_price_per_day_is_worked_out_from_the_costs_to_the_ore() -> None:
    cost = special().special_arrangement
    assert cost is not None
    assert cost.direct_ore_per_day == Decimal(707500)
    assert cost.price_ore == PRICE_ORE
