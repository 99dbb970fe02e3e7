"""The whole demo world against its sources (issue 18): target groups a case handler would
pair, next year's prices this year's indexed, price lists that keep their demo agreement's
binding rules, publishing dates before the first contracts, Nordjysk Socialaftale 2021-2022's
approvals as the sources date them, Center for Døvblindhed og Høretab as a national offer,
the 2020 reports as seed 003 assesses them, outpatient treatment priced per hour or month;
and a second seed changes nothing."""

from __future__ import annotations

import datetime
from collections import defaultdict
from typing import Any

import pytest

from agreements.announcements.tables import RegionalReport
from agreements.frameworks import service as frameworks
from agreements.frameworks.rulebook import AgreementRuleBook
from agreements.frameworks.tables import Agreement, UniqueOfferDecision
from demo import fit
from demo.activity import seed_demo_activity
from demo.agreements import seed_demo_agreements
from demo.announcements import seed_demo_announcements
from demo.invoices import seed_demo_invoices
from demo.needs import seed_demo_needs
from demo.negotiations import seed_demo_negotiations
from demo.offers import seed_demo_offers
from demo.providers import seed_demo_providers
from demo.refunds import seed_demo_refunds
from demo.running import seed_demo_running
from marketplace.contracts.tables import Contract
from marketplace.core.clock import today
from marketplace.core.identity import SYSTEM
from marketplace.offers import pricing
from marketplace.offers import service as offers
from marketplace.offers.tables import Offer, OfferTargetGroup, PriceList
from marketplace.offers.taxonomy import target_group_records
from tests.conftest import MUTABLE_TABLES

pytestmark = pytest.mark.world_per_module


async def _seed() -> list[int]:
    return [
        await seed_demo_providers(),
        await seed_demo_offers(),
        await seed_demo_agreements(),
        await seed_demo_announcements(),
        await seed_demo_activity(),
        await seed_demo_refunds(),
        await seed_demo_needs(),
        await seed_demo_running(),
        await seed_demo_negotiations(),
        await seed_demo_invoices(),
    ]


@pytest.fixture(scope="module")
async def world() -> None:
    added = await _seed()
    assert added[1] > 400


async def _demo_offers() -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = (
        await Offer.select(
            Offer.id,
            Offer.name,
            Offer.category,
            Offer.age_segment,
            Offer.published_at,
            Offer.coverage,
            Offer.unique_status,
        )
        .where(Offer.is_demo == True)  # noqa: E712 - a column
        .run()
    )
    return rows


async def test_target_groups_pair_and_fit_the_age_segment(world: None) -> None:
    label = {g.code: g.label_da for g in target_group_records()}
    groups: dict[Any, list[tuple[bool, str]]] = defaultdict(list)
    for row in await OfferTargetGroup.select().run():
        groups[row["offer"]].append((not row["is_primary"], label[row["target_group"]]))
    unfit = []
    for offer in await _demo_offers():
        ordered = [name for _, name in sorted(groups[offer["id"]])]
        if not fit.fits(ordered, offer["age_segment"]):
            unfit.append((offer["name"], offer["age_segment"], ordered))
    assert unfit == []
    # the pairs the issue measured are gone
    adults_attached = [
        o
        for o in await _demo_offers()
        if o["age_segment"] == "adults"
        and "Tilknytningsforstyrrelse" in [n for _, n in groups[o["id"]]]
    ]
    assert adults_attached == []


async def test_next_years_prices_are_this_years_indexed(world: None) -> None:
    year = today().year
    rows = (
        await PriceList.select(PriceList.offer, PriceList.year, PriceList.base_price_ore)
        .where((PriceList.version == 1) & PriceList.year.is_in([year, year + 1]))
        .run()
    )
    by_offer: dict[Any, dict[int, int]] = defaultdict(dict)
    for row in rows:
        by_offer[row["offer"]][row["year"]] = row["base_price_ore"]
    ratios = [p[year + 1] / p[year] for p in by_offer.values() if len(p) == 2]
    assert len(ratios) >= 400
    assert all(1.01 <= r <= 1.04 for r in ratios), (min(ratios), max(ratios))


async def test_public_price_lists_keep_their_agreements_binding_rules(world: None) -> None:
    ids = [o["id"] for o in await _demo_offers()]
    views = await offers.offers_by_id(SYSTEM, ids)
    bases = await offers.legal_bases_by_offer(ids)
    lists = await pricing.price_lists_by_offer(ids)
    book = AgreementRuleBook()
    broken = []
    for offer_id in ids:
        facts = offers.rule_facts(views[offer_id], bases[offer_id])
        for version in lists[offer_id]:
            findings = await book.price_list_findings(
                facts,
                version.valid_from,
                version.overhead_bp,
                version.budgeted_occupancy_bp,
                unit=version.unit.value,
            )
            broken += [(views[offer_id].name, f.message) for f in findings if not f.advisory]
    assert broken == []


async def test_offers_are_published_before_their_first_contracts(world: None) -> None:
    first: dict[Any, datetime.date] = {}
    for row in await Contract.select(Contract.offer, Contract.start_date).run():
        first[row["offer"]] = min(first.get(row["offer"], row["start_date"]), row["start_date"])
    late = [
        (o["name"], o["published_at"], first[o["id"]])
        for o in await _demo_offers()
        if o["id"] in first
        and (o["published_at"] is None or o["published_at"].date() > first[o["id"]])
    ]
    assert late == [] and len(first) > 50


async def test_nordjysk_socialaftale_2021_approvals_as_the_sources_date_them(world: None) -> None:
    agreement = (
        await Agreement.select(Agreement.id)
        .where(Agreement.name == "Nordjysk Socialaftale 2021-2022")
        .first()
        .run()
    )
    assert agreement is not None
    decisions = (await frameworks.decisions_by_agreement([agreement["id"]]))[agreement["id"]]
    region = [d for d in decisions if d.party == "1081"]
    assert [(d.decided_on, d.body) for d in region] == [
        (datetime.date(2020, 11, 24), "Regionsrådet")
    ]
    municipal = [d for d in decisions if d.party != "1081"]
    assert len(municipal) == 11
    assert all("Eksempeldato" in d.reference for d in municipal)
    assert all(d.days_late is None for d in decisions)  # before the 30 November deadline


async def test_center_for_doevblindhed_og_hoeretab_is_a_national_offer(world: None) -> None:
    [cdh] = [o for o in await _demo_offers() if o["name"] == "Center for Døvblindhed og Høretab"]
    assert (cdh["coverage"], cdh["unique_status"]) == ("national", "none")
    tracked = await UniqueOfferDecision.count().where(UniqueOfferDecision.offer == cdh["id"]).run()
    assert tracked == 0


async def test_the_2020_reports_are_assessed_as_seed_003_has_them(world: None) -> None:
    rows = (
        await RegionalReport.select(RegionalReport.assessment)
        .where(RegionalReport.region == "1081")
        .run()
    )
    assert [r["assessment"] for r in rows] == ["sufficient"] * 3


async def test_outpatient_offers_are_priced_per_hour_or_per_month(world: None) -> None:
    rows = await PriceList.select(
        PriceList.unit, PriceList.offer._.category.as_alias("category")
    ).run()
    units = {r["unit"] for r in rows if r["category"] == "outpatient"}
    assert units <= {"per_hour", "per_month"} and "per_month" in units


async def _snapshot() -> dict[str, Any]:
    counts = {t._meta.tablename: await t.count().run() for t in [*MUTABLE_TABLES, Offer, PriceList]}
    offers_at = await Offer.select(Offer.id, Offer.updated_at).order_by(Offer.id).run()
    agreements_at = (
        await Agreement.select(Agreement.id, Agreement.updated_at).order_by(Agreement.id).run()
    )
    return {"counts": counts, "offers": offers_at, "agreements": agreements_at}


async def test_a_second_seed_changes_nothing(world: None) -> None:
    before = await _snapshot()
    assert await _seed() == [0] * 10
    assert await _snapshot() == before
