"""One need, several offers, in the pages: a purchaser describes a need (bad input first)
and sends it by a search; one provider answers with terms, the other declines; the purchaser
compares the answers and picks one, naming the citizen only then, which makes a request."""

from __future__ import annotations

from marketplace.contracts.tables import NeedAnswer, PlacementNeed, PlacementRequest
from tests.factories import target_group_code
from tests.marketplace.contracts.world import build_market
from tests.web.conftest import csrf_of, sign_in_over_http


async def test_a_need_answered_compared_and_chosen(web) -> None:
    await build_market()  # Engly (Horsens) and Birkely (Aalborg), both for autism
    await sign_in_over_http(web, "751", "purchaser")  # Aarhus
    form = await web.get("/behov/nyt")
    token = csrf_of(form.text)
    need = {
        "age": "20",
        "municipality_code": "751",
        "radius_km": "200",
        "desired_start": "",
        "message": "Ung mand med autisme; behov for døgndækning.",
        "_csrf_token": token,
    }
    wrong = await web.post("/behov/nyt", data=need)
    assert wrong.status_code == 400 and 'id="e-f-target_groups"' in wrong.text
    assert await PlacementNeed.count() == 0
    made = await web.post(
        "/behov/nyt", data={**need, "target_groups": target_group_code("Autismespektrum")}
    )
    assert made.status_code == 303
    need_path = made.headers["location"]
    assert await NeedAnswer.count() == 2

    answers = await NeedAnswer.select(NeedAnswer.id, NeedAnswer.offer.name).run()
    by_offer = {row["offer.name"]: row["id"] for row in answers}
    await sign_in_over_http(web, "43389424", "provider_admin")  # Engly
    inbox = await web.get("/behov")
    assert "Botilbuddet Engly" in inbox.text and "Bostedet Birkely" not in inbox.text
    engly = f"/behov/svar/{by_offer['Botilbuddet Engly']}"
    shown = await web.get(engly)
    assert "Ung mand med autisme" in shown.text
    proposed = await web.post(
        f"{engly}/foreslaa",
        data={"price_level": "Niveau 2", "message": "Plads fra start", "_csrf_token": token},
    )
    assert proposed.status_code == 303, proposed.text[:2000]
    await sign_in_over_http(web, "851", "provider_admin")  # Aalborg runs Birkely
    birkely = f"/behov/svar/{by_offer['Bostedet Birkely']}"
    page = await web.get(birkely)
    declined = await web.post(
        f"{birkely}/afslaa", data={"reason": "no_capacity", "_csrf_token": csrf_of(page.text)}
    )
    assert declined.status_code == 303

    await sign_in_over_http(web, "751", "purchaser")
    compared = await web.get(need_path)
    assert "Forslag" in compared.text and "Ingen ledig plads" in compared.text
    chosen = await web.post(
        f"{engly}/vaelg",
        data={"citizen_ref": "SAG-BEHOV-1", "_csrf_token": csrf_of(compared.text)},
    )
    assert chosen.status_code == 303 and chosen.headers["location"].startswith("/anmodninger/")
    [request] = await PlacementRequest.select(PlacementRequest.citizen_ref).run()
    assert request["citizen_ref"] == "SAG-BEHOV-1"
