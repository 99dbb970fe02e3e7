"""One need, several offers: a municipality sends an anonymised need to chosen offers or to
those a search finds; each provider sees the need only and answers with a proposal or a
decline; the buyer compares the answers side by side and picks one, which becomes a request
that the provider accepts as asked (the contract carries both consents); the others close as
not chosen. After the deadline the answers close (reads know, the calendar records). Bad input
and races change nothing."""

from __future__ import annotations

import asyncio
import datetime
from decimal import Decimal
from typing import Any

import pytest

from marketplace.contracts import needs, requests
from marketplace.contracts.models import (
    DeclineReason,
    NeedAnswerStatus,
    NeedStatus,
    PlacementNeedChoose,
    PlacementNeedCreate,
    PlacementProposal,
    PlacementRequestAccept,
    PlacementRequestDecline,
    RequestStatus,
)
from marketplace.contracts.tables import NeedAnswer, PlacementNeed, PlacementRequest
from marketplace.core import calendar
from marketplace.core.clock import today, utcnow
from marketplace.core.errors import DomainError, ErrorCode
from marketplace.core.identity import Principal, Role
from marketplace.core.pagination import PageRequest
from marketplace.core.tables import AuditRecord
from marketplace.offers import service as offers
from tests.agreements.world import agreement_in_force
from tests.conftest import writes
from tests.factories import REGISTRY_ADMIN, admin_of, target_group_code
from tests.marketplace.contracts.world import (
    AALBORG,
    AALBORG_PROVIDER_ADMIN,
    AARHUS,
    ENGLY_ADMIN,
    Market,
    publish_offer,
)

DAY, HOUR = datetime.timedelta(days=1), datetime.timedelta(hours=1)
AUTISM = target_group_code("Autismespektrum")
CPR = "150306-4321"  # 20 years old in 2026
ODENSE_ADMIN = admin_of("461")
COSTS = {
    "staff": [
        {"role": "Pædagog, 1:1 i dagtimerne", "hours_per_week": "56", "hourly_rate": "360"},
        {"role": "Vågen nattevagt", "hours_per_week": "70", "hourly_rate": "395.50"},
    ],
    "other_costs_per_day": "240",
    "overhead_percent": "4.5",
}
SPECIAL_ORE = 739338  # see test_proposals: 7,393.38 DKK a day


def need(**overrides: Any) -> PlacementNeedCreate:
    values: dict[str, Any] = {
        "target_groups": [AUTISM],
        "age": 20,
        "desired_start": today() + 7 * DAY,
        "message": "Ung mand med autisme og selvskadende adfærd; behov for døgndækning.",
    }
    return PlacementNeedCreate.model_validate({**values, **overrides})


def choice(**overrides: Any) -> PlacementNeedChoose:
    values: dict[str, Any] = {"citizen_ref": "SAG-2026-0101", "cpr": CPR}
    return PlacementNeedChoose.model_validate({**values, **overrides})


async def _third_offer(market: Market) -> Any:
    """Aalborg Kommune's second offer, in Hjørring (region 1081)."""
    return await publish_offer(
        AALBORG_PROVIDER_ADMIN,
        market.aalborg_provider_id,
        name="Bostedet Tranehøj",
        municipality_code="860",
        city="Hjørring",
        postal_code="9800",
    )


async def _sent(market: Market, **overrides: Any) -> Any:
    """A need from Aarhus sent to Engly (private, Horsens) and Birkely (Aalborg)."""
    return await needs.create_need(
        AARHUS, need(offer_ids=[market.offer_id, market.aalborg_offer_id], **overrides)
    )


async def _answers(principal: Principal, need_id: Any) -> dict[Any, Any]:
    found = (await needs.answers_by_need(principal, [need_id]))[need_id]
    return {answer.offer_id: answer for answer in found}


async def _fails(code: ErrorCode, field: list[str] | None, call: Any) -> DomainError:
    with pytest.raises(DomainError) as error:
        await call
    assert (error.value.code, error.value.field) == (code, field), error.value.message
    return error.value


async def test_a_need_goes_to_chosen_offers_and_each_provider_sees_the_need_only(
    market: Market,
) -> None:
    sent = await _sent(market)

    assert sent.status is NeedStatus.OPEN and sent.buyer == "751"
    assert (sent.target_groups, sent.age, sent.sent_count, sent.matched_count) == (
        [AUTISM],
        20,
        2,
        2,
    )
    hours = datetime.timedelta(days=14)
    assert utcnow() + hours - HOUR < sent.respond_by <= utcnow() + hours
    answers = await _answers(AARHUS, sent.id)
    assert {a.status for a in answers.values()} == {NeedAnswerStatus.WAITING}
    assert answers[market.offer_id].legal_basis.value == "SEL-108"
    # Aarhus to Horsens is about 40 km, to Aalborg about 100 km
    assert 30 < (answers[market.offer_id].distance_km or 0) < 50
    assert 90 < (answers[market.aalborg_offer_id].distance_km or 0) < 115

    seen = await needs.get_need(ENGLY_ADMIN, sent.id)
    assert seen is not None and seen.message == sent.message
    assert (seen.sent_count, seen.matched_count, seen.match, seen.cancel_reason) == (
        None,
        None,
        None,
        None,
    )
    assert list(await _answers(ENGLY_ADMIN, sent.id)) == [market.offer_id]
    assert await needs.get_need(ODENSE_ADMIN, sent.id) is None
    assert await needs.get_need(AALBORG, sent.id) is None  # another municipality
    invitations = await needs.list_answers(
        ENGLY_ADMIN, PageRequest(), status=NeedAnswerStatus.WAITING
    )
    assert [a.offer_id for a in invitations.items] == [market.offer_id]
    listed = await needs.list_needs(ENGLY_ADMIN, PageRequest())
    assert [n.id for n in listed.items] == [sent.id]
    assert (await needs.list_needs(ODENSE_ADMIN, PageRequest())).items == []
    # what a provider is shown names no citizen: there is none to name
    assert "citizen" not in str(seen.model_dump()) and "cpr" not in str(seen.model_dump())


async def test_answers_side_by_side_and_the_pick_becomes_a_contract_both_agreed(
    market: Market,
) -> None:
    tranehoj = await _third_offer(market)
    await agreement_in_force()  # after the offers: their price lists predate its cap
    sent = await needs.create_need(
        AARHUS, need(offer_ids=[market.offer_id, market.aalborg_offer_id, tranehoj])
    )
    answers = await _answers(AARHUS, sent.id)
    special = await needs.propose(
        ENGLY_ADMIN,
        answers[market.offer_id].id,
        PlacementProposal(
            special_arrangement=COSTS, review_on=today() + 90 * DAY, message="1:1 og nattevagt"
        ),
    )
    level = await needs.propose(
        AALBORG_PROVIDER_ADMIN,
        answers[market.aalborg_offer_id].id,
        PlacementProposal(price_level="Niveau 2"),
    )
    declined = await needs.decline(
        AALBORG_PROVIDER_ADMIN,
        answers[tranehoj].id,
        PlacementRequestDecline(reason=DeclineReason.NO_CAPACITY),
    )
    assert (special.status, special.price_ore, special.price_unit.value) == (  # type: ignore[union-attr]
        NeedAnswerStatus.PROPOSED,
        SPECIAL_ORE,
        "per_day",
    )
    assert (level.price_level, level.price_ore, level.start_date) == (
        "Niveau 2",
        389000,
        today() + 7 * DAY,
    )
    assert declined.decline_reason is DeclineReason.NO_CAPACITY

    side = (await needs.answers_by_need(AARHUS, [sent.id]))[sent.id]
    assert [a.id for a in side] == [level.id, special.id, declined.id]  # cheapest first
    compared = await needs.offer_comparisons([market.offer_id, market.aalborg_offer_id])
    assert compared[market.offer_id].free_from == today()  # 2 of 12 places free
    assert compared[market.offer_id].agreement_name is None
    assert "private" in compared[market.offer_id].agreement_source
    assert (compared[market.aalborg_offer_id].agreement_name or "").startswith("Nordjysk")

    request = await needs.choose(AARHUS, special.id, choice(individual_plan_ref="HP-7"))

    assert (request.status, request.need_answer_id, request.offer_id) == (
        RequestStatus.PENDING,
        special.id,
        market.offer_id,
    )
    assert (request.desired_start, request.price_level, request.cpr_masked) == (
        today() + 7 * DAY,
        None,
        "150306-****",
    )
    closed = await _answers(AARHUS, sent.id)
    assert closed[market.offer_id].status is NeedAnswerStatus.CHOSEN
    assert closed[market.aalborg_offer_id].status is NeedAnswerStatus.NOT_CHOSEN
    assert closed[tranehoj].status is NeedAnswerStatus.DECLINED
    chosen = await needs.get_need(AARHUS, sent.id)
    assert chosen is not None and chosen.status is NeedStatus.CHOSEN
    assert await requests.get_request(AALBORG_PROVIDER_ADMIN, request.id) is None  # not its

    contract = await requests.accept_request(ENGLY_ADMIN, request.id, PlacementRequestAccept())

    [term] = contract.terms
    assert (term.special_arrangement, term.price_ore, term.review_on) == (
        True,
        SPECIAL_ORE,
        today() + 90 * DAY,
    )
    assert term.cost is not None and term.cost.overhead_percent == Decimal("4.5")
    assert term.provider_consent is not None and term.buyer_consent is not None
    assert (term.provider_consent.by, term.provider_consent.at) == (
        ENGLY_ADMIN.subject,
        special.answered_at,
    )
    assert (term.buyer_consent.organisation, term.buyer_consent.by) == ("751", AARHUS.subject)
    assert term.buyer_consent.at == request.created_at
    assert contract.individual_plan_ref == "HP-7" and contract.citizen_ref == "SAG-2026-0101"


async def test_a_level_answer_becomes_a_request_and_a_proposal_on_it_keeps_the_special(
    market: Market,
) -> None:
    sent = await _sent(market)
    answers = await _answers(AARHUS, sent.id)
    special = await needs.propose(
        ENGLY_ADMIN,
        answers[market.offer_id].id,
        PlacementProposal(special_arrangement=COSTS, review_on=today() + 90 * DAY),
    )
    request = await needs.choose(AARHUS, special.id, choice())
    # having seen the citizen, the provider asks for a later start: the special stays
    from marketplace.contracts import proposals

    later = today() + 21 * DAY
    proposal = await proposals.propose(ENGLY_ADMIN, request.id, PlacementProposal(start_date=later))
    assert proposal.price_ore == SPECIAL_ORE and proposal.review_on == today() + 90 * DAY
    contract = await proposals.accept_proposal(AARHUS, proposal.id)
    assert contract.start_date == later and contract.terms[0].special_arrangement is True


async def test_a_need_sent_by_a_search_goes_to_the_matching_offers_nearest_first(
    market: Market, monkeypatch: pytest.MonkeyPatch
) -> None:
    tranehoj = await _third_offer(market)
    everywhere = await needs.create_need(
        AALBORG, need(match={"categories": ["residential"]}, area={"region_code": "1081"})
    )
    answers = await needs.answers_by_need(AALBORG, [everywhere.id])
    assert {a.offer_id for a in answers[everywhere.id]} == {market.aalborg_offer_id, tranehoj}
    assert everywhere.match is not None and everywhere.matched_count == 2

    monkeypatch.setattr(needs, "MAX_NEED_OFFERS", 1)
    nearest = await needs.create_need(AARHUS, need(match={}))  # no area: from Aarhus
    [only] = (await needs.answers_by_need(AARHUS, [nearest.id]))[nearest.id]
    assert only.offer_id == market.offer_id  # Horsens is nearest to Aarhus
    assert (nearest.sent_count, nearest.matched_count) == (1, 3)

    near = await needs.create_need(
        AARHUS, need(match={"query": "autisme"}, area={"municipality_code": "851", "radius_km": 30})
    )
    [birkely] = (await needs.answers_by_need(AARHUS, [near.id]))[near.id]
    assert birkely.offer_id == market.aalborg_offer_id


async def test_a_need_no_offer_matches_is_refused_and_changes_nothing(market: Market) -> None:
    await _fails(
        ErrorCode.NO_MATCHING_OFFER,
        ["match"],
        needs.create_need(AARHUS, need(match={}, area={"region_code": "1085"})),
    )
    await _fails(
        ErrorCode.NO_MATCHING_OFFER,
        ["match"],
        needs.create_need(AARHUS, need(match={}, max_price_per_day="1000")),
    )
    assert await PlacementNeed.count().run() == 0 and await NeedAnswer.count().run() == 0


@pytest.mark.parametrize(
    ("overrides", "code", "field"),
    [
        ({"respond_by": utcnow() - HOUR}, ErrorCode.INVALID, ["respond_by"]),
        ({"respond_by": utcnow() + 15 * DAY}, ErrorCode.INVALID, ["respond_by"]),
        ({"urgency": "acute", "respond_by": utcnow() + 2 * DAY}, ErrorCode.INVALID, ["respond_by"]),
        ({"desired_start": today() - DAY}, ErrorCode.INVALID, ["desired_start"]),
        ({"urgency": "acute"}, ErrorCode.INVALID, ["offer_ids", "0"]),
        ({"legal_basis": "SEL-107"}, ErrorCode.INVALID, ["offer_ids", "0"]),
    ],
)
async def test_bad_needs_are_refused_and_change_nothing(
    market: Market, overrides: dict[str, Any], code: ErrorCode, field: list[str]
) -> None:
    await _fails(code, field, _sent(market, **overrides))
    assert await PlacementNeed.count().run() == 0 and await NeedAnswer.count().run() == 0
    assert await AuditRecord.count().where(AuditRecord.operation.like("placementNeed%")).run() == 0


async def test_only_purchasers_send_needs_and_only_to_published_offers(market: Market) -> None:
    draft = await offers.create_offer(ENGLY_ADMIN, market.provider_id, _content(name="Kladdehuset"))
    await _fails(
        ErrorCode.NOT_FOUND,
        ["offer_ids", "1"],
        needs.create_need(AARHUS, need(offer_ids=[market.offer_id, draft.id])),
    )
    await _fails(
        ErrorCode.PERMISSION_DENIED,
        None,
        needs.create_need(ENGLY_ADMIN, need(offer_ids=[market.offer_id])),
    )
    with pytest.raises(ValueError, match="offerIds"):
        need()  # neither chosen offers nor a search
    assert await PlacementNeed.count().run() == 0


def _content(**overrides: Any) -> Any:
    from tests.factories import offer_content

    return offer_content(**overrides)


async def test_answering_twice_late_or_for_another_provider_is_refused(market: Market) -> None:
    sent = await _sent(market)
    answers = await _answers(AARHUS, sent.id)
    engly = answers[market.offer_id].id
    await _fails(
        ErrorCode.NOT_FOUND,
        ["id"],
        needs.propose(AALBORG_PROVIDER_ADMIN, engly, PlacementProposal()),
    )
    await _fails(
        ErrorCode.PERMISSION_DENIED, None, needs.propose(AARHUS, engly, PlacementProposal())
    )
    await needs.propose(ENGLY_ADMIN, engly, PlacementProposal(), "engly-svar-0001")
    again = await needs.propose(ENGLY_ADMIN, engly, PlacementProposal(), "engly-svar-0001")
    assert again.status is NeedAnswerStatus.PROPOSED  # the same key: the first answer
    await _fails(
        ErrorCode.INVALID_STATE, ["id"], needs.propose(ENGLY_ADMIN, engly, PlacementProposal())
    )
    await _fails(
        ErrorCode.INVALID_STATE,
        ["id"],
        needs.decline(
            ENGLY_ADMIN, engly, PlacementRequestDecline(reason=DeclineReason.OTHER, text="Nej tak")
        ),
    )
    # Birkely's answer: past the deadline
    await (
        NeedAnswer.update({NeedAnswer.respond_by: utcnow() - HOUR})
        .where(NeedAnswer.need == sent.id)
        .run()
    )
    await (
        PlacementNeed.update({PlacementNeed.respond_by: utcnow() - HOUR})
        .where(PlacementNeed.id == sent.id)
        .run()
    )
    late = answers[market.aalborg_offer_id].id
    error = await _fails(
        ErrorCode.INVALID_STATE,
        ["id"],
        needs.propose(AALBORG_PROVIDER_ADMIN, late, PlacementProposal(price_level="Niveau 1")),
    )
    assert "closed" in error.message


async def test_a_price_above_the_ceiling_is_refused(market: Market) -> None:
    sent = await _sent(market, max_price_per_day="3000")
    answers = await _answers(AARHUS, sent.id)
    await _fails(
        ErrorCode.INVALID,
        ["price_level"],
        needs.propose(
            ENGLY_ADMIN, answers[market.offer_id].id, PlacementProposal(price_level="Niveau 2")
        ),
    )
    await _fails(
        ErrorCode.INVALID,
        ["special_arrangement"],
        needs.propose(
            ENGLY_ADMIN,
            answers[market.offer_id].id,
            PlacementProposal(special_arrangement=COSTS, review_on=today() + 90 * DAY),
        ),
    )
    fits = await needs.propose(ENGLY_ADMIN, answers[market.offer_id].id, PlacementProposal())
    assert fits.price_ore == 245050


async def test_after_the_deadline_reads_know_and_the_calendar_records_it(
    market: Market, statements: list[str]
) -> None:
    sent = await _sent(market)
    answers = await _answers(AARHUS, sent.id)
    proposed = await needs.propose(ENGLY_ADMIN, answers[market.offer_id].id, PlacementProposal())
    past = utcnow() - HOUR
    await NeedAnswer.update({NeedAnswer.respond_by: past}).where(NeedAnswer.need == sent.id).run()
    await (
        PlacementNeed.update({PlacementNeed.respond_by: past})
        .where(PlacementNeed.id == sent.id)
        .run()
    )

    statements.clear()
    read = await needs.get_need(AARHUS, sent.id)
    seen = await _answers(AARHUS, sent.id)
    deciding = await needs.list_needs(AARHUS, PageRequest(), status=NeedStatus.DECIDING)
    silent = await needs.list_answers(AARHUS, PageRequest(), status=NeedAnswerStatus.NO_ANSWER)
    assert read is not None and read.status is NeedStatus.DECIDING
    assert seen[market.aalborg_offer_id].status is NeedAnswerStatus.NO_ANSWER
    assert seen[market.offer_id].status is NeedAnswerStatus.PROPOSED  # still to be picked
    assert [n.id for n in deciding.items] == [sent.id]
    assert [a.offer_id for a in silent.items] == [market.aalborg_offer_id]
    assert writes(statements) == []

    done = await calendar.tick(today())
    assert done["placement needs closed"] == 1
    stored = await NeedAnswer.select(NeedAnswer.offer, NeedAnswer.status).run()
    assert {r["offer"]: r["status"] for r in stored} == {
        market.offer_id: "proposed",
        market.aalborg_offer_id: "no_answer",
    }
    assert (await calendar.tick(today()))["placement needs closed"] == 0

    # the buyer may still pick until decide_by; after it, the need is closed
    await (
        NeedAnswer.update({NeedAnswer.decide_by: past + HOUR / 2})
        .where(NeedAnswer.need == sent.id)
        .run()
    )
    await (
        PlacementNeed.update({PlacementNeed.decide_by: past + HOUR / 2})
        .where(PlacementNeed.id == sent.id)
        .run()
    )
    closed = await needs.get_need(AARHUS, sent.id)
    assert closed is not None and closed.status is NeedStatus.CLOSED
    await _fails(
        ErrorCode.INVALID_STATE, ["answer_id"], needs.choose(AARHUS, proposed.id, choice())
    )
    assert (await calendar.tick(today()))["placement needs closed"] == 1
    stored_need = await PlacementNeed.select(PlacementNeed.status).first().run()
    assert stored_need == {"status": "closed"}
    left = (
        await NeedAnswer.select(NeedAnswer.status).where(NeedAnswer.id == proposed.id).first().run()
    )
    assert left == {"status": "not_chosen"}


async def test_choosing_what_cannot_be_chosen_is_refused_and_changes_nothing(
    market: Market,
) -> None:
    sent = await _sent(market)
    answers = await _answers(AARHUS, sent.id)
    engly, birkely = answers[market.offer_id].id, answers[market.aalborg_offer_id].id
    await _fails(ErrorCode.INVALID_STATE, ["answer_id"], needs.choose(AARHUS, engly, choice()))
    await needs.decline(
        ENGLY_ADMIN, engly, PlacementRequestDecline(reason=DeclineReason.TARGET_GROUP_MISMATCH)
    )
    await _fails(ErrorCode.INVALID_STATE, ["answer_id"], needs.choose(AARHUS, engly, choice()))
    await needs.propose(AALBORG_PROVIDER_ADMIN, birkely, PlacementProposal())
    await _fails(ErrorCode.NOT_FOUND, ["answer_id"], needs.choose(AALBORG, birkely, choice()))
    await _fails(
        ErrorCode.INVALID, ["cpr"], needs.choose(AARHUS, birkely, choice(cpr="010110-1234"))
    )  # ten years old: the offer takes 18 to 67
    assert await PlacementRequest.count().run() == 0

    first = await needs.choose(AARHUS, birkely, choice(), "aarhus-valg-0001")
    again = await needs.choose(AARHUS, birkely, choice(), "aarhus-valg-0001")
    assert again.id == first.id
    await _fails(ErrorCode.INVALID_STATE, ["answer_id"], needs.choose(AARHUS, birkely, choice()))
    assert await PlacementRequest.count().run() == 1


async def test_a_cancelled_need_takes_no_answers_and_no_choice(market: Market) -> None:
    sent = await _sent(market)
    answers = await _answers(AARHUS, sent.id)
    proposed = await needs.propose(ENGLY_ADMIN, answers[market.offer_id].id, PlacementProposal())
    await _fails(ErrorCode.NOT_FOUND, ["id"], needs.cancel(AALBORG, sent.id, "Ikke vores"))
    await _fails(ErrorCode.REQUIRED, ["reason"], needs.cancel(AARHUS, sent.id, " "))

    cancelled = await needs.cancel(AARHUS, sent.id, "Borgeren blev hjemme")

    assert cancelled.status is NeedStatus.CANCELLED
    assert cancelled.cancel_reason == "Borgeren blev hjemme"
    assert {a.status for a in (await _answers(AARHUS, sent.id)).values()} == {
        NeedAnswerStatus.CANCELLED
    }
    await _fails(
        ErrorCode.INVALID_STATE, ["answer_id"], needs.choose(AARHUS, proposed.id, choice())
    )
    await _fails(
        ErrorCode.INVALID_STATE,
        ["id"],
        needs.decline(
            AALBORG_PROVIDER_ADMIN,
            answers[market.aalborg_offer_id].id,
            PlacementRequestDecline(reason=DeclineReason.NO_CAPACITY),
        ),
    )
    await _fails(ErrorCode.INVALID_STATE, ["id"], needs.cancel(AARHUS, sent.id, "Igen"))


async def test_two_picks_at_once_make_one_request(market: Market) -> None:
    sent = await _sent(market)
    answers = await _answers(AARHUS, sent.id)
    engly = await needs.propose(ENGLY_ADMIN, answers[market.offer_id].id, PlacementProposal())
    birkely = await needs.propose(
        AALBORG_PROVIDER_ADMIN, answers[market.aalborg_offer_id].id, PlacementProposal()
    )
    results = await asyncio.gather(
        needs.choose(AARHUS, engly.id, choice()),
        needs.choose(AARHUS, birkely.id, choice(citizen_ref="SAG-2")),
        needs.choose(AARHUS, engly.id, choice(citizen_ref="SAG-3")),
        return_exceptions=True,
    )
    made = [r for r in results if not isinstance(r, BaseException)]
    refused = [r for r in results if isinstance(r, DomainError)]
    assert len(made) == 1 and len(refused) == 2, results
    assert {e.code for e in refused} == {ErrorCode.INVALID_STATE}
    assert await PlacementRequest.count().run() == 1
    statuses = sorted(a.status.value for a in (await _answers(AARHUS, sent.id)).values())
    assert statuses == ["chosen", "not_chosen"]


async def test_the_registry_administrator_reads_needs_and_every_change_is_audited(
    market: Market,
) -> None:
    sent = await _sent(market)
    assert (await needs.get_need(REGISTRY_ADMIN, sent.id)) is not None
    everything = await needs.list_answers(REGISTRY_ADMIN, PageRequest())
    assert everything.total_count == 2
    steering = Principal(subject="test:steering", org_code="1081", role=Role.STEERING)
    assert await needs.get_need(steering, sent.id) is None
    records = (
        await AuditRecord.select(AuditRecord.operation, AuditRecord.object_type)
        .where(AuditRecord.operation.like("placementNeed%"))
        .run()
    )
    assert sorted((r["operation"], r["object_type"]) for r in records) == [
        ("placementNeedCreate", "NeedAnswer"),
        ("placementNeedCreate", "NeedAnswer"),
        ("placementNeedCreate", "PlacementNeed"),
    ]


async def test_a_retried_need_with_its_key_is_sent_once(market: Market) -> None:
    command = need(offer_ids=[market.offer_id])
    first = await needs.create_need(AARHUS, command, "aarhus-behov-0001")
    again = await needs.create_need(AARHUS, command, "aarhus-behov-0001")
    assert again.id == first.id and await PlacementNeed.count().run() == 1
    await _fails(
        ErrorCode.IDEMPOTENCY_KEY_REUSED,
        ["idempotency_key"],
        needs.create_need(AARHUS, need(offer_ids=[market.aalborg_offer_id]), "aarhus-behov-0001"),
    )
