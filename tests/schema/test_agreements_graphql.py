"""The agreement registry through GraphQL: a steering user builds an agreement, records the
councils' decisions and sees it go in force; a contract in the region then takes its rules."""

from __future__ import annotations

import datetime
from typing import Any

from strawberry.relay import to_base64

from agreements.frameworks.tables import Agreement
from marketplace.core.clock import today
from marketplace.core.identity import Role
from tests.conftest import GraphQL
from tests.marketplace.contracts.world import AALBORG_PROVIDER_ADMIN, build_market, contract_for

STEERING = ("1081", Role.STEERING)
YEAR = today().year

CREATE = """
mutation ($input: AgreementCreateInput!) {
  agreementCreate(input: $input) {
    agreement { id status parties { code name } milestones { title startsOn endsOn } }
    errors { field code message }
  }
}
"""
RULES = """
mutation ($input: AgreementRulesSetInput!) {
  agreementRulesSet(input: $input) {
    ruleSet { validFrom validTo version isExample rules { notice { category legalBasis days }
              billing { billFirstDay billLastDay paymentTermDays } overheadCapPercent } }
    errors { field code message }
  }
}
"""
UPDATE = """
mutation ($input: AgreementUpdateInput!) {
  agreementUpdate(input: $input) { agreement { status } errors { field code message } }
}
"""
DECIDE = """
mutation ($input: CouncilDecisionRecordInput!) {
  councilDecisionRecord(input: $input) {
    approvalStatus { status unanimous daysToDeadline missing { code name } approved { code } }
    agreement { status }
    errors { field code message }
  }
}
"""
STATUS = """
query ($id: ID!) {
  agreementApprovalStatus(agreementId: $id) { status parties missing { code } deadline daysToDeadline }
}
"""


async def test_a_steering_user_builds_an_agreement_and_sees_it_go_in_force(gql: GraphQL) -> None:
    market = await build_market()  # its price lists predate the agreement's overhead cap
    created = await gql(
        CREATE,
        {
            "input": {
                "regionCode": "1081",
                "name": f"Nordjysk Socialaftale {YEAR}-{YEAR + 1}",
                "validFrom": f"{YEAR}-01-01",
                "validTo": f"{YEAR + 1}-12-31",
                "steeringGroup": "DAS",
                "vision": "Egenmestring",
                "approvalDeadline": (today() + datetime.timedelta(days=10)).isoformat(),
                "parties": ["851", "849", "1081"],
                "milestones": [
                    {
                        "title": "Skriftlig høring",
                        "startsOn": f"{YEAR - 1}-11-01",
                        "endsOn": f"{YEAR - 1}-12-31",
                    }
                ],
            }
        },
        as_=STEERING,
    )
    payload = created["data"]["agreementCreate"]
    assert payload["errors"] == []
    agreement = payload["agreement"]
    assert [p["name"] for p in agreement["parties"]] == [
        "Jammerbugt",
        "Aalborg",
        "Region Nordjylland",
    ]
    rules = await gql(
        RULES,
        {
            "input": {
                "agreementId": agreement["id"],
                "validFrom": f"{YEAR}-01-01",
                "rules": {
                    "notice": [{"days": 60}, {"category": "RESIDENTIAL", "days": 120}],
                    "billing": {"billLastDay": False},
                    "overheadCapPercent": "4.5",
                },
            }
        },
        as_=STEERING,
    )
    rule_set = rules["data"]["agreementRulesSet"]["ruleSet"]
    assert (rule_set["validTo"], rule_set["version"]) == (f"{YEAR + 1}-12-31", 1)
    assert rule_set["rules"]["billing"] == {
        "billFirstDay": True,
        "billLastDay": False,
        "paymentTermDays": 30,
    }
    sent = await gql(
        UPDATE, {"input": {"id": agreement["id"], "status": "SENT_FOR_APPROVAL"}}, as_=STEERING
    )
    assert sent["data"]["agreementUpdate"]["agreement"]["status"] == "SENT_FOR_APPROVAL"

    status = (await gql(STATUS, {"id": agreement["id"]}, as_=("851", Role.PURCHASER)))["data"]
    assert status["agreementApprovalStatus"]["missing"] == [
        {"code": "849"},
        {"code": "851"},
        {"code": "1081"},
    ]
    assert status["agreementApprovalStatus"]["daysToDeadline"] == 10
    for party, body in (("851", "Byrådet"), ("849", "Byrådet"), ("1081", "Regionsrådet")):
        decided = await gql(
            DECIDE,
            {
                "input": {
                    "agreementId": agreement["id"],
                    "partyCode": party,
                    "decision": "APPROVED",
                    "body": body,
                    "decidedOn": today().isoformat(),
                }
            },
            as_=STEERING,
        )
        result = decided["data"]["councilDecisionRecord"]
        assert result["errors"] == []
    assert result["approvalStatus"]["unanimous"] and result["agreement"]["status"] == "IN_FORCE"
    twice = await gql(
        DECIDE,
        {
            "input": {
                "agreementId": agreement["id"],
                "partyCode": "851",
                "decision": "REJECTED",
                "body": "Byrådet",
                "decidedOn": today().isoformat(),
            }
        },
        as_=STEERING,
    )
    assert twice["data"]["councilDecisionRecord"]["errors"][0]["code"] == "INVALID_STATE"

    # a contract in the region takes the agreement's notice period and billing convention
    contract = await contract_for(market.aalborg_offer_id, AALBORG_PROVIDER_ADMIN)
    assert (contract.notice_days, contract.bill_last_day) == (120, False)
    explained = await gql(
        "query ($id: ID!) { applicableRules(offerId: $id) { noticePeriodDays source explanation "
        "agreement { name } noticeRule { category days } } }",
        {"id": to_base64("Offer", str(market.aalborg_offer_id))},
        as_=("851", Role.PURCHASER),
    )
    rules_now = explained["data"]["applicableRules"]
    assert rules_now["noticePeriodDays"] == 120
    assert rules_now["noticeRule"] == {"category": "RESIDENTIAL", "days": 120}
    assert rules_now["agreement"]["name"] == f"Nordjysk Socialaftale {YEAR}-{YEAR + 1}"


async def test_only_steering_groups_change_agreements_and_bad_input_saves_nothing(
    gql: GraphQL,
) -> None:
    base: dict[str, Any] = {
        "regionCode": "1081",
        "name": "Aftale",
        "validFrom": f"{YEAR}-01-01",
        "validTo": f"{YEAR}-12-31",
    }
    for caller, code in (
        (("851", Role.PURCHASER), "PERMISSION_DENIED"),
        (("1082", Role.STEERING), "PERMISSION_DENIED"),
    ):
        refused = await gql(CREATE, {"input": base}, as_=caller)
        assert refused["data"]["agreementCreate"]["errors"][0]["code"] == code
    bad = await gql(CREATE, {"input": {**base, "parties": ["851", "101"]}}, as_=STEERING)
    assert bad["data"]["agreementCreate"]["errors"][0]["field"] == ["input", "parties"]
    backwards = await gql(CREATE, {"input": {**base, "validTo": f"{YEAR - 1}-12-31"}}, as_=STEERING)
    assert backwards["data"]["agreementCreate"]["errors"][0]["code"] == "INVALID"
    assert await Agreement.count().run() == 0
    made = await gql(CREATE, {"input": base}, as_=STEERING)
    agreement_id = made["data"]["agreementCreate"]["agreement"]["id"]
    for rules, field in (
        ({"notice": [{"days": -1}]}, ["input", "rules", "notice", "0", "days"]),
        (
            {"notice": [{"days": 30}], "carryOverPercent": "101"},
            ["input", "rules", "carryOverPercent"],
        ),
    ):
        refused = await gql(
            RULES,
            {"input": {"agreementId": agreement_id, "validFrom": f"{YEAR}-01-01", "rules": rules}},
            as_=STEERING,
        )
        assert refused["data"]["agreementRulesSet"]["errors"][0]["field"] == field
    anonymous = await gql("{ agreements { totalCount } }")
    assert anonymous["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


LIST = """
query ($first: Int) {
  agreements(first: $first) {
    totalCount
    edges { node { name region { name } parties { name } focusAreas { targetGroups { labelDa } }
      ruleSets { version rules { notice { days } } } decisions { party { name } }
      specialConditions { offer { name } choices { optedIn } } uniqueOffers { offer { name } } } }
  }
}
"""


async def test_agreement_lists_cost_the_same_statements_for_any_page(
    gql: GraphQL,
    statements: list[str],
) -> None:
    for region, name in (
        ("1081", "Nord"),
        ("1082", "Midt"),
        ("1083", "Syd"),
        ("1084", "Hovedstaden"),
    ):
        await gql(
            CREATE,
            {
                "input": {
                    "regionCode": region,
                    "name": name,
                    "validFrom": f"{YEAR}-01-01",
                    "validTo": f"{YEAR}-12-31",
                    "focusAreas": [{"title": "Fokus", "targetGroups": []}],
                }
            },
            as_=(region, Role.STEERING),
        )
    statements.clear()
    small = await gql(LIST, {"first": 1}, as_=("851", Role.PURCHASER))
    small_count = len(statements)
    statements.clear()
    large = await gql(LIST, {"first": 4}, as_=("851", Role.PURCHASER))
    assert (
        len(small["data"]["agreements"]["edges"]) == 1
        and len(large["data"]["agreements"]["edges"]) == 4
    )
    assert small_count == len(statements), statements
