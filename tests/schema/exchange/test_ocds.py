"""OCDS release packages of a region's agreements (framework agreements) and contracts
(call-offs), validated offline against the OCDS 1.1.5 release-package schema with the
techniques and competitive extensions merged in (tests/data/ocds, with their licences)."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import httpx
from jsonschema import Draft4Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

from marketplace.core.identity import Role
from tests.agreements.world import agreement_in_force
from tests.conftest import token
from tests.marketplace.contracts.world import (
    AALBORG_PROVIDER_ADMIN,
    AARHUS,
    build_market,
    contract_for,
)

OCDS = Path(__file__).resolve().parents[2] / "data" / "ocds"


def _merge(base: Any, patch: Any) -> Any:
    """RFC 7396 JSON Merge Patch (how OCDS extensions patch the release schema)."""
    if not isinstance(patch, dict):
        return patch
    merged = dict(base) if isinstance(base, dict) else {}
    for key, value in patch.items():
        if value is None:
            merged.pop(key, None)
        else:
            merged[key] = _merge(merged.get(key), value)
    return merged


@cache
def _validator() -> Draft4Validator:
    release = json.loads((OCDS / "schema/release-schema.json").read_text(encoding="utf-8"))
    for name in ("techniques", "competitive"):
        patch = json.loads(
            (OCDS / f"extensions/{name}/release-schema.json").read_text(encoding="utf-8")
        )
        release = _merge(release, patch)
    pkg = json.loads((OCDS / "schema/release-package-schema.json").read_text(encoding="utf-8"))
    registry = Registry().with_resources(
        [(s["id"], Resource.from_contents(s, default_specification=DRAFT4)) for s in (release, pkg)]
    )
    return Draft4Validator(pkg, registry=registry, format_checker=Draft4Validator.FORMAT_CHECKER)


def errors(body: Any) -> list[str]:
    return [f"{list(e.path)}: {e.message[:200]}" for e in _validator().iter_errors(body)]


def _as(org: str, role: Role) -> dict[str, str]:
    return {"Authorization": f"Bearer {token(org, role)}"}


async def test_agreements_and_call_offs_are_valid_release_packages(
    client: httpx.AsyncClient,
) -> None:
    market = await build_market()  # prices first: the agreement's overhead cap is lower
    agreement = await agreement_in_force()
    contract = await contract_for(market.aalborg_offer_id, AALBORG_PROVIDER_ADMIN, AARHUS)

    agreements = await client.get(
        "/ocds/agreements", params={"regionCode": "1081"}, headers=_as("851", Role.PURCHASER)
    )
    contracts = await client.get(
        "/ocds/contracts", params={"regionCode": "1081"}, headers=_as("1081", Role.STEERING)
    )

    assert agreements.status_code == 200, agreements.text
    assert errors(agreements.json()) == []
    [framework] = agreements.json()["releases"]
    assert framework["tender"]["techniques"] == {"hasFrameworkAgreement": True}
    assert framework["ocid"].endswith(str(agreement.id))
    assert contracts.status_code == 200, contracts.text
    assert errors(contracts.json()) == []
    [call_off] = contracts.json()["releases"]
    assert call_off["tender"]["competitive"] is False
    assert call_off["relatedProcesses"][0]["identifier"] == framework["ocid"]
    assert call_off["relatedProcesses"][0]["relationship"] == ["framework"]
    assert call_off["contracts"][0]["id"] == str(contract.id)
    assert call_off["buyer"]["name"] == "Aarhus Kommune"
    text = contracts.text
    assert "010190" not in text and contract.citizen_ref not in text  # no personal data


async def test_who_sees_which_contracts_and_modified_after(client: httpx.AsyncClient) -> None:
    market = await build_market()
    await agreement_in_force()
    await contract_for(market.aalborg_offer_id, AALBORG_PROVIDER_ADMIN, AARHUS)

    def count(response: httpx.Response) -> int:
        assert response.status_code == 200, response.text
        return len(response.json()["releases"])

    params = {"regionCode": "1081"}
    buyer = await client.get("/ocds/contracts", params=params, headers=_as("751", Role.PURCHASER))
    other = await client.get("/ocds/contracts", params=params, headers=_as("101", Role.PURCHASER))
    later = await client.get(
        "/ocds/agreements",
        params={**params, "modified_after": "2999-01-01T00:00:00Z"},
        headers=_as("751", Role.PURCHASER),
    )

    assert (count(buyer), count(other), count(later)) == (1, 0, 0)


async def test_bad_input_is_a_typed_error(client: httpx.AsyncClient) -> None:
    anonymous = await client.get("/ocds/agreements", params={"regionCode": "1081"})
    region = await client.get(
        "/ocds/contracts", params={"regionCode": "1099"}, headers=_as("751", Role.PURCHASER)
    )
    since = await client.get(
        "/ocds/agreements",
        params={"regionCode": "1081", "modified_after": "32/13/2026"},
        headers=_as("751", Role.PURCHASER),
    )

    assert (anonymous.status_code, anonymous.json()["code"]) == (401, "UNAUTHENTICATED")
    assert (region.status_code, region.json()["code"]) == (400, "UNKNOWN_REGION")
    assert (since.status_code, since.json()["field"]) == (400, ["modified_after"])


def test_the_schema_check_is_not_vacuous() -> None:
    """The merged schema rejects a release without its required fields and a wrongly typed
    extension field; the official framework example passes."""
    example = json.loads((OCDS / "examples/open_multiple_first_stage.json").read_text("utf-8"))
    broken = json.loads(json.dumps(example))
    broken["releases"][0]["tender"]["techniques"] = {"hasFrameworkAgreement": "yes"}
    del broken["releases"][0]["ocid"]

    assert errors(example) == []
    assert len(errors(broken)) == 2
