"""Notifications in the pages: the menu counts the unread, the list shows them (with the case
reference, never a CPR number), one is marked read; another organisation's cannot be; axe
finds nothing on the page."""

from __future__ import annotations

from marketplace.notifications.tables import Notification
from tests.marketplace.contracts.world import CPR, build_market, request_place
from tests.web.conftest import accessibility_violations, csrf_of, sign_in, sign_in_over_http


async def test_the_provider_sees_the_request_and_marks_it_read(web) -> None:
    market = await build_market()
    await request_place(market.offer_id, citizen_ref="SAG-NOTIFIKATION")
    await sign_in_over_http(web, "43389424", "provider_admin")
    home = await web.get("/")
    assert 'Notifikationer <span class="badge">1' in home.text
    shown = await web.get("/notifikationer")
    assert shown.status_code == 200
    assert "Ny henvendelse om en plads" in shown.text and "SAG-NOTIFIKATION" in shown.text
    assert CPR not in shown.text
    [row] = await Notification.select(Notification.id).run()

    await sign_in_over_http(web, "851", "purchaser")
    other = await web.get("/notifikationer")
    assert "SAG-NOTIFIKATION" not in other.text
    refused = await web.post(
        "/notifikationer/laest", data={"id": str(row["id"]), "_csrf_token": csrf_of(other.text)}
    )
    assert refused.status_code == 400
    assert (await Notification.select(Notification.read_at).run())[0]["read_at"] is None

    await sign_in_over_http(web, "43389424", "provider_admin")
    shown = await web.get("/notifikationer")
    marked = await web.post(
        "/notifikationer/laest", data={"id": str(row["id"]), "_csrf_token": csrf_of(shown.text)}
    )
    assert marked.status_code == 303
    after = await web.get("/notifikationer?vis=ulaeste")
    assert "0 ulæste notifikationer" in after.text
    assert 'class="badge"' not in after.text.split("</nav>")[0]


async def test_the_page_passes_axe(page) -> None:
    market = await build_market()
    await request_place(market.offer_id)
    await sign_in(page, "43389424", "provider_admin")
    await page.goto("/notifikationer")
    assert await accessibility_violations(page) == []
