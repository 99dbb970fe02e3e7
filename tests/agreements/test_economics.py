"""The year's economics per offer: occupancy per month, and the settlement at the year's end
with budget regulation and carry-over, worked to the øre (the README's worked example).

Bostedet Birkely (Aalborg, North Jutland) in the last complete year that is no leap year:
10 places, 8 declared in use all year, one contract from 1 March to 31 December (306 days);
its price list: 2,150.00 DKK a day at a budgeted occupancy of 95%. The agreement: budget
regulation 70% beyond a 3% deviation, carry-over up to 5%.

- place-days 10 x 365 = 3,650; occupied 8 x 365 + 306 = 3,226 (88.38%)
- budgeted place-days 3,650 x 95% = 3,467.5; budget 2,150.00 x 3,467.5 = 7,455,125.00
- revenue 2,150.00 x 3,226 = 6,935,900.00
- deviation 3,226 - 3,467.5 = -241.5 place-days (-6.96%); allowed 3% = 104.025;
  beyond it -137.475 place-days; regulation 70% x 2,150.00 x -137.475 = -206,899.875,
  to the øre -206,899.88; regulated budget 7,248,225.12
- actual cost 7,180,000.00: result 6,935,900.00 - 7,180,000.00 = -244,100.00 (a deficit);
  the cap is 5% of the budget, 372,756.25: all of it is carried into the price basis of the
  year after next.
"""

from __future__ import annotations

import calendar
import datetime
from decimal import Decimal
from typing import Any

import pytest

from agreements.economics import national, settlement
from agreements.economics import service as economics
from agreements.economics.models import SettlementCreate
from agreements.economics.tables import OfferSettlement
from agreements.frameworks import service as frameworks
from agreements.frameworks.models import SpecialConditionApprove
from marketplace.contracts.tables import Contract
from marketplace.core.clock import today
from marketplace.core.errors import DomainError, ErrorCode
from marketplace.core.pagination import PageRequest
from marketplace.offers import pricing
from marketplace.offers.tables import Offer
from tests.agreements.world import MIDT_STEERING, NORD_STEERING, agreement_in_force
from tests.factories import price_list
from tests.marketplace.contracts.world import (
    AALBORG,
    AALBORG_PROVIDER_ADMIN,
    ENGLY_ADMIN,
    build_market,
    contract_for,
)

YEAR = next(y for y in range(today().year - 1, 1999, -1) if not calendar.isleap(y))


@pytest.fixture
async def birkely() -> dict[str, Any]:
    return await build_birkely()


async def build_birkely() -> dict[str, Any]:
    """The worked example's offer, contract, agreement and price list (the module's doc)."""
    market = await build_market()
    offer_id = market.aalborg_offer_id
    contract = await contract_for(offer_id, AALBORG_PROVIDER_ADMIN, AALBORG)
    await (
        Contract.update(
            {
                Contract.start_date: datetime.date(YEAR, 3, 1),
                Contract.end_date: datetime.date(YEAR, 12, 31),
                Contract.status: "ended",
            }
        )
        .where(Contract.id == contract.id)
        .run()
    )
    await (
        Offer.update({Offer.capacity_places: 10, Offer.occupied_places: 8})
        .where(Offer.id == offer_id)
        .run()
    )
    agreement = await agreement_in_force(
        name=f"Nordjysk Socialaftale {YEAR}-{YEAR + 1}",
        valid_from=datetime.date(YEAR, 1, 1),
        valid_to=datetime.date(YEAR + 1, 12, 31),
    )
    prices = price_list(
        YEAR,
        base_price=Decimal("2150.00"),
        levels=[],
        overhead_percent=Decimal("4.5"),
        budgeted_occupancy_percent=Decimal("95"),
    )
    await pricing.publish_price_list(
        AALBORG_PROVIDER_ADMIN, offer_id, prices, on=datetime.date(YEAR, 1, 1)
    )
    return {"offer_id": offer_id, "agreement": agreement}


def _settle(offer_id: Any, cost: str | None = "7180000.00", year: int = YEAR) -> SettlementCreate:
    return SettlementCreate(
        offer_id=offer_id, year=year, actual_cost=None if cost is None else Decimal(cost)
    )


async def test_occupancy_per_month_against_the_budgeted(birkely: dict[str, Any]) -> None:
    year = await economics.year_economics(NORD_STEERING, birkely["offer_id"], YEAR)
    assert (year.place_days, year.occupied_days, year.occupancy_bp) == (3650, 3226, 8838)
    january, march = year.months[0], year.months[2]
    assert (january.place_days, january.occupied_days, january.occupancy_bp) == (310, 248, 8000)
    assert (march.occupied_days, march.occupancy_bp, march.budgeted_bp) == (279, 9000, 9500)
    assert year.settlement is None


async def test_the_years_settlement_to_the_ore(birkely: dict[str, Any]) -> None:
    settled = await settlement.settle_year(AALBORG_PROVIDER_ADMIN, _settle(birkely["offer_id"]))
    f = settled.figures
    assert (f["budgeted_days"], f["budget_ore"], f["revenue_ore"]) == (
        "3467.5",
        745_512_500,
        693_590_000,
    )
    assert (f["deviation_bp"], f["regulated_days"], f["regulation_ore"]) == (
        -696,
        "-137.475",
        -20_689_988,
    )
    assert f["regulated_budget_ore"] == 724_822_512
    assert (f["actual_cost_ore"], f["result_ore"]) == (718_000_000, -24_410_000)
    assert (f["carry_over_cap_ore"], f["carried_ore"], f["beyond_cap_ore"]) == (
        37_275_625,
        -24_410_000,
        0,
    )
    assert (settled.carried_ore, settled.carried_into_year) == (-24_410_000, YEAR + 2)
    # the steering group reads it with the year's occupancy; another region's does not
    year = await economics.year_economics(NORD_STEERING, birkely["offer_id"], YEAR)
    assert year.settlement is not None and year.settlement.id == settled.id
    with pytest.raises(DomainError) as error:
        await economics.year_economics(MIDT_STEERING, birkely["offer_id"], YEAR)
    assert error.value.code is ErrorCode.NOT_FOUND
    with pytest.raises(DomainError) as error:  # nor another provider
        await economics.year_economics(ENGLY_ADMIN, birkely["offer_id"], YEAR)
    assert error.value.code is ErrorCode.NOT_FOUND
    mine = await settlement.list_settlements(AALBORG_PROVIDER_ADMIN, PageRequest(), year=YEAR)
    theirs = await settlement.list_settlements(MIDT_STEERING, PageRequest(), year=YEAR)
    assert ([s.id for s in mine.items], theirs.items) == ([settled.id], [])


async def test_the_carry_over_cap_keeps_what_lies_beyond_it(birkely: dict[str, Any]) -> None:
    settled = await settlement.settle_year(
        AALBORG_PROVIDER_ADMIN, _settle(birkely["offer_id"], "6500000.00")
    )
    f = settled.figures
    # 6,935,900.00 - 6,500,000.00 = 435,900.00 surplus; 372,756.25 carried, 63,143.75 not
    assert (f["result_ore"], f["carried_ore"], f["beyond_cap_ore"]) == (
        43_590_000,
        37_275_625,
        6_314_375,
    )


async def test_objective_financing_in_the_start_up_year_is_shared_by_population(
    birkely: dict[str, Any],
) -> None:
    agreement = birkely["agreement"]
    await frameworks.approve_special_condition(
        NORD_STEERING,
        agreement.id,
        SpecialConditionApprove(
            offer_id=birkely["offer_id"],
            condition="objective_financing_startup",
            approved_by="DAS",
            approved_on=datetime.date(YEAR, 1, 1),
            valid_from=datetime.date(YEAR, 1, 1),
            valid_to=datetime.date(YEAR, 12, 31),
        ),
    )
    settled = await settlement.settle_year(AALBORG_PROVIDER_ADMIN, _settle(birkely["offer_id"]))
    f = settled.figures
    # the regulated budget less the revenue: 7,248,225.12 - 6,935,900.00 = 312,325.12
    assert f["objective_financing_ore"] == 31_232_512
    assert sum(f["financing_shares"].values()) == 31_232_512
    # Aalborg: 312,325.12 DKK x 226,033 / 593,114 people of North Jutland = 119,025.66 DKK
    assert len(f["financing_shares"]) == 11 and f["financing_shares"]["851"] == 11_902_566
    # with it the year ends in a surplus of 68,225.12, carried
    assert (f["result_ore"], f["carried_ore"]) == (6_822_512, 6_822_512)


async def test_a_year_not_over_or_settled_twice_changes_nothing(birkely: dict[str, Any]) -> None:
    with pytest.raises(DomainError) as error:
        await settlement.settle_year(
            AALBORG_PROVIDER_ADMIN, _settle(birkely["offer_id"], year=today().year)
        )
    assert (error.value.code, error.value.field) == (ErrorCode.INVALID_STATE, ["year"])
    assert await OfferSettlement.count().run() == 0
    await settlement.settle_year(AALBORG_PROVIDER_ADMIN, _settle(birkely["offer_id"]))
    with pytest.raises(DomainError) as error:
        await settlement.settle_year(AALBORG_PROVIDER_ADMIN, _settle(birkely["offer_id"], None))
    assert error.value.code is ErrorCode.DUPLICATE
    assert await OfferSettlement.count().run() == 1
    with pytest.raises(DomainError) as error:  # the steering group reads, the provider settles
        await settlement.settle_year(NORD_STEERING, _settle(birkely["offer_id"]))
    assert error.value.code is ErrorCode.PERMISSION_DENIED


async def test_a_national_offer_is_followed_by_every_regions_steering_group(
    birkely: dict[str, Any],
) -> None:
    from marketplace.offers import service as offers
    from marketplace.offers.models import Coverage

    offer_id = birkely["offer_id"]
    await offers.update_offer(AALBORG_PROVIDER_ADMIN, offer_id, {"coverage": "national"})
    settled = await settlement.settle_year(AALBORG_PROVIDER_ADMIN, _settle(offer_id))
    # Central Jutland's steering group reads the national offer's year and its settlement
    year = await economics.year_economics(MIDT_STEERING, offer_id, YEAR)
    assert year.occupancy_bp == 8838
    seen = await settlement.list_settlements(MIDT_STEERING, PageRequest(), year=YEAR)
    assert [s.id for s in seen.items] == [settled.id]
    followed = await national.national_offers(MIDT_STEERING, PageRequest(), YEAR)
    [view] = followed.items
    assert (view.name, view.coverage, view.region_code) == (
        "Bostedet Birkely",
        Coverage.NATIONAL,
        "1081",
    )
    assert (view.occupied_days, view.place_days, view.occupancy_bp) == (3226, 3650, 8838)
    assert (view.price_ore, view.previous_price_ore) == (215_000, None)
    this_year = await national.national_offers(MIDT_STEERING, PageRequest(), today().year)
    [now] = this_year.items
    # this year's price list (2,450.50) against the worked example's year's, when it is last year
    if today().year - 1 == YEAR:
        assert now.previous_price_ore == 215_000 and now.price_change_bp == 1398
    with pytest.raises(DomainError) as error:  # purchasers do not follow the regions' economy
        await national.national_offers(AALBORG, PageRequest(), YEAR)
    assert error.value.code is ErrorCode.PERMISSION_DENIED


async def test_a_collective_deficit_cover_is_recorded_on_the_settlement(
    birkely: dict[str, Any],
) -> None:
    from agreements.frameworks.models import RuleSetInput
    from tests.agreements.world import rules

    agreement = birkely["agreement"]
    allowing = rules(new_offer_conditions=["collective_deficit_cover"])
    await frameworks.set_rules(
        NORD_STEERING, agreement.id, RuleSetInput(valid_from=agreement.valid_from, rules=allowing)
    )
    await frameworks.approve_special_condition(
        NORD_STEERING,
        agreement.id,
        SpecialConditionApprove(
            offer_id=birkely["offer_id"],
            condition="collective_deficit_cover",
            approved_by="DAS",
            approved_on=datetime.date(YEAR, 1, 1),
            valid_from=datetime.date(YEAR, 1, 1),
            valid_to=datetime.date(YEAR, 12, 31),
        ),
    )
    settled = await settlement.settle_year(AALBORG_PROVIDER_ADMIN, _settle(birkely["offer_id"]))
    f = settled.figures
    # the deficit of 244,100.00 is covered by the municipalities; nothing is carried
    assert (f["collective_cover_ore"], f["result_ore"], f["carried_ore"]) == (24_410_000, 0, 0)
    assert sum(f["cover_shares"].values()) == 24_410_000 and len(f["cover_shares"]) == 11
    assert f["conditions"] == ["collective_deficit_cover"]
