"""Contracts after signing: notice, cancellation before the start, changes both parties agree
to, prices that later price lists do not change, the end, and the place in search."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from agreements.frameworks.rulebook import AgreementRuleBook
from marketplace.contracts import service as contracts
from marketplace.contracts.models import (
    ChangeStatus,
    ContractChangeProposal,
    ContractStatus,
)
from marketplace.contracts.tables import Contract
from marketplace.core.clock import today
from marketplace.core.errors import DomainError, ErrorCode, parse
from marketplace.core.identity import Role
from marketplace.core.pagination import PageRequest
from marketplace.core.rules import ContractRules, OfferFacts, rule_book, use_rule_book
from marketplace.offers import pricing
from marketplace.offers import service as offers
from marketplace.search import service as search
from marketplace.search.models import SearchCriteria
from tests.factories import REGISTRY_ADMIN, price_list
from tests.marketplace.contracts.world import (
    AALBORG,
    AARHUS,
    CPR,
    ENGLY_ADMIN,
    Market,
    contract_for,
)

DAY = datetime.timedelta(days=1)


async def test_giving_notice_sets_the_end_by_the_agreed_notice_period(market: Market) -> None:
    contract = await contract_for(market.offer_id, start=today())
    noticed = await contracts.give_notice(AALBORG, contract.id, "Borgeren flytter hjem")
    assert noticed.status is ContractStatus.NOTICE_GIVEN
    assert noticed.end_date == today() + 90 * DAY
    assert (noticed.notice_given_on, noticed.notice_given_by) == (today(), "851")
    with pytest.raises(DomainError) as error:
        await contracts.give_notice(ENGLY_ADMIN, contract.id, "Igen")
    assert error.value.code is ErrorCode.INVALID_STATE


async def test_the_provider_may_give_notice_and_outsiders_may_not(market: Market) -> None:
    contract = await contract_for(market.offer_id)
    with pytest.raises(DomainError) as error:
        await contracts.give_notice(AARHUS, contract.id, "Ikke min")
    assert error.value.code is ErrorCode.NOT_FOUND
    noticed = await contracts.give_notice(ENGLY_ADMIN, contract.id, "Målgruppen passer ikke")
    assert noticed.notice_given_by == "43389424"


async def test_notice_that_runs_out_before_the_start_cancels(market: Market) -> None:
    contract = await contract_for(market.offer_id, start=today() + 120 * DAY)
    cancelled = await contracts.give_notice(AALBORG, contract.id, "Anden løsning fundet")
    assert (cancelled.status, cancelled.end_date) == (ContractStatus.CANCELLED, None)
    # the place is free again: two more contracts fit
    await contract_for(market.offer_id, start=today() + 120 * DAY)
    await contract_for(market.offer_id, start=today() + 120 * DAY)


async def test_the_notice_period_comes_from_the_rule_book(market: Market) -> None:
    class OneMonth(AgreementRuleBook):
        async def contract_rules(self, offer: OfferFacts, on: datetime.date) -> ContractRules:
            assert (offer.region_code, offer.category, offer.legal_basis) == (
                "1082",
                "residential",
                "SEL-108",
            )
            return ContractRules(30, True, False, "Test agreement")

    previous = rule_book()
    use_rule_book(OneMonth())
    try:
        contract = await contract_for(market.offer_id)
    finally:
        use_rule_book(previous)
    assert (contract.notice_days, contract.bill_last_day, contract.rules_source) == (
        30,
        False,
        "Test agreement",
    )


async def test_a_change_applies_only_when_the_other_party_accepts(market: Market) -> None:
    contract = await contract_for(market.offer_id, start=today())
    from_day = today() + 30 * DAY
    proposal = parse(
        ContractChangeProposal,
        {"effective_from": from_day, "price_level": "Niveau 1", "reason": "Mindre støttebehov"},
    )
    change = await contracts.propose_change(AALBORG, contract.id, proposal)
    assert change.status is ChangeStatus.PROPOSED
    unchanged = await contracts.get_contract(AALBORG, contract.id)
    assert unchanged is not None and len(unchanged.terms) == 1
    with pytest.raises(DomainError) as error:  # one open proposal at a time
        await contracts.propose_change(ENGLY_ADMIN, contract.id, proposal)
    assert error.value.code is ErrorCode.INVALID_STATE
    with pytest.raises(DomainError) as error:  # the proposer does not answer
        await contracts.respond_to_change(AALBORG, change.id, True, "")
    assert error.value.code is ErrorCode.PERMISSION_DENIED
    accepted = await contracts.respond_to_change(ENGLY_ADMIN, change.id, True, "Enig")
    assert accepted.status is ChangeStatus.ACCEPTED
    changed = await contracts.get_contract(AALBORG, contract.id)
    assert changed is not None
    # the level's price in the price list of the year the change takes effect: thirty days
    # on is next year from December 2nd, and the market has next year's list (2,600 kr.)
    level_price = 245050 if from_day.year == today().year else 260000
    assert [(t.valid_from, t.price_level, t.price_ore) for t in changed.terms] == [
        (today(), "Niveau 2", 389000),
        (from_day, "Niveau 1", level_price),
    ]
    assert changed.terms[1].add_ons == changed.terms[0].add_ons  # add-ons kept


async def test_a_rejected_change_leaves_the_contract_as_it_was(market: Market) -> None:
    contract = await contract_for(market.offer_id, start=today())
    proposal = parse(
        ContractChangeProposal,
        {"effective_from": today() + DAY, "add_ons": [], "reason": "Uden ekstra støtte"},
    )
    change = await contracts.propose_change(ENGLY_ADMIN, contract.id, proposal)
    rejected = await contracts.respond_to_change(AALBORG, change.id, False, "Behovet er der stadig")
    assert rejected.status is ChangeStatus.REJECTED
    after = await contracts.get_contract(AALBORG, contract.id)
    assert after is not None and len(after.terms) == 1 and len(after.terms[0].add_ons) == 1


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"reason": "Intet"}, None),
        ({"price_level": "Niveau 1", "reason": "Uden dato"}, None),
        (
            {"effective_from": "2000-01-01", "price_level": "Niveau 1", "reason": "Bagud"},
            ["effective_from"],
        ),
        (
            {"effective_from": "TOMORROW", "price_level": "Niveau 7", "reason": "Findes ikke"},
            ["price_level"],
        ),
        ({"end_date": "2000-01-01", "reason": "Slut"}, ["end_date"]),
    ],
)
async def test_a_bad_proposal_is_refused(
    market: Market, data: dict[str, object], field: list[str] | None
) -> None:
    contract = await contract_for(market.offer_id)
    values = {k: (today() + 8 * DAY if v == "TOMORROW" else v) for k, v in data.items()}

    async def propose() -> None:
        proposal = parse(ContractChangeProposal, values)
        await contracts.propose_change(AALBORG, contract.id, proposal)

    with pytest.raises(DomainError) as error:
        await propose()
    if field is not None:
        assert error.value.field == field
    assert (await contracts.changes_by_contract([contract.id]))[contract.id] == []


async def test_a_longer_stay_needs_a_free_place_on_the_extra_days(market: Market) -> None:
    await offers.update_offer(ENGLY_ADMIN, market.offer_id, {"occupied_places": 11})  # one free
    first = await contract_for(market.offer_id, start=today())
    first = await contracts.give_notice(AALBORG, first.id, "Flytter")  # ends in 90 days
    assert first.end_date is not None
    await contract_for(market.offer_id, start=first.end_date + DAY)  # takes the place after it
    proposal = parse(
        ContractChangeProposal,
        {"end_date": first.end_date + 10 * DAY, "reason": "Udflytning udskudt"},
    )
    change = await contracts.propose_change(AALBORG, first.id, proposal)
    with pytest.raises(DomainError) as error:
        await contracts.respond_to_change(ENGLY_ADMIN, change.id, True, "Ok")
    assert error.value.code is ErrorCode.CAPACITY_EXHAUSTED
    still = await contracts.get_contract(AALBORG, first.id)
    assert still is not None and still.end_date == first.end_date


async def test_a_later_price_version_does_not_change_a_signed_price(market: Market) -> None:
    contract = await contract_for(market.offer_id, start=today())
    correction = price_list(
        today().year,
        base_price=Decimal("3000"),
        levels=[{"name": "Niveau 2", "covers": "Døgndækning", "price": Decimal("4500")}],
        add_ons=[],
        reason="Ny overenskomst",
    )
    await pricing.publish_price_list(ENGLY_ADMIN, market.offer_id, correction)
    after = await contracts.get_contract(ENGLY_ADMIN, contract.id)
    assert after is not None and after.terms[0].price_ore == 389000


async def test_a_contract_ends_after_its_last_day(market: Market) -> None:
    contract = await contract_for(market.offer_id, start=today())
    await contracts.give_notice(AALBORG, contract.id, "Flytter")
    # time passes: the last day is behind us
    await (
        Contract.update(
            {Contract.start_date: today() - 100 * DAY, Contract.end_date: today() - DAY}
        )
        .where(Contract.id == contract.id)
        .run()
    )
    ended = await contracts.get_contract(AALBORG, contract.id)
    assert ended is not None and ended.status is ContractStatus.ENDED
    page = await contracts.list_contracts(AALBORG, PageRequest(), status=ContractStatus.ENDED)
    assert [c.id for c in page.items] == [contract.id]


async def test_one_citizens_contracts_are_found_by_cpr(market: Market) -> None:
    mine = await contract_for(market.offer_id)
    await contract_for(market.offer_id, cpr="020290-1234", citizen_ref="SAG-9")
    page = await contracts.list_contracts(AALBORG, PageRequest(), citizen_cpr=CPR)
    assert [c.id for c in page.items] == [mine.id]
    with pytest.raises(DomainError) as error:
        await contracts.list_contracts(AALBORG, PageRequest(), citizen_cpr="nonsense")
    assert error.value.field == ["citizen_cpr"]
    # The registry administrator reads every contract, but without its citizen: it may not
    # link a CPR number to a contract by searching for it.
    assert (await contracts.list_contracts(REGISTRY_ADMIN, PageRequest())).total_count == 2
    with pytest.raises(DomainError) as error:
        await contracts.list_contracts(REGISTRY_ADMIN, PageRequest(), citizen_cpr=CPR)
    assert (error.value.code, error.value.field) == (
        ErrorCode.PERMISSION_DENIED,
        ["citizen_cpr"],
    )
    assert CPR not in error.value.message


async def test_a_contract_takes_its_place_in_search(market: Market) -> None:
    criteria = SearchCriteria(free_places=True)

    async def free_offers() -> list[str]:
        page = await search.search_offers(AALBORG, criteria, PageRequest())
        return [h.offer.name for h in page.hits]

    assert "Botilbuddet Engly" in await free_offers()
    await contract_for(market.offer_id, start=today())
    await contract_for(market.offer_id, start=today())
    assert "Botilbuddet Engly" not in await free_offers()  # 10 declared + 2 contracts = 12
    # a place that frees up after notice shows as free from the day after the last day
    contract = (await contracts.list_contracts(AALBORG, PageRequest())).items[0]
    noticed = await contracts.give_notice(AALBORG, contract.id, "Flytter")
    assert noticed.end_date is not None
    by_then = SearchCriteria(free_from=noticed.end_date + DAY)
    page = await search.search_offers(AALBORG, by_then, PageRequest())
    assert "Botilbuddet Engly" in [h.offer.name for h in page.hits]
    too_early = SearchCriteria(free_from=noticed.end_date)
    page = await search.search_offers(AALBORG, too_early, PageRequest())
    assert "Botilbuddet Engly" not in [h.offer.name for h in page.hits]


async def test_roles_without_contracts_get_a_clear_answer(market: Market) -> None:
    from marketplace.core.identity import Principal

    with pytest.raises(DomainError) as error:
        await contracts.list_contracts(Principal.anonymous(), PageRequest())
    assert error.value.code is ErrorCode.UNAUTHENTICATED
    steering = Principal(subject="s", org_code="1081", role=Role.STEERING)
    with pytest.raises(DomainError) as error:
        await contracts.list_contracts(steering, PageRequest())
    assert error.value.code is ErrorCode.PERMISSION_DENIED
