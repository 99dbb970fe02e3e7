"""The steering group's desk over HTTP: the region's agreement with its approvals against the
deadline (a late decision flagged with its days), a decision recorded (bad input first), rules
with what changed between versions, a report drafted and submitted; another region's
steering group is refused."""

from __future__ import annotations

import csv
import datetime
import io
import re
from decimal import Decimal

from agreements.announcements import service as announcements
from agreements.announcements.models import ForecastSet, ReportCreate
from agreements.announcements.tables import RegionalReport
from agreements.frameworks import service as frameworks
from agreements.frameworks.models import AgreementStatus, AgreementUpdate, RuleSetInput
from agreements.frameworks.tables import CouncilDecision
from agreements.gaps import service as gaps
from marketplace.core.clock import today, utcnow
from marketplace.offers.tables import Offer
from marketplace.search.service import record_search
from tests.agreements.test_announcements import announcement
from tests.agreements.test_frameworks import decision
from tests.agreements.world import NORD_STEERING, agreement_command, rules
from tests.factories import REGISTRY_ADMIN, target_group_code
from tests.marketplace.contracts.world import build_market
from tests.web.conftest import csrf_of, sign_in_over_http
from web.pages import steering, steering_exports, supply

DAY = datetime.timedelta(days=1)
AUTISM = target_group_code("Autismespektrum")


async def _sent_for_approval() -> object:
    agreement = await frameworks.create_agreement(
        NORD_STEERING, agreement_command(approval_deadline=today() - 10 * DAY)
    )
    await frameworks.set_rules(
        NORD_STEERING, agreement.id, RuleSetInput(valid_from=agreement.valid_from, rules=rules())
    )
    await frameworks.set_rules(
        NORD_STEERING,
        agreement.id,
        RuleSetInput(
            valid_from=agreement.valid_from + datetime.timedelta(days=180),
            rules=rules(overhead_cap_percent=Decimal("5")),
        ),
    )
    for status in (AgreementStatus.IN_CONSULTATION, AgreementStatus.SENT_FOR_APPROVAL):
        await frameworks.update_agreement(
            NORD_STEERING, agreement.id, AgreementUpdate(status=status)
        )
    # Aalborg on time, Hjørring 4 days after the deadline
    await frameworks.record_decision(
        NORD_STEERING, agreement.id, decision("851", decided_on=today() - 12 * DAY)
    )
    await frameworks.record_decision(
        NORD_STEERING, agreement.id, decision("860", decided_on=today() - 6 * DAY)
    )
    return agreement


async def test_the_agreement_its_approvals_and_a_decision_recorded(web) -> None:
    agreement = await _sent_for_approval()
    await sign_in_over_http(web, "1081", "steering")
    desk = await web.get("/styregruppe")
    assert f"Nordjysk Socialaftale {today().year}" in desk.text
    shown = await web.get(f"/styregruppe/aftaler/{agreement.id}")
    assert shown.status_code == 200
    text = shown.text
    assert "Godkendt: 2, forkastet: 0, mangler: 10" in text
    assert "4 dage for sent" in text  # Hjørring
    assert "Ændret fra" in text and "overhead_cap_percent" in text

    token = csrf_of(text)
    wrong = await web.post(
        f"/styregruppe/aftaler/{agreement.id}/beslutning",
        data={"party_code": "849", "decision": "approved", "body": "", "_csrf_token": token},
    )
    assert wrong.status_code == 400 and 'id="e-f-body"' in wrong.text
    assert await CouncilDecision.count() == 2
    recorded = await web.post(
        f"/styregruppe/aftaler/{agreement.id}/beslutning",
        data={
            "party_code": "849",
            "decision": "rejected",
            "body": "Kommunalbestyrelsen",
            "decided_on": today().isoformat(),
            "_csrf_token": token,
        },
    )
    assert recorded.status_code == 303
    after = await web.get(f"/styregruppe/aftaler/{agreement.id}")
    assert "Godkendt: 2, forkastet: 1, mangler: 9" in after.text

    approvals = await web.get(f"/styregruppe/aftaler/{agreement.id}/godkendelser.csv")
    parties = {r["party"]: r for r in csv.DictReader(io.StringIO(approvals.text))}
    assert (parties["849"]["decision"], parties["860"]["days_late"]) == ("rejected", "4")
    assert parties["1081"]["decision"] == "missing"
    versions = await web.get(f"/styregruppe/aftaler/{agreement.id}/regler.csv")
    caps = [
        r for r in csv.DictReader(io.StringIO(versions.text)) if r["rule"] == "overhead_cap_percent"
    ]
    assert [r["value"] for r in caps][-1] == "5"
    listed = await web.get("/styregruppe/aftaler.csv")
    assert f"Nordjysk Socialaftale {today().year}" in listed.text

    await sign_in_over_http(web, "1082", "steering")  # Midtjylland
    assert (await web.get(f"/styregruppe/aftaler/{agreement.id}")).status_code == 403
    assert (
        await web.get(f"/styregruppe/aftaler/{agreement.id}/godkendelser.csv")
    ).status_code == 403
    await sign_in_over_http(web, "851", "purchaser")
    assert (await web.get("/styregruppe")).status_code == 403


async def test_a_report_drafted_and_submitted(web) -> None:
    made = await announcements.create_announcement(REGISTRY_ADMIN, announcement())
    await sign_in_over_http(web, "1081", "steering")
    shown = await web.get(f"/styregruppe/meldinger/{made.id}")
    assert "Ikke påbegyndt" in shown.text
    token = csrf_of(shown.text)
    wrong = await web.post(
        f"/styregruppe/meldinger/{made.id}/rapport",
        data={"assessment": "nonsense", "_csrf_token": token},
    )
    assert wrong.status_code == 400
    assert await RegionalReport.count() == 0
    drafted = await web.post(
        f"/styregruppe/meldinger/{made.id}/rapport",
        data={
            "assessment": "partly",
            "challenges": "Få pladser i Vendsyssel",
            "_csrf_token": token,
        },
    )
    assert drafted.status_code == 303
    assert "Udkast" in (await web.get(f"/styregruppe/meldinger/{made.id}")).text
    submitted = await web.post(
        f"/styregruppe/meldinger/{made.id}/rapport",
        data={
            "assessment": "partly",
            "challenges": "Få pladser i Vendsyssel",
            "indsend": "1",
            "_csrf_token": token,
        },
    )
    assert submitted.status_code == 303, submitted.text[submitted.text.find("error-summary") :][
        :600
    ]
    [report] = await RegionalReport.select(RegionalReport.status).run()
    assert report["status"] == "submitted"
    assert f"Indsendt {today().day}." in (await web.get(f"/styregruppe/meldinger/{made.id}")).text
    [row] = csv.DictReader(
        io.StringIO((await web.get(f"/styregruppe/meldinger/{made.id}/rapport.csv")).text)
    )
    assert (row["report_status"], row["assessment"]) == ("submitted", "partly")
    assert row["challenges"] == "Få pladser i Vendsyssel"
    listed = list(csv.DictReader(io.StringIO((await web.get("/styregruppe/meldinger.csv")).text)))
    assert [(r["title"], r["report_status"]) for r in listed] == [
        (row["announcement"], "submitted")
    ]


async def test_the_announcements_newest_first_a_page_at_a_time(web, monkeypatch) -> None:
    """The desk lists the central announcements newest first, a page at a time with the
    region's report beside each; the CSV holds every one of them."""
    made = [
        await announcements.create_announcement(
            REGISTRY_ADMIN,
            announcement(title=f"Udmelding {n}", issued_on=today() - (300 - n) * DAY),
        )
        for n in range(3)
    ]
    await announcements.create_report(NORD_STEERING, made[0].id, ReportCreate(region_code="1081"))
    monkeypatch.setattr(steering, "PER_PAGE", 2)
    monkeypatch.setattr(steering_exports, "EXPORT_PAGE", 2)
    await sign_in_over_http(web, "1081", "steering")
    first = await web.get("/styregruppe")
    assert re.findall(r">(Udmelding \d)</a>", first.text) == ["Udmelding 2", "Udmelding 1"]
    assert "Nyeste udmeldinger" not in first.text
    [older] = re.findall(r'href="(/styregruppe\?efter=[^"]+)" rel="next"', first.text)
    second = await web.get(older.replace("&amp;", "&"))
    assert re.findall(r">(Udmelding \d)</a>", second.text) == ["Udmelding 0"]
    assert "Udkast" in second.text and "Nyeste udmeldinger" in second.text
    odd = await web.get("/styregruppe", params={"efter": "ikke-en-markør"})
    assert re.findall(r">(Udmelding \d)</a>", odd.text) == ["Udmelding 2", "Udmelding 1"]
    listed = list(csv.DictReader(io.StringIO((await web.get("/styregruppe/meldinger.csv")).text)))
    assert [(r["title"], r["report_status"]) for r in listed] == [
        ("Udmelding 2", "not_started"),
        ("Udmelding 1", "not_started"),
        ("Udmelding 0", "draft"),
    ]


async def test_the_agreements_newest_first_a_page_at_a_time(web, monkeypatch) -> None:
    """The desk lists the region's agreements by their start, latest first, a page at a time;
    the CSV holds every one of them."""
    year = today().year
    for start in (year - 4, year - 2, year):
        await frameworks.create_agreement(
            NORD_STEERING,
            agreement_command(
                name=f"Socialaftale {start}",
                valid_from=datetime.date(start, 1, 1),
                valid_to=datetime.date(start + 1, 12, 31),
            ),
        )
    monkeypatch.setattr(steering, "PER_PAGE", 2)
    monkeypatch.setattr(steering_exports, "EXPORT_PAGE", 2)
    await sign_in_over_http(web, "1081", "steering")
    first = await web.get("/styregruppe")
    assert _agreement_links(first.text) == [f"Socialaftale {year}", f"Socialaftale {year - 2}"]
    [older] = re.findall(r'href="(/styregruppe\?aftaler_efter=[^"]+)" rel="next"', first.text)
    second = await web.get(older.replace("&amp;", "&"))
    assert _agreement_links(second.text) == [f"Socialaftale {year - 4}"]
    assert "Nyeste aftaler" in second.text
    listed = list(csv.DictReader(io.StringIO((await web.get("/styregruppe/aftaler.csv")).text)))
    assert [r["name"] for r in listed] == [f"Socialaftale {y}" for y in (year, year - 2, year - 4)]


def _agreement_links(html: str) -> list[str]:
    return re.findall(r'<a href="/styregruppe/aftaler/[^"]+">([^<]+)</a>', html)


async def test_a_report_offers_the_regions_offers_for_the_target_group(web) -> None:
    market = await build_market()  # Birkely (North Jutland) and Engly (Central), autism
    autism = await announcements.create_announcement(
        REGISTRY_ADMIN, announcement(target_groups=[AUTISM])
    )
    other = await announcements.create_announcement(REGISTRY_ADMIN, announcement())
    await sign_in_over_http(web, "1081", "steering")
    shown = await web.get(f"/styregruppe/meldinger/{autism.id}")
    assert f'value="{market.aalborg_offer_id}"' in shown.text  # the region's, for the group
    assert f'value="{market.offer_id}"' not in shown.text  # another region's
    unrelated = await web.get(f"/styregruppe/meldinger/{other.id}")
    assert f'value="{market.aalborg_offer_id}"' not in unrelated.text  # not for that group
    drafted = await web.post(
        f"/styregruppe/meldinger/{autism.id}/rapport",
        data={
            "assessment": "partly",
            "offer_ids": str(market.aalborg_offer_id),
            "_csrf_token": csrf_of(shown.text),
        },
    )
    assert drafted.status_code == 303
    again = await web.get(f"/styregruppe/meldinger/{autism.id}")
    assert re.search(rf'value="{market.aalborg_offer_id}"\s+selected', again.text)
    [row] = csv.DictReader(
        io.StringIO((await web.get(f"/styregruppe/meldinger/{autism.id}/rapport.csv")).text)
    )
    assert (row["offer_id"], row["offer"]) == (str(market.aalborg_offer_id), "Bostedet Birkely")


async def test_the_supply_picture_its_chart_and_the_map(web) -> None:
    await build_market()  # Birkely (Aalborg, North Jutland) and Engly (Horsens, Central)
    await sign_in_over_http(web, "1081", "steering")
    heat = await web.get("/styregruppe/forsyning")
    assert heat.status_code == 200
    assert "Autismespektrum" in heat.text and 'class="sev-' in heat.text
    table = await web.get("/styregruppe/forsyning.csv")
    rows = list(csv.DictReader(io.StringIO(table.text)))
    autism = {r["region"]: r for r in rows if r["label"] == "Autismespektrum"}
    assert autism["1081"]["places"] == "12" and autism["1082"]["places"] == "12"
    assert autism["1081"]["in_use"] == "10"  # Birkely's declared places in use: own region
    assert autism["1082"]["in_use"] == "10"  # 10 is no small count: shown for Central too

    group = await web.get(f"/styregruppe/forsyning/{AUTISM}")
    assert group.status_code == 200
    assert "<svg" in group.text and "Pladser" in group.text and "Tallene bag figuren" in group.text
    chart = await web.get(f"/styregruppe/forsyning/{AUTISM}/graf.svg")
    assert chart.headers["content-type"].startswith("image/svg+xml")
    assert chart.text.startswith("<svg") and "<title" in chart.text
    assert (await web.get("/styregruppe/forsyning/ukendt")).status_code == 404

    region_map = await web.get("/styregruppe/kort")
    assert "Bostedet Birkely" in region_map.text and "Botilbuddet Engly" not in region_map.text
    assert region_map.text.count("<path") == 11  # North Jutland's 11 municipalities
    country = await web.get("/styregruppe/kort", params={"region": "alle"})
    assert "Botilbuddet Engly" in country.text and country.text.count("<path") == 98
    svg = await web.get("/styregruppe/kort.svg", params={"region": "alle", "kategori": "day"})
    assert "Botilbuddet Engly" not in svg.text  # residential offers left out


async def test_the_table_beside_the_map_in_pages_with_the_exports_whole(web, monkeypatch) -> None:
    await build_market()  # Birkely (North Jutland) and Engly (Central): two pages of one
    monkeypatch.setattr(supply, "MAP_ROWS", 1)
    await sign_in_over_http(web, "1081", "steering")
    first = await web.get("/styregruppe/kort", params={"region": "alle"})
    assert first.status_code == 200 and "Side 1 af 2" in first.text
    table = first.text[first.text.index("<table") :]
    [name_one] = [n for n in ("Bostedet Birkely", "Botilbuddet Engly") if n in table]
    assert 'rel="prev"' not in first.text
    [next_link] = re.findall(r'href="(/styregruppe/kort\?[^"]*)" rel="next"', first.text)
    assert "side=2" in next_link and "region=alle" in next_link
    second = await web.get(next_link.replace("&amp;", "&"))
    assert second.status_code == 200 and "Side 2 af 2" in second.text
    table = second.text[second.text.index("<table") :]
    [name_two] = [n for n in ("Bostedet Birkely", "Botilbuddet Engly") if n in table]
    assert name_two != name_one
    assert 'rel="prev"' in second.text and 'rel="next"' not in second.text
    # the map on every page draws every offer; the downloads hold them all
    assert name_one in second.text[: second.text.index("<table")]
    svg = await web.get("/styregruppe/kort.svg", params={"region": "alle"})
    assert "Bostedet Birkely" in svg.text and "Botilbuddet Engly" in svg.text
    rows = list(
        csv.DictReader(
            io.StringIO((await web.get("/styregruppe/kort.csv", params={"region": "alle"})).text)
        )
    )
    assert sorted(r["name"] for r in rows) == ["Bostedet Birkely", "Botilbuddet Engly"]
    # a page past the end, or no number, shows the nearest page
    past = await web.get("/styregruppe/kort", params={"region": "alle", "side": "99"})
    assert past.status_code == 200 and "Side 2 af 2" in past.text
    word = await web.get("/styregruppe/kort", params={"region": "alle", "side": "to"})
    assert word.status_code == 200 and "Side 1 af 2" in word.text


async def test_the_gap_per_municipality_on_a_map_with_its_table_and_exports(web) -> None:
    market = await build_market()  # Birkely: Aalborg, 12 places, 10 in use; Engly: Horsens
    a_year_ago = utcnow() - datetime.timedelta(days=400)
    await (
        Offer.update({Offer.published_at: a_year_ago})
        .where(Offer.id == market.aalborg_offer_id)
        .run()
    )
    await sign_in_over_http(web, "1081", "steering")
    desk = await web.get("/styregruppe")
    assert 'href="/styregruppe/gabkort"' in desk.text
    shown = await web.get("/styregruppe/gabkort", params={"maalgruppe": AUTISM})
    assert shown.status_code == 200
    assert "<svg" in shown.text and 'patternUnits="userSpaceOnUse"' in shown.text
    assert shown.text.count('fill-rule="evenodd"') == 11  # North Jutland's 11 municipalities
    rows = _table_rows(shown.text)
    assert rows["Aalborg"][:3] == ["Lav", "12", "10"]  # 2 places free, no signal
    assert rows["Jammerbugt"][0] == "Ingen tal"

    # a forecast is a write: the figures kept for the day are worked out again
    await gaps.set_forecast(
        NORD_STEERING,
        ForecastSet(municipality_code="849", target_group=AUTISM, year=today().year, places=5),
    )
    await record_search("751", {"any_target_groups": [AUTISM]}, False, 0, utcnow())  # Aarhus
    again = await web.get("/styregruppe/gabkort", params={"maalgruppe": AUTISM})
    assert _table_rows(again.text)["Jammerbugt"][:6] == ["Høj", "0", "0", "5", "5", "5"]
    assert "Jammerbugt: Høj, gab 5, 0 pladser" in again.text  # the map's title for it

    table = await web.get(
        "/styregruppe/gabkort.csv", params={"maalgruppe": AUTISM, "region": "alle"}
    )
    assert table.headers["content-type"].startswith("text/csv")
    found = {r["municipality"]: r for r in csv.DictReader(io.StringIO(table.text))}
    assert len(found) == 98
    assert found["Jammerbugt"]["severity"] == "high" and found["Jammerbugt"]["gap"] == "5"
    assert found["Aarhus"]["searches_no_result"] == "< 3"  # another region's small count
    assert found["Horsens"]["in_use"] == "10"
    svg = await web.get("/styregruppe/gabkort.svg", params={"maalgruppe": AUTISM, "region": "alle"})
    assert svg.headers["content-type"].startswith("image/svg+xml")
    assert svg.text.startswith("<svg") and svg.text.count('fill-rule="evenodd"') == 98
    assert (
        await web.get("/styregruppe/gabkort", params={"maalgruppe": "ukendt"})
    ).status_code == 404
    assert (await web.get("/styregruppe/gabkort", params={"region": "9999"})).status_code == 404

    months = await web.get(f"/styregruppe/forsyning/{AUTISM}/tal.csv")
    series = list(csv.DictReader(io.StringIO(months.text)))
    assert len(series) == 12 and series[-1]["month_end"] < today().isoformat()
    assert {(r["places"], r["in_use"], r["demand"]) for r in series} == {("12", "10", "10")}
    offers = await web.get("/styregruppe/kort.csv")
    assert [r["name"] for r in csv.DictReader(io.StringIO(offers.text))] == ["Bostedet Birkely"]
    await sign_in_over_http(web, "851", "purchaser")
    assert (await web.get("/styregruppe/gabkort")).status_code == 403
    assert (await web.get("/styregruppe/gabkort.csv")).status_code == 403


def _table_rows(html: str) -> dict[str, list[str]]:
    """The data table's rows by their header cell: the other cells' text."""
    import re

    body = html[html.index("<tbody>") : html.index("</tbody>")]
    rows = {}
    for row in re.findall(r"<tr>(.*?)</tr>", body, re.S):
        name = re.search(r"<th[^>]*>(.*?)</th>", row, re.S)
        if name:
            rows[name.group(1).strip()] = [
                c.strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
            ]
    return rows


async def test_a_rejected_agreement_revised_and_another_withdrawn(web) -> None:
    agreement = await _sent_for_approval()  # Aalborg and Hjørring have approved
    await sign_in_over_http(web, "1081", "steering")
    shown = await web.get(f"/styregruppe/aftaler/{agreement.id}")
    token = csrf_of(shown.text)
    wrong = await web.post(
        f"/styregruppe/aftaler/{agreement.id}/revision",
        data={"reason": "Ny version", "occupancy_min_percent": "101", "_csrf_token": token},
    )
    assert wrong.status_code == 400 and 'id="e-rv-occupancy_min_percent"' in wrong.text
    revised = await web.post(
        f"/styregruppe/aftaler/{agreement.id}/revision",
        data={
            "reason": "Lavere belægningskrav efter høringen",
            "occupancy_min_percent": "93,5",
            "_csrf_token": token,
        },
    )
    assert revised.status_code == 303
    after = await web.get(f"/styregruppe/aftaler/{agreement.id}")
    # a change of the rules is substantive: every council decides again
    assert "Godkendt: 0, forkastet: 0, mangler: 12" in after.text
    assert "erstattet" in after.text and "occupancy.min_percent" in after.text

    withdrawn = await web.post(
        f"/styregruppe/aftaler/{agreement.id}/traek-tilbage",
        data={"reason": "Erstattes af en ny aftale", "_csrf_token": token},
    )
    assert withdrawn.status_code == 303
    assert "Trukket tilbage" in (await web.get("/styregruppe")).text
