"""The REST routes against their OpenAPI document, with Schemathesis.

Schemathesis generates requests for every operation of ``openapi/openapi.json`` (the
committed document, which ``make check`` keeps equal to the app's) and checks each answer
against the document: no 5xx, a status the operation documents, the content type and body
schema documented for that status, and the documented headers (``X-Request-ID``,
``Cache-Control``, ``Retry-After``). Every operation runs twice: without a token and with a
purchaser's token of Aalborg (851), a buyer in the small market built for the module.

Half of the generated parameter values are replaced by values that exist in that market (an
issued invoice's ID, a provider's, Aalborg's and Aarhus' codes, a month with billed days, a
real integration's client credentials), so that cases reach past "not found" to the answers
with data. Negative cases (values the document rules out) must be refused with a 4xx.

The requests go through the suite's HTTP client, on the test's event loop (the app's
database pool lives there); Schemathesis makes the cases and judges the answers.
"""

from __future__ import annotations

import datetime
import json
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from marketplace.core.clock import today
from marketplace.core.identity import Role
from marketplace.offers.taxonomy import target_group_records
from schema.rest.exchange import hsds
from tests.conftest import token
from tests.fuzz.conftest import SENT
from tests.fuzz.world import FuzzMarket, build_fuzz_market

pytestmark = pytest.mark.world_per_module

DOCUMENT = Path(__file__).resolve().parents[2] / "openapi" / "openapi.json"
SCHEMA = schemathesis.openapi.from_path(DOCUMENT)
OPERATIONS = {op.label: op for op in (result.ok() for result in SCHEMA.get_all_operations())}
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
    negative_data_rejection,
]
CALLERS: dict[str, tuple[str, Role] | None] = {
    "without a token": None,
    "as a purchaser": ("851", Role.PURCHASER),
}
EXAMPLES = 120  # per operation and caller; an operation with few inputs runs out sooner
MIN_OPERATIONS = 20

# Answers by caller and status class, for the summary and the last test.
STATUSES: Counter[tuple[str, str]] = Counter()
CASES: Counter[tuple[str, str]] = Counter()

FUZZ = settings(
    deadline=None,
    database=None,
    max_examples=EXAMPLES,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.filter_too_much,
    ],
)


@pytest.fixture(scope="module")
async def market(client: httpx.AsyncClient) -> FuzzMarket:
    return await build_fuzz_market(client)


def known_values(market: FuzzMarket) -> dict[str, list[str]]:
    """Values that exist, by parameter name (query, path and form)."""
    year = today().year
    provider = str(market.provider_uuids[0])
    return {
        "month": ["2026-03", f"{year}-{today().month:02d}"],
        "municipalityCode": ["851", "751"],
        "providerId": [provider, *market.ids["Provider"]],
        "claimantCode": ["851"],
        "debtorCode": ["751", "851"],
        "invoiceId": [str(market.invoice_uuid), *market.ids["Invoice"]],
        "regionCode": ["1081", "1082"],
        "targetGroupCodes": [",".join(r.code for r in target_group_records()[:2])],
        "asOf": [today().isoformat()],
        "year": [str(year)],
        "modified_after": ["2026-01-01T00:00:00Z", datetime.date(year, 1, 1).isoformat()],
        "organization_id": [provider, str(market.provider_uuids[1])],
        "service_id": [str(o) for o in market.offer_uuids],
        "taxonomy_term_id": [t.id for t in hsds.terms()[:5]],
        "taxonomy_id": list(hsds.TAXONOMIES),
        "page": ["1", "2"],
        "per_page": ["5", "100"],
        "dryRun": ["true"],
        "grant_type": ["client_credentials"],
        "scope": ["read", "read write"],
    }


def _with_known_values(data: st.DataObject, case: Any, market: FuzzMarket) -> None:
    """Replace some generated values of a positive case by values that exist."""
    values = known_values(market)
    for where in (case.query, case.path_parameters):
        for name in list(where or {}):
            if name in values and data.draw(st.booleans(), label=f"known {name}"):
                where[name] = data.draw(st.sampled_from(values[name]), label=name)
    if isinstance(case.body, dict) and "grant_type" in case.body:
        for name in ("grant_type", "scope"):
            if data.draw(st.booleans(), label=f"known {name}"):
                case.body[name] = data.draw(st.sampled_from(values[name]), label=name)
        if data.draw(st.booleans(), label="real client"):
            case.body["client_id"] = market.client_id
            case.body["client_secret"] = market.client_secret


async def send(http: httpx.AsyncClient, case: Any, headers: dict[str, str]) -> httpx.Response:
    """The case as Schemathesis would send it (its serialisation of query, form and file
    bodies), through the suite's client."""
    kwargs = case.as_transport_kwargs(base_url=str(http.base_url).rstrip("/"), headers=headers)
    prepared = requests.Request(
        method=kwargs["method"],
        url=kwargs["url"],
        headers=kwargs.get("headers"),
        params=kwargs.get("params"),
        data=kwargs.get("data"),
        json=kwargs.get("json"),
        files=kwargs.get("files"),
        cookies=kwargs.get("cookies"),
    ).prepare()
    return await http.request(
        str(prepared.method),
        str(prepared.url),
        headers=dict(prepared.headers),
        content=prepared.body,
    )


_TOKENS: dict[str, str] = {}


def headers_for(caller: str) -> dict[str, str]:
    who = CALLERS[caller]
    if who is None:
        return {}
    if caller not in _TOKENS:
        _TOKENS[caller] = token(*who)
    return {"Authorization": f"Bearer {_TOKENS[caller]}"}


@pytest.mark.parametrize("caller", list(CALLERS))
@pytest.mark.parametrize("label", list(OPERATIONS))
@FUZZ
@given(data=st.data())
async def test_every_answer_is_the_documented_one(
    client: httpx.AsyncClient, market: FuzzMarket, label: str, caller: str, data: st.DataObject
) -> None:
    operation = OPERATIONS[label]
    mode = data.draw(st.sampled_from([GenerationMode.POSITIVE] * 3 + [GenerationMode.NEGATIVE]))
    case = data.draw(operation.as_strategy(generation_mode=mode), label="case")
    if mode is GenerationMode.POSITIVE:
        _with_known_values(data, case, market)
    headers = headers_for(caller)
    response = await send(client, case, headers)
    SENT[f"openapi {caller}"] += 1
    CASES[(label, caller)] += 1
    STATUSES[(caller, f"{response.status_code // 100}xx")] += 1
    case.validate_response(response, checks=CHECKS, headers=headers)


def test_every_operation_ran_with_and_without_a_token() -> None:
    """Runs after the tests above (pytest keeps a module's order)."""
    assert len(OPERATIONS) >= MIN_OPERATIONS, list(OPERATIONS)
    missing = [(op, c) for op in OPERATIONS for c in CALLERS if not CASES[(op, c)]]
    assert not missing, missing
    print(json.dumps({f"{c}: {s}": n for (c, s), n in sorted(STATUSES.items())}))
    # With the market's values, a share of the answers are answers with data.
    for caller in CALLERS:
        assert STATUSES[(caller, "2xx")] >= 200, dict(STATUSES)
