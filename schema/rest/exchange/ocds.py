"""Agreements and contracts as OCDS 1.1 release packages, as the OCDS guidance on framework
agreements maps them: a region's agreement (rammeaftale) is the first stage, one ``ocid`` with
``tender.techniques.hasFrameworkAgreement`` (techniques extension) and its period as
``tender.contractPeriod``; each contract is a call-off, its own ``ocid`` with a
``relatedProcesses`` entry of relationship ``framework`` to the agreement in force when it
began, ``tender.competitive`` false (competitive extension), the buying municipality, an award
to the provider and a contract with its period and price. A social agreement is not an EU
procurement, so the mapping is an approximation; the contract's value is its price per unit
(the amount a day, an hour, a month), said in its description. No personal data: no citizen,
no case reference.

A release's id carries the record's last change, so a change is a new release.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from typing import Any

from agreements.frameworks.models import AgreementView
from marketplace.contracts.calloffs import CallOff
from marketplace.core.money import to_dkk
from marketplace.organisations.models import MunicipalityView, ProviderView
from marketplace.organisations.reference import region_records

PREFIX = "ocds-smkt01"  # not a registered prefix: to be registered before publishing widely
PUBLISHER = {"name": "Socialmarked"}
LICENSE = "https://creativecommons.org/licenses/by/4.0/"
EXTENSIONS = [
    "https://raw.githubusercontent.com/open-contracting-extensions/ocds_techniques_extension/master/extension.json",
    "https://raw.githubusercontent.com/open-contracting-extensions/ocds_competitive_extension/master/extension.json",
]
_UNITS = {"per_day": "dag", "per_hour": "time", "per_month": "måned", "per_year": "år"}
_CONTRACT_STATUS = {
    "active": "active",
    "notice_given": "active",
    "ended": "terminated",
    "cancelled": "cancelled",
}


def _moment(value: datetime.datetime | datetime.date) -> str:
    if isinstance(value, datetime.datetime):
        return value.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return f"{value.isoformat()}T00:00:00Z"


def agreement_ocid(agreement_id: object) -> str:
    return f"{PREFIX}-agreement-{agreement_id}"


def _org(code: str, name: str, roles: list[str]) -> dict[str, Any]:
    scheme = "DK-CVR" if len(code) == 8 else "DK-KOMKODE" if len(code) == 3 else "DK-REGKODE"
    return {
        "id": f"{scheme}-{code}",
        "name": name,
        "identifier": {"scheme": scheme, "id": code, "legalName": name},
        "address": {"countryName": "Danmark"},
        "roles": roles,
    }


def agreement_release(
    agreement: AgreementView, municipalities: dict[str, MunicipalityView]
) -> dict[str, Any]:
    region = region_records().get(agreement.region_code, agreement.region_code)
    parties = [_org(agreement.region_code, region, ["buyer", "procuringEntity"])]
    parties += [
        _org(code, f"{municipalities[code].name} Kommune", ["buyer"])
        for code in agreement.parties
        if code in municipalities
    ]
    ocid = agreement_ocid(agreement.id)
    return {
        "ocid": ocid,
        "id": f"{ocid}-{agreement.updated_at.strftime('%Y%m%dT%H%M%S%f')}",
        "date": _moment(agreement.updated_at),
        "tag": ["tender"],
        "initiationType": "tender",
        "language": "da",
        "parties": parties,
        "buyer": {"id": parties[0]["id"], "name": region},
        "tender": {
            "id": str(agreement.id),
            "title": agreement.name,
            "description": agreement.vision or agreement.name,
            "status": "complete",
            "mainProcurementCategory": "services",
            "techniques": {"hasFrameworkAgreement": True},
            "contractPeriod": {
                "startDate": _moment(agreement.valid_from),
                "endDate": _moment(agreement.valid_to),
            },
        },
    }


def _framework(call_off: CallOff, agreements: Sequence[AgreementView]) -> AgreementView | None:
    return next((a for a in agreements if a.valid_from <= call_off.start_date <= a.valid_to), None)


def _contract(call_off: CallOff) -> dict[str, Any]:
    contract: dict[str, Any] = {
        "id": str(call_off.id),
        "awardID": f"{call_off.id}-award",
        "title": f"{call_off.offer_name} ({call_off.legal_basis})",
        "status": _CONTRACT_STATUS.get(call_off.status, "active"),
        "period": {"startDate": _moment(call_off.start_date)},
        "dateSigned": _moment(call_off.created_at),
    }
    if call_off.end_date is not None:
        contract["period"]["endDate"] = _moment(call_off.end_date)
    if call_off.price_ore is not None and call_off.unit is not None:
        contract["value"] = {"amount": float(to_dkk(call_off.price_ore)), "currency": "DKK"}
        contract["description"] = f"Takst pr. {_UNITS.get(call_off.unit, call_off.unit)}"
    return contract


def call_off_release(
    call_off: CallOff,
    agreements: Sequence[AgreementView],
    municipalities: dict[str, MunicipalityView],
    providers: dict[str, ProviderView],
) -> dict[str, Any]:
    buyer = municipalities.get(call_off.buyer)
    provider = providers.get(call_off.provider_org)
    buyer_party = _org(
        call_off.buyer, f"{buyer.name} Kommune" if buyer else call_off.buyer, ["buyer"]
    )
    supplier = _org(
        call_off.provider_org, provider.name if provider else call_off.provider_org, ["supplier"]
    )
    ocid = f"{PREFIX}-calloff-{call_off.id}"
    contract = _contract(call_off)
    release: dict[str, Any] = {
        "ocid": ocid,
        "id": f"{ocid}-{call_off.updated_at.strftime('%Y%m%dT%H%M%S%f')}",
        "date": _moment(call_off.updated_at),
        "tag": ["award", "contract"],
        "initiationType": "tender",
        "language": "da",
        "parties": [buyer_party, supplier],
        "buyer": {"id": buyer_party["id"], "name": buyer_party["name"]},
        "tender": {
            "id": f"{call_off.id}-tender",
            "competitive": False,
            "procurementMethod": "limited",
            "procurementMethodDetails": "Direkte tildeling under rammeaftale (visitation)",
            "mainProcurementCategory": "services",
        },
        "awards": [
            {
                "id": f"{call_off.id}-award",
                "status": "active",
                "date": _moment(call_off.created_at),
                "suppliers": [{"id": supplier["id"], "name": supplier["name"]}],
            }
        ],
        "contracts": [contract],
    }
    framework = _framework(call_off, agreements)
    if framework is not None:
        release["relatedProcesses"] = [
            {
                "id": "1",
                "relationship": ["framework"],
                "title": framework.name,
                "scheme": "ocid",
                "identifier": agreement_ocid(framework.id),
            }
        ]
    return release


def package(releases: list[dict[str, Any]], uri: str) -> dict[str, Any]:
    return {
        "uri": uri,
        "version": "1.1",
        "extensions": EXTENSIONS,
        "publishedDate": _moment(datetime.datetime.now(datetime.UTC)),
        "publisher": PUBLISHER,
        "license": LICENSE,
        "releases": releases,
    }
