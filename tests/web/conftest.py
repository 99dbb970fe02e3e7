"""The web application under test: an HTTP client on the app (``web``), and the app served
on loopback by uvicorn with headless Chromium driven by Playwright (``browser``, ``page``).

Chromium is the distribution's package (``apt-get install chromium``); no browser is
downloaded. Without it the browser tests skip with a loud message, unless
``REQUIRE_BROWSER=1`` (as in CI), which makes its absence a failure.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import socket
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

from marketplace.core.settings import get_settings
from schema.app import create_app
from tests.conftest import serve

STATIC = Path(__file__).parents[2] / "web" / "static"
CHROMIUM_PATHS = ("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome")
CSRF_FIELD = re.compile(r'name="_csrf_token" value="([^"]+)"')


def chromium_path() -> str | None:
    configured = os.environ.get("CHROMIUM_PATH")
    if configured:
        return configured
    for path in CHROMIUM_PATHS:
        if Path(path).exists():
            return path
    return shutil.which("chromium")


@pytest.fixture
async def web(database: None) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client on the app with a cookie jar of its own (a browser of its own)."""
    async with serve(get_settings()) as http:
        yield http


def csrf_of(html: str) -> str:
    found = CSRF_FIELD.search(html)
    assert found, "the page has no form token"
    return found.group(1)


async def sign_in_over_http(
    http: httpx.AsyncClient, org: str, role: str, name: str = ""
) -> httpx.Response:
    page = await http.get("/log-ind")
    return await http.post(
        "/log-ind/udvikling",
        data={
            "_csrf_token": csrf_of(page.text),
            "organisation": org,
            "role": role,
            "name": name,
        },
    )


class LiveServer:
    def __init__(self, url: str) -> None:
        self.url = url


@pytest.fixture(scope="session")
async def live_server(database: None) -> AsyncIterator[LiveServer]:
    """The app served over HTTP on loopback, on the tests' event loop and database."""
    app = create_app(get_settings())
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(app, lifespan="on", log_level="warning", access_log=False)
    )
    task = asyncio.create_task(server.serve(sockets=[sock]))
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.02)
    try:
        yield LiveServer(f"http://127.0.0.1:{port}")
    finally:
        server.should_exit = True
        await task
        sock.close()


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Any]:
    path = chromium_path()
    if path is None or not Path(path).exists():
        message = (
            "NO BROWSER: the browser tests need Chromium (apt-get install -y chromium). "
            "They are SKIPPED here; CI (REQUIRE_BROWSER=1) requires them."
        )
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail(message)
        print(f"\n!! {message}")
        pytest.skip(message)
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(
            executable_path=path,
            args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
        )
        try:
            yield chromium
        finally:
            await chromium.close()


@pytest.fixture
async def page(browser: Any, live_server: LiveServer) -> AsyncIterator[Any]:
    """A new browser window (its own cookies) on the live server, in Danish."""
    context = await browser.new_context(
        base_url=live_server.url, locale="da-DK", viewport={"width": 1280, "height": 900}
    )
    context.set_default_timeout(15_000)
    window = await context.new_page()
    errors: list[str] = []
    window.on("pageerror", lambda error: errors.append(str(error)))
    try:
        yield window
    finally:
        await context.close()
    assert not errors, f"the page's scripts failed: {errors}"


async def sign_in(page: Any, org: str, role: str, name: str = "") -> None:
    """Sign in through the development sign-in page."""
    await page.goto("/log-ind")
    await page.select_option("#f-organisation", org)
    await page.select_option("#f-role", role)
    if name:
        await page.fill("#f-name", name)
    await page.click("form[action='/log-ind/udvikling'] button[type=submit]")
    await page.wait_for_url("**/")


WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


async def accessibility_violations(page: Any) -> list[dict[str, Any]]:
    """axe-core's WCAG 2.1 A and AA findings on the page as it is now (axe is served by
    the app from its static files). A page a click is still loading is waited for first: its
    document has no head to put the script in yet."""
    await page.wait_for_load_state("load")
    if not await page.evaluate("typeof window.axe !== 'undefined'"):
        await page.add_script_tag(url="/static/vendor/axe.min.js")
    result = await page.evaluate(
        "async (tags) => (await axe.run(document, {runOnly: {type: 'tag', values: tags}}))"
        ".violations.map(v => ({id: v.id, impact: v.impact, help: v.help, "
        "nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 5)}))",
        WCAG_AA,
    )
    return list(result)
