"""Observability: one structured JSON line per request (never the document or variables),
Prometheus metrics closed to the public by a setting, and readiness that follows the
database (see also test_failures)."""

from __future__ import annotations

import json
import logging

import httpx
import pytest
from pydantic import SecretStr

from marketplace.core.settings import get_settings
from schema.requests import JsonFormatter
from tests.conftest import BACKEND, serve

SECRET_TEXT = "Nørregade 7, 2. th"
QUERY = {
    "query": "query Regions($note: String!) { regions { code } municipality(code: $note) { name } }",
    "variables": {"note": SECRET_TEXT},
    "operationName": "Regions",
}


async def test_one_json_line_per_request_without_the_document(
    client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="socialmarked.request")
    response = await client.post("/graphql", json=QUERY, headers={"X-Request-ID": "trace-0001"})
    assert response.status_code == 200
    lines = [r for r in caplog.records if r.name == "socialmarked.request"]
    assert len(lines) == 1
    entry = json.loads(JsonFormatter().format(lines[0]))
    assert entry["request_id"] == "trace-0001"
    assert (entry["operation"], entry["route"], entry["status"]) == ("Regions", "/graphql", 200)
    assert entry["method"] == "POST" and entry["duration_ms"] > 0
    text = json.dumps(entry)
    assert SECRET_TEXT not in text and "regions {" not in text and "municipality" not in text


async def test_metrics_count_operations_and_routes(client: httpx.AsyncClient) -> None:
    await client.post("/graphql", json=QUERY)
    await client.get("/health")
    page = await client.get("/metrics")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/plain")
    text = page.text
    assert (
        'socialmarked_request_duration_seconds_bucket{le="0.005",name="query:regions",surface="graphql"}'
        in text
    )
    assert 'name="/health",status="200",surface="http"' in text
    assert "Regions" not in text  # a client's own operation name is not a label
    if BACKEND == "postgres":
        assert "socialmarked_db_pool_max" in text


async def test_metrics_are_closed_by_a_setting() -> None:
    production = get_settings().model_copy(
        update={"environment": "production", "rate_limit_per_minute": 0}
    )
    async with serve(production) as http:
        assert (await http.get("/metrics")).status_code == 404
    secret = "m" * 32
    closed = production.model_copy(update={"metrics_token": SecretStr(secret)})
    async with serve(closed) as http:
        assert (await http.get("/metrics")).status_code == 404
        wrong = await http.get("/metrics", headers={"Authorization": "Bearer nope"})
        assert wrong.status_code == 404
        right = await http.get("/metrics", headers={"Authorization": f"Bearer {secret}"})
        assert right.status_code == 200 and "socialmarked_requests_total" in right.text


async def test_rate_limit_refusals_are_counted() -> None:
    async with serve(get_settings().model_copy(update={"rate_limit_per_minute": 1})) as http:
        before = _value((await http.get("/metrics")).text, "socialmarked_rate_limited_total")
        answers = [await http.get("/.well-known/jwks.json") for _ in range(3)]
        assert [a.status_code for a in answers][-1] == 429
        after = _value((await http.get("/metrics")).text, "socialmarked_rate_limited_total")
    assert after >= before + 2


def _value(text: str, name: str) -> float:
    for line in text.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[1])
    return 0.0
