"""Notice from a chosen day, by the agreed convention (days, or to the end of a month some
months on), later notices that end a contract earlier, withdrawal when both parties agree,
and the bad input that changes nothing."""

from __future__ import annotations

import calendar
import datetime
import importlib
from typing import Any

import pytest
from pydantic import ValidationError

from agreements.frameworks.rulebook import AgreementRuleBook
from marketplace.contracts import billing, notices, parties
from marketplace.contracts import service as contracts
from marketplace.contracts.models import (
    ChangeStatus,
    ContractChangeProposal,
    ContractStatus,
    NoticeStatus,
)
from marketplace.contracts.tables import Contract, ContractChange, ContractNotice
from marketplace.core.clock import today
from marketplace.core.errors import DomainError, ErrorCode, parse
from marketplace.core.rules import (
    ContractRules,
    NoticeConvention,
    NoticeTerms,
    OfferFacts,
    rule_book,
    use_rule_book,
)
from marketplace.core.tables import AuditRecord
from marketplace.offers import pricing
from marketplace.offers import service as offers
from marketplace.offers.models import OfferStatus
from tests.factories import offer_content, price_list
from tests.marketplace.contracts.world import (
    AALBORG,
    AARHUS,
    ENGLY_ADMIN,
    Market,
    contract_for,
)

DAY = datetime.timedelta(days=1)


def withdrawal(reason: str = "Borgeren bliver alligevel") -> ContractChangeProposal:
    return parse(ContractChangeProposal, {"withdraw_notice": True, "reason": reason})


class MonthEnd(AgreementRuleBook):
    """Rules of an agreement with notice to the end of the month ``months`` months on."""

    def __init__(self, months: int) -> None:
        self.months = months

    async def contract_rules(self, offer: OfferFacts, on: datetime.date) -> ContractRules:
        return ContractRules(
            0,
            True,
            True,
            "Test agreement",
            notice_convention=NoticeConvention.MONTH_END,
            notice_months=self.months,
        )


async def month_end_contract(market: Market, months: int, **overrides: Any) -> Any:
    previous = rule_book()
    use_rule_book(MonthEnd(months))
    try:
        return await contract_for(market.offer_id, **overrides)
    finally:
        use_rule_book(previous)


async def state(contract_id: Any) -> tuple[Any, ...]:
    """What bad input must leave as it was: the contract, its notices and changes, the trail."""
    contract = await contracts.get_contract(AALBORG, contract_id)
    return (
        contract,
        (await notices.notices_by_contract([contract_id]))[contract_id],
        (await contracts.changes_by_contract([contract_id]))[contract_id],
        await AuditRecord.count().run(),
    )


def test_the_conventions_count_from_the_effective_day() -> None:
    mid_january = datetime.date(2027, 1, 15)
    assert NoticeTerms(days=60).last_day(mid_january) == datetime.date(2027, 3, 16)
    month_end = NoticeTerms(NoticeConvention.MONTH_END, months=2)
    assert month_end.last_day(mid_january) == datetime.date(2027, 3, 31)
    assert month_end.last_day(datetime.date(2027, 12, 31)) == datetime.date(2028, 2, 29)
    this_month = NoticeTerms(NoticeConvention.MONTH_END, months=0)
    assert this_month.last_day(datetime.date(2027, 2, 1)) == datetime.date(2027, 2, 28)
    assert month_end.period == "the rest of the month plus 2 months"
    assert NoticeTerms(days=60).described == "60 days' notice"


async def test_notice_from_a_later_day(market: Market) -> None:
    contract = await contract_for(market.offer_id, start=today())
    effective = today() + 30 * DAY
    noticed = await contracts.give_notice(
        ENGLY_ADMIN, contract.id, "Målgruppen passer ikke", effective
    )
    assert noticed.status is ContractStatus.NOTICE_GIVEN
    assert noticed.end_date == effective + 90 * DAY  # the private offer's example: 90 days
    assert (noticed.notice_given_on, noticed.notice_given_by) == (today(), "43389424")
    [notice] = (await notices.notices_by_contract([contract.id]))[contract.id]
    assert (notice.status, notice.effective_from, notice.end_date, notice.days) == (
        NoticeStatus.GIVEN,
        effective,
        effective + 90 * DAY,
        90,
    )
    events = (await parties.history([contract.request_id]))[contract.request_id]
    assert events[-1].kind == "notice_given"
    assert events[-1].detail.startswith(f"90 days' notice from {effective.isoformat()}")


async def test_notice_to_the_end_of_a_month_after_n_months(market: Market) -> None:
    contract = await month_end_contract(market, 2, start=today())
    assert (contract.notice_convention, contract.notice_months) == (NoticeConvention.MONTH_END, 2)
    effective = today() + 10 * DAY
    noticed = await contracts.give_notice(AALBORG, contract.id, "Flytter", effective)
    year, month = divmod(effective.year * 12 + effective.month - 1 + 2, 12)
    last = datetime.date(year, month + 1, calendar.monthrange(year, month + 1)[1])
    assert noticed.end_date == last


async def test_a_private_price_list_states_notice_to_a_months_end(market: Market) -> None:
    offer = await offers.create_offer(
        ENGLY_ADMIN, market.provider_id, offer_content(name="Engly Vest")
    )
    for year in (today().year, today().year + 1):
        await pricing.publish_price_list(
            ENGLY_ADMIN, offer.id, price_list(year, notice_months=1, bill_last_day=False)
        )
    await offers.change_status(ENGLY_ADMIN, offer.id, OfferStatus.PUBLISHED, "Klar")
    contract = await contract_for(offer.id, start=today())
    assert (contract.notice_convention, contract.notice_months, contract.notice_days) == (
        NoticeConvention.MONTH_END,
        1,
        0,
    )
    assert contract.rules_source.startswith("the offer's price list")
    with pytest.raises(ValidationError, match="in days or in months, not both"):
        price_list(today().year, notice_days=30, notice_months=1)


async def test_a_later_notice_must_end_the_contract_earlier(market: Market) -> None:
    contract = await contract_for(market.offer_id, start=today())
    late = today() + 60 * DAY
    first = await contracts.give_notice(AALBORG, contract.id, "Flytter til sommer", late)
    assert first.end_date == late + 90 * DAY
    before = await state(contract.id)
    with pytest.raises(DomainError) as error:  # ends after the earlier notice's end
        await contracts.give_notice(ENGLY_ADMIN, contract.id, "Også os", late + DAY)
    assert (error.value.code, error.value.field) == (ErrorCode.INVALID_STATE, ["effective_from"])
    assert await state(contract.id) == before
    second = await contracts.give_notice(ENGLY_ADMIN, contract.id, "Vi kan ikke længere")
    assert second.end_date == today() + 90 * DAY  # earlier: it supersedes the first
    statuses = [n.status for n in (await notices.notices_by_contract([contract.id]))[contract.id]]
    assert statuses == [NoticeStatus.SUPERSEDED, NoticeStatus.GIVEN]


async def test_withdrawal_when_both_parties_agree(market: Market) -> None:
    contract = await contract_for(market.offer_id, start=today())
    await contracts.give_notice(AALBORG, contract.id, "Borgeren flytter hjem")
    change = await contracts.propose_change(AALBORG, contract.id, withdrawal())
    assert change.withdraws_notice_id is not None
    still = await contracts.get_contract(ENGLY_ADMIN, contract.id)
    assert still is not None and still.status is ContractStatus.NOTICE_GIVEN  # not yet
    before = await state(contract.id)
    with pytest.raises(DomainError) as error:  # the proposer does not answer
        await contracts.respond_to_change(AALBORG, change.id, True, "Enig med os selv")
    assert error.value.code is ErrorCode.PERMISSION_DENIED
    assert await state(contract.id) == before
    accepted = await contracts.respond_to_change(ENGLY_ADMIN, change.id, True, "Enig")
    assert accepted.status is ChangeStatus.ACCEPTED
    running = await contracts.get_contract(AALBORG, contract.id)
    assert running is not None
    assert (running.status, running.end_date, running.notice_given_on) == (
        ContractStatus.ACTIVE,
        None,
        None,
    )
    [notice] = (await notices.notices_by_contract([contract.id]))[contract.id]
    assert notice.status is NoticeStatus.WITHDRAWN and notice.withdrawn_at is not None
    trail = await AuditRecord.select(AuditRecord.operation, AuditRecord.object_type).run()
    assert {"operation": "contractChangeRespond", "object_type": "Contract"} in trail
    assert {"operation": "contractGiveNotice", "object_type": "Contract"} in trail
    # notice may be given again, and withdrawn again
    again = await contracts.give_notice(ENGLY_ADMIN, contract.id, "Ny vurdering")
    assert again.status is ContractStatus.NOTICE_GIVEN


async def test_withdrawing_a_later_notice_puts_the_earlier_back(market: Market) -> None:
    contract = await contract_for(market.offer_id, start=today())
    late = today() + 60 * DAY
    await contracts.give_notice(AALBORG, contract.id, "Flytter til sommer", late)
    await contracts.give_notice(ENGLY_ADMIN, contract.id, "Vi kan ikke længere")
    change = await contracts.propose_change(
        ENGLY_ADMIN, contract.id, withdrawal("Vi kan alligevel")
    )
    await contracts.respond_to_change(AALBORG, change.id, True, "Godt")
    after = await contracts.get_contract(AALBORG, contract.id)
    assert after is not None
    assert (after.status, after.end_date, after.notice_given_by) == (
        ContractStatus.NOTICE_GIVEN,
        late + 90 * DAY,
        "851",
    )
    statuses = [n.status for n in (await notices.notices_by_contract([contract.id]))[contract.id]]
    assert statuses == [NoticeStatus.GIVEN, NoticeStatus.WITHDRAWN]


async def test_a_withdrawal_needs_a_free_place_on_the_days_it_runs_again(market: Market) -> None:
    await offers.update_offer(ENGLY_ADMIN, market.offer_id, {"occupied_places": 11})  # one free
    contract = await contract_for(market.offer_id, start=today())
    noticed = await contracts.give_notice(AALBORG, contract.id, "Flytter")
    assert noticed.end_date is not None
    await contract_for(market.offer_id, start=noticed.end_date + DAY)  # takes the place after
    change = await contracts.propose_change(AALBORG, contract.id, withdrawal())
    before = await state(contract.id)
    with pytest.raises(DomainError) as error:
        await contracts.respond_to_change(ENGLY_ADMIN, change.id, True, "Ok")
    assert error.value.code is ErrorCode.CAPACITY_EXHAUSTED
    assert await state(contract.id) == before


@pytest.mark.parametrize(
    ("effective", "reason", "field", "code"),
    [
        (-1, "Bagud", ["effective_from"], ErrorCode.INVALID),  # in the past
        (3, "Før starten", ["effective_from"], ErrorCode.INVALID),  # before the start (day 7)
        # a CPR number: the typed PERSONAL_DATA_IN_TEXT (it was INVALID)
        (None, "Borgeren 010190-1234 flytter", ["reason"], ErrorCode.PERSONAL_DATA_IN_TEXT),
    ],
)
async def test_bad_notice_changes_nothing(
    market: Market, effective: int | None, reason: str, field: list[str], code: ErrorCode
) -> None:
    contract = await contract_for(market.offer_id)  # starts in a week
    before = await state(contract.id)
    day = today() + effective * DAY if effective is not None else None
    with pytest.raises(DomainError) as error:
        await contracts.give_notice(AALBORG, contract.id, reason, day)
    assert (error.value.code, error.value.field) == (code, field)
    assert "010190" not in error.value.message
    assert await state(contract.id) == before
    assert await ContractNotice.count().run() == 0


async def test_a_withdrawal_nobody_gave_notice_for_is_refused(market: Market) -> None:
    contract = await contract_for(market.offer_id, start=today())
    before = await state(contract.id)
    with pytest.raises(DomainError) as error:
        await contracts.propose_change(ENGLY_ADMIN, contract.id, withdrawal())
    assert (error.value.code, error.value.field) == (ErrorCode.INVALID_STATE, ["withdraw_notice"])
    assert await state(contract.id) == before
    with pytest.raises(DomainError) as error:  # and it is proposed on its own
        parse(
            ContractChangeProposal,
            {"withdraw_notice": True, "end_date": today() + 9 * DAY, "reason": "Begge dele"},
        )
    assert error.value.code is ErrorCode.INVALID


async def test_a_withdrawn_notice_cannot_be_withdrawn_again(market: Market) -> None:
    contract = await contract_for(market.offer_id, start=today())
    await contracts.give_notice(AALBORG, contract.id, "Flytter")
    first = await contracts.propose_change(AALBORG, contract.id, withdrawal())
    await contracts.respond_to_change(ENGLY_ADMIN, first.id, False, "Nej, den står ved magt")
    # rejected: the notice stands; a new proposal may follow, and once accepted there is none
    second = await contracts.propose_change(AALBORG, contract.id, withdrawal("Igen"))
    await contracts.respond_to_change(ENGLY_ADMIN, second.id, True, "Ja så")
    with pytest.raises(DomainError) as error:
        await contracts.propose_change(AALBORG, contract.id, withdrawal("En gang til"))
    assert error.value.code is ErrorCode.INVALID_STATE
    assert await ContractChange.count().run() == 2


async def test_outsiders_neither_give_nor_withdraw_notice(market: Market) -> None:
    contract = await contract_for(market.offer_id, start=today())
    with pytest.raises(DomainError) as error:
        await contracts.give_notice(AARHUS, contract.id, "Ikke min", today() + DAY)
    assert error.value.code is ErrorCode.NOT_FOUND
    await contracts.give_notice(AALBORG, contract.id, "Flytter")
    with pytest.raises(DomainError) as error:
        await contracts.propose_change(AARHUS, contract.id, withdrawal())
    assert error.value.code is ErrorCode.NOT_FOUND


async def test_a_notice_ending_mid_month_bills_to_its_last_day(market: Market) -> None:
    """The last month bills the days to the last day (the first and last day billed by the
    private offer's example convention), at the agreed price per day, to the øre."""
    contract = await contract_for(market.offer_id, start=today(), add_ons=[])
    # an effective day that puts the last day on the 15th of a month
    target = (today() + 120 * DAY).replace(day=15)
    effective = target - 90 * DAY
    noticed = await contracts.give_notice(AALBORG, contract.id, "Flytter", effective)
    assert noticed.end_date == target
    month = target.replace(day=1)
    statement = await billing.billing_statement(AALBORG, month, municipality_code="851")
    [line] = statement.lines
    assert (line.period_start, line.period_end, line.days) == (month, target, 15)
    # Niveau 2: 3,890.00 DKK a day this year, 4,100.00 by next year's price list
    assert line.total_ore == 15 * (389000 if target.year == today().year else 410000)
    after = await billing.billing_statement(
        AALBORG, (target + 31 * DAY).replace(day=1), municipality_code="851"
    )
    assert after.lines == []


async def test_existing_contracts_and_dates_are_migrated(market: Market) -> None:
    """The migration gives each contract under notice its notice, and each contract its
    request's follow-up date (once: running it again adds nothing)."""
    migration = importlib.import_module(
        "migrations.marketplace.marketplace_2026_12_01t09_00_11_000000"
    )
    contract = await contract_for(market.offer_id, start=today(), follow_up_on=today() + 30 * DAY)
    await contracts.give_notice(AALBORG, contract.id, "Flytter")
    # as before this change: no notice row, no dates
    from marketplace.contracts.tables import ContractDate

    await ContractNotice.delete(force=True).run()
    await ContractDate.delete(force=True).run()
    for _ in range(2):
        await migration.notices_from_contracts()
        await migration.dates_from_follow_ups()
    [notice] = (await notices.notices_by_contract([contract.id]))[contract.id]
    assert (notice.status, notice.convention, notice.days, notice.end_date) == (
        NoticeStatus.GIVEN,
        NoticeConvention.DAYS,
        90,
        today() + 90 * DAY,
    )
    dates = await ContractDate.select(ContractDate.due_on, ContractDate.kind).run()
    assert dates == [{"due_on": today() + 30 * DAY, "kind": "follow_up"}]
    row = await Contract.select(Contract.notice_convention).first().run()
    assert row == {"notice_convention": "days"}
    # the migrated notice is withdrawn as any other
    change = await contracts.propose_change(AALBORG, contract.id, withdrawal())
    await contracts.respond_to_change(ENGLY_ADMIN, change.id, True, "Enig")
    running = await contracts.get_contract(AALBORG, contract.id)
    assert running is not None and running.status is ContractStatus.ACTIVE
