"""Refunds between municipalities in the pages: the buyer claims a contract's cost from a
former municipality on the contract's page (bad input first), the debtor disputes it without
a reason (refused) and then accepts it; the provider sees no claim."""

from __future__ import annotations

from marketplace.contracts.tables import RefundClaim
from tests.marketplace.contracts.world import build_market, contract_for
from tests.web.conftest import csrf_of, sign_in_over_http


async def test_a_claim_made_on_the_contract_and_answered_by_the_debtor(web) -> None:
    market = await build_market()
    contract = await contract_for(market.offer_id, citizen_ref="SAG-REFUSION")  # Aalborg's
    await sign_in_over_http(web, "851", "purchaser")
    shown = await web.get(f"/kontrakter/{contract.id}")
    assert "Kræv refusion" in shown.text
    token = csrf_of(shown.text)
    wrong = await web.post(
        f"/kontrakter/{contract.id}/refusion",
        data={"debtor_code": "751", "_csrf_token": token},
    )
    assert wrong.status_code == 400 and 'id="e-f-paragraph"' in wrong.text
    assert await RefundClaim.count() == 0
    made = await web.post(
        f"/kontrakter/{contract.id}/refusion",
        data={"debtor_code": "751", "paragraph": "stk2_nr1", "_csrf_token": token},
    )
    assert made.status_code == 303
    assert "afventer svar" in (await web.get(f"/kontrakter/{contract.id}")).text

    await sign_in_over_http(web, "751", "purchaser")  # Aarhus, the debtor
    claims = await web.get("/refusioner")
    assert "SAG-REFUSION" in claims.text and "Acceptér kravet" in claims.text
    [claim] = await RefundClaim.select(RefundClaim.id).run()
    disputed = await web.post(
        f"/refusioner/{claim['id']}/bestrid", data={"_csrf_token": csrf_of(claims.text)}
    )
    assert disputed.status_code == 400
    accepted = await web.post(
        f"/refusioner/{claim['id']}/accepter", data={"_csrf_token": csrf_of(claims.text)}
    )
    assert accepted.status_code == 303
    [row] = await RefundClaim.select(RefundClaim.status).run()
    assert row["status"] == "accepted"

    await sign_in_over_http(web, "43389424", "provider_admin")
    assert "Kræv refusion" not in (await web.get(f"/kontrakter/{contract.id}")).text
    assert (await web.get("/refusioner")).status_code == 403
