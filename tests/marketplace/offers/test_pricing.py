"""Price lists: yearly, versioned, never edited in place."""

from __future__ import annotations

import datetime
import uuid
from decimal import Decimal

import pytest

from marketplace.core.errors import DomainError, ErrorCode, parse
from marketplace.core.identity import Principal
from marketplace.offers import pricing
from marketplace.offers import service as offers
from marketplace.offers.models import PriceListPublish, PriceUnit
from marketplace.offers.tables import PriceList
from marketplace.organisations import service as organisations
from tests.factories import REGISTRY_ADMIN, admin_of, municipal_provider, offer_content, price_list

YEAR = 2027
BEFORE = datetime.date(2026, 11, 23)  # the year 2027 is not yet under way
DURING = datetime.date(2027, 5, 10)


@pytest.fixture
async def offer() -> tuple[Principal, uuid.UUID]:
    provider = await organisations.create_provider(REGISTRY_ADMIN, municipal_provider())
    owner = admin_of(provider.org_code)
    created = await offers.create_offer(owner, provider.id, offer_content())
    return owner, created.id


async def _versions(offer_id: uuid.UUID) -> list[pricing.PriceListView]:
    return (await pricing.price_lists_by_offer([offer_id], YEAR))[offer_id]


async def test_a_first_price_list_is_version_1_in_force_from_new_year(
    offer: tuple[Principal, uuid.UUID],
) -> None:
    owner, offer_id = offer
    published = await pricing.publish_price_list(owner, offer_id, price_list(YEAR), on=BEFORE)
    view = published.price_list
    assert (view.version, view.valid_from, view.base_price_ore) == (
        1,
        datetime.date(YEAR, 1, 1),
        245050,
    )
    assert view.overhead_bp == 600 and view.budgeted_occupancy_bp == 9500
    assert [lv.name for lv in view.levels] == ["Niveau 1", "Niveau 2"]
    assert view.add_ons[0].unit is PriceUnit.PER_HOUR and view.add_ons[0].price_ore == 42500


async def test_a_correction_during_the_year_needs_a_reason_and_keeps_the_old_version(
    offer: tuple[Principal, uuid.UUID],
) -> None:
    owner, offer_id = offer
    await pricing.publish_price_list(owner, offer_id, price_list(YEAR), on=BEFORE)
    corrected = price_list(YEAR, base_price=Decimal("2600"))
    with pytest.raises(DomainError) as error:
        await pricing.publish_price_list(owner, offer_id, corrected, on=DURING)
    assert (error.value.code, error.value.field) == (ErrorCode.REQUIRED, ["reason"])
    assert len(await _versions(offer_id)) == 1

    with_reason = price_list(YEAR, base_price=Decimal("2600"), reason="Regnefejl i lønbudgettet")
    v2 = (await pricing.publish_price_list(owner, offer_id, with_reason, on=DURING)).price_list
    assert (v2.version, v2.valid_from) == (2, DURING)
    versions = await _versions(offer_id)
    assert [(v.version, v.base_price_ore) for v in versions] == [(1, 245050), (2, 260000)]
    # Days before the correction keep their price; from the correction on, the new one holds.
    before = pricing.quote(versions, DURING - datetime.timedelta(days=1), None)
    after = pricing.quote(versions, DURING, None)
    assert before is not None and before.amount_ore == 245050
    assert after is not None and after.amount_ore == 260000


async def test_a_correction_cannot_reach_back_in_time(offer: tuple[Principal, uuid.UUID]) -> None:
    owner, offer_id = offer
    await pricing.publish_price_list(owner, offer_id, price_list(YEAR), on=BEFORE)
    backdated = price_list(YEAR, valid_from=datetime.date(YEAR, 2, 1), reason="Tilbagevirkende")
    with pytest.raises(DomainError) as error:
        await pricing.publish_price_list(owner, offer_id, backdated, on=DURING)
    assert error.value.field == ["valid_from"]


async def test_a_price_list_in_use_by_a_contract_changes_only_with_a_reason(
    offer: tuple[Principal, uuid.UUID],
) -> None:
    owner, offer_id = offer
    first = (
        await pricing.publish_price_list(owner, offer_id, price_list(YEAR), on=BEFORE)
    ).price_list
    # Before the year starts and before any contract, a provider may simply republish.
    second = (
        await pricing.publish_price_list(
            owner, offer_id, price_list(YEAR, base_price=Decimal("2500")), on=BEFORE
        )
    ).price_list
    assert second.version == 2
    await pricing.lock_price_list(second.id)
    with pytest.raises(DomainError) as error:
        await pricing.publish_price_list(owner, offer_id, price_list(YEAR), on=BEFORE)
    assert error.value.code is ErrorCode.REQUIRED
    third = (
        await pricing.publish_price_list(
            owner, offer_id, price_list(YEAR, reason="Ny overenskomst"), on=BEFORE
        )
    ).price_list
    assert third.version == 3
    stored = (
        await PriceList.select(PriceList.version, PriceList.base_price_ore)
        .order_by(PriceList.version)
        .run()
    )
    assert [r["base_price_ore"] for r in stored] == [first.base_price_ore, 250000, 245050]


async def test_price_for_a_level_and_an_unknown_level(offer: tuple[Principal, uuid.UUID]) -> None:
    owner, offer_id = offer
    await pricing.publish_price_list(owner, offer_id, price_list(YEAR), on=BEFORE)
    versions = await _versions(offer_id)
    level = pricing.quote(versions, DURING, "niveau 2")
    assert level is not None and level.amount_ore == 389000
    assert pricing.quote(versions, datetime.date(YEAR + 1, 1, 1), None) is None
    with pytest.raises(DomainError) as error:
        pricing.quote(versions, DURING, "Niveau 9")
    assert error.value.code is ErrorCode.NOT_FOUND


async def test_public_providers_do_not_charge_vat(offer: tuple[Principal, uuid.UUID]) -> None:
    owner, offer_id = offer
    with pytest.raises(DomainError) as error:
        await pricing.publish_price_list(
            owner, offer_id, price_list(YEAR, vat_included=True), on=BEFORE
        )
    assert error.value.field == ["vat_included"]


@pytest.mark.parametrize("year", [2025, 2030])
async def test_price_lists_are_for_this_year_or_the_next_two(
    offer: tuple[Principal, uuid.UUID], year: int
) -> None:
    owner, offer_id = offer
    with pytest.raises(DomainError) as error:
        await pricing.publish_price_list(owner, offer_id, price_list(year), on=BEFORE)
    assert error.value.field == ["year"]


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"base_price": Decimal("-1")}, "base_price"),
        ({"base_price": Decimal("10.123")}, "base_price"),
        ({"overhead_percent": Decimal("101")}, "overhead_percent"),
        ({"valid_from": datetime.date(YEAR + 1, 1, 1)}, None),
    ],
)
def test_bad_amounts_are_refused(overrides: dict[str, object], field: str | None) -> None:
    data = price_list(YEAR).model_dump() | overrides
    with pytest.raises(DomainError) as error:
        parse(PriceListPublish, data)
    expected = [field] if field else []
    assert error.value.field == expected


async def test_others_cannot_publish_prices(offer: tuple[Principal, uuid.UUID]) -> None:
    _owner, offer_id = offer
    with pytest.raises(DomainError) as error:
        await pricing.publish_price_list(admin_of("101"), offer_id, price_list(YEAR), on=BEFORE)
    assert error.value.code is ErrorCode.NOT_FOUND  # a draft of someone else's: not found
    assert await PriceList.count().run() == 0
