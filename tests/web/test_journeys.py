"""The core journeys in a real browser: a purchaser finds an offer and requests a place; the
provider accepts it from its inbox; the purchaser sees the contract and the month's
statement. Every page on the way has no WCAG 2.1 A/AA violation that axe-core can find."""

from __future__ import annotations

import datetime
from typing import Any

from demo.activity import seed_demo_activity
from demo.agreements import seed_demo_agreements
from demo.announcements import seed_demo_announcements
from demo.offers import seed_demo_offers
from demo.providers import seed_demo_providers
from marketplace.contracts.tables import Contract, PlacementRequest
from marketplace.core.clock import today
from marketplace.offers.tables import Offer, PriceList
from tests.marketplace.contracts.invoicing import hourly_contract, hourly_offer
from tests.marketplace.contracts.world import build_market, contract_for
from tests.web.conftest import accessibility_violations, sign_in

AALBORG, ENGLY = "851", "43389424"


async def no_violations(page: Any) -> None:
    found = await accessibility_violations(page)
    assert found == [], f"{page.url}: {found}"


async def test_a_purchaser_requests_a_place_the_provider_accepts_and_the_statement_shows_it(
    page: Any, browser: Any, live_server: Any
) -> None:
    await build_market()
    start = today() + datetime.timedelta(days=7)

    await sign_in(page, AALBORG, "purchaser", name="Mette Visitator")
    await page.goto("/tilbud")
    await page.fill("#f-q", "Engly")
    await page.click("form[role=search] button[type=submit]")
    await page.wait_for_selector(".result h3 a:has-text('Botilbuddet Engly')")
    await no_violations(page)
    await page.click(".result h3 a:has-text('Botilbuddet Engly')")
    await page.wait_for_selector("h1:has-text('Botilbuddet Engly')")
    assert "Ledige i dag" in await page.inner_text("main")
    await no_violations(page)

    await page.click("text=Anmod om en plads")
    await page.fill("#f-citizen_ref", "SAG-2026-0042")
    await page.fill("#f-cpr", "010190-1234")
    await page.fill("#f-desired_start", start.isoformat())
    await page.select_option("#f-price_level", "Niveau 2")
    await no_violations(page)
    await page.click("button:has-text('Send anmodningen')")
    await page.wait_for_selector("text=Anmodningen er sendt til tilbuddet.")
    assert "010190-****" in await page.inner_text("main")
    await no_violations(page)
    [stored] = await PlacementRequest.select(PlacementRequest.status).run()
    assert stored["status"] == "pending"

    provider = await (await browser.new_context(base_url=live_server.url)).new_page()
    await sign_in(provider, ENGLY, "provider_admin")
    await provider.click("nav >> text=Indbakke")
    await provider.click("td a:has-text('Botilbuddet Engly')")
    await no_violations(provider)
    await provider.click("button:has-text('Acceptér som ønsket')")
    await provider.wait_for_selector("h1:has-text('Kontrakt om plads')")
    await no_violations(provider)
    [contract] = await Contract.select(Contract.id, Contract.start_date).run()
    assert contract["start_date"] == start

    await page.goto("/kontrakter")
    await page.click("td a:has-text('Botilbuddet Engly')")
    assert "Niveau 2" in await page.inner_text("main")
    await no_violations(page)
    await page.goto(f"/opgoerelse?maaned={start:%Y-%m}")
    statement = await page.inner_text("main")
    assert "SAG-2026-0042" in statement and "I alt" in statement
    await no_violations(page)
    async with page.expect_download() as download:
        await page.click("text=Hent som CSV")
    saved = await (await download.value).path()
    assert "SAG-2026-0042" in saved.read_text(encoding="utf-8")


async def test_a_provider_edits_an_offer_and_publishes_next_years_prices(page: Any) -> None:
    market = await build_market()
    year = today().year + 1

    await sign_in(page, ENGLY, "provider_admin")
    await page.click("nav >> text=Mine tilbud")
    await page.wait_for_selector("h1:has-text('Mine tilbud')")
    await no_violations(page)
    await page.click("td a:has-text('Botilbuddet Engly')")
    await no_violations(page)

    await page.click("text=Ret tilbuddet")
    await page.fill("#f-capacity_places", "40")  # more than the 12 approved places
    await no_violations(page)
    await page.click("button:has-text('Gem ændringerne')")
    await page.wait_for_selector(".error-summary")
    assert "godkendte pladser" in await page.inner_text("#e-f-capacity_places")
    await no_violations(page)
    [offer] = await Offer.select(Offer.capacity_places).where(Offer.id == market.offer_id).run()
    assert offer["capacity_places"] == 12
    await page.fill("#f-capacity_places", "11")
    await page.fill("#f-name", "Botilbuddet Engly og Enghaven")
    await page.click("button:has-text('Gem ændringerne')")
    await page.wait_for_selector("text=Ændringen er gemt.")

    await page.click(f"text=Ny version af taksterne for {year}")
    await page.wait_for_selector(f"h1:has-text('Takster for {year}')")
    await no_violations(page)
    await page.fill("#f-base_price", "2.704,00")
    await page.fill("#f-levels-1-price", "4.264,00")
    await page.fill("#f-reason", "Pris- og lønfremskrivning")
    await page.click("button:has-text('Offentliggør taksterne')")
    await page.wait_for_selector("text=version 2")
    await no_violations(page)
    [latest] = (
        await PriceList.select(PriceList.version, PriceList.base_price_ore)
        .where((PriceList.offer == market.offer_id) & (PriceList.year == year))
        .order_by(PriceList.version, ascending=False)
        .limit(1)
        .run()
    )
    assert latest == {"version": 2, "base_price_ore": 270_400}


async def test_the_core_flows_work_without_javascript(browser: Any, live_server: Any) -> None:
    """Search, an offer, a request and its acceptance with scripts turned off."""
    await build_market()
    start = today() + datetime.timedelta(days=10)
    windows = []
    for org, role in ((AALBORG, "purchaser"), (ENGLY, "provider_admin")):
        context = await browser.new_context(
            base_url=live_server.url, locale="da-DK", java_script_enabled=False
        )
        window = await context.new_page()
        await sign_in(window, org, role)
        windows.append(window)
    buyer, provider = windows

    await buyer.goto("/tilbud")
    await buyer.fill("#f-q", "autisme")
    await buyer.click("form[role=search] button[type=submit]")
    await buyer.click(".result h3 a:has-text('Botilbuddet Engly')")
    await buyer.click("text=Anmod om en plads")
    await buyer.fill("#f-citizen_ref", "SAG-UDEN-JS")
    await buyer.fill("#f-desired_start", start.isoformat())
    await buyer.click("button:has-text('Send anmodningen')")
    await buyer.wait_for_selector("text=Anmodningen er sendt til tilbuddet.")

    await provider.goto("/anmodninger")
    await provider.click("td a:has-text('Botilbuddet Engly')")
    await provider.click("button:has-text('Acceptér som ønsket')")
    await provider.wait_for_selector("h1:has-text('Kontrakt om plads')")
    [contract] = await Contract.select(Contract.citizen_ref, Contract.start_date).run()
    assert contract == {"citizen_ref": "SAG-UDEN-JS", "start_date": start}
    await buyer.goto("/kontrakter")
    assert "Botilbuddet Engly" in await buyer.inner_text("main")
    for window in windows:
        await window.context.close()


async def test_a_provider_reports_hours_and_invoices_the_month(page: Any) -> None:
    market = await build_market()
    contract = await hourly_contract(await hourly_offer(market), datetime.date(2026, 2, 1))

    await sign_in(page, AALBORG, "provider_admin")
    await page.goto(f"/kontrakter/{contract.id}")
    await page.fill("#f-month", "2026-03")
    await page.fill("#f-hours", "19,5")
    await page.click("button:has-text('Indberet timerne')")
    await page.wait_for_selector("text=Timerne er gemt.")
    await no_violations(page)

    await page.click("nav >> text=Fakturaer")
    await page.select_option("#f-municipality_code", "751")
    await page.fill("#f-month", "2026-02")  # the contract began on 1 February
    await no_violations(page)
    await page.click("button:has-text('Udsted fakturaen')")
    await page.wait_for_selector("h1:has-text('Faktura')")
    await no_violations(page)
    assert "Aarhus Kommune" in await page.inner_text("main")


async def test_a_need_sent_to_several_offers_and_answered(
    page: Any, browser: Any, live_server: Any
) -> None:
    await build_market()
    await sign_in(page, "751", "purchaser")
    await page.click("nav >> text=Behov")
    await page.click("text=Beskriv et nyt behov")
    await no_violations(page)
    await page.select_option("#f-target_groups", label="Autismespektrum")
    await page.fill("#f-age", "20")
    await page.fill("#f-radius_km", "200")
    await page.click("button:has-text('Send behovet')")
    await page.wait_for_selector("h1:has-text('Behov: svar fra tilbuddene')")
    await no_violations(page)

    provider = await (await browser.new_context(base_url=live_server.url)).new_page()
    await sign_in(provider, ENGLY, "provider_admin")
    await provider.click("nav >> text=Behov")
    await no_violations(provider)
    await provider.click("td a:has-text('Botilbuddet Engly')")
    await no_violations(provider)
    await provider.click("button:has-text('Send svaret')")
    await provider.wait_for_selector("text=I har foreslået start")

    await page.reload()
    await page.fill("#f-citizen_ref", "SAG-BEHOV-2")
    await no_violations(page)
    await page.click("button:has-text('Vælg Botilbuddet Engly')")
    await page.wait_for_selector("text=Anmodningen er sendt til tilbuddet.")
    await provider.context.close()


async def test_the_sign_in_the_refund_claims_and_an_approval_pass_axe(page: Any) -> None:
    market = await build_market()
    contract = await contract_for(market.offer_id, citizen_ref="SAG-AXE")
    await page.goto("/log-ind")
    await no_violations(page)
    await sign_in(page, AALBORG, "purchaser")
    await page.goto(f"/kontrakter/{contract.id}")
    await page.click("text=Kræv refusion efter retssikkerhedslovens § 9 c")
    await page.select_option("#f-debtor_code", "751")
    await page.click("button:has-text('Send kravet')")
    await page.wait_for_selector(".error-summary")
    assert "Vælg en af mulighederne" in await page.inner_text(
        "main"
    ) or "Skal udfyldes" in await page.inner_text("main")
    await no_violations(page)
    await page.goto("/refusioner")
    await no_violations(page)


async def _the_gap_per_municipality(page: Any) -> None:
    """From a target group's page: its gap per municipality, on the map and in the table
    beside it, for the region and then the whole country."""
    await page.click("text=Gabet pr. kommune på kortet")
    await page.wait_for_selector("h1:has-text('Gabet pr. kommune: Stofmisbrug')")
    assert await page.locator("figure.map svg path[fill-rule='evenodd']").count() == 11
    severities = await page.locator("table tbody td:nth-child(2)").all_inner_texts()
    assert len(severities) == 11 and any(s in ("Kritisk", "Høj") for s in severities)
    await no_violations(page)
    await page.select_option("#g-region", "alle")
    await page.click("form.actions button:has-text('Vis')")
    await page.wait_for_selector("figure.map svg path[fill-rule='evenodd'] >> nth=97")
    await no_violations(page)


async def test_the_steering_desk_finds_the_drug_abuse_gap_in_north_jutland(
    page: Any, browser: Any, live_server: Any
) -> None:
    await seed_demo_providers()
    await seed_demo_offers()
    await seed_demo_agreements()
    await seed_demo_announcements()
    await seed_demo_activity()

    await sign_in(page, "1081", "steering")
    await page.click("nav >> text=Forsyning")
    await page.wait_for_selector("h1:has-text('Forsyningen')")
    await no_violations(page)
    assert (await page.inner_text("table.heat thead th >> nth=1")) == "Region Nordjylland"
    row = page.locator("table.heat tr", has=page.locator("th a:text-is('Stofmisbrug')"))
    first_cell = (await row.locator("td").first.inner_text()).strip()
    assert first_cell.startswith(("Kritisk", "Høj")), first_cell  # North Jutland's column
    await row.locator("th a").click()
    await page.wait_for_selector("h1:has-text('Stofmisbrug i Region Nordjylland')")
    assert await page.locator("figure svg polyline").count() == 3
    await no_violations(page)

    await _the_gap_per_municipality(page)

    await page.click("nav >> text=Kort")
    await page.wait_for_selector("figure.map svg")
    await no_violations(page)
    await page.click("nav >> text=Økonomi")
    await page.wait_for_selector("h1:has-text('Tilbuddenes økonomi')")
    await no_violations(page)
    await page.click("main ul a >> nth=0")
    await page.wait_for_selector("h1:has-text('økonomien i')")
    await no_violations(page)
    await page.click("nav >> text=Aftaler og meldinger")
    await no_violations(page)
    await page.click("a:has-text('Nordjysk Socialaftale 2021-2022')")
    await page.wait_for_selector("text=Kommunalbestyrelsernes og regionsrådets godkendelser")
    await no_violations(page)
    await page.goto("/styregruppe")
    await page.click("table >> nth=1 >> a >> nth=0")  # the first central announcement
    await no_violations(page)

    other = await (await browser.new_context(base_url=live_server.url)).new_page()
    await sign_in(other, "1082", "steering")
    agreement = page.url  # an announcement is national; North Jutland's agreement is not
    await page.goto("/styregruppe")
    href = await page.locator("a:has-text('Nordjysk Socialaftale 2021-2022')").get_attribute("href")
    response = await other.goto(href or agreement)
    assert response is not None and response.status == 403
    await other.context.close()


async def test_the_offer_map_keeps_its_table_beside_it_one_page_at_a_time(
    page: Any, monkeypatch: Any
) -> None:
    """The table beside the map of the offers comes in pages, the links work without
    scripts, and page 2 shows other offers than page 1; the map draws them all."""
    from web.pages import supply

    await seed_demo_providers()
    await seed_demo_offers()
    monkeypatch.setattr(supply, "MAP_ROWS", 3)
    await sign_in(page, "1081", "steering")
    await page.goto("/styregruppe/kort?region=alle")
    await page.wait_for_selector("figure.map svg")
    figure = await page.locator("figure.map").bounding_box()
    table = await page.locator("table").bounding_box()
    assert figure and table and table["x"] > figure["x"] + figure["width"] - 1  # beside it
    first = await page.locator("table tbody tr td:first-child").all_inner_texts()
    assert len(first) == 3
    drawn = await page.locator("figure.map svg g title").count()
    assert drawn > 3  # every offer on the map
    pager = page.locator("nav.pager")
    assert "Side 1 af" in await pager.inner_text()
    await no_violations(page)
    await pager.locator("a[rel=next]").click()
    await page.wait_for_url("**side=2**")
    second = await page.locator("table tbody tr td:first-child").all_inner_texts()
    assert len(second) == 3 and not set(second) & set(first)
    assert "Side 2 af" in await page.locator("nav.pager").inner_text()
    assert await page.locator("figure.map svg g title").count() == drawn
    await no_violations(page)
    await page.locator("nav.pager a[rel=prev]").click()
    await page.wait_for_url("**side=1**")
    assert await page.locator("table tbody tr td:first-child").all_inner_texts() == first


async def test_the_offer_map_pages_work_without_scripts(
    browser: Any, live_server: Any, monkeypatch: Any
) -> None:
    """With JavaScript off the page links still page the table."""
    from web.pages import supply

    await seed_demo_providers()
    await seed_demo_offers()
    monkeypatch.setattr(supply, "MAP_ROWS", 3)
    context = await browser.new_context(
        base_url=live_server.url, locale="da-DK", java_script_enabled=False
    )
    try:
        window = await context.new_page()
        await sign_in(window, "1081", "steering")
        await window.goto("/styregruppe/kort")
        first = await window.locator("table tbody tr td:first-child").all_inner_texts()
        await window.locator("nav.pager a[rel=next]").click()
        await window.wait_for_url("**side=2**")
        second = await window.locator("table tbody tr td:first-child").all_inner_texts()
        assert first and second and not set(first) & set(second)
    finally:
        await context.close()
