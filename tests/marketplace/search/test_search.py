"""Offer search on a fixed corpus. The suite runs on SQLite and on PostgreSQL, and every
expected result below is exact (which offers, in which order), so passing on both proves the
two backends give the same result sets for the same data."""

from __future__ import annotations

import datetime
import uuid
from decimal import Decimal
from typing import Any

import pytest

from marketplace.core.errors import DomainError, ErrorCode, parse
from marketplace.core.identity import Principal, Role
from marketplace.core.pagination import PageRequest
from marketplace.offers import pricing
from marketplace.offers import service as offers
from marketplace.offers.models import OfferStatus
from marketplace.organisations import service as organisations
from marketplace.search import service as search
from marketplace.search.models import SearchCriteria
from marketplace.search.tables import SearchEvent
from tests.factories import (
    REGISTRY_ADMIN,
    admin_of,
    municipal_provider,
    offer_content,
    price_list,
    private_provider,
    target_group_code,
)

ON = datetime.date(2026, 6, 1)
PURCHASER = Principal(subject="test:purchaser", org_code="851", role=Role.PURCHASER)
AUTISM = target_group_code("Autismespektrum")
SELF_HARM = target_group_code("Selvskadende adfærd")
EATING = target_group_code("Spiseforstyrrelse")
BRAIN = target_group_code("Erhvervet hjerneskade")

# name, municipality, overrides, base price per day (DKK)
CORPUS: list[tuple[str, str, dict[str, Any], int]] = [
    ("Bostedet Engly", "615", {}, 2450),  # Horsens: autism + self-harm, residential
    (
        "Spisehuset Kilden",
        "751",
        {
            "description": "Døgnophold for unge voksne med svære spiseforstyrrelser. Grundtaksten dækker bolig og behandling.",
            "target_groups": [EATING, SELF_HARM],
            "primary_target_group": EATING,
            "legal_bases": ["SEL-107"],
            "methods": ["Kognitiv adfærdsterapi"],
        },
        3900,
    ),
    (
        "Neurocentret Ådalen",
        "461",
        {
            "description": "Rehabilitering efter senhjerneskade med neuropsykologisk udredning og træning i hverdagen.",
            "target_groups": [BRAIN],
            "primary_target_group": BRAIN,
            "legal_bases": ["SEL-107", "SEL-85"],
            "min_age": 18,
            "max_age": 80,
        },
        4200,
    ),
    (
        "Bostøtten Nord",
        "851",
        {
            "category": "outpatient",
            "description": "Socialpædagogisk bostøtte i eget hjem til voksne med autisme eller ADHD.",
            "legal_bases": ["SEL-85"],
            "approval_status": "not_applied",
            "approved_places": None,
            "approved_on": None,
            "capacity_places": 40,
            "occupied_places": 40,
            "expected_free_from": datetime.date(2026, 8, 1),
        },
        0,  # priced per hour
    ),
    (
        "Dagcentret Solsikken",
        "851",
        {
            "category": "day",
            "description": "Aktivitets- og samværstilbud for voksne med autisme. Grundtaksten dækker aktiviteter og frokost.",
            "legal_bases": ["SEL-104"],
            "approval_status": "not_applied",
            "approved_places": None,
            "approved_on": None,
            "capacity_places": 30,
            "occupied_places": 12,
            "unique_status": "reinforced_cooperation",
        },
        900,
    ),
]


@pytest.fixture
async def corpus() -> dict[str, Any]:
    private = await organisations.create_provider(REGISTRY_ADMIN, private_provider())
    aalborg = await organisations.create_provider(REGISTRY_ADMIN, municipal_provider())
    ids = {}
    for name, municipality, overrides, price in CORPUS:
        owner_provider = aalborg if municipality == "851" else private
        owner = admin_of(owner_provider.org_code)
        content = offer_content(name=name, municipality_code=municipality, city="By", **overrides)
        offer = await offers.create_offer(owner, owner_provider.id, content)
        if price:
            prices = price_list(2026, base_price=Decimal(price), levels=[], add_ons=[])
        else:
            prices = price_list(
                2026, unit="per_hour", base_price=Decimal(550), levels=[], add_ons=[]
            )
        await pricing.publish_price_list(owner, offer.id, prices, on=ON)
        await offers.change_status(owner, offer.id, OfferStatus.PUBLISHED, "Klar")
        ids[name] = offer.id
    draft_owner = admin_of(private.org_code)
    draft = await offers.create_offer(
        draft_owner, private.id, offer_content(name="Udkastet Autisme")
    )
    ids["draft"] = draft.id
    return ids


async def _names(
    criteria: dict[str, Any], principal: Principal = PURCHASER, first: int = 100
) -> list[str]:
    page = await search.search_offers(
        principal, parse(SearchCriteria, criteria), PageRequest(first), on=ON
    )
    return [hit.offer.name for hit in page.hits]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("spiseforstyrrelse", ["Spisehuset Kilden"]),  # the text says "spiseforstyrrelser"
        ("bostøtte", ["Bostøtten Nord"]),  # the name says "Bostøtten"
        ("hjerneskade", ["Neurocentret Ådalen"]),  # the text says "senhjerneskade"
        ("autisme", ["Bostedet Engly", "Bostøtten Nord", "Dagcentret Solsikken"]),
        (
            "autisme aktiviteter",
            ["Bostedet Engly", "Dagcentret Solsikken"],
        ),  # every word must match
        (
            "selvskadende",
            ["Bostedet Engly", "Bostøtten Nord", "Dagcentret Solsikken", "Spisehuset Kilden"],
        ),
        ("xylofon", []),
    ],
)
async def test_danish_full_text(corpus: dict[str, Any], query: str, expected: list[str]) -> None:
    assert await _names({"query": query}) == expected


async def test_a_name_match_ranks_above_a_description_match(corpus: dict[str, Any]) -> None:
    page = await search.search_offers(
        PURCHASER, SearchCriteria(query="spise"), PageRequest(), on=ON
    )
    assert [(h.offer.name, h.score) for h in page.hits] == [("Spisehuset Kilden", 8)]
    page = await search.search_offers(
        PURCHASER, SearchCriteria(query="bolig"), PageRequest(), on=ON
    )
    assert all(h.score == 3 for h in page.hits)  # description (2) + exact stem (1)


@pytest.mark.parametrize(
    ("criteria", "expected"),
    [
        ({"any_target_groups": [EATING, BRAIN]}, ["Neurocentret Ådalen", "Spisehuset Kilden"]),
        (
            {"all_target_groups": [AUTISM, SELF_HARM]},
            ["Bostedet Engly", "Bostøtten Nord", "Dagcentret Solsikken"],
        ),
        ({"all_target_groups": [EATING, SELF_HARM]}, ["Spisehuset Kilden"]),
        ({"legal_bases": ["SEL-85"]}, ["Bostøtten Nord", "Neurocentret Ådalen"]),
        ({"categories": ["day", "outpatient"]}, ["Bostøtten Nord", "Dagcentret Solsikken"]),
        ({"region_codes": ["1081"]}, ["Bostøtten Nord", "Dagcentret Solsikken"]),
        ({"municipality_codes": ["751", "461"]}, ["Neurocentret Ådalen", "Spisehuset Kilden"]),
        ({"age": 75}, ["Neurocentret Ådalen"]),
        ({"max_price_per_day": "2500"}, ["Bostedet Engly", "Dagcentret Solsikken"]),
        (
            {"free_places": True},
            ["Bostedet Engly", "Dagcentret Solsikken", "Neurocentret Ådalen", "Spisehuset Kilden"],
        ),
        (
            {"free_places": True, "free_from": "2026-08-01", "categories": ["outpatient"]},
            ["Bostøtten Nord"],
        ),
        (
            {"methods": ["krap"]},
            ["Bostedet Engly", "Bostøtten Nord", "Dagcentret Solsikken", "Neurocentret Ådalen"],
        ),
        ({"unique_statuses": ["reinforced_cooperation"]}, ["Dagcentret Solsikken"]),
        (
            {"service_types": ["ophold"], "query": "autisme"},
            ["Bostedet Engly", "Bostøtten Nord", "Dagcentret Solsikken"],
        ),
    ],
)
async def test_filters(
    corpus: dict[str, Any], criteria: dict[str, Any], expected: list[str]
) -> None:
    assert await _names(criteria) == expected


async def test_near_a_municipality_sorts_by_distance(corpus: dict[str, Any]) -> None:
    page = await search.search_offers(
        PURCHASER,
        parse(SearchCriteria, {"near": {"municipality_code": "851", "radius_km": 150}}),
        PageRequest(),
        on=ON,
    )
    # Aalborg's own offers at 0 km, then Aarhus (~100 km) and Horsens (~140 km); Odense is
    # farther than 150 km.
    names = [(h.offer.name, round(h.distance_km or 0)) for h in page.hits]
    assert [n for n, _ in names] == [
        "Bostøtten Nord",
        "Dagcentret Solsikken",
        "Spisehuset Kilden",
        "Bostedet Engly",
    ]
    assert names[0][1] == 0 and 95 <= names[2][1] <= 110 and 130 <= names[3][1] <= 150
    closer = await _names({"near": {"municipality_code": "851", "radius_km": 50}})
    assert closer == ["Bostøtten Nord", "Dagcentret Solsikken"]


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        # per day first (900, 2450, 3900, 4200 DKK), then the offer priced per hour
        (
            "price",
            [
                "Dagcentret Solsikken",
                "Bostedet Engly",
                "Spisehuset Kilden",
                "Neurocentret Ådalen",
                "Bostøtten Nord",
            ],
        ),
        (
            "free_places",
            [
                "Dagcentret Solsikken",
                "Bostedet Engly",
                "Neurocentret Ådalen",
                "Spisehuset Kilden",
                "Bostøtten Nord",
            ],
        ),
        (
            "name",
            [
                "Bostedet Engly",
                "Bostøtten Nord",
                "Dagcentret Solsikken",
                "Neurocentret Ådalen",
                "Spisehuset Kilden",
            ],
        ),
    ],
)
async def test_sorting(corpus: dict[str, Any], sort: str, expected: list[str]) -> None:
    assert await _names({"sort": sort}) == expected


async def test_paging_is_stable(corpus: dict[str, Any]) -> None:
    everything = await _names({"query": "grundtaksten"})
    collected: list[str] = []
    after = None
    while True:
        page = await search.search_offers(
            PURCHASER, SearchCriteria(query="grundtaksten"), PageRequest(2, after), on=ON
        )
        collected += [h.offer.name for h in page.hits]
        assert page.total_count == len(everything)
        if not page.has_next_page:
            break
        after = page.cursors[-1]
    assert collected == everything and len(everything) == 3


async def test_drafts_are_found_by_their_owner_only(corpus: dict[str, Any]) -> None:
    assert "Udkastet Autisme" not in await _names({"query": "autisme"})
    assert "Udkastet Autisme" in await _names({"query": "autisme"}, admin_of("43389424"))


async def test_facets_count_under_the_other_filters(corpus: dict[str, Any]) -> None:
    criteria = parse(SearchCriteria, {"categories": ["residential"], "region_codes": ["1082"]})
    page = await search.search_offers(PURCHASER, criteria, PageRequest(), on=ON)
    assert sorted(h.offer.name for h in page.hits) == ["Bostedet Engly", "Spisehuset Kilden"]
    found = await search.facets(page.plan)  # type: ignore[arg-type]
    # the category facet ignores the category filter, but keeps the region filter
    assert found["category"] == {"residential": 2}
    # the region facet ignores the region filter, but keeps the category filter
    assert found["region"] == {"1082": 2, "1083": 1}
    assert found["target_group"] == {AUTISM: 1, SELF_HARM: 2, EATING: 1}
    assert found["legal_basis"] == {"SEL-104": 1, "SEL-107": 1, "SEL-108": 1}
    assert found["price_band"] == {"2.000-3.500": 1, "3.500-5.000": 1}


async def test_a_purchasers_search_is_recorded_without_its_text(corpus: dict[str, Any]) -> None:
    await _names({"query": "autisme selvskadende", "age": 19, "region_codes": ["1082"]})
    await _names({"query": "autisme"}, admin_of("43389424"))  # not a purchaser: not recorded
    [event] = await SearchEvent.select().output(load_json=True).run()
    assert event["municipality"] == "851"
    assert event["had_query"] is True
    assert event["filters"] == {"age": 19, "region_codes": ["1082"]}
    assert event["result_count"] == 1
    assert "autisme" not in str(event)


@pytest.mark.parametrize(
    ("criteria", "code"),
    [
        ({"region_codes": ["1089"]}, ErrorCode.UNKNOWN_REGION),
        ({"municipality_codes": ["999"]}, ErrorCode.UNKNOWN_MUNICIPALITY),
        ({"any_target_groups": ["nope"]}, ErrorCode.INVALID),
        ({"near": {"municipality_code": "851", "radius_km": -5}}, ErrorCode.INVALID),
        ({"near": {"radius_km": 5}}, ErrorCode.INVALID),
        ({"age": 121}, ErrorCode.INVALID),
        ({"query": "a" * 10_000}, ErrorCode.INVALID),
        ({"sort": "distance"}, ErrorCode.INVALID),
        ({"max_price_per_day": "-1"}, ErrorCode.INVALID),
    ],
)
def test_bad_criteria_are_typed_errors(criteria: dict[str, Any], code: ErrorCode) -> None:
    with pytest.raises(DomainError) as error:
        parse(SearchCriteria, criteria, ["filter"])
    assert error.value.code is code


async def test_an_empty_search_lists_everything_and_a_foreign_cursor_is_refused(
    corpus: dict[str, Any],
) -> None:
    page = await search.search_offers(PURCHASER, SearchCriteria(), PageRequest(2), on=ON)
    assert page.total_count == 5 and len(page.hits) == 2 and page.has_next_page
    with pytest.raises(DomainError) as error:
        await search.search_offers(
            PURCHASER, SearchCriteria(), PageRequest(2, "bm90LWEtY3Vyc29y"), on=ON
        )
    assert error.value.field == ["after"]


async def test_the_price_in_force_follows_the_calendar(corpus: dict[str, Any]) -> None:
    """A price version taking effect later, and next year's price list, reach the search on
    the day they take effect, without a write on that day."""
    engly = corpus["Bostedet Engly"]
    owner = admin_of("43389424")
    correction = price_list(2026, base_price=Decimal(3000), levels=[], add_ons=[])
    correction = correction.model_copy(
        update={"valid_from": datetime.date(2026, 9, 1), "reason": "Ny overenskomst"}
    )
    await pricing.publish_price_list(owner, engly, correction, on=ON)
    next_year = price_list(2027, base_price=Decimal(2000), levels=[], add_ons=[])
    await pricing.publish_price_list(owner, engly, next_year, on=ON)

    async def cheap_on(day: datetime.date) -> list[str]:
        page = await search.search_offers(
            PURCHASER,
            parse(SearchCriteria, {"max_price_per_day": "2500"}),
            PageRequest(),
            on=day,
        )
        return [h.offer.name for h in page.hits]

    assert "Bostedet Engly" in await cheap_on(datetime.date(2026, 8, 31))
    assert "Bostedet Engly" not in await cheap_on(datetime.date(2026, 9, 1))
    assert "Bostedet Engly" not in await cheap_on(datetime.date(2026, 12, 31))
    assert await cheap_on(datetime.date(2027, 1, 1)) == ["Bostedet Engly"]  # 2027's list only


async def test_changes_to_an_offer_reach_the_search_at_once(corpus: dict[str, Any]) -> None:
    owner = admin_of("43389424")
    kilden = corpus["Spisehuset Kilden"]
    await offers.update_offer(owner, kilden, {"occupied_places": 12, "capacity_places": 12})
    assert "Spisehuset Kilden" not in await _names({"free_places": True})
    await offers.update_offer(owner, kilden, {"municipality_code": "101", "city": "København"})
    assert await _names({"region_codes": ["1084"]}) == ["Spisehuset Kilden"]
    await offers.change_status(owner, kilden, OfferStatus.SUSPENDED, "Ombygning")
    assert await _names({"region_codes": ["1084"]}) == []
    assert await _names({"region_codes": ["1084"]}, owner) == ["Spisehuset Kilden"]


async def test_searches_recorded_before_their_target_groups_get_them_once() -> None:
    """The migration that made target groups of searches countable in SQL fills them in for
    the searches recorded before it, and running it again adds nothing."""
    import importlib

    from marketplace.search.service import record_search
    from marketplace.search.tables import SearchEventGroup

    backfill = importlib.import_module(
        "migrations.marketplace.marketplace_2026_11_24t12_38_00_000000"
    )
    old = uuid.uuid4()
    await SearchEvent.insert(
        SearchEvent(
            id=old,
            municipality="851",
            filters={"any_target_groups": [AUTISM, EATING], "all_target_groups": [AUTISM]},
            result_count=0,
        )
    ).run()
    await record_search("851", {"any_target_groups": [SELF_HARM]}, False, 1)
    for _ in range(2):
        await (await backfill.forwards()).run()
    rows = await SearchEventGroup.select(
        SearchEventGroup.event, SearchEventGroup.target_group
    ).run()
    assert sorted(r["target_group"] for r in rows if r["event"] == old) == sorted([AUTISM, EATING])
    assert sorted(r["target_group"] for r in rows) == sorted([AUTISM, EATING, SELF_HARM])
