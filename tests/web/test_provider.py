"""The provider's desk over HTTP: an offer created (bad input first: Danish errors by the
fields and nothing stored), edited, given a price list with levels and add-ons for this year
and next, published, and then found by a purchaser; another provider's offer answers 404."""

from __future__ import annotations

from typing import Any

from marketplace.core.clock import today
from marketplace.offers.tables import Offer, PriceLevel, PriceList
from tests.factories import target_group_code
from tests.marketplace.contracts.world import build_market
from tests.web.conftest import csrf_of, sign_in_over_http

ENGLY = "43389424"


def offer_form(**changes: Any) -> dict[str, Any]:
    form: dict[str, Any] = {
        "name": "Bofællesskabet Lyngen",
        "description": "Bofællesskab for unge voksne med autisme; grundtaksten dækker bolig "
        "og socialpædagogisk støtte hele døgnet.",
        "category": "residential",
        "age_segment": "adults",
        "min_age": "18",
        "max_age": "30",
        "legal_bases": ["SEL-108"],
        "target_groups": [target_group_code("Autismespektrum")],
        "service_types": ["ophold"],
        "methods": "KRAP\nLow Arousal",
        "street_address": "Lyngvej 4",
        "postal_code": "8700",
        "city": "Horsens",
        "municipality_code": "615",
        "approval_status": "approved",
        "approved_places": "6",
        "approved_on": "2025-05-01",
        "capacity_places": "6",
        "occupied_places": "0",
    }
    return {**form, **changes}


async def post(web: Any, path: str, form: dict[str, Any], *, page: str | None = None) -> Any:
    shown = await web.get(page or path)
    return await web.post(path, data={**form, "_csrf_token": csrf_of(shown.text)})


async def test_a_provider_creates_edits_prices_and_publishes_an_offer(web) -> None:
    await build_market()
    await sign_in_over_http(web, ENGLY, "provider_admin")
    before = await Offer.count()

    wrong = await post(web, "/udbyder/tilbud/nyt", offer_form(name="", max_age="12"))
    assert wrong.status_code == 400
    assert 'id="e-f-name"' in wrong.text and "Skal udfyldes." in wrong.text
    assert "Højeste alder må ikke være under laveste alder." in wrong.text
    assert 'value="Lyngvej 4"' in wrong.text  # what was typed stays in the form
    assert await Offer.count() == before

    made = await post(web, "/udbyder/tilbud/nyt", offer_form())
    assert made.status_code == 303
    offer_path = made.headers["location"].split("?")[0]
    [offer] = (
        await Offer.select(Offer.id, Offer.status, Offer.name)
        .where(Offer.name == "Bofællesskabet Lyngen")
        .run()
    )
    assert offer["status"] == "draft"

    too_many = await post(
        web, f"{offer_path}/rediger", offer_form(capacity_places="9"), page=f"{offer_path}/rediger"
    )
    assert too_many.status_code == 400
    assert "Kapaciteten kan ikke overstige de 6 godkendte pladser." in too_many.text
    edited = await post(
        web,
        f"{offer_path}/rediger",
        offer_form(
            name="Bofællesskabet Lyngen og Lærken", approved_places="8", capacity_places="8"
        ),
        page=f"{offer_path}/rediger",
    )
    assert edited.status_code == 303
    shown = await web.get(offer_path)
    assert "Bofællesskabet Lyngen og Lærken" in shown.text and "Rettet" in shown.text

    unpublished = await post(
        web, f"{offer_path}/status", {"til": "published", "reason": "Klar"}, page=offer_path
    )
    assert unpublished.status_code == 400
    assert f"Offentliggør først takster for {today().year}." in unpublished.text

    year = today().year
    prices_path = f"{offer_path}/takster/{year}"
    bad_prices = await post(
        web,
        prices_path,
        {
            "unit": "per_day",
            "base_price": "abc",
            "levels.0.name": "Niveau 1",
            "levels.0.covers": "Dagtimer",
            "levels.0.price": "-5",
        },
    )
    assert bad_prices.status_code == 400
    assert 'id="e-f-base_price"' in bad_prices.text and 'id="e-f-levels-0-price"' in bad_prices.text
    assert await PriceList.count().where(PriceList.offer == offer["id"]) == 0
    prices = {
        "unit": "per_day",
        "base_price": "2.450,50",
        "budgeted_occupancy_percent": "96",
        "overhead_percent": "4",
        "levels.0.name": "Niveau 1",
        "levels.0.covers": "Støtte i dagtimerne",
        "levels.0.price": "2.450,50",
        "levels.1.name": "Niveau 2",
        "levels.1.covers": "Vågen nattevagt",
        "levels.1.price": "3.900",
        "add_ons.0.name": "Ledsagelse",
        "add_ons.0.description": "Ledsagelse til aktiviteter",
        "add_ons.0.unit": "per_hour",
        "add_ons.0.price": "425",
    }
    assert (await post(web, prices_path, prices)).status_code in (200, 303)
    [stored] = (
        await PriceList.select(PriceList.id, PriceList.base_price_ore)
        .where(PriceList.offer == offer["id"])
        .run()
    )
    assert stored["base_price_ore"] == 245_050
    levels = (
        await PriceLevel.select(PriceLevel.name, PriceLevel.price_ore)
        .where(PriceLevel.price_list == stored["id"])
        .order_by(PriceLevel.price_ore)
        .run()
    )
    assert [(lv["name"], lv["price_ore"]) for lv in levels] == [
        ("Niveau 1", 245_050),
        ("Niveau 2", 390_000),
    ]
    next_form = await web.get(f"{offer_path}/takster/{year + 1}")
    assert f"Udfyldt med taksterne for {year}" in next_form.text and "2450,50" in next_form.text

    published = await post(
        web,
        f"{offer_path}/status",
        {"til": "published", "reason": "Klar til salg"},
        page=offer_path,
    )
    assert published.status_code == 303
    await sign_in_over_http(web, "851", "purchaser")
    found = await web.get("/tilbud", params={"q": "Lærken"})
    assert "Bofællesskabet Lyngen og Lærken" in found.text and "2.450,50" in found.text


async def test_another_providers_offer_answers_404_and_changes_nothing(web) -> None:
    market = await build_market()
    await sign_in_over_http(web, "851", "provider_admin")  # Aalborg's provider
    mine = await web.get("/udbyder/tilbud")
    assert "Bostedet Birkely" in mine.text and "Botilbuddet Engly" not in mine.text
    for path in (
        f"/udbyder/tilbud/{market.offer_id}",
        f"/udbyder/tilbud/{market.offer_id}/rediger",
        f"/udbyder/tilbud/{market.offer_id}/takster/{today().year}",
    ):
        assert (await web.get(path)).status_code == 404, path
    closing = await web.post(
        f"/udbyder/tilbud/{market.offer_id}/status",
        data={"til": "closed", "reason": "Forsøg", "_csrf_token": csrf_of(mine.text)},
    )
    assert closing.status_code == 404
    [offer] = await Offer.select(Offer.status).where(Offer.id == market.offer_id).run()
    assert offer["status"] == "published"
    await sign_in_over_http(web, "851", "purchaser")
    assert (await web.get("/udbyder/tilbud")).status_code == 403
