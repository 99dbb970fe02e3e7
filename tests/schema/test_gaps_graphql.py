"""A steering user opens an announcement, sees the gap figures for its target group in the
region, drafts and submits the region's report before the deadline, and exports the table."""

from __future__ import annotations

import csv
import datetime
import io

import httpx
from strawberry.relay import to_base64

from marketplace.core.clock import today
from marketplace.core.identity import Role
from tests.conftest import GraphQL, token
from tests.factories import target_group_code
from tests.marketplace.contracts.world import (
    AALBORG_PROVIDER_ADMIN,
    AARHUS,
    build_market,
    contract_for,
)

STEERING = ("1081", Role.STEERING)
ADMIN = ("1084", Role.REGISTRY_ADMIN)
AUTISM = target_group_code("Autismespektrum")
SELF_HARM = target_group_code("Selvskadende adfærd")
EATING = target_group_code("Spiseforstyrrelse")

ANNOUNCE = """
mutation ($input: CentralAnnouncementCreateInput!) {
  centralAnnouncementCreate(input: $input) { centralAnnouncement { id status } errors { field code message } }
}
"""
GAPS = """
query ($groups: [String!]) {
  supplyGaps(regionCode: "1081", targetGroupCodes: $groups) {
    asOf region { name }
    rows { label severity targetGroup { labelDa }
      now { places inUse { value display } free { display } demand { display } gap { value display } }
      contractsInside { value display } contractsOutside { display }
      offers(first: 5) { totalCount edges { node { places inUse { display } offer { name } } } }
      offersAtRisk { totalCount }
      announcement { title } explanation }
  }
}
"""
REPORT = """
mutation ($input: RegionalReportCreateInput!) {
  regionalReportCreate(input: $input) {
    regionalReport { id status daysToDeadline offers { name capacity { places } } region { code } }
    errors { field code message }
  }
}
"""
SUBMIT = """
mutation ($id: ID!) {
  regionalReportSubmit(input: { id: $id }) { regionalReport { status submittedOn } errors { code message } }
}
"""


async def test_the_steering_groups_round_on_an_announcement(
    gql: GraphQL, client: httpx.AsyncClient
) -> None:
    market = await build_market()
    # bought from outside the region, from today
    await contract_for(market.aalborg_offer_id, AALBORG_PROVIDER_ADMIN, AARHUS, start=today())
    deadline = today() + datetime.timedelta(days=30)
    announced = await gql(
        ANNOUNCE,
        {
            "input": {
                "issuer": "Socialstyrelsen",
                "issuedOn": today().isoformat(),
                "title": "Autisme og selvskade",
                "targetGroups": [AUTISM],
                "smallGroup": True,
                "reportDeadline": deadline.isoformat(),
            }
        },
        as_=ADMIN,
    )
    announcement = announced["data"]["centralAnnouncementCreate"]["centralAnnouncement"]
    assert announcement["status"] == "OPEN"
    refused = await gql(
        ANNOUNCE,
        {
            "input": {
                "issuer": "Socialstyrelsen",
                "issuedOn": today().isoformat(),
                "title": "Ikke mig",
                "targetGroups": [AUTISM],
                "smallGroup": True,
            }
        },
        as_=STEERING,
    )
    assert refused["data"]["centralAnnouncementCreate"]["errors"][0]["code"] == "PERMISSION_DENIED"

    seen = await gql(GAPS, {"groups": [AUTISM]}, as_=STEERING)
    [row] = seen["data"]["supplyGaps"]["rows"]
    assert (
        row["label"] == "Autismespektrum" and row["announcement"]["title"] == "Autisme og selvskade"
    )
    assert row["now"]["places"] == 12 and row["now"]["inUse"] == {"value": 11, "display": "11"}
    assert row["contractsOutside"]["display"] == "1"  # the steering group sees small counts
    assert row["offers"]["totalCount"] == 1
    assert [e["node"]["offer"]["name"] for e in row["offers"]["edges"]] == ["Bostedet Birkely"]
    assert row["offersAtRisk"]["totalCount"] == 0
    purchaser = await gql(GAPS, {"groups": [AUTISM]}, as_=("851", Role.PURCHASER))
    assert purchaser["data"]["supplyGaps"]["rows"][0]["contractsOutside"]["display"] == "< 3"

    drafted = await gql(
        REPORT,
        {
            "input": {
                "announcementId": announcement["id"],
                "regionCode": "1081",
                "assessment": "SUFFICIENT",
                "offerIds": [to_base64("Offer", str(market.aalborg_offer_id))],
                "challenges": "Få pladser til unge med selvskade",
            }
        },
        as_=STEERING,
    )
    report = drafted["data"]["regionalReportCreate"]["regionalReport"]
    assert (report["status"], report["daysToDeadline"], report["region"]["code"]) == (
        "DRAFT",
        30,
        "1081",
    )
    assert report["offers"] == [{"name": "Bostedet Birkely", "capacity": {"places": 12}}]
    submitted = await gql(SUBMIT, {"id": report["id"]}, as_=STEERING)
    assert submitted["data"]["regionalReportSubmit"]["regionalReport"] == {
        "status": "SUBMITTED",
        "submittedOn": today().isoformat(),
    }
    again = await gql(SUBMIT, {"id": report["id"]}, as_=STEERING)
    assert again["data"]["regionalReportSubmit"]["errors"][0]["code"] == "INVALID_STATE"
    listed = await gql(
        "query ($id: ID!) { regionalReports(announcementId: $id) { totalCount edges { node { status } } } }",
        {"id": announcement["id"]},
        as_=("751", Role.PURCHASER),
    )
    assert listed["data"]["regionalReports"]["totalCount"] == 1

    headers = {"Authorization": f"Bearer {token('1081', Role.STEERING)}"}
    exported = await client.get(
        "/exports/gaps.csv",
        params={"regionCode": "1081", "targetGroupCodes": f"{AUTISM},{EATING}"},
        headers=headers,
    )
    assert exported.status_code == 200
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    assert [(r["label"], r["places"], r["in_use"], r["contracts_outside"]) for r in rows] == [
        ("Autismespektrum", "12", "11", "1"),
        ("Spiseforstyrrelse", "0", "0", "0"),
    ]
    as_json = await client.get(
        "/exports/gaps.json",
        params={"regionCode": "1081", "targetGroupCodes": AUTISM},
        headers={"Authorization": f"Bearer {token('751', Role.PURCHASER)}"},
    )
    body = as_json.json()
    assert body["rows"][0]["contracts_outside"]["display"] == "< 3"
    assert body["rows"][0]["offers"][0]["name"] == "Bostedet Birkely"
    for params, status in (
        ({"regionCode": "1089"}, 400),
        ({"regionCode": "1081", "asOf": "someday"}, 400),
    ):
        bad = await client.get("/exports/gaps.csv", params=params, headers=headers)
        assert bad.status_code == status and bad.json()["code"]
    assert (
        await client.get("/exports/gaps.json", params={"regionCode": "1081"})
    ).status_code == 401


async def test_bad_gap_questions_are_typed_errors(gql: GraphQL) -> None:
    unknown = await gql('{ supplyGaps(regionCode: "1089") { asOf } }', as_=STEERING)
    assert unknown["errors"][0]["extensions"]["code"] == "UNKNOWN_REGION"
    future = await gql(
        '{ supplyGaps(regionCode: "1081", asOf: "2099-01-01") { asOf } }', as_=STEERING
    )
    assert future["errors"][0]["extensions"]["field"] == ["asOf"]
    # the year before the year before a day close to the calendar's first is no date at all
    for day in ("0002-01-01", "2000-01-01"):
        past = await gql(
            f'{{ supplyGaps(regionCode: "1081", asOf: "{day}") {{ asOf }} }}', as_=STEERING
        )
        assert past["errors"][0]["extensions"]["code"] == "INVALID"
        assert past["errors"][0]["extensions"]["field"] == ["asOf"]
    group = await gql(
        '{ supplyGaps(regionCode: "1081", targetGroupCodes: ["x"]) { asOf } }', as_=STEERING
    )
    assert group["errors"][0]["extensions"]["code"] == "INVALID"


async def test_the_gap_analysis_costs_the_same_statements_for_any_number_of_groups(
    gql: GraphQL,
    statements: list[str],
) -> None:
    await build_market()
    statements.clear()
    await gql(GAPS, {"groups": [AUTISM]}, as_=STEERING)
    one = len(statements)
    statements.clear()
    await gql(GAPS, {"groups": [AUTISM, SELF_HARM, EATING]}, as_=STEERING)
    assert one == len(statements), statements
