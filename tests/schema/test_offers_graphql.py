"""The offer catalogue through GraphQL alone: the publishing flow a provider admin follows."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from marketplace.core.clock import today
from marketplace.core.identity import Role
from marketplace.offers import pricing
from marketplace.offers.tables import Offer, PriceList
from marketplace.organisations import service as organisations
from tests.conftest import GraphQL
from tests.factories import REGISTRY_ADMIN, private_provider, target_group_code

PROVIDER_ORG = "43389424"
OWNER = (PROVIDER_ORG, Role.PROVIDER_ADMIN)
PURCHASER = ("851", Role.PURCHASER)

OFFER_FIELDS = """
  id name status category minAge maxAge
  capacity { places occupied free }
  approval { status approvedPlaces }
  legalBases { code paragraph supervisingAuthority }
  supervisingAuthority
  targetGroups { code labelDa labelEn }
  primaryTargetGroup { labelDa }
  serviceTypes { code }
  methods
  municipality { code }
  provider { orgCode }
"""

CREATE = (
    "mutation ($input: OfferCreateInput!) {\n"
    "  offerCreate(input: $input) { offer { "
    + OFFER_FIELDS
    + " } errors { field code message } }\n"
    "}"
)

PRICES = """
mutation ($input: PriceListPublishInput!) {
  priceListPublish(input: $input) {
    priceList { year version validFrom basePrice { amount currency } levels { name price { amount } }
                addOns { name unit price { amount } } overheadPercent budgetedOccupancyPercent inUse reason }
    errors { field code message }
  }
}
"""

STATUS = """
mutation ($id: ID!, $reason: String!) {
  publish: offerPublish(input: {id: $id, reason: $reason}) { offer { status } errors { field code message } }
}
"""

SUSPEND = """
mutation ($id: ID!, $reason: String!) {
  offerSuspend(input: {id: $id, reason: $reason}) { offer { status } errors { code } }
}
"""

OFFERS = """
query ($filter: OfferFilterInput) {
  offers(first: 50, filter: $filter) { totalCount edges { node { id name status } } }
}
"""


@pytest.fixture
async def provider_id() -> str:
    provider = await organisations.create_provider(REGISTRY_ADMIN, private_provider())
    return base64.b64encode(f"Provider:{provider.id}".encode()).decode()


def offer_input(provider_id: str, **overrides: Any) -> dict[str, Any]:
    return {
        "providerId": provider_id,
        "name": "Bostedet Engly",
        "description": "Længerevarende botilbud for unge voksne med autisme og selvskadende adfærd. "
        "Grundtaksten dækker bolig, døgndækket støtte og dagaktiviteter.",
        "category": "RESIDENTIAL",
        "ageSegment": "ADULTS",
        "minAge": 18,
        "maxAge": 30,
        "legalBases": ["SEL_108", "SEL_104"],
        "serviceTypes": ["ophold", "socialpaedagogisk_stoette"],
        "targetGroups": [
            target_group_code("Autismespektrum"),
            target_group_code("Selvskadende adfærd"),
        ],
        "primaryTargetGroup": target_group_code("Autismespektrum"),
        "methods": ["Low Arousal"],
        "streetAddress": "Engvej 2",
        "postalCode": "8700",
        "city": "Horsens",
        "municipalityCode": "615",
        "approvalStatus": "APPROVED",
        "approvedPlaces": 8,
        "approvedOn": "2024-03-01",
        "capacityPlaces": 8,
        "occupiedPlaces": 7,
        **overrides,
    }


def prices_input(offer_id: str, year: int, **overrides: Any) -> dict[str, Any]:
    return {
        "offerId": offer_id,
        "year": year,
        "unit": "PER_DAY",
        "basePrice": "2450.50",
        "levels": [
            {"name": "Niveau 1", "covers": "Støtte i dagtimerne", "price": "2450.50"},
            {"name": "Niveau 2", "covers": "Døgndækning med vågen nattevagt", "price": "3890.00"},
        ],
        "addOns": [
            {
                "name": "Ekstra 1:1-støtte",
                "description": "Efter aftale",
                "unit": "PER_HOUR",
                "price": "425",
            }
        ],
        "overheadPercent": "6",
        "budgetedOccupancyPercent": "95",
        "vatIncluded": True,
        **overrides,
    }


async def _create(gql: GraphQL, provider_id: str, **overrides: Any) -> dict[str, Any]:
    body = await gql(CREATE, {"input": offer_input(provider_id, **overrides)}, as_=OWNER)
    payload = body["data"]["offerCreate"]
    assert payload["errors"] == [], payload["errors"]
    return payload["offer"]


async def test_a_provider_admin_publishes_corrects_and_suspends_an_offer(
    gql: GraphQL, provider_id: str
) -> None:
    year = today().year
    # given a draft offer
    offer = await _create(gql, provider_id)
    assert offer["status"] == "DRAFT"
    assert offer["supervisingAuthority"] == "SOCIALTILSYN"
    assert offer["capacity"] == {"places": 8, "occupied": 7, "free": 1}
    assert offer["primaryTargetGroup"] == {"labelDa": "Autismespektrum"}
    assert offer["provider"] == {"orgCode": PROVIDER_ORG}
    hidden = await _create(gql, provider_id, name="Endnu et udkast")

    # publishing without this year's prices is refused, naming the field
    refused = await gql(STATUS, {"id": offer["id"], "reason": "Klar"}, as_=OWNER)
    assert refused["data"]["publish"]["errors"] == [
        {
            "field": ["priceList"],
            "code": "INVALID",
            "message": f"Publish a price list for {year} first.",
        }
    ]

    # this year's and next year's price lists
    for y in (year, year + 1):
        published = await gql(PRICES, {"input": prices_input(offer["id"], y)}, as_=OWNER)
        payload = published["data"]["priceListPublish"]
        assert payload["errors"] == []
        assert payload["priceList"]["basePrice"] == {"amount": "2450.50", "currency": "DKK"}
        assert payload["priceList"]["overheadPercent"] == "6.00"
    body = await gql(STATUS, {"id": offer["id"], "reason": "Klar til salg"}, as_=OWNER)
    assert body["data"]["publish"] == {"offer": {"status": "PUBLISHED"}, "errors": []}

    # a purchaser sees exactly the published offers
    seen = await gql(OFFERS, as_=PURCHASER)
    assert [e["node"]["id"] for e in seen["data"]["offers"]["edges"]] == [offer["id"]]
    mine = await gql(OFFERS, as_=OWNER)
    assert mine["data"]["offers"]["totalCount"] == 2
    assert (
        await gql("query ($id: ID!) { offer(id: $id) { id } }", {"id": hidden["id"]}, as_=PURCHASER)
    ) == {"data": {"offer": None}}

    # a contract comes to refer to this year's prices; a correction is a new version
    [row] = await PriceList.select(PriceList.id).where(PriceList.year == year).run()
    await pricing.lock_price_list(row["id"])
    correction = prices_input(offer["id"], year, basePrice="2600")
    without_reason = await gql(PRICES, {"input": correction}, as_=OWNER)
    assert without_reason["data"]["priceListPublish"]["errors"][0]["field"] == ["input", "reason"]
    with_reason = await gql(
        PRICES, {"input": {**correction, "reason": "Ny overenskomst"}}, as_=OWNER
    )
    assert with_reason["data"]["priceListPublish"]["priceList"]["version"] == 2

    detail = await gql(
        """query ($id: ID!, $year: Int!, $today: Date!) { offer(id: $id) {
             versions: priceListVersions(year: $year) { version inUse reason basePrice { amount } }
             priceList(year: $year) { version }
             base: priceFor(date: $today) { amount { amount } priceList { version } }
             level: priceFor(date: $today, level: "Niveau 2") { amount { amount } level }
             history { totalCount edges { node { kind reason } } } } }""",
        {"id": offer["id"], "year": year, "today": today().isoformat()},
        as_=PURCHASER,
    )
    found = detail["data"]["offer"]
    assert found["versions"] == [
        {"version": 1, "inUse": True, "reason": "", "basePrice": {"amount": "2450.50"}},
        {
            "version": 2,
            "inUse": False,
            "reason": "Ny overenskomst",
            "basePrice": {"amount": "2600.00"},
        },
    ]
    assert found["priceList"] == {"version": 2}
    assert found["base"] == {"amount": {"amount": "2600.00"}, "priceList": {"version": 2}}
    assert found["level"] == {"amount": {"amount": "3890.00"}, "level": "Niveau 2"}
    assert [e["node"]["kind"] for e in found["history"]["edges"]] == [
        "created",
        "price_list_published",
        "price_list_published",
        "published",
        "price_list_published",
    ]

    # suspended: gone for purchasers, kept for its owner
    suspended = await gql(SUSPEND, {"id": offer["id"], "reason": "Ombygning"}, as_=OWNER)
    assert suspended["data"]["offerSuspend"] == {"offer": {"status": "SUSPENDED"}, "errors": []}
    assert (await gql(OFFERS, as_=PURCHASER))["data"]["offers"]["totalCount"] == 0
    assert (await gql(OFFERS, {"filter": {"status": "SUSPENDED"}}, as_=OWNER))["data"]["offers"][
        "totalCount"
    ] == 1


async def test_bad_offer_input_names_the_fields_and_saves_nothing(
    gql: GraphQL, provider_id: str
) -> None:
    bad = offer_input(provider_id, minAge=40, maxAge=30, legalBases=["SEL_103"], occupiedPlaces=9)
    body = await gql(CREATE, {"input": bad}, as_=OWNER)
    payload = body["data"]["offerCreate"]
    assert payload["offer"] is None
    assert {tuple(e["field"]) for e in payload["errors"]} == {
        ("input", "maxAge"),
        ("input", "legalBases"),
        ("input", "occupiedPlaces"),
    }
    assert await Offer.count().run() == 0


async def test_a_negative_price_is_refused(gql: GraphQL, provider_id: str) -> None:
    offer = await _create(gql, provider_id)
    body = await gql(
        PRICES, {"input": prices_input(offer["id"], today().year, basePrice="-5")}, as_=OWNER
    )
    [error] = body["data"]["priceListPublish"]["errors"]
    assert error["field"] == ["input", "basePrice"]
    assert await PriceList.count().run() == 0


async def test_a_purchaser_cannot_create_or_publish_offers(gql: GraphQL, provider_id: str) -> None:
    body = await gql(CREATE, {"input": offer_input(provider_id)}, as_=PURCHASER)
    assert body["data"]["offerCreate"]["errors"][0]["code"] == "PERMISSION_DENIED"
    offer = await _create(gql, provider_id)
    published = await gql(STATUS, {"id": offer["id"], "reason": "Klar"}, as_=PURCHASER)
    assert published["data"]["publish"]["errors"][0]["code"] == "PERMISSION_DENIED"
    # another provider's admin may not even learn that the draft exists
    stranger = await gql(
        STATUS, {"id": offer["id"], "reason": "Klar"}, as_=("851", Role.PROVIDER_ADMIN)
    )
    assert stranger["data"]["publish"]["errors"][0]["code"] == "NOT_FOUND"


async def test_the_taxonomies(gql: GraphQL) -> None:
    body = await gql(
        "{ targetGroups { code labelDa labelEn groupDa } serviceTypes { code labelDa }"
        "  legalBases { code paragraph kind supervisingAuthority historical }"
        '  all: legalBases(includeHistorical: true) { code } methodSuggestions(prefix: "low") }'
    )
    data = body["data"]
    assert len(data["targetGroups"]) == 45
    assert {"code": "ophold", "labelDa": "Ophold"} in data["serviceTypes"]
    assert len(data["serviceTypes"]) == 12
    sel108 = next(b for b in data["legalBases"] if b["code"] == "SEL_108")
    assert sel108 == {
        "code": "SEL_108",
        "paragraph": "§ 108",
        "kind": "RESIDENTIAL",
        "supervisingAuthority": "SOCIALTILSYN",
        "historical": False,
    }
    assert len(data["all"]) == 44 > len(data["legalBases"])
    assert data["methodSuggestions"] == ["Low Arousal"]


UPDATE = """
mutation ($input: OfferUpdateInput!) {
  offerUpdate(input: $input) {
    offer { name capacity { places occupied free expectedFreeFrom } methods
            targetGroups { labelDa } primaryTargetGroup { labelDa } }
    errors { field code message }
  }
}
"""


async def test_a_provider_admin_updates_an_offer_field_by_field(
    gql: GraphQL, provider_id: str
) -> None:
    offer = await _create(gql, provider_id)
    change = {
        "id": offer["id"],
        "occupiedPlaces": 8,
        "expectedFreeFrom": "2027-02-01",
        "methods": ["KRAP", "Marte Meo"],
        "targetGroups": [target_group_code("Selvskadende adfærd")],
    }
    body = await gql(UPDATE, {"input": change}, as_=OWNER)
    payload = body["data"]["offerUpdate"]
    assert payload["errors"] == []
    assert payload["offer"]["name"] == "Bostedet Engly"  # left out, so unchanged
    assert payload["offer"]["capacity"] == {
        "places": 8,
        "occupied": 8,
        "free": 0,
        "expectedFreeFrom": "2027-02-01",
    }
    assert payload["offer"]["methods"] == ["KRAP", "Marte Meo"]
    # the old primary group left the list, so the only group left is primary now
    assert payload["offer"]["primaryTargetGroup"] == {"labelDa": "Selvskadende adfærd"}

    bad = await gql(UPDATE, {"input": {"id": offer["id"], "occupiedPlaces": 9}}, as_=OWNER)
    assert bad["data"]["offerUpdate"]["errors"][0]["field"] == ["input", "occupiedPlaces"]
    stranger = await gql(
        UPDATE, {"input": {"id": offer["id"], "name": "Kapret"}}, as_=("851", Role.PROVIDER_ADMIN)
    )
    assert stranger["data"]["offerUpdate"]["errors"][0]["code"] == "NOT_FOUND"


async def test_node_answers_a_draft_to_its_owner_only(gql: GraphQL, provider_id: str) -> None:
    offer = await _create(gql, provider_id)
    query = "query ($id: ID!) { node(id: $id) { __typename ... on Offer { name status } } }"
    mine = await gql(query, {"id": offer["id"]}, as_=OWNER)
    assert mine["data"]["node"] == {
        "__typename": "Offer",
        "name": "Bostedet Engly",
        "status": "DRAFT",
    }
    for caller in (PURCHASER, None):
        theirs = await gql(query, {"id": offer["id"]}, as_=caller)
        assert theirs == {"data": {"node": None}}
