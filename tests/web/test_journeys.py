"""The core journeys in a real browser: a purchaser finds an offer and requests a place; the
provider accepts it from its inbox; the purchaser sees the contract and the month's
statement. Every page on the way has no WCAG 2.1 A/AA violation that axe-core can find."""

from __future__ import annotations

import datetime
from typing import Any

from marketplace.contracts.tables import Contract, PlacementRequest
from marketplace.core.clock import today
from tests.marketplace.contracts.world import build_market
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
