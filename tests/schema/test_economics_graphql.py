"""The year's economics through GraphQL: the provider settles its offer's year, the region's
steering group reads it; the list of settlements costs the same statements for any page."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from strawberry.relay import to_base64

from agreements.economics.tables import OfferSettlement
from marketplace.core.identity import Role
from tests.agreements.test_economics import YEAR, build_birkely
from tests.conftest import GraphQL
from tests.marketplace.contracts.world import AALBORG_PROVIDER_ADMIN


@pytest.fixture
async def birkely() -> dict[str, Any]:
    return await build_birkely()


PROVIDER = (AALBORG_PROVIDER_ADMIN.org_code, Role.PROVIDER_ADMIN)
STEERING = ("1081", Role.STEERING)

SETTLE = """
mutation ($input: OfferYearSettleInput!) {
  offerYearSettle(input: $input) {
    settlement { year budget { amount } revenue { amount } regulation { amount }
      regulatedBudget { amount } result { amount } carried { amount } carriedIntoYear
      carryOverCap { amount } deviationPercent regulatedDays offer { name } }
    errors { field code message }
  }
}
"""
ECONOMICS = """
query ($offer: ID!, $year: Int!) {
  offerYearEconomics(offerId: $offer, year: $year) {
    placeDays occupiedDays occupancyPercent budgetedPercent
    months { month occupancyPercent } settlement { result { amount } }
  }
}
"""
LIST = """
query ($first: Int) {
  offerSettlements(first: $first) {
    totalCount edges { node { year result { amount } offer { name } } }
  }
}
"""


async def test_the_provider_settles_and_the_steering_group_reads(
    gql: GraphQL, birkely: dict[str, Any]
) -> None:
    offer = to_base64("Offer", str(birkely["offer_id"]))
    settled = await gql(
        SETTLE,
        {"input": {"offerId": offer, "year": YEAR, "actualCost": "7180000.00"}},
        as_=PROVIDER,
    )
    payload = settled["data"]["offerYearSettle"]
    assert payload["errors"] == []
    s = payload["settlement"]
    assert (s["budget"]["amount"], s["revenue"]["amount"], s["regulation"]["amount"]) == (
        "7455125.00",
        "6935900.00",
        "-206899.88",
    )
    assert (s["regulatedBudget"]["amount"], s["result"]["amount"], s["carried"]["amount"]) == (
        "7248225.12",
        "-244100.00",
        "-244100.00",
    )
    assert (s["carryOverCap"]["amount"], s["carriedIntoYear"], s["offer"]["name"]) == (
        "372756.25",
        YEAR + 2,
        "Bostedet Birkely",
    )
    read = await gql(ECONOMICS, {"offer": offer, "year": YEAR}, as_=STEERING)
    year = read["data"]["offerYearEconomics"]
    assert (year["occupiedDays"], year["occupancyPercent"], year["budgetedPercent"]) == (
        3226,
        "88.38",
        "95",
    )
    assert year["settlement"]["result"]["amount"] == "-244100.00"
    other = await gql(ECONOMICS, {"offer": offer, "year": YEAR}, as_=("1082", Role.STEERING))
    assert other["data"] is None or other["errors"]
    again = await gql(SETTLE, {"input": {"offerId": offer, "year": YEAR}}, as_=PROVIDER)
    assert [e["code"] for e in again["data"]["offerYearSettle"]["errors"]] == ["DUPLICATE"]


async def test_settlement_lists_cost_the_same_statements_for_any_page(
    gql: GraphQL, statements: list[str], birkely: dict[str, Any]
) -> None:
    offer = to_base64("Offer", str(birkely["offer_id"]))
    await gql(SETTLE, {"input": {"offerId": offer, "year": YEAR}}, as_=PROVIDER)
    row = (await OfferSettlement.select().first().run()) or {}
    for earlier in (YEAR - 1, YEAR - 2, YEAR - 3):
        await OfferSettlement.insert(
            OfferSettlement(**{**row, "id": uuid.uuid4(), "year": earlier})
        ).run()
    statements.clear()
    small = await gql(LIST, {"first": 1}, as_=STEERING)
    small_count = len(statements)
    statements.clear()
    large = await gql(LIST, {"first": 4}, as_=STEERING)
    assert len(small["data"]["offerSettlements"]["edges"]) == 1
    assert len(large["data"]["offerSettlements"]["edges"]) == 4
    assert small_count == len(statements), statements
