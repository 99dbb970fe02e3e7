"""The year's economics in the pages: the steering group reads an offer's occupancy month by
month against the budget; its provider settles the year (bad input first) and both read the
result; another region's steering group gets 404."""

from __future__ import annotations

import csv
import io
import re

from agreements.economics.tables import OfferSettlement
from demo.offers import seed_demo_offers
from demo.providers import seed_demo_providers
from tests.agreements.test_economics import YEAR, build_birkely
from tests.web.conftest import csrf_of, sign_in_over_http
from web.pages import economics as economics_pages


async def test_an_offers_year_read_and_settled(web) -> None:
    birkely = await build_birkely()
    path = f"/oekonomi/{birkely['offer_id']}?aar={YEAR}"
    await sign_in_over_http(web, "1081", "steering")
    shown = await web.get(path)
    assert shown.status_code == 200
    # 3,226 of 3,650 place days: 88.38%; January 80.00% against a budget of 95.00%
    assert "88,38 %" in shown.text and "80,00 %" in shown.text and "95,00 %" in shown.text
    assert "<svg" in shown.text and f"Afregn {YEAR}" not in shown.text
    assert "Bostedet Birkely" in (await web.get(f"/styregruppe/oekonomi?aar={YEAR}")).text

    await sign_in_over_http(web, "851", "provider_admin")  # Aalborg runs Birkely
    form = await web.get(path)
    token = csrf_of(form.text)
    wrong = await web.post(
        f"/oekonomi/{birkely['offer_id']}/afregn",
        data={"year": str(YEAR), "actual_cost": "mange penge", "_csrf_token": token},
    )
    assert wrong.status_code == 400 and 'id="e-f-actual_cost"' in wrong.text
    assert await OfferSettlement.count() == 0
    settled = await web.post(
        f"/oekonomi/{birkely['offer_id']}/afregn",
        data={"year": str(YEAR), "actual_cost": "7.180.000,00", "_csrf_token": token},
    )
    assert settled.status_code == 303
    result = await web.get(path)
    # the worked example: a deficit of 244,100.00 DKK carried into the year after next
    assert "-244.100,00" in result.text and f"taksten for {YEAR + 2}" in result.text

    await sign_in_over_http(web, "1082", "steering")
    assert (await web.get(path)).status_code == 404
    assert (await web.get(f"/oekonomi/{birkely['offer_id']}/tal.csv")).status_code == 404


async def test_the_years_economics_download_as_csv_and_svg(web) -> None:
    birkely = await build_birkely()
    await sign_in_over_http(web, "1081", "steering")
    months = await web.get(f"/oekonomi/{birkely['offer_id']}/tal.csv?aar={YEAR}")
    assert months.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(months.text)))
    assert len(rows) == 12 and rows[0]["month"] == f"{YEAR}-01"
    assert (rows[0]["occupancy_percent"], rows[0]["budgeted_percent"]) == ("80.0", "95.0")
    chart = await web.get(f"/oekonomi/{birkely['offer_id']}/graf.svg?aar={YEAR}")
    assert chart.headers["content-type"].startswith("image/svg+xml")
    assert chart.text.startswith("<svg") and "Belægning" in chart.text
    national = await web.get(f"/styregruppe/oekonomi.csv?aar={YEAR}")
    assert national.status_code == 200 and national.text.startswith("offer_id,name,coverage")


async def test_the_regions_offers_listed_a_page_at_a_time(web, monkeypatch) -> None:
    await seed_demo_providers()
    await seed_demo_offers()
    monkeypatch.setattr(economics_pages, "PER_PAGE", 2)
    await sign_in_over_http(web, "1081", "steering")
    first = await web.get("/styregruppe/oekonomi")
    assert first.status_code == 200 and "Første side" not in first.text
    names_one = _offer_links(first.text)
    assert len(names_one) == 2
    [more] = re.findall(r'href="(/styregruppe/oekonomi\?[^"]*)" rel="next"', first.text)
    second = await web.get(more.replace("&amp;", "&"))
    names_two = _offer_links(second.text)
    assert names_two and not set(names_two) & set(names_one)
    assert "Første side" in second.text
    odd = await web.get("/styregruppe/oekonomi", params={"efter": "ikke-en-markør"})
    assert odd.status_code == 200 and _offer_links(odd.text) == names_one


async def test_the_national_offers_listed_a_page_at_a_time(web, monkeypatch) -> None:
    await seed_demo_providers()
    await seed_demo_offers()
    monkeypatch.setattr(economics_pages, "NATIONAL_PER_PAGE", 1)
    await sign_in_over_http(web, "1081", "steering")
    first = await web.get("/styregruppe/oekonomi")
    assert first.status_code == 200
    names_one = _national_links(first.text)
    assert len(names_one) == 1
    [more] = re.findall(
        r'href="(/styregruppe/oekonomi\?[^"]*landsefter[^"]*)" rel="next"', first.text
    )
    second = await web.get(more.replace("&amp;", "&"))
    names_two = _national_links(second.text)
    assert len(names_two) == 1 and names_two != names_one
    assert _offer_links(second.text) == _offer_links(first.text)  # the region's list stays
    odd = await web.get("/styregruppe/oekonomi", params={"landsefter": "ikke-en-markør"})
    assert odd.status_code == 200 and _national_links(odd.text) == names_one


def _national_links(html: str) -> list[str]:
    """The national and supra-regional offers listed (the table after its heading)."""
    listed = html[html.index("Lands- og landsdelsdækkende tilbud") : html.index("Regionens tilbud")]
    return re.findall(r'<td><a href="/oekonomi/[^"]+">([^<]+)</a></td>', listed)


def _offer_links(html: str) -> list[str]:
    """The region's offers listed (the list after its heading)."""
    listed = html[html.index("Regionens tilbud") :]
    return re.findall(r'<li><a href="/oekonomi/[^"]+">([^<]+)</a></li>', listed)
