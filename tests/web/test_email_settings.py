"""The e-mail settings page: an organisation's address added (a bad one refused in Danish,
nothing stored), a person's own address with the events they choose, an address removed (not
another organisation's); the page works without a script and axe finds nothing on it."""

from __future__ import annotations

from marketplace.notifications.models import EventKind
from marketplace.notifications.tables import EmailRecipient
from tests.web.conftest import accessibility_violations, csrf_of, sign_in, sign_in_over_http

PAGE = "/notifikationer/email"


async def test_addresses_are_set_and_removed_on_the_page(web) -> None:
    await sign_in_over_http(web, "851", "purchaser", "Sara Sagsbehandler")
    shown = await web.get(PAGE)
    assert shown.status_code == 200 and "Organisationen har ingen adresser endnu" in shown.text

    bad = await web.post(
        f"{PAGE}/organisation",
        data={"address": "ikke en adresse", "_csrf_token": csrf_of(shown.text)},
    )
    assert bad.status_code == 400
    assert "Det er ikke en e-mailadresse." in bad.text and 'aria-invalid="true"' in bad.text
    assert 'value="ikke en adresse"' in bad.text  # kept for correcting
    assert await EmailRecipient.count().run() == 0

    added = await web.post(
        f"{PAGE}/organisation",
        data={"address": "visitation@aalborg.dk", "_csrf_token": csrf_of(shown.text)},
    )
    assert added.status_code == 303
    chosen = await web.post(
        f"{PAGE}/min",
        data={
            "address": "sara@aalborg.dk",
            "events": [EventKind.REQUEST_ANSWERED.value, EventKind.PROPOSAL_MADE.value],
            "_csrf_token": csrf_of(shown.text),
        },
    )
    assert chosen.status_code == 303
    after = await web.get(f"{PAGE}?gemt=min")
    assert "visitation@aalborg.dk" in after.text and "Dit valg er gemt." in after.text
    assert "Du får i dag mail på <strong>sara@aalborg.dk</strong> om 2 slags" in after.text
    assert after.text.count("checked") == 2
    rows = {r["address"]: r for r in await EmailRecipient.select().output(load_json=True).run()}
    assert rows["visitation@aalborg.dk"]["person"] is None
    assert rows["sara@aalborg.dk"]["person"] is not None
    assert set(rows["sara@aalborg.dk"]["events"]) == {
        EventKind.PROPOSAL_MADE.value,
        EventKind.REQUEST_ANSWERED.value,
    }
    org_address = rows["visitation@aalborg.dk"]["id"]

    # another organisation can neither see nor remove it
    await sign_in_over_http(web, "751", "purchaser")
    other = await web.get(PAGE)
    assert "visitation@aalborg.dk" not in other.text
    refused = await web.post(
        f"{PAGE}/{org_address}/fjern", data={"_csrf_token": csrf_of(other.text)}
    )
    assert refused.status_code == 400 and "Adressen findes ikke blandt jeres." in refused.text
    assert await EmailRecipient.count().run() == 2

    await sign_in_over_http(web, "851", "purchaser", "Sara Sagsbehandler")
    shown = await web.get(PAGE)
    removed = await web.post(
        f"{PAGE}/{org_address}/fjern", data={"_csrf_token": csrf_of(shown.text)}
    )
    assert removed.status_code == 303
    assert await EmailRecipient.count().run() == 1


async def test_the_page_passes_axe(page) -> None:
    await sign_in(page, "851", "purchaser")
    await page.goto(PAGE)
    assert await accessibility_violations(page) == []
    await page.fill("#org-address", "visitation@aalborg")  # the browser takes it; we do not
    await page.click("form[action='/notifikationer/email/organisation'] button[type=submit]")
    assert await page.locator(".error-summary").count() == 1
    assert await accessibility_violations(page) == []
    await page.fill("#me-address", "sara@aalborg.dk")
    await page.check("#f-events-1")
    await page.click("form[action='/notifikationer/email/min'] button[type=submit]")
    await page.wait_for_url("**/notifikationer/email?gemt=min")
    assert await accessibility_violations(page) == []
