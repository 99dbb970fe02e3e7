"""What keeps the pages safe and honest: forms without their CSRF token are refused and
change nothing; another organisation's request or contract answers 404; a role answers 403
on pages that are not its own; a visitor is sent to sign in; bad input shows Danish errors by
its fields and changes nothing; a CPR number typed in is never sent back."""

from __future__ import annotations

import datetime
from decimal import Decimal

from marketplace.contracts import frames
from marketplace.contracts.models import FrameSet, RequestStatus
from marketplace.contracts.tables import PlacementRequest
from marketplace.core.clock import today
from marketplace.core.identity import Principal, Role
from tests.factories import REGISTRY_ADMIN
from tests.marketplace.contracts.world import build_market, contract_for, request_place
from tests.web.conftest import csrf_of, sign_in_over_http


async def test_a_form_without_its_csrf_token_is_refused_and_changes_nothing(web) -> None:
    market = await build_market()
    await sign_in_over_http(web, "851", "purchaser")
    form = await web.get(f"/tilbud/{market.offer_id}/anmod")
    data = {
        "citizen_ref": "SAG-1",
        "desired_start": (today() + datetime.timedelta(days=3)).isoformat(),
    }
    refused = await web.post(f"/tilbud/{market.offer_id}/anmod", data=data)
    assert refused.status_code == 403
    assert "sikkerhedsmærke" in refused.text
    forged = await web.post(
        f"/tilbud/{market.offer_id}/anmod", data={**data, "_csrf_token": "0" * 128}
    )
    assert forged.status_code == 403
    assert await PlacementRequest.count() == 0
    accepted = await web.post(
        f"/tilbud/{market.offer_id}/anmod", data={**data, "_csrf_token": csrf_of(form.text)}
    )
    assert accepted.status_code == 303
    assert await PlacementRequest.count() == 1


async def test_another_organisations_request_and_contract_answer_404(web) -> None:
    market = await build_market()
    request = await request_place(market.offer_id)  # Aalborg's
    contract = await contract_for(market.offer_id, citizen_ref="SAG-2")
    await sign_in_over_http(web, "751", "purchaser")  # Aarhus
    page = await web.get("/anmodninger")
    assert str(request.id) not in page.text
    for path in (f"/anmodninger/{request.id}", f"/kontrakter/{contract.id}"):
        response = await web.get(path)
        assert response.status_code == 404, path
        assert "Siden findes ikke" in response.text
    token = csrf_of(page.text)
    withdraw = await web.post(
        f"/anmodninger/{request.id}/traek-tilbage", data={"_csrf_token": token, "reason": "Fejl"}
    )
    assert withdraw.status_code == 404
    notice = await web.post(
        f"/kontrakter/{contract.id}/opsig", data={"_csrf_token": token, "reason": "Fejl"}
    )
    assert notice.status_code == 404
    [stored] = (
        await PlacementRequest.select(PlacementRequest.status)
        .where(PlacementRequest.id == request.id)
        .run()
    )
    assert stored["status"] == "pending"


async def test_a_provider_cannot_accept_another_providers_request(web) -> None:
    market = await build_market()
    request = await request_place(market.offer_id)  # to Engly
    await sign_in_over_http(web, "851", "provider_admin")  # Aalborg's own offers
    page = await web.get("/anmodninger")
    accepted = await web.post(
        f"/anmodninger/{request.id}/accepter", data={"_csrf_token": csrf_of(page.text)}
    )
    assert accepted.status_code == 404
    [stored] = await PlacementRequest.select(PlacementRequest.status).run()
    assert stored["status"] == "pending"


async def test_pages_of_another_role_answer_403_and_a_visitor_is_sent_to_sign_in(web) -> None:
    market = await build_market()
    visitor = await web.get("/anmodninger?status=pending")
    assert visitor.status_code == 303
    assert visitor.headers["location"] == "/log-ind?naeste=%2Fanmodninger%3Fstatus%3Dpending"
    await sign_in_over_http(web, "1081", "steering")
    for path in ("/anmodninger", "/kontrakter", "/opgoerelse", f"/tilbud/{market.offer_id}/anmod"):
        response = await web.get(path)
        assert response.status_code == 403, path
        assert "Ingen adgang" in response.text


async def test_bad_input_shows_danish_errors_by_the_fields_and_changes_nothing(web) -> None:
    market = await build_market()
    await sign_in_over_http(web, "851", "purchaser")
    form = await web.get(f"/tilbud/{market.offer_id}/anmod")
    response = await web.post(
        f"/tilbud/{market.offer_id}/anmod",
        data={
            "_csrf_token": csrf_of(form.text),
            "citizen_ref": "",
            "cpr": "311390-1234",  # no 31st of the 13th month
            "desired_start": "i morgen",
        },
    )
    assert response.status_code == 400
    html = response.text
    assert "Der er fejl i formularen" in html
    assert 'href="#f-citizen_ref">Skal udfyldes.' in html
    assert 'href="#f-desired_start">Skriv en dato som åååå-mm-dd.' in html
    # the message is tied to its input
    assert 'id="e-f-citizen_ref"' in html
    assert 'aria-describedby="h-f-citizen_ref e-f-citizen_ref" aria-invalid="true"' in html
    assert "311390" not in html, "a CPR number typed in is not sent back"
    assert await PlacementRequest.count() == 0


async def test_a_rule_of_the_domain_comes_back_in_danish_on_its_field(web) -> None:
    market = await build_market()
    await sign_in_over_http(web, "851", "purchaser")
    form = await web.get(f"/tilbud/{market.offer_id}/anmod")
    response = await web.post(
        f"/tilbud/{market.offer_id}/anmod",
        data={
            "_csrf_token": csrf_of(form.text),
            "citizen_ref": "SAG-3",
            "desired_start": (today() - datetime.timedelta(days=2)).isoformat(),
        },
    )
    assert response.status_code == 400
    assert 'href="#f-desired_start">Den ønskede start kan ikke ligge i fortiden.' in response.text
    assert await PlacementRequest.count() == 0


async def test_a_refused_form_comes_back_as_a_page(web) -> None:
    """A form shown again with its errors is HTML, as a browser must render it."""
    market = await build_market()
    await sign_in_over_http(web, "851", "purchaser")
    form = await web.get(f"/tilbud/{market.offer_id}/anmod")
    refused = await web.post(
        f"/tilbud/{market.offer_id}/anmod",
        data={"citizen_ref": "", "_csrf_token": csrf_of(form.text)},
    )
    assert refused.status_code == 400
    assert refused.headers["content-type"].startswith("text/html")


async def test_an_approver_lets_a_request_above_the_frame_go_from_its_page(web) -> None:
    market = await build_market()
    await frames.add_approver(REGISTRY_ADMIN, "851", "dev:851:leder")
    leader = Principal(subject="dev:851:leder", org_code="851", role=Role.PURCHASER)
    await frames.set_frame(leader, FrameSet(municipality_code="851", amount=Decimal("50000")))
    request = await request_place(market.offer_id)  # about 127,000 DKK a month: above the frame
    assert request.status is RequestStatus.AWAITING_APPROVAL

    await sign_in_over_http(web, "851", "purchaser")  # a case handler: no approver
    shown = await web.get(f"/anmodninger/{request.id}")
    assert "Godkend og send til tilbuddet" not in shown.text
    login = await web.get("/log-ind")
    await web.post(
        "/log-ind/udvikling",
        data={
            "_csrf_token": csrf_of(login.text),
            "organisation": "851",
            "role": "purchaser",
            "subject": "dev:851:leder",
        },
    )
    shown = await web.get(f"/anmodninger/{request.id}")
    assert "Godkend og send til tilbuddet" in shown.text
    refused = await web.post(
        f"/anmodninger/{request.id}/afvis",
        data={"reason": "", "_csrf_token": csrf_of(shown.text)},
    )
    assert refused.status_code == 400
    assert "Skriv hvorfor anmodningen ikke godkendes." in refused.text
    approved = await web.post(
        f"/anmodninger/{request.id}/godkend",
        data={"reason": "Borgerens behov", "_csrf_token": csrf_of(shown.text)},
    )
    assert approved.status_code == 303
    [row] = await PlacementRequest.select(PlacementRequest.status).run()
    assert row["status"] == "pending"
