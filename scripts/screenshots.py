"""Screenshots of the main pages for the README, taken with the browser tests' tooling
(Playwright on the distribution's Chromium) from a server running the demo data.

    make run &                       # or any server with the demo data
    .venv/bin/python scripts/screenshots.py [http://127.0.0.1:8000]

Writes docs/screenshots/*.png (1100 px wide, the top of each page).
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Any

from playwright.async_api import async_playwright

OUT = Path(__file__).parents[1] / "docs" / "screenshots"
CHROMIUM = "/usr/bin/chromium"


async def sign_in(page: Any, org: str, role: str, name: str) -> None:
    await page.goto("/log-ind")
    await page.select_option("#f-organisation", org)
    await page.select_option("#f-role", role)
    await page.fill("#f-name", name)
    await page.click("form[action='/log-ind/udvikling'] button[type=submit]")
    await page.wait_for_url("**/")


async def shoot(page: Any, name: str) -> None:
    await page.screenshot(path=OUT / f"{name}.png")
    print(f"docs/screenshots/{name}.png")


async def purchaser(browser: Any, base: str) -> None:
    context = await browser.new_context(base_url=base, viewport={"width": 1100, "height": 760})
    page = await context.new_page()
    await sign_in(page, "851", "purchaser", "Mette Visitator")
    await page.goto("/tilbud?q=autisme&ledige=on&naer=851&radius=100")
    await shoot(page, "search")
    await page.click(".result h3 a >> nth=0")
    await shoot(page, "offer")
    await page.click("text=Anmod om en plads")
    await page.fill("#f-desired_start", "i morgen")
    await page.click("button:has-text('Send anmodningen')")
    await shoot(page, "request-errors")
    await page.goto("/anmodninger")
    await shoot(page, "requests")
    await page.goto("/opgoerelse")
    await shoot(page, "statement")
    await context.close()


async def provider(browser: Any, base: str) -> None:
    context = await browser.new_context(base_url=base, viewport={"width": 1100, "height": 760})
    page = await context.new_page()
    await sign_in(page, "1085", "provider_admin", "Lars Forstander")
    await page.goto("/udbyder/tilbud")
    await shoot(page, "provider-offers")
    await page.click("td a >> nth=0")
    await shoot(page, "provider-offer")
    await page.click("text=Ret tilbuddet")
    await shoot(page, "provider-offer-edit")
    await page.go_back()
    await page.click("a:has-text('for ') >> nth=-1")
    await shoot(page, "provider-prices")
    await page.goto("/anmodninger?status=pending")
    await shoot(page, "inbox")
    if await page.locator("td a").count():
        await page.click("td a >> nth=0")
        await shoot(page, "inbox-request")
    await context.close()


async def steering(browser: Any, base: str) -> None:
    context = await browser.new_context(base_url=base, viewport={"width": 1100, "height": 760})
    page = await context.new_page()
    await sign_in(page, "1081", "steering", "Dorte Sekretariat")
    await page.goto("/styregruppe/forsyning")
    await shoot(page, "steering-supply")
    await page.click("table.heat th a:text-is('Stofmisbrug')")
    await page.locator("figure").scroll_into_view_if_needed()
    await shoot(page, "steering-group")
    await page.click("text=Gabet pr. kommune på kortet")
    await page.locator("figure.map").scroll_into_view_if_needed()
    await shoot(page, "steering-gap-map")
    await page.goto("/styregruppe/kort")
    await page.locator("figure.map").scroll_into_view_if_needed()
    await shoot(page, "steering-map")
    await page.goto("/styregruppe")
    await page.click("a:has-text('Nordjysk Socialaftale 2021-2022')")
    await page.locator("text=Kommunalbestyrelsernes").scroll_into_view_if_needed()
    await shoot(page, "steering-agreement")
    await context.close()


async def main(base: str) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        await purchaser(browser, base)
        await provider(browser, base)
        await steering(browser, base)
        await browser.close()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8000"))
