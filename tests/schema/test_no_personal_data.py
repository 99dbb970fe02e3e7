"""No CPR number leaks: across the contracting flow, its mistakes and an unexpected failure,
the logs, the answers' errors and the audit records hold no CPR number in any form."""

from __future__ import annotations

import datetime
import logging
from typing import Any

import httpx
import pytest

from marketplace.contracts import requests
from marketplace.core.clock import today
from marketplace.core.identity import Role
from marketplace.core.tables import AuditRecord
from tests.conftest import token
from tests.marketplace.contracts.world import CPR, Market, build_market
from tests.schema.test_contracts_graphql import ACCEPT, CREATE, NOTICE, PURCHASER, _offer_gid

PROVIDER = ("43389424", Role.PROVIDER_ADMIN)
DIGITS = CPR.replace("-", "")
FORMS = (CPR, DIGITS, f"{DIGITS[:6]} {DIGITS[6:]}")


def _leaks(text: str) -> list[str]:
    return [form for form in FORMS if form in text]


@pytest.fixture
async def market() -> Market:
    return await build_market()


async def test_no_cpr_number_in_logs_errors_or_audit_records(
    client: httpx.AsyncClient,
    market: Market,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    caplog.set_level(logging.DEBUG)
    answers: list[str] = []

    async def post(
        query: str, variables: dict[str, Any] | None, as_: tuple[str, Role] = PURCHASER
    ) -> dict[str, Any]:
        response = await client.post(
            "/graphql",
            json={"query": query, "variables": variables or {}},
            headers={"Authorization": f"Bearer {token(*as_)}"},
        )
        answers.append(response.text)
        body: dict[str, Any] = response.json()
        return body

    start = (today() + datetime.timedelta(days=3)).isoformat()
    good = {
        "offerId": _offer_gid(market),
        "citizenRef": "SAG-1",
        "cpr": CPR,
        "desiredStart": start,
        "priceLevel": "Niveau 2",
        "urgency": "PLANNED",
    }
    # mistakes a caseworker or an integration makes, each with the CPR number in the request
    mistakes: list[tuple[str, dict[str, Any] | None]] = [
        (CREATE, {"input": {**good, "desiredStart": "2001-01-01"}}),  # in the past
        (CREATE, {"input": {**good, "priceLevel": "Niveau 9"}}),  # unknown level
        (CREATE, {"input": {**good, "cpr": int(DIGITS)}}),  # a number, not text
        (CREATE, {"input": {**good, "cpr": DIGITS + "1"}}),  # eleven digits
        (CREATE, {"input": {**good, "cpr": "3213" + DIGITS[4:]}}),  # no such day
        (CREATE, None),  # no input at all
        (
            "mutation { placementRequestCreate(input: {cpr: " + DIGITS + "}) { errors { code } } }",
            None,
        ),
        ('{ offer(id: "' + CPR + '") { id } }', None),
    ]
    for query, variables in mistakes:
        await post(query, variables)

    created = await post(CREATE, {"input": good})
    request = created["data"]["placementRequestCreate"]["placementRequest"]["id"]
    accepted = await post(ACCEPT, {"input": {"id": request}}, PROVIDER)
    contract = accepted["data"]["placementRequestAccept"]["contract"]["id"]
    await post(NOTICE, {"input": {"id": contract, "reason": "Flytter"}})

    async def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError(f"lost the connection while saving {CPR}")

    monkeypatch.setattr(requests, "create_request", broken)
    failed = await post(CREATE, {"input": good})
    assert failed["errors"][0]["message"] == "Unexpected error."
    inline = CREATE.replace("$input", "$unused").replace(
        "input: $unused",
        f'input: {{offerId: "{good["offerId"]}", citizenRef: "SAG-1", '
        f'cpr: "{CPR}", desiredStart: "{start}", urgency: PLANNED}}',
    )
    await post(inline.replace("($unused: PlacementRequestCreateInput!)", ""), None)

    records = repr(await AuditRecord.select().run())
    logged = "\n".join(
        r.getMessage() + (logging.Formatter().formatException(r.exc_info) if r.exc_info else "")
        for r in caplog.records
    )
    assert any("Unexpected error" in r.getMessage() for r in caplog.records)  # it was logged
    assert len(answers) == len(mistakes) + 5
    for name, text in (("answers", "\n".join(answers)), ("logs", logged), ("audit", records)):
        assert _leaks(text) == [], (name, [line for line in text.splitlines() if _leaks(line)])
