"""Rules that act: a special condition's lower occupancy, the occupancy band only where it
belongs (per-day and per-month prices of day and residential offers), the minimum for acute
and respite places (Barnets lov too), the recommended maximum as a warning, and objective
financing shared by population."""

from __future__ import annotations

import datetime
import uuid
from decimal import Decimal
from typing import Any

import pytest

from agreements.economics.financing import municipal_parties, share_by_population
from agreements.frameworks import service
from agreements.frameworks.models import RuleSetInput, SpecialConditionApprove
from agreements.frameworks.tables import SpecialConditionApproval
from marketplace.core.clock import today
from marketplace.core.errors import DomainError, ErrorCode
from marketplace.offers import pricing
from marketplace.offers import service as offers
from tests.agreements.world import NORD_STEERING, THIS_YEAR, agreement_in_force, rules
from tests.factories import offer_content, price_list, target_group_code
from tests.marketplace.contracts.world import AALBORG_PROVIDER_ADMIN, build_market

NEXT_YEAR = THIS_YEAR + 1


def _at(percent: str, **more: Any) -> Any:
    return price_list(
        NEXT_YEAR,
        overhead_percent=Decimal("4.5"),
        budgeted_occupancy_percent=Decimal(percent),
        **more,
    )


async def _refused(offer_id: uuid.UUID, command: Any) -> DomainError:
    with pytest.raises(DomainError) as error:
        await pricing.publish_price_list(AALBORG_PROVIDER_ADMIN, offer_id, command)
    return error.value


def _lower(offer_id: uuid.UUID, agreement: Any, **overrides: Any) -> SpecialConditionApprove:
    values: dict[str, Any] = {
        "offer_id": offer_id,
        "condition": "lower_occupancy_pct",
        "approved_by": "DAS",
        "approved_on": today(),
        "valid_from": agreement.valid_from,
        "valid_to": agreement.valid_to,
        "occupancy_percent": Decimal(85),
        **overrides,
    }
    return SpecialConditionApprove.model_validate(values)


async def test_a_special_conditions_lower_occupancy_applies_in_its_period() -> None:
    market = await build_market()
    agreement = await agreement_in_force()
    offer_id = market.aalborg_offer_id  # a residential offer in North Jutland
    # without the condition 85% breaks the band (95-100%)
    assert (await _refused(offer_id, _at("85"))).code is ErrorCode.RULE_BROKEN
    # a condition for this year only does not reach next year's price list
    this_year_only = _lower(offer_id, agreement, valid_to=datetime.date(THIS_YEAR, 12, 31))
    await service.approve_special_condition(NORD_STEERING, agreement.id, this_year_only)
    refused = await _refused(offer_id, _at("85"))
    assert refused.code is ErrorCode.RULE_BROKEN and "95% to 100%" in refused.message
    # DAS approves 85% for the agreement's whole period: the price list is accepted
    await service.approve_special_condition(
        NORD_STEERING, agreement.id, _lower(offer_id, agreement)
    )
    published = await pricing.publish_price_list(AALBORG_PROVIDER_ADMIN, offer_id, _at("85"))
    assert published.price_list.budgeted_occupancy_bp == 8500
    # and below the condition's own figure it is still refused
    below = await _refused(offer_id, _at("84", reason="Lavere"))
    assert "special condition: 85% to 100%" in below.message


async def test_a_special_condition_outside_the_agreements_period_changes_nothing() -> None:
    market = await build_market()
    agreement = await agreement_in_force()
    outside = _lower(
        market.aalborg_offer_id, agreement, valid_to=agreement.valid_to + datetime.timedelta(days=1)
    )
    with pytest.raises(DomainError) as error:
        await service.approve_special_condition(NORD_STEERING, agreement.id, outside)
    assert (error.value.code, error.value.field) == (ErrorCode.INVALID, ["valid_from"])
    assert await SpecialConditionApproval.count().run() == 0
    offer = await offers.get_offer(NORD_STEERING, market.aalborg_offer_id)
    assert offer is not None and offer.special_conditions == []


async def _offer(market: Any, **content: Any) -> uuid.UUID:
    values = {
        "municipality_code": "851",
        "city": "Aalborg",
        "postal_code": "9000",
        **content,
    }
    made = await offers.create_offer(
        AALBORG_PROVIDER_ADMIN, market.aalborg_provider_id, offer_content(**values)
    )
    return made.id


async def test_the_band_leaves_hourly_support_prices_alone() -> None:
    market = await build_market()
    await agreement_in_force()
    support = await _offer(
        market,
        name="Bostøtten Aalborg Øst",
        category="outpatient",
        legal_bases=["SEL-85"],
        service_types=["socialpaedagogisk_stoette"],
    )
    hourly = _at("85", unit="per_hour", levels=[], add_ons=[], base_price=Decimal("520"))
    published = await pricing.publish_price_list(AALBORG_PROVIDER_ADMIN, support, hourly)
    assert published.warnings == [] and published.price_list.unit.value == "per_hour"


async def test_respite_under_barnets_lov_has_the_acute_and_respite_minimum() -> None:
    market = await build_market()
    await agreement_in_force()  # 95-100%, 90% for acute and respite places
    respite = await _offer(
        market,
        name="Aflastningshuset Skovbrynet",
        age_segment="children_and_youth",
        min_age=6,
        max_age=17,
        legal_bases=["BL-32-1-7"],
        service_types=["ophold"],
        target_groups=[target_group_code("Autismespektrum")],
        primary_target_group=target_group_code("Autismespektrum"),
    )
    refused = await _refused(respite, _at("89"))
    assert "acute and respite places: 90% to 100%" in refused.message
    published = await pricing.publish_price_list(AALBORG_PROVIDER_ADMIN, respite, _at("90"))
    assert published.warnings == []


async def test_the_recommended_maximum_warns_and_does_not_refuse() -> None:
    market = await build_market()
    agreement = await agreement_in_force()
    band = {"min_percent": 95, "max_percent": 100, "recommended_max_percent": 98}
    await service.set_rules(
        NORD_STEERING,
        agreement.id,
        RuleSetInput(valid_from=datetime.date(NEXT_YEAR, 1, 1), rules=rules(occupancy=band)),
    )
    warned = await pricing.publish_price_list(
        AALBORG_PROVIDER_ADMIN, market.aalborg_offer_id, _at("99")
    )
    assert [w.message for w in warned.warnings] == [
        "Budgeted occupancy 99% is above the recommended maximum of 98%."
    ]


def test_objective_financing_is_shared_by_population_to_the_ore() -> None:
    parties = municipal_parties(
        ["773", "787", "810", "813", "820", "825", "840", "846", "849", "851", "860", "1081"]
    )
    assert len(parties) == 11 and "1081" not in parties  # the region pays by no population
    shares = share_by_population(100_000_000, parties)  # 1,000,000.00 DKK in start-up
    assert sum(shares.values()) == 100_000_000
    total = sum(parties.values())
    assert all(abs(shares[c] - 100_000_000 * p / total) < 1 for c, p in parties.items())
    assert share_by_population(10, {"851": 1, "849": 1, "773": 1}) == {"773": 4, "849": 3, "851": 3}


def test_a_negative_population_share_is_refused() -> None:
    with pytest.raises(DomainError) as error:
        share_by_population(1000, {"851": 100, "849": -5})
    assert (error.value.code, error.value.field) == (ErrorCode.INVALID, ["populations", "849"])
