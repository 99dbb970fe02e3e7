"""Follow-up and renegotiation through GraphQL: dates the buyer keeps and the provider sees,
follow-ups recorded (a CPR number in the notes is refused, and never echoed), the dates due in
a period and the case load, at a fixed number of statements for any page."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from strawberry.relay import to_base64

from marketplace.core.clock import today
from marketplace.core.identity import Role
from tests.conftest import GraphQL
from tests.marketplace.contracts.world import (
    ENGLY_ADMIN,
    Market,
    backdate,
    build_market,
    contract_for,
    publish_hourly_offer,
)

BUYER = ("851", Role.PURCHASER)
PROVIDER = ("43389424", Role.PROVIDER_ADMIN)
STRANGER = ("101", Role.PURCHASER)
DAY = datetime.timedelta(days=1)

ADD = """
mutation ($input: ContractDateAddInput!) {
  contractDateAdd(input: $input) {
    contractDate { id kind dueOn status note contract { citizenRef } } errors { field code message }
  }
}
"""
MOVE = """
mutation ($input: ContractDateMoveInput!) {
  contractDateMove(input: $input) { contractDate { dueOn note } errors { field code } }
}
"""
CANCEL = """
mutation ($input: ContractDateCancelInput!) {
  contractDateCancel(input: $input) {
    contractDate { status closeReason closedBy } errors { field code }
  }
}
"""
RECORD = """
mutation ($input: ContractFollowUpRecordInput!) {
  contractFollowUpRecord(input: $input) {
    contractFollowUp { id kind heldOn outcome notes nextOn contract { followUpOn } }
    errors { field code message }
  }
}
"""
CONTRACT = """
query ($id: ID!) {
  contract(id: $id) {
    followUpOn
    dates { kind dueOn status heldIn { outcome } plannedIn { heldOn } }
    followUps { heldOn outcome notes nextOn }
  }
}
"""
DUE = """
query ($filter: ContractDateFilterInput, $first: Int) {
  contractDates(filter: $filter, first: $first) {
    totalCount
    edges { node { kind dueOn contract { citizenRef offer { name } provider { name } } } }
  }
}
"""
CASE_LOAD = """
query ($filter: CaseLoadFilterInput, $sort: CaseLoadSortInput, $first: Int, $after: String) {
  caseLoad(filter: $filter, sort: $sort, first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { node {
      since daysOfStay hourly hoursPerMonth hoursPerWeek monthlyCost { amount }
      contract { citizenRef legalBasis offer { name } }
    } }
  }
}
"""


@pytest.fixture
async def market() -> Market:
    return await build_market()


def _gid(kind: str, value: Any) -> str:
    return to_base64(kind, str(value))


async def test_the_buyer_keeps_dates_and_records_follow_ups(gql: GraphQL, market: Market) -> None:
    contract = await contract_for(market.offer_id, follow_up_on=today() + 30 * DAY)
    await backdate(contract.id, 60)
    gid = _gid("Contract", contract.id)
    added = await gql(
        ADD,
        {
            "input": {
                "contractId": gid,
                "kind": "RENEGOTIATION",
                "dueOn": (today() + 100 * DAY).isoformat(),
                "note": "Takst og timetal",
            }
        },
        as_=BUYER,
    )
    date = added["data"]["contractDateAdd"]["contractDate"]
    assert (date["kind"], date["status"], date["contract"]["citizenRef"]) == (
        "RENEGOTIATION",
        "PLANNED",
        "SAG-2026-0042",
    )
    refused = await gql(
        ADD, {"input": {"contractId": gid, "dueOn": today().isoformat()}}, as_=PROVIDER
    )
    assert [e["code"] for e in refused["data"]["contractDateAdd"]["errors"]] == [
        "PERMISSION_DENIED"
    ]
    moved = await gql(
        MOVE, {"input": {"id": date["id"], "dueOn": (today() + 120 * DAY).isoformat()}}, as_=BUYER
    )
    assert moved["data"]["contractDateMove"]["contractDate"]["note"] == "Takst og timetal"
    held = await gql(
        RECORD,
        {
            "input": {
                "contractId": gid,
                "heldOn": today().isoformat(),
                "outcome": "CONTINUE",
                "notes": "Trives; samme støtte.",
                "nextOn": (today() + 90 * DAY).isoformat(),
            }
        },
        as_=BUYER,
    )
    follow_up = held["data"]["contractFollowUpRecord"]["contractFollowUp"]
    # the request's date (due in 30 days) is not yet due; the next one is planned
    assert follow_up["contract"]["followUpOn"] == (today() + 30 * DAY).isoformat()
    seen = await gql(CONTRACT, {"id": gid}, as_=PROVIDER)
    shown = seen["data"]["contract"]
    assert [(d["kind"], d["status"]) for d in shown["dates"]] == [
        ("FOLLOW_UP", "PLANNED"),
        ("FOLLOW_UP", "PLANNED"),
        ("RENEGOTIATION", "PLANNED"),
    ]
    assert shown["dates"][1]["plannedIn"] == {"heldOn": today().isoformat()}
    assert shown["followUps"] == [
        {
            "heldOn": today().isoformat(),
            "outcome": "CONTINUE",
            "notes": "Trives; samme støtte.",
            "nextOn": (today() + 90 * DAY).isoformat(),
        }
    ]
    cancelled = await gql(CANCEL, {"input": {"id": date["id"], "reason": "Aflyst"}}, as_=BUYER)
    assert cancelled["data"]["contractDateCancel"]["contractDate"]["status"] == "CANCELLED"
    assert (await gql(CONTRACT, {"id": gid}, as_=STRANGER))["data"]["contract"] is None


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"notes": "Borgeren 010190-1234 trives"}, ["input", "notes"]),
        ({"heldOn": "BEFORE_START"}, ["input", "heldOn"]),
        ({"nextOn": "PAST"}, ["input", "nextOn"]),
    ],
)
async def test_bad_follow_ups_name_the_field(
    gql: GraphQL, market: Market, values: dict[str, str], field: list[str]
) -> None:
    contract = await contract_for(market.offer_id, start=today())
    days = {"BEFORE_START": today() - DAY, "PAST": today() - 2 * DAY}
    given = {k: days[v].isoformat() if v in days else v for k, v in values.items()}
    body = await gql(
        RECORD,
        {
            "input": {
                "contractId": _gid("Contract", contract.id),
                "heldOn": today().isoformat(),
                "outcome": "END",
                **given,
            }
        },
        as_=BUYER,
    )
    payload = body["data"]["contractFollowUpRecord"]
    assert payload["contractFollowUp"] is None
    # a CPR number in the notes is the typed PERSONAL_DATA_IN_TEXT (it was INVALID)
    code = "PERSONAL_DATA_IN_TEXT" if "notes" in values else "INVALID"
    assert [(e["field"], e["code"]) for e in payload["errors"]] == [(field, code)]
    assert "010190" not in str(body)
    after = await gql(CONTRACT, {"id": _gid("Contract", contract.id)}, as_=BUYER)
    assert after["data"]["contract"]["followUps"] == []


async def test_the_dates_due_cost_the_same_statements_for_any_page(
    gql: GraphQL, market: Market, statements: list[str]
) -> None:
    for i in range(2):
        await contract_for(
            market.offer_id,
            start=today(),
            citizen_ref=f"SAG-F{i}",
            follow_up_on=today() + (10 + i) * DAY,
        )
    filters = {
        "kind": "FOLLOW_UP",
        "dueFrom": today().isoformat(),
        "dueTo": (today() + 30 * DAY).isoformat(),
    }
    counts = []
    for first in (1, 2):
        statements.clear()
        body = await gql(DUE, {"filter": filters, "first": first}, as_=PROVIDER)
        found = body["data"]["contractDates"]
        assert (len(found["edges"]), found["totalCount"]) == (first, 2), body
        counts.append(len(statements))
    # the page and its count, the contracts and their terms, the offers, the providers
    assert counts == [6, 6], statements
    stranger = await gql(DUE, {"filter": filters}, as_=STRANGER)
    assert stranger["data"]["contractDates"]["totalCount"] == 0


async def test_rebilds_reviews_through_the_case_load(
    gql: GraphQL, market: Market, statements: list[str]
) -> None:
    offer = await publish_hourly_offer(ENGLY_ADMIN, market.provider_id)
    for i, (days, hours) in enumerate([(2200, "4.33"), (800, "52"), (500, "4.33"), (60, "8.67")]):
        contract = await contract_for(
            offer,
            start=today(),
            citizen_ref=f"SAG-85-{i}",
            price_level=None,
            add_ons=[],
            hours_per_month=Decimal(hours),
        )
        await backdate(contract.id, days)
    over_five = {"legalBasis": "SEL_85", "stayLongerThanYears": 5}
    body = await gql(CASE_LOAD, {"filter": over_five}, as_=BUYER)
    assert [e["node"]["contract"]["citizenRef"] for e in body["data"]["caseLoad"]["edges"]] == [
        "SAG-85-0"
    ]
    most = await gql(CASE_LOAD, {"sort": {"by": "HOURS_PER_WEEK"}, "first": 1}, as_=BUYER)
    top = most["data"]["caseLoad"]["edges"][0]["node"]
    assert (top["hoursPerWeek"], top["hoursPerMonth"], top["monthlyCost"]) == (
        "12.00",
        "52.00",
        {"amount": "26624.00"},
    )
    one_hour = {"legalBasis": "SEL_85", "maxHoursPerWeek": "1", "stayLongerThanYears": 1}
    body = await gql(CASE_LOAD, {"filter": one_hour}, as_=BUYER)
    assert [e["node"]["contract"]["citizenRef"] for e in body["data"]["caseLoad"]["edges"]] == [
        "SAG-85-0",
        "SAG-85-2",
    ]
    counts = []
    for first in (1, 4):
        statements.clear()
        body = await gql(CASE_LOAD, {"first": first}, as_=BUYER)
        assert len(body["data"]["caseLoad"]["edges"]) == first, body
        counts.append(len(statements))
    # the contracts, their terms, this year's price lists (3), the offers
    assert counts == [6, 6], statements
    # the next page by the cursor, and bad bounds named in the filter
    after = body["data"]["caseLoad"]["pageInfo"]
    assert after["hasNextPage"] is False
    bad = await gql(
        CASE_LOAD, {"filter": {"minHoursPerWeek": "5", "maxHoursPerWeek": "1"}}, as_=BUYER
    )
    assert bad["data"] is None or bad["data"]["caseLoad"] is None
    assert bad["errors"][0]["extensions"]["code"] == "INVALID"
    assert (await gql(CASE_LOAD, {}, as_=STRANGER))["data"]["caseLoad"]["totalCount"] == 0
