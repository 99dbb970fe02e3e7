"""An agreement that recovers, through GraphQL: a council reconsiders, the steering group
revises (a substantive revision restarts the approvals) and withdraws; late decisions are
flagged; bad input is a typed error that changes nothing."""

from __future__ import annotations

import datetime
from typing import Any

from agreements.frameworks.tables import Agreement
from marketplace.core.clock import today
from marketplace.core.identity import Role
from tests.conftest import GraphQL

STEERING = ("1081", Role.STEERING)
YEAR = today().year + 1

CREATE = """
mutation ($input: AgreementCreateInput!) {
  agreementCreate(input: $input) { agreement { id } errors { code } }
}
"""
SEND = """
mutation ($input: AgreementUpdateInput!) {
  agreementUpdate(input: $input) { agreement { status } errors { code } }
}
"""
DECIDE = """
mutation ($input: CouncilDecisionRecordInput!) {
  councilDecisionRecord(input: $input) {
    approvalStatus { status approved { code } rejected { code } late { code } approvalsFrom
      decisions { party { code } decision daysLate counts revision } }
    errors { field code }
  }
}
"""
REVISE = """
mutation ($input: AgreementReviseInput!) {
  agreementRevise(input: $input) { agreement { revision approvalsFrom vision } errors { field code } }
}
"""
WITHDRAW = """
mutation ($input: AgreementWithdrawInput!) {
  agreementWithdraw(input: $input) { agreement { status } errors { field code } }
}
"""


async def _decide(gql: GraphQL, agreement: str, party: str, kind: str, on: datetime.date) -> Any:
    answer = await gql(
        DECIDE,
        {
            "input": {
                "agreementId": agreement,
                "partyCode": party,
                "decision": kind,
                "body": "Regionsrådet" if party == "1081" else "Byrådet",
                "decidedOn": on.isoformat(),
            }
        },
        as_=STEERING,
    )
    return answer["data"]["councilDecisionRecord"]


async def test_a_rejected_agreement_recovers(gql: GraphQL) -> None:
    deadline = today() - datetime.timedelta(days=10)
    made = await gql(
        CREATE,
        {
            "input": {
                "regionCode": "1081",
                "name": f"Nordjysk Socialaftale {YEAR}-{YEAR + 1}",
                "validFrom": f"{YEAR}-01-01",
                "validTo": f"{YEAR + 1}-12-31",
                "approvalDeadline": deadline.isoformat(),
                "parties": ["851", "1081"],
            }
        },
        as_=STEERING,
    )
    agreement = made["data"]["agreementCreate"]["agreement"]["id"]
    await gql(SEND, {"input": {"id": agreement, "status": "SENT_FOR_APPROVAL"}}, as_=STEERING)
    early = today() - datetime.timedelta(days=20)
    rejected = await _decide(gql, agreement, "851", "REJECTED", early)
    assert rejected["approvalStatus"]["rejected"] == [{"code": "851"}]
    # a substantive revision starts the approvals again; the rejection stays in the history
    revised = await gql(
        REVISE,
        {
            "input": {
                "id": agreement,
                "reason": "Efter Aalborgs afvisning",
                "vision": "Livskvalitet",
            }
        },
        as_=STEERING,
    )
    assert revised["data"]["agreementRevise"]["agreement"] == {
        "revision": 2,
        "approvalsFrom": 2,
        "vision": "Livskvalitet",
    }
    await _decide(gql, agreement, "851", "APPROVED", today() - datetime.timedelta(days=3))
    done = await _decide(gql, agreement, "1081", "APPROVED", today() - datetime.timedelta(days=2))
    status = done["approvalStatus"]
    assert status["status"] == "IN_FORCE" and status["approvalsFrom"] == 2
    assert [
        (d["party"]["code"], d["counts"], d["revision"], d["daysLate"]) for d in status["decisions"]
    ] == [
        ("851", False, 1, None),
        ("851", True, 2, 7),
        ("1081", True, 2, 8),
    ]
    assert status["late"] == [{"code": "1081"}, {"code": "851"}]
    # in force, it is neither revised nor withdrawn
    before = await Agreement.select().run()
    refused = await gql(WITHDRAW, {"input": {"id": agreement, "reason": "For sent"}}, as_=STEERING)
    assert refused["data"]["agreementWithdraw"]["errors"] == [
        {"field": ["input", "id"], "code": "INVALID_STATE"}
    ]
    assert await Agreement.select().run() == before


async def test_withdrawing_frees_the_period(gql: GraphQL) -> None:
    data = {
        "regionCode": "1081",
        "name": "Første udkast",
        "validFrom": f"{YEAR}-01-01",
        "validTo": f"{YEAR + 1}-12-31",
    }
    first = await gql(CREATE, {"input": data}, as_=STEERING)
    agreement = first["data"]["agreementCreate"]["agreement"]["id"]
    clash = await gql(CREATE, {"input": {**data, "name": "Andet udkast"}}, as_=STEERING)
    assert clash["data"]["agreementCreate"]["errors"] == [{"code": "INVALID"}]
    withdrawn = await gql(
        WITHDRAW, {"input": {"id": agreement, "reason": "Erstattes"}}, as_=STEERING
    )
    assert withdrawn["data"]["agreementWithdraw"]["agreement"] == {"status": "WITHDRAWN"}
    second = await gql(CREATE, {"input": {**data, "name": "Andet udkast"}}, as_=STEERING)
    assert second["data"]["agreementCreate"]["errors"] == []
    other = await gql(
        WITHDRAW, {"input": {"id": agreement, "reason": "Ikke jeres"}}, as_=("1082", Role.STEERING)
    )
    assert [e["code"] for e in other["data"]["agreementWithdraw"]["errors"]] == [
        "PERMISSION_DENIED"
    ]
