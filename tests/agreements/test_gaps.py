"""The gap analysis on a small world whose right answers are worked out by hand.

Region Nordjylland (1081) has two offers: Birkely in Aalborg (12 places, 10 declared in use,
autism and self-harm) and Spisehuset Nord in Hjørring (8 places, 1 declared in use, eating
disorders). A private offer in Horsens (Central Jutland) is outside the region. Birkely has two
contracts: one bought by Aalborg (inside, long running), one by Aarhus (outside, from the first
of this month). The agreement's occupancy band starts at 95%. Aalborg forecasts 10 places for
autism and Jammerbugt 5. Purchasers of the region searched for eating disorders twice with no
result and once with two results (a search with five results, one from Aarhus and one older
than a year do not count). Jammerbugt's request to Birkely was declined for lack of capacity.
(One test adds a need from Jammerbugt whose answers decline.)
"""

from __future__ import annotations

import datetime
import uuid
from decimal import Decimal

import pytest

from agreements.announcements.models import AnnouncementCreate, ForecastSet
from agreements.announcements.service import create_announcement
from agreements.gaps import service as gaps
from agreements.gaps.report import present, table
from marketplace.contracts import needs, requests
from marketplace.contracts.models import (
    DeclineReason,
    PlacementNeedCreate,
    PlacementRequestDecline,
)
from marketplace.contracts.tables import Contract
from marketplace.core.clock import today, utcnow
from marketplace.core.errors import DomainError, ErrorCode
from marketplace.core.identity import Principal, Role
from marketplace.offers.tables import Offer
from marketplace.search.service import record_search
from tests.agreements.world import NORD_STEERING, agreement_in_force
from tests.factories import REGISTRY_ADMIN, admin_of, target_group_code
from tests.marketplace.contracts.world import (
    AALBORG,
    AALBORG_PROVIDER_ADMIN,
    AARHUS,
    build_market,
    contract_for,
    publish_offer,
    request_place,
)

AUTISM = target_group_code("Autismespektrum")
SELF_HARM = target_group_code("Selvskadende adfærd")
EATING = target_group_code("Spiseforstyrrelse")
JAMMERBUGT = Principal(subject="test:jammerbugt", org_code="849", role=Role.PURCHASER)
ENGLY = admin_of("43389424")
AS_OF = today()
LONG_AGO = AS_OF - datetime.timedelta(days=200)


async def _search(municipality: str, groups: list[str], results: int, days_ago: int = 5) -> None:
    at = utcnow() - datetime.timedelta(days=days_ago)
    await record_search(municipality, {"any_target_groups": groups}, False, results, at)


@pytest.fixture
async def world() -> dict[str, uuid.UUID]:
    market = await build_market()
    birkely = market.aalborg_offer_id
    eating = await publish_offer(
        AALBORG_PROVIDER_ADMIN,
        market.aalborg_provider_id,
        name="Spisehuset Nord",
        municipality_code="860",
        city="Hjørring",
        postal_code="9800",
        capacity_places=8,
        occupied_places=1,
        target_groups=[EATING],
        primary_target_group=EATING,
    )
    # published two years ago: in the figures a year earlier too
    await (
        Offer.update({Offer.published_at: utcnow() - datetime.timedelta(days=730)})
        .where(Offer.id.is_in([birkely, eating, market.offer_id]))
        .run()
    )
    inside = await contract_for(birkely, AALBORG_PROVIDER_ADMIN, AALBORG)
    outside = await contract_for(birkely, AALBORG_PROVIDER_ADMIN, AARHUS, citizen_ref="SAG-AAR")
    await Contract.update({Contract.start_date: LONG_AGO}).where(Contract.id == inside.id).run()
    await (
        Contract.update({Contract.start_date: AS_OF.replace(day=1)})
        .where(Contract.id == outside.id)
        .run()
    )
    await agreement_in_force()  # band 95-100%
    for municipality, places in (("851", 10), ("849", 5)):
        await gaps.set_forecast(
            NORD_STEERING,
            ForecastSet(
                municipality_code=municipality, target_group=AUTISM, year=AS_OF.year, places=places
            ),
        )
    await _search("851", [EATING], 0)
    await _search("849", [EATING], 0)
    await _search("860", [EATING], 2)
    await _search("851", [EATING], 5)  # enough results: no signal
    await _search("751", [AUTISM], 0)  # Aarhus is not of the region
    await _search("851", [EATING], 0, days_ago=400)  # more than a year ago
    declined = await request_place(birkely, JAMMERBUGT, cpr=None)
    await requests.decline_request(
        AALBORG_PROVIDER_ADMIN,
        declined.id,
        PlacementRequestDecline(reason=DeclineReason.NO_CAPACITY),
    )
    await request_place(birkely, AARHUS, cpr=None, citizen_ref="SAG-AAR-2")  # pending: no signal
    await create_announcement(
        REGISTRY_ADMIN,
        AnnouncementCreate(
            issuer="Socialstyrelsen",
            issued_on=datetime.date(2019, 11, 1),
            title="Børn, unge og voksne med svære spiseforstyrrelser",
            target_groups=[EATING],
            small_group=True,
            complex_needs=True,
            report_deadline=datetime.date(2020, 9, 1),
        ),
    )
    return {"birkely": birkely, "eating": eating}


def _row(report: gaps.GapReport, code: str) -> gaps.GroupFigures:
    return next(r.now for r in report.rows if r.now.target_group == code)


async def test_every_figure_of_a_small_world(world: dict[str, uuid.UUID]) -> None:
    report = await gaps.supply_gaps(NORD_STEERING, "1081", [AUTISM, SELF_HARM, EATING], AS_OF)
    autism = _row(report, AUTISM)
    assert [o.name for o in autism.offers] == ["Bostedet Birkely"]
    assert (autism.places, autism.in_use, autism.free, autism.occupancy_bp) == (12, 12, 0, 10000)
    assert (autism.contracts_inside, autism.contracts_outside) == (1, 1)
    assert (autism.forecast, autism.demand, autism.gap) == (15, 15, 3)
    assert (autism.declined_capacity, autism.declined_fit, autism.searches_none) == (1, 0, 0)
    assert autism.severity == "critical"  # more demand than places, and a decline for capacity

    self_harm = _row(report, SELF_HARM)  # the same offer, no forecast: demand is what is in use
    assert (self_harm.places, self_harm.forecast, self_harm.demand, self_harm.gap) == (
        12,
        None,
        12,
        0,
    )
    assert self_harm.severity == "medium"  # no free place

    eating = _row(report, EATING)
    assert (eating.places, eating.in_use, eating.free, eating.occupancy_bp) == (8, 1, 7, 1250)
    assert (eating.searches_none, eating.searches_few, eating.declined_capacity) == (2, 1, 0)
    assert (eating.demand, eating.gap, eating.severity) == (1, -7, "medium")  # three signals
    [spisehuset] = eating.offers
    assert (spisehuset.low_occupancy, spisehuset.band_min_bp) == ([1250] * 3, 9500)
    # Birkely: 10 declared and the long contract at every month-end: 11 of 12
    assert autism.offers[0].low_occupancy == [9167] * 3
    lines = present(report, NORD_STEERING)
    assert [o.risks for o in lines[0].at_risk] == [
        ["occupancy below the agreement's 95% at the last 3 month-ends (91.67%, 91.67%, 91.67%)"]
    ]
    assert [o.risks for o in lines[2].at_risk] == [
        ["occupancy below the agreement's 95% at the last 3 month-ends (12.5%, 12.5%, 12.5%)"]
    ]
    row = next(r for r in report.rows if r.now.target_group == EATING)
    assert row.announcement is not None and row.announcement.title.startswith("Børn, unge")
    # a year earlier: the offers were there, no contract yet, no forecast, no signal
    before = next(r for r in report.rows if r.now.target_group == AUTISM).year_earlier
    assert (before.places, before.in_use, before.forecast, before.declined_capacity) == (
        12,
        10,
        None,
        0,
    )


async def test_answers_to_needs_declined_for_capacity_or_fit_count_as_demand_signals(
    world: dict[str, uuid.UUID],
) -> None:
    """A need from Jammerbugt for eating disorders goes to Spisehuset Nord (declined: no
    capacity), Birkely (declined: no fit) and Engly (declined for another reason); each
    decline for capacity or fit counts for the need's target group, in the buyer's region. A
    need from Aarhus, outside the region, and a proposal count for nothing."""
    before = _row(await gaps.supply_gaps(NORD_STEERING, "1081", [EATING, AUTISM], AS_OF), EATING)
    assert (before.declined_capacity, before.declined_fit) == (0, 0)
    engly = await Offer.select(Offer.id).where(Offer.name == "Botilbuddet Engly").first().run()
    offers = [world["eating"], world["birkely"], engly["id"]]
    jammerbugt = await needs.create_need(
        JAMMERBUGT, PlacementNeedCreate(target_groups=[EATING], age=19, offer_ids=offers)
    )
    aarhus = await needs.create_need(
        AARHUS, PlacementNeedCreate(target_groups=[EATING], age=19, offer_ids=offers[:1])
    )
    answers = (await needs.answers_by_need(JAMMERBUGT, [jammerbugt.id]))[jammerbugt.id]
    by_offer = {a.offer_id: a.id for a in answers}
    for offer, reason, text in (
        (world["eating"], DeclineReason.NO_CAPACITY, ""),
        (world["birkely"], DeclineReason.TARGET_GROUP_MISMATCH, ""),
        (engly["id"], DeclineReason.OTHER, "Ingen plads til hund"),
    ):
        provider = ENGLY if offer == engly["id"] else AALBORG_PROVIDER_ADMIN
        await needs.decline(
            provider, by_offer[offer], PlacementRequestDecline(reason=reason, text=text)
        )
    [outside] = (await needs.answers_by_need(AARHUS, [aarhus.id]))[aarhus.id]
    await needs.decline(
        AALBORG_PROVIDER_ADMIN,
        outside.id,
        PlacementRequestDecline(reason=DeclineReason.NO_CAPACITY),
    )

    report = await gaps.supply_gaps(NORD_STEERING, "1081", [EATING, AUTISM], AS_OF)
    eating, autism = _row(report, EATING), _row(report, AUTISM)
    assert (eating.declined_capacity, eating.declined_fit) == (1, 1)
    assert (autism.declined_capacity, autism.declined_fit) == (1, 0)  # Jammerbugt's request
    assert eating.signals == before.signals + 2


async def test_small_counts_are_hidden_outside_the_owning_parties(
    world: dict[str, uuid.UUID],
) -> None:
    report = await gaps.supply_gaps(AALBORG, "1081", [AUTISM, EATING], AS_OF)
    autism, eating = present(report, AALBORG)
    assert (autism.contracts_inside.display, autism.contracts_outside.display) == ("< 3", "< 3")
    assert autism.declined_capacity.display == "< 3" and autism.now.in_use.display == "12"
    assert (eating.now.in_use.display, eating.now.free.display, eating.now.occupancy_percent) == (
        "< 3",
        "< 3",
        None,
    )
    assert eating.searches_none.display == "< 3"
    # Its month-end occupancies would tell the hidden count (1 of 8): the risk shows without.
    [at_risk] = eating.at_risk
    assert at_risk.risks == ["occupancy below the agreement's 95% at the last 3 month-ends"]
    owner = present(report, NORD_STEERING)
    assert owner[0].contracts_inside.display == "1" and owner[1].now.occupancy_percent == Decimal(
        "12.5"
    )
    provider = present(report, AALBORG_PROVIDER_ADMIN)  # its own offers' counts
    assert provider[1].offers[0].in_use.display == "1"
    rows = table(report, [autism, eating])
    assert rows[1]["in_use"] == "< 3" and rows[1]["announcement"].startswith("Børn, unge")
    assert rows[1]["offers_at_risk"].endswith("at the last 3 month-ends")  # no percentages
    assert "SAG" not in str(rows)  # no citizen-level data


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (("1089", None, None), ErrorCode.UNKNOWN_REGION),
        (("1081", ["not-a-group"], None), ErrorCode.INVALID),
        (("1081", None, AS_OF + datetime.timedelta(days=3000)), ErrorCode.INVALID),
    ],
)
async def test_bad_questions_get_clear_errors(args: tuple, code: ErrorCode) -> None:
    with pytest.raises(DomainError) as error:
        await gaps.supply_gaps(AALBORG, *args)
    assert error.value.code is code


async def test_forecasts_sum_for_all_and_show_the_municipalities_to_the_steering_group(
    world: dict[str, uuid.UUID],
) -> None:
    everyone = await gaps.forecasts(AARHUS, "1081", AS_OF.year)
    assert everyone.totals == {AUTISM: 15} and everyone.rows == []
    steering = await gaps.forecasts(NORD_STEERING, "1081", AS_OF.year)
    assert [(r.municipality, r.places) for r in steering.rows] == [("849", 5), ("851", 10)]
    own = await gaps.forecasts(AALBORG, "1081", AS_OF.year)
    assert [r.municipality for r in own.rows] == ["851"]
    replaced = await gaps.set_forecast(
        AALBORG,
        ForecastSet(municipality_code="851", target_group=AUTISM, year=AS_OF.year, places=12),
    )
    assert replaced.places == 12 and (await gaps.forecasts(AARHUS, "1081", AS_OF.year)).totals == {
        AUTISM: 17
    }
    with pytest.raises(DomainError) as error:  # Aalborg does not speak for Jammerbugt
        await gaps.set_forecast(
            AALBORG,
            ForecastSet(municipality_code="849", target_group=AUTISM, year=AS_OF.year, places=1),
        )
    assert error.value.code is ErrorCode.PERMISSION_DENIED


async def test_an_offer_counts_only_from_its_publishing_date(world: dict[str, uuid.UUID]) -> None:
    # Spisehuset Nord opened ten days into last month: of the last three month-ends it
    # existed only at the latest one, and a year earlier it did not exist at all
    opened = month_ends_before(AS_OF)[0] - datetime.timedelta(days=20)
    await (
        Offer.update(
            {Offer.published_at: datetime.datetime.combine(opened, datetime.time(9), datetime.UTC)}
        )
        .where(Offer.id == world["eating"])
        .run()
    )
    report = await gaps.supply_gaps(NORD_STEERING, "1081", [EATING], AS_OF)
    [spisehuset] = _row(report, EATING).offers
    assert spisehuset.low_occupancy == [1250]  # the one month-end it existed at
    before = report.rows[0].year_earlier
    assert (before.places, before.in_use, before.offers) == (0, 0, [])
    # published today: no month-end to judge, so no risk for month-ends before it existed
    await Offer.update({Offer.published_at: utcnow()}).where(Offer.id == world["eating"]).run()
    report = await gaps.supply_gaps(NORD_STEERING, "1081", [EATING], AS_OF)
    [spisehuset] = _row(report, EATING).offers
    assert (spisehuset.low_occupancy, spisehuset.at_risk) == ([], False)
    assert list(present(report, NORD_STEERING)[0].at_risk) == []


def month_ends_before(day: datetime.date) -> list[datetime.date]:
    return gaps.month_ends(day)


async def test_offers_at_risk_are_reported_once_a_month_to_provider_and_steering_group(
    world: dict[str, uuid.UUID],
) -> None:
    from agreements.reminders import remind_offers_at_risk
    from marketplace.notifications.models import EventKind
    from marketplace.notifications.tables import OutboxEvent

    assert await remind_offers_at_risk(AS_OF) == 2  # Birkely and Spisehuset Nord
    assert await remind_offers_at_risk(AS_OF) == 0  # once this month
    events = (
        await OutboxEvent.select()
        .where(OutboxEvent.kind == EventKind.OFFER_AT_RISK.value)
        .output(load_json=True)
        .run()
    )
    by_offer = {e["subjects"]["offer"]: e for e in events}
    assert set(by_offer) == {str(world["birkely"]), str(world["eating"])}
    eating = by_offer[str(world["eating"])]
    assert sorted(eating["orgs"]) == ["1081", "851"]  # the steering group and the provider
    assert eating["payload"]["reasons"] == ["low_occupancy"]
    assert (eating["payload"]["occupancyBp"], eating["payload"]["bandMinBp"]) == (1250, 9500)
    next_month = (AS_OF.replace(day=1) + datetime.timedelta(days=32)).replace(day=1)
    assert await remind_offers_at_risk(next_month) >= 1  # still at risk: a month later again


def _headline(figures: gaps.GroupFigures) -> tuple[int | None, ...]:
    return (
        figures.places,
        figures.in_use,
        figures.free,
        figures.forecast,
        figures.demand,
        figures.gap,
        figures.searches_none,
        figures.searches_few,
        figures.declined_capacity,
        figures.declined_fit,
    )


async def test_the_overviews_set_based_figures_are_the_analysis_figures(
    world: dict[str, uuid.UUID],
) -> None:
    # the heat map's every region in one pass, and a group's month-ends in one pass, give
    # what the analysis gives region by region and day by day
    from agreements.gaps import totals

    await _search("751", [EATING], 0)  # a signal from Central Jutland too
    groups = [AUTISM, SELF_HARM, EATING]
    every = await totals.totals("region", AS_OF, groups=groups)
    for region in ("1081", "1082"):
        one = await gaps.figures(region, groups, AS_OF, None)
        for code in groups:
            cell = every.get((code, region)) or totals.totals_of(code, 0, 0, 0, 0)
            assert _headline(cell) == _headline(one[code]), (region, code)
            assert cell.severity == one[code].severity
    assert every[(AUTISM, "1081")].severity == "critical"
    ends = list(reversed(gaps.month_ends(AS_OF, 12)))
    for code in groups:
        series = await totals.month_series("1081", code, ends)
        assert [end for end, _ in series] == ends
        for end, figures in series:
            expected = (await gaps.figures("1081", [code], end, None))[code]
            assert _headline(figures) == _headline(expected), (code, end)


async def test_the_gap_per_municipality(world: dict[str, uuid.UUID]) -> None:
    from agreements.gaps import totals

    cells = await totals.totals("municipality", AS_OF, region="1081", groups=[AUTISM])
    aalborg = cells[(AUTISM, "851")]  # Birkely lies in Aalborg, which forecasts 10
    assert (aalborg.places, aalborg.in_use, aalborg.forecast, aalborg.gap) == (12, 12, 10, 0)
    jammerbugt = cells[(AUTISM, "849")]  # no offer, forecasts 5, declined for capacity
    assert (jammerbugt.places, jammerbugt.forecast, jammerbugt.gap) == (0, 5, 5)
    assert jammerbugt.severity == "critical"
    assert all(place in {"851", "849", "860"} for _, place in cells)
