"""Refund claims between municipalities (retssikkerhedsloven § 9 c): the buyer claims, the
municipality it claims from sees a limited view and accepts or disputes, the buyer may
withdraw; one open claim per contract; bad input and races change nothing; the monthly
refund statement, worked out by hand; and the migration of the former payer field."""

from __future__ import annotations

import asyncio
import calendar
import datetime
import importlib
import json
from typing import Any

import httpx
import pytest

from marketplace.contracts import billing, parties, refunds
from marketplace.contracts import service as contracts
from marketplace.contracts.models import (
    ContractView,
    RefundClaimCreate,
    RefundClaimStatus,
    RefundParagraph,
    RefundRole,
)
from marketplace.contracts.refund_statement import refund_statement
from marketplace.contracts.tables import Contract, PlacementEvent, PlacementRequest, RefundClaim
from marketplace.core.clock import today
from marketplace.core.db import engine
from marketplace.core.errors import DomainError, ErrorCode
from marketplace.core.identity import Principal, Role
from marketplace.core.pagination import PageRequest
from marketplace.core.tables import AuditRecord
from marketplace.offers import service as offers
from tests.conftest import token
from tests.factories import REGISTRY_ADMIN
from tests.marketplace.contracts.world import (
    AALBORG,
    AALBORG_PROVIDER_ADMIN,
    AARHUS,
    CPR,
    ENGLY_ADMIN,
    Market,
    contract_for,
    request_place,
)

COPENHAGEN = Principal(subject="test:kk-visitation", org_code="101", role=Role.PURCHASER)


def claim_of(**overrides: Any) -> RefundClaimCreate:
    values: dict[str, Any] = {
        "debtor_code": "751",
        "paragraph": RefundParagraph.STK2_NR1,
        "note": "Aarhus hjalp borgeren i botilbud i Aalborg.",
    }
    return RefundClaimCreate.model_validate({**values, **overrides})


def _month_after(day: datetime.date) -> datetime.date:
    return (day.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)


async def _claims_audited() -> list[str]:
    rows = await AuditRecord.select().where(AuditRecord.object_type == "RefundClaim").run()
    return [row["operation"] for row in rows]


async def test_the_buyer_claims_and_the_debtor_sees_a_limited_view(market: Market) -> None:
    contract = await contract_for(market.offer_id)
    claim = await refunds.create_claim(AALBORG, contract.id, claim_of())
    assert (claim.claimant, claim.debtor, claim.status) == ("851", "751", RefundClaimStatus.CLAIMED)
    assert (claim.from_day, claim.to_day) == (contract.start_date, None)
    assert claim.paragraph is RefundParagraph.STK2_NR1
    assert await _claims_audited() == ["refundClaimCreate"]

    seen = await refunds.get_claim(AARHUS, claim.id)
    assert seen is not None
    assert seen.citizen_ref == "SAG-2026-0042"  # the buyer's case reference
    assert (seen.offer_id, seen.provider_org) == (market.offer_id, "43389424")
    assert (seen.contract_start, seen.contract_end) == (contract.start_date, None)
    assert [(t.price_level, t.price_ore) for t in seen.terms] == [("Niveau 2", 389000)]
    dumped = json.dumps(seen.model_dump(mode="json"))
    assert "cpr" not in dumped and "010190" not in dumped and CPR not in dumped
    assert await parties.contract_by_id(AARHUS, contract.id) is None  # not the contract itself

    for stranger in (COPENHAGEN, ENGLY_ADMIN, AALBORG_PROVIDER_ADMIN):
        assert await refunds.get_claim(stranger, claim.id) is None
        assert await refunds.claims_by_contract(stranger, [contract.id]) == {}
    assert (await refunds.list_claims(COPENHAGEN, PageRequest())).total_count == 0
    with pytest.raises(DomainError) as error:
        await refunds.list_claims(ENGLY_ADMIN, PageRequest())
    assert error.value.code is ErrorCode.PERMISSION_DENIED
    admin = await refunds.get_claim(REGISTRY_ADMIN, claim.id)
    assert admin is not None and admin.citizen_ref is None

    mine = await refunds.claims_by_contract(AALBORG, [contract.id])
    assert [c.id for c in mine[contract.id]] == [claim.id]
    counts = {
        (who.org_code, role): (await refunds.list_claims(who, PageRequest(), role=role)).total_count
        for who in (AALBORG, AARHUS)
        for role in (RefundRole.CLAIMANT, RefundRole.DEBTOR, None)
    }
    assert counts == {
        ("851", RefundRole.CLAIMANT): 1,
        ("851", RefundRole.DEBTOR): 0,
        ("851", None): 1,
        ("751", RefundRole.CLAIMANT): 0,
        ("751", RefundRole.DEBTOR): 1,
        ("751", None): 1,
    }


async def _ending_contract(market: Market) -> ContractView:
    """A contract that starts next week and ends by notice 90 days from today."""
    contract = await contract_for(market.offer_id, citizen_ref="SAG-ENDER")
    return await contracts.give_notice(AALBORG, contract.id, "Flytter")


@pytest.mark.parametrize(
    ("caller", "overrides", "code", "field"),
    [
        (AALBORG, {"debtor_code": "851"}, ErrorCode.INVALID, ["debtor_code"]),
        (AALBORG, {"debtor_code": "999"}, ErrorCode.UNKNOWN_MUNICIPALITY, ["debtor_code"]),
        (AALBORG, {"from_day": "start-1"}, ErrorCode.INVALID, ["from_day"]),
        (AALBORG, {"from_day": "end+1"}, ErrorCode.INVALID, ["from_day"]),
        (AALBORG, {"to_day": "end+1"}, ErrorCode.INVALID, ["to_day"]),
        (AALBORG, {"to_day": "start-1"}, ErrorCode.INVALID, ["to_day"]),
        (AARHUS, {"debtor_code": "101"}, ErrorCode.NOT_FOUND, ["contract_id"]),
        (COPENHAGEN, {}, ErrorCode.NOT_FOUND, ["contract_id"]),
        (ENGLY_ADMIN, {}, ErrorCode.PERMISSION_DENIED, None),
        (Principal(), {}, ErrorCode.UNAUTHENTICATED, None),
    ],
)
async def test_a_bad_claim_is_refused_and_changes_nothing(
    market: Market,
    caller: Principal,
    overrides: dict[str, Any],
    code: ErrorCode,
    field: list[str] | None,
) -> None:
    contract = await _ending_contract(market)
    assert contract.end_date is not None
    days = {
        "start-1": contract.start_date - datetime.timedelta(days=1),
        "end+1": contract.end_date + datetime.timedelta(days=1),
    }
    given = {k: days.get(v, v) if isinstance(v, str) else v for k, v in overrides.items()}
    records = await AuditRecord.count().run()
    with pytest.raises(DomainError) as error:
        await refunds.create_claim(caller, contract.id, claim_of(**given))
    assert (error.value.code, error.value.field) == (code, field)
    assert await RefundClaim.count().run() == 0
    assert await AuditRecord.count().run() == records


async def test_a_cancelled_contract_has_nothing_to_refund(market: Market) -> None:
    contract = await contract_for(market.offer_id, start=today() + datetime.timedelta(days=200))
    await contracts.give_notice(AALBORG, contract.id, "Anden løsning")  # before the start
    with pytest.raises(DomainError) as error:
        await refunds.create_claim(AALBORG, contract.id, claim_of())
    assert error.value.code is ErrorCode.INVALID_STATE


async def test_one_open_claim_per_contract_also_in_a_race(market: Market) -> None:
    contract = await contract_for(market.offer_id)
    outcomes = await asyncio.gather(
        *(refunds.create_claim(AALBORG, contract.id, claim_of()) for _ in range(5)),
        return_exceptions=True,
    )
    made = [o for o in outcomes if not isinstance(o, BaseException)]
    refused = [o for o in outcomes if isinstance(o, DomainError)]
    assert len(made) == 1 and len(refused) == 4
    assert {(e.code, tuple(e.field or ())) for e in refused} == {
        (ErrorCode.DUPLICATE, ("contract_id",))
    }
    [claim] = made
    await refunds.dispute_claim(AARHUS, claim.id, "Borgeren flyttede selv.")
    again = await refunds.create_claim(
        AALBORG, contract.id, claim_of(debtor_code="101", paragraph="stk2_nr5")
    )  # a disputed claim is no longer open
    await refunds.accept_claim(COPENHAGEN, again.id, "")
    with pytest.raises(DomainError) as error:
        await refunds.create_claim(AALBORG, contract.id, claim_of())
    assert error.value.code is ErrorCode.DUPLICATE
    assert await RefundClaim.count().run() == 2


async def test_answers_who_may_give_them_and_a_dispute_on_record(market: Market) -> None:
    contract = await contract_for(market.offer_id)
    claim = await refunds.create_claim(AALBORG, contract.id, claim_of())
    refusals = [
        (refunds.accept_claim(AALBORG, claim.id, ""), ErrorCode.PERMISSION_DENIED),
        (refunds.dispute_claim(AALBORG, claim.id, "Nej tak"), ErrorCode.PERMISSION_DENIED),
        (refunds.accept_claim(COPENHAGEN, claim.id, ""), ErrorCode.NOT_FOUND),
        (refunds.accept_claim(ENGLY_ADMIN, claim.id, ""), ErrorCode.PERMISSION_DENIED),
        (refunds.withdraw_claim(AARHUS, claim.id, ""), ErrorCode.PERMISSION_DENIED),
        (refunds.withdraw_claim(COPENHAGEN, claim.id, ""), ErrorCode.NOT_FOUND),
        (refunds.dispute_claim(AARHUS, claim.id, " "), ErrorCode.INVALID),  # a reason, please
    ]
    for call, code in refusals:
        with pytest.raises(DomainError) as error:
            await call
        assert error.value.code is code
    assert (await refunds.get_claim(AALBORG, claim.id)).status is RefundClaimStatus.CLAIMED  # type: ignore[union-attr]

    outcomes = await asyncio.gather(
        refunds.accept_claim(AARHUS, claim.id, "Enig"),
        refunds.dispute_claim(AARHUS, claim.id, "Borgeren tog selv ophold i Aalborg."),
        return_exceptions=True,
    )
    answered = [o for o in outcomes if not isinstance(o, BaseException)]
    refused = [o for o in outcomes if isinstance(o, DomainError)]
    assert len(answered) == 1 and [e.code for e in refused] == [ErrorCode.INVALID_STATE]
    [winner] = answered
    if winner.status is RefundClaimStatus.DISPUTED:  # a disputed claim may be withdrawn
        withdrawn = await refunds.withdraw_claim(AALBORG, claim.id, "Vi tager den op igen")
        assert withdrawn.status is RefundClaimStatus.WITHDRAWN
        assert (withdrawn.answered_by, withdrawn.answer_reason) == (
            "test:aarhus-visitation",
            "Borgeren tog selv ophold i Aalborg.",
        )
        assert withdrawn.answered_at is not None
        assert (withdrawn.withdrawn_by, withdrawn.withdraw_reason) == (
            "test:aalborg-visitation",
            "Vi tager den op igen",
        )
    else:  # an accepted claim runs on: it cannot be withdrawn
        assert winner.status is RefundClaimStatus.ACCEPTED
        with pytest.raises(DomainError) as error:
            await refunds.withdraw_claim(AALBORG, claim.id, "Vi tager den op igen")
        assert error.value.code is ErrorCode.INVALID_STATE


async def test_a_waiting_claim_is_withdrawn_once(market: Market) -> None:
    contract = await contract_for(market.offer_id)
    claim = await refunds.create_claim(AALBORG, contract.id, claim_of())
    withdrawn = await refunds.withdraw_claim(AALBORG, claim.id, "Fejl i sagen")
    assert withdrawn.status is RefundClaimStatus.WITHDRAWN
    for call in (
        refunds.withdraw_claim(AALBORG, claim.id, ""),
        refunds.accept_claim(AARHUS, claim.id, ""),
    ):
        with pytest.raises(DomainError) as error:
            await call
        assert error.value.code is ErrorCode.INVALID_STATE
    assert await _claims_audited() == ["refundClaimCreate", "refundClaimWithdraw"]


async def test_a_dispute_is_recorded_and_the_buyer_keeps_paying(market: Market) -> None:
    contract = await contract_for(market.offer_id, start=today())
    month = today().replace(day=1)
    before = await billing.billing_statement(AALBORG, month, municipality_code="851")
    claim = await refunds.create_claim(AALBORG, contract.id, claim_of())
    disputed = await refunds.dispute_claim(AARHUS, claim.id, "Ikke medvirket til opholdet.")
    assert disputed.status is RefundClaimStatus.DISPUTED
    assert (disputed.answered_by, disputed.answer_reason) == (
        "test:aarhus-visitation",
        "Ikke medvirket til opholdet.",
    )
    with pytest.raises(DomainError) as error:  # answering twice
        await refunds.accept_claim(AARHUS, claim.id, "")
    assert error.value.code is ErrorCode.INVALID_STATE
    after = await billing.billing_statement(AALBORG, month, municipality_code="851")
    assert after.total_ore == before.total_ore > 0
    nothing = await refund_statement(AALBORG, month, "851", "751")
    assert nothing.lines == [] and nothing.total_ore == 0
    assert await _claims_audited() == ["refundClaimCreate", "refundClaimDispute"]


# The refund statement's add-on: 10 hours a month of 1:1 support at 425 DKK (this year) or
# 450 DKK (next year) an hour, for 10 of the month's days: 10 x 425.00 x 10 / days in month,
# rounded half up to whole øre (4,250,000 / 31 = 137,096.77 -> 137,097 øre, and so on).
ADD_ON_FOR_10_DAYS = {
    (42500, 28): 151786,
    (42500, 29): 146552,
    (42500, 30): 141667,
    (42500, 31): 137097,
    (45000, 28): 160714,
    (45000, 29): 155172,
    (45000, 30): 150000,
    (45000, 31): 145161,
}


async def test_the_refund_statement_worked_out_by_hand(
    market: Market, client: httpx.AsyncClient
) -> None:
    await offers.update_offer(ENGLY_ADMIN, market.offer_id, {"occupied_places": 0})
    month = _month_after(today())
    days_in_month = calendar.monthrange(month.year, month.month)[1]
    this_year = month.year == today().year
    level_2, one_to_one = (389000, 42500) if this_year else (410000, 45000)
    start = month + datetime.timedelta(days=9)  # the 10th
    # a claim for the 15th to the 24th: 10 days, neither the contract's first nor last day
    part = await contract_for(market.offer_id, start=start, citizen_ref="SAG-DEL")
    partial_claim = await refunds.create_claim(
        AALBORG,
        part.id,
        claim_of(from_day=month.replace(day=15), to_day=month.replace(day=24)),
    )
    # an open claim from the contract's first day: the same days and sums as its billing line
    whole = await contract_for(market.offer_id, start=start, citizen_ref="SAG-HEL")
    whole_claim = await refunds.create_claim(AALBORG, whole.id, claim_of(paragraph="stk2_nr6"))
    # a claim against another municipality, and one not accepted: not on this statement
    other = await contract_for(market.offer_id, start=start, citizen_ref="SAG-ANDEN")
    await refunds.create_claim(AALBORG, other.id, claim_of(debtor_code="101"))
    assert (await refund_statement(AARHUS, month, "851", "751")).lines == []  # none accepted
    await refunds.accept_claim(AARHUS, partial_claim.id, "Enig")
    await refunds.accept_claim(AARHUS, whole_claim.id, "")

    statement = await refund_statement(AARHUS, month, "851", "751")
    by_claim = {line.claim_id: line for line in statement.lines}
    assert set(by_claim) == {partial_claim.id, whole_claim.id}
    line = by_claim[partial_claim.id]
    assert (line.period_start, line.period_end, line.days) == (
        month.replace(day=15),
        month.replace(day=24),
        10,
    )
    assert line.base_ore == 10 * level_2  # 10 days at the agreed level's price
    assert line.add_ons_ore == ADD_ON_FOR_10_DAYS[(one_to_one, days_in_month)]
    assert (line.citizen_ref, line.cpr_masked, line.paragraph) == ("SAG-DEL", None, "stk2_nr1")

    billed = await billing.billing_statement(AALBORG, month, municipality_code="851")
    [billed_whole] = [b for b in billed.lines if b.contract_id == whole.id]
    refunded_whole = by_claim[whole_claim.id]
    assert refunded_whole.days == billed_whole.days == days_in_month - 9
    assert refunded_whole.charges == billed_whole.charges
    assert statement.total_ore == line.total_ore + billed_whole.total_ore
    assert statement.subtotals == [billing.Subtotal("SEL-108", 2, statement.total_ore)]
    assert (await refund_statement(AALBORG, month, "851", "751")).total_ore == statement.total_ore
    admin = await refund_statement(REGISTRY_ADMIN, month, "851", "751")
    assert {a.citizen_ref for a in admin.lines} == {None}

    for caller, code in [
        (COPENHAGEN, ErrorCode.PERMISSION_DENIED),
        (ENGLY_ADMIN, ErrorCode.PERMISSION_DENIED),
        (AALBORG_PROVIDER_ADMIN, ErrorCode.PERMISSION_DENIED),
    ]:
        with pytest.raises(DomainError) as error:
            await refund_statement(caller, month, "851", "751")
        assert error.value.code is code
    with pytest.raises(DomainError) as error:
        await refund_statement(AALBORG, month, "851", "999")
    assert (error.value.code, error.value.field) == (
        ErrorCode.UNKNOWN_MUNICIPALITY,
        ["debtor_code"],
    )

    params = {"month": month.strftime("%Y-%m"), "claimantCode": "851", "debtorCode": "751"}
    response = await client.get(
        "/exports/refunds.csv",
        params=params,
        headers={"Authorization": f"Bearer {token('751', Role.PURCHASER)}"},
    )
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    rows = response.text.splitlines()
    assert rows[0].startswith("claim_id,paragraph,contract_id") and len(rows) == 3
    assert "cpr" not in rows[0] and "010190" not in response.text
    third = await client.get(
        "/exports/refunds.csv",
        params=params,
        headers={"Authorization": f"Bearer {token('101', Role.PURCHASER)}"},
    )
    anonymous = await client.get("/exports/refunds.csv", params=params)
    assert (third.status_code, anonymous.status_code) == (403, 401)


# --- the migration of the former payer field --------------------------------------------------

PAYER_MIGRATION = "migrations.marketplace.marketplace_2026_12_01t05_49_00_000000"
DROP_MIGRATION = "migrations.marketplace.marketplace_2026_12_01t05_49_31_841616"


async def _columns(table: str) -> set[str]:
    rows = await engine().run_querystring(_select_one(table))
    return set(rows[0]) if rows else set()


def _select_one(table: str) -> Any:
    from piccolo.querystring import QueryString

    return QueryString(f'SELECT * FROM "{table}" LIMIT 1')


async def _add_payer_columns() -> None:
    """The tables as they were before the payer went: a payer per request and contract."""
    db = engine()
    for table in ("contract", "placement_request"):
        await db.run_ddl(
            f'ALTER TABLE "{table}" ADD COLUMN "payer" VARCHAR(3) NOT NULL DEFAULT \'\''
        )
        await db.run_ddl(f'UPDATE "{table}" SET "payer" = "buyer"')
    await db.run_ddl('CREATE INDEX "contract_payer" ON "contract" ("payer")')


async def test_the_payer_field_becomes_refund_claims(market: Market) -> None:
    """Rows made the old way: a contract paid by Aarhus, one paid by its buyer, a cancelled
    one paid by Aarhus, a pending request paid by Copenhagen. The migration makes one claim
    (audited), notes the request's former payer in its history, and the columns go."""
    await offers.update_offer(ENGLY_ADMIN, market.offer_id, {"occupied_places": 0})
    paid_by_aarhus = await contract_for(market.offer_id, citizen_ref="SAG-BETALER")
    own = await contract_for(market.offer_id, citizen_ref="SAG-EGEN")
    cancelled = await contract_for(
        market.offer_id, citizen_ref="SAG-AFLYST", start=today() + datetime.timedelta(days=200)
    )
    await contracts.give_notice(AALBORG, cancelled.id, "Aflyst")
    pending = await request_place(market.offer_id, citizen_ref="SAG-VENTER")
    db = engine()
    await _add_payer_columns()
    try:
        for contract in (paid_by_aarhus, cancelled):
            await db.run_ddl(
                f'UPDATE "contract" SET "payer" = \'751\' WHERE "id" = \'{contract.id}\''
            )
        await db.run_ddl(
            f'UPDATE "placement_request" SET "payer" = \'101\' WHERE "id" = \'{pending.id}\''
        )
        moving = importlib.import_module(PAYER_MIGRATION)
        for _ in range(2):  # running it again changes nothing
            await (await moving.forwards()).run()
        await (await importlib.import_module(DROP_MIGRATION).forwards()).run()
    finally:
        for table in ("contract", "placement_request"):
            if "payer" in await _columns(table):
                await db.run_ddl('DROP INDEX IF EXISTS "contract_payer"')
                await db.run_ddl(f'ALTER TABLE "{table}" DROP COLUMN "payer"')

    listed = await refunds.list_claims(AARHUS, PageRequest(), role=RefundRole.DEBTOR)
    [claim] = listed.items
    assert (claim.contract_id, claim.claimant, claim.debtor) == (paid_by_aarhus.id, "851", "751")
    assert (claim.status, claim.paragraph) == (RefundClaimStatus.CLAIMED, None)
    assert (claim.from_day, claim.to_day) == (paid_by_aarhus.start_date, None)
    assert (
        claim.note.startswith("Moved from the payer field")
        and claim.created_by == "migration:payer"
    )
    assert await RefundClaim.count().run() == 1  # not for its own payer, nor the cancelled one
    assert await _claims_audited() == ["refundClaimFromPayer"]
    [event] = await PlacementEvent.select().where(PlacementEvent.kind == "payer_removed").run()
    assert event["request"] == pending.id and "101" in event["detail"]
    assert "payer" not in await _columns("contract") | await _columns("placement_request")
    assert await Contract.count().run() == 3 and await PlacementRequest.count().run() == 4
    assert own.buyer == "851"
