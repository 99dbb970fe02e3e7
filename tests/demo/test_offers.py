"""The demo catalogue: enough believable offers to try every search and report on."""

from __future__ import annotations

from collections import Counter

import pytest

from demo.offers import SPECIALS, planned_offer_count, seed_demo_offers
from demo.providers import seed_demo_providers
from marketplace.core.clock import today
from marketplace.core.identity import Principal
from marketplace.offers import pricing
from marketplace.offers import service as offers
from marketplace.offers.models import OfferStatus, PriceUnit
from marketplace.offers.tables import Offer, OfferTargetGroup, PriceList
from marketplace.offers.taxonomy import target_group_records

# The tests read the catalogue (seeding again adds nothing): it is seeded once for them all.
pytestmark = pytest.mark.world_per_module


@pytest.fixture(scope="module")
async def seeded() -> None:
    await seed_demo_providers()
    assert await seed_demo_offers() == planned_offer_count()


async def test_at_least_400_published_offers_in_every_region(seeded: None) -> None:
    rows = await Offer.select(Offer.status, Offer.municipality._.region.as_alias("region")).run()
    published = [r for r in rows if r["status"] == OfferStatus.PUBLISHED.value]
    assert len(published) >= 400
    per_region = Counter(r["region"] for r in published)
    assert set(per_region) == {"1081", "1082", "1083", "1084", "1085"}
    assert min(per_region.values()) >= 60
    assert {r["status"] for r in rows} == {"published", "draft", "suspended"}


async def test_every_target_group_and_every_announced_group_is_covered(seeded: None) -> None:
    used = {
        r["target_group"]
        for r in await OfferTargetGroup.select(OfferTargetGroup.target_group).run()
    }
    assert used == {g.code for g in target_group_records()}
    names = {r["name"] for r in await Offer.select(Offer.name).run()}
    for special in SPECIALS:
        assert special.name in names
    birken = await Offer.select(Offer.unique_status).where(Offer.name == "Birken").first().run()
    assert birken == {"unique_status": "emergency_track"}


async def test_prices_are_realistic_for_each_kind_of_offer(seeded: None) -> None:
    rows = await PriceList.select(
        PriceList.base_price_ore, PriceList.unit, PriceList.offer._.category.as_alias("category")
    ).run()
    for row in rows:
        dkk = row["base_price_ore"] / 100
        if row["category"] == "residential":
            assert row["unit"] == PriceUnit.PER_DAY.value and 1500 <= dkk <= 9400
        elif row["category"] == "day":
            assert row["unit"] == PriceUnit.PER_DAY.value and 500 <= dkk <= 2100
        else:
            # outpatient support and treatment: per hour or per month, never per day
            assert row["unit"] in {PriceUnit.PER_HOUR.value, PriceUnit.PER_MONTH.value}


async def test_published_demo_offers_meet_the_publishing_rules(seeded: None) -> None:
    rows = await Offer.select(Offer.id).where(Offer.status == "published").order_by(Offer.id).run()
    sample = [r["id"] for r in rows[::10]]
    for offer_id in sample:
        offer = await offers.get_offer(Principal.anonymous(), offer_id)
        assert offer is not None
        problems = await offers.publish_problems(offer_id, await offers.content_of(offer), today())
        assert problems == [], (offer.name, problems)
    versions = await pricing.price_lists_by_offer(sample)
    assert all({v.year for v in versions[i]} == {today().year, today().year + 1} for i in sample)


async def test_seeding_again_adds_nothing(seeded: None) -> None:
    assert await seed_demo_offers() == 0
    assert await Offer.count().run() == planned_offer_count()
