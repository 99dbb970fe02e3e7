"""Notice through GraphQL: from a chosen day, by the agreement's convention (a rule to the end
of a month), withdrawn when both parties agree, and typed errors that name the input's fields
and change nothing."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from strawberry.relay import to_base64

from marketplace.core.clock import today
from marketplace.core.identity import Role
from tests.agreements.world import NORD_STEERING, agreement_in_force
from tests.conftest import GraphQL
from tests.marketplace.contracts.world import (
    AALBORG_PROVIDER_ADMIN,
    Market,
    build_market,
    contract_for,
)

BUYER = ("851", Role.PURCHASER)
PROVIDER = ("43389424", Role.PROVIDER_ADMIN)
DAY = datetime.timedelta(days=1)

NOTICE = """
mutation ($input: ContractGiveNoticeInput!) {
  contractGiveNotice(input: $input) {
    contract {
      status endDate noticeGivenOn noticeGivenBy noticePeriodDays
      notice { convention days months description lastDay(effectiveFrom: "2027-01-15") }
      notices { status givenOn givenBy effectiveFrom endDate reason
                notice { convention days months } }
    }
    errors { field code message }
  }
}
"""
PROPOSE = """
mutation ($input: ContractChangeProposeInput!) {
  contractChangePropose(input: $input) {
    change { id status withdrawsNotice } contract { status endDate } errors { field code message }
  }
}
"""
RESPOND = """
mutation ($input: ContractChangeRespondInput!) {
  contractChangeRespond(input: $input) {
    change { status withdrawsNotice } contract { status endDate noticeGivenOn notices { status } }
    errors { field code message }
  }
}
"""


@pytest.fixture
async def market() -> Market:
    return await build_market()


def _gid(kind: str, value: Any) -> str:
    return to_base64(kind, str(value))


async def test_notice_from_a_later_day_and_its_withdrawal(gql: GraphQL, market: Market) -> None:
    contract = await contract_for(market.offer_id, start=today())
    gid = _gid("Contract", contract.id)
    effective = today() + 14 * DAY
    body = await gql(
        NOTICE,
        {"input": {"id": gid, "reason": "Flytter", "effectiveFrom": effective.isoformat()}},
        as_=BUYER,
    )
    payload = body["data"]["contractGiveNotice"]
    assert payload["errors"] == [], body
    noticed = payload["contract"]
    assert (noticed["status"], noticed["endDate"], noticed["noticePeriodDays"]) == (
        "NOTICE_GIVEN",
        (effective + 90 * DAY).isoformat(),
        90,
    )
    assert noticed["notice"] == {
        "convention": "DAYS",
        "days": 90,
        "months": None,
        "description": "90 days",
        "lastDay": "2027-04-15",
    }
    assert noticed["notices"] == [
        {
            "status": "GIVEN",
            "givenOn": today().isoformat(),
            "givenBy": "851",
            "effectiveFrom": effective.isoformat(),
            "endDate": (effective + 90 * DAY).isoformat(),
            "reason": "Flytter",
            "notice": {"convention": "DAYS", "days": 90, "months": None},
        }
    ]
    proposed = await gql(
        PROPOSE,
        {"input": {"contractId": gid, "withdrawNotice": True, "reason": "Borgeren bliver"}},
        as_=BUYER,
    )
    change = proposed["data"]["contractChangePropose"]["change"]
    assert (change["status"], change["withdrawsNotice"]) == ("PROPOSED", True)
    own = await gql(RESPOND, {"input": {"id": change["id"], "accept": True}}, as_=BUYER)
    assert [e["code"] for e in own["data"]["contractChangeRespond"]["errors"]] == [
        "PERMISSION_DENIED"
    ]
    answered = await gql(
        RESPOND, {"input": {"id": change["id"], "accept": True, "reason": "Enig"}}, as_=PROVIDER
    )
    result = answered["data"]["contractChangeRespond"]
    assert result["errors"] == [], answered
    assert result["contract"] == {
        "status": "ACTIVE",
        "endDate": None,
        "noticeGivenOn": None,
        "notices": [{"status": "WITHDRAWN"}],
    }


@pytest.mark.parametrize(
    ("values", "field", "code"),
    [
        ({"effectiveFrom": "PAST"}, ["input", "effectiveFrom"], "INVALID"),
        ({"effectiveFrom": "BEFORE_START"}, ["input", "effectiveFrom"], "INVALID"),
        ({"reason": "CPR 010190-1234"}, ["input", "reason"], "PERSONAL_DATA_IN_TEXT"),
    ],
)
async def test_bad_notice_names_the_field(
    gql: GraphQL, market: Market, values: dict[str, str], field: list[str], code: str
) -> None:
    contract = await contract_for(market.offer_id)  # starts in a week
    days = {"PAST": today() - DAY, "BEFORE_START": today() + 3 * DAY}
    given = {k: days[v].isoformat() if v in days else v for k, v in values.items()}
    variables = {"input": {"id": _gid("Contract", contract.id), "reason": "Flytter", **given}}
    body = await gql(NOTICE, variables, as_=BUYER)
    payload = body["data"]["contractGiveNotice"]
    assert payload["contract"] is None
    assert [(e["field"], e["code"]) for e in payload["errors"]] == [(field, code)]
    assert "010190-1234" not in str(body)
    query = "query ($id: ID!) { contract(id: $id) { status notices { status } } }"
    after = await gql(query, {"id": _gid("Contract", contract.id)}, as_=BUYER)
    assert after["data"]["contract"] == {"status": "ACTIVE", "notices": []}


async def test_a_withdrawal_nobody_gave_notice_for(gql: GraphQL, market: Market) -> None:
    contract = await contract_for(market.offer_id, start=today())
    body = await gql(
        PROPOSE,
        {
            "input": {
                "contractId": _gid("Contract", contract.id),
                "withdrawNotice": True,
                "reason": "Intet at trække tilbage",
            }
        },
        as_=PROVIDER,
    )
    payload = body["data"]["contractChangePropose"]
    assert payload["change"] is None
    assert [(e["field"], e["code"]) for e in payload["errors"]] == [
        (["input", "withdrawNotice"], "INVALID_STATE")
    ]


RULES_SET = """
mutation ($input: AgreementRulesSetInput!) {
  agreementRulesSet(input: $input) {
    ruleSet { rules { notice { category legalBasis convention days months description } } }
    errors { field code message }
  }
}
"""
APPLICABLE = """
query ($id: ID!) {
  applicableRules(offerId: $id) {
    noticePeriodDays notice { convention days months description } noticeRule { convention months }
    explanation
  }
}
"""


async def test_an_agreement_states_notice_to_a_months_end(gql: GraphQL, market: Market) -> None:
    agreement = await agreement_in_force()
    steering = (NORD_STEERING.org_code or "", Role.STEERING)
    rules = {
        "notice": [
            {"days": 60},
            {"category": "RESIDENTIAL", "convention": "MONTH_END", "months": 2},
        ]
    }
    later = (today() + DAY).isoformat()
    body = await gql(
        RULES_SET,
        {
            "input": {
                "agreementId": _gid("Agreement", agreement.id),
                "validFrom": later,
                "rules": rules,
            }
        },
        as_=steering,
    )
    payload = body["data"]["agreementRulesSet"]
    assert payload["errors"] == [], body
    assert payload["ruleSet"]["rules"]["notice"][1] == {
        "category": "RESIDENTIAL",
        "legalBasis": None,
        "convention": "MONTH_END",
        "days": None,
        "months": 2,
        "description": "the rest of the month plus 2 months",
    }
    query = APPLICABLE.replace(
        "applicableRules(offerId: $id)", f'applicableRules(offerId: $id, date: "{later}")'
    )
    rules_then = await gql(query, {"id": _gid("Offer", market.aalborg_offer_id)}, as_=BUYER)
    applicable = rules_then["data"]["applicableRules"]
    assert applicable["noticePeriodDays"] is None
    assert applicable["notice"] == {
        "convention": "MONTH_END",
        "days": None,
        "months": 2,
        "description": "the rest of the month plus 2 months",
    }
    assert any(
        "notice for the rest of the month plus 2 months" in e for e in applicable["explanation"]
    )
    # a contract made then keeps it
    contract = await contract_for(
        market.aalborg_offer_id, AALBORG_PROVIDER_ADMIN, start=today() + DAY
    )
    assert (contract.notice_convention.value, contract.notice_months) == ("month_end", 2)
    # a MONTH_END rule without its months, or with days, is refused where it is
    bad = {"notice": [{"days": 60}, {"category": "DAY", "convention": "MONTH_END", "days": 30}]}
    refused = await gql(
        RULES_SET,
        {
            "input": {
                "agreementId": _gid("Agreement", agreement.id),
                "validFrom": later,
                "rules": bad,
            }
        },
        as_=steering,
    )
    errors = refused["data"]["agreementRulesSet"]["errors"]
    assert [(e["field"], e["code"]) for e in errors] == [
        (["input", "rules", "notice", "1"], "REQUIRED")
    ]
