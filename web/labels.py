"""Danish names of the domain's closed sets, as the pages show them."""

from __future__ import annotations

from enum import StrEnum
from functools import cache

from marketplace.contracts.models import (
    ContractStatus,
    DeclineReason,
    ProposalStatus,
    RequestStatus,
    Urgency,
)
from marketplace.core.identity import Role
from marketplace.offers.models import (
    AgeSegment,
    ApprovalStatus,
    OfferCategory,
    OfferStatus,
    PriceUnit,
    SpecialCondition,
    UniqueOfferStatus,
)
from marketplace.offers.taxonomy import (
    LegalBasis,
    legal_bases,
    service_type_records,
    target_group_records,
)
from marketplace.organisations.reference import municipality_records, region_records
from marketplace.search.models import OfferSort

LABELS: dict[type[StrEnum], dict[str, str]] = {
    Role: {
        "purchaser": "Indkøber (visitation)",
        "provider_admin": "Tilbudsadministrator",
        "steering": "Styregruppe",
        "registry_admin": "Registeradministrator",
    },
    OfferCategory: {
        "residential": "Botilbud (døgn)",
        "day": "Dagtilbud",
        "outpatient": "Ambulant tilbud",
    },
    AgeSegment: {"children_and_youth": "Børn og unge", "adults": "Voksne"},
    OfferStatus: {
        "draft": "Kladde",
        "published": "Offentliggjort",
        "suspended": "Midlertidigt lukket for henvendelser",
        "closed": "Lukket",
    },
    UniqueOfferStatus: {
        "none": "Ingen",
        "reinforced_cooperation": "Forstærket samarbejde",
        "emergency_track": "Nødspor",
    },
    SpecialCondition: {
        "objective_financing_startup": "Objektiv finansiering i opstarten",
        "lower_occupancy_pct": "Lavere belægningsprocent",
        "collective_deficit_cover": "Fælles dækning af underskud",
    },
    ApprovalStatus: {
        "not_applied": "Ikke søgt",
        "applied": "Ansøgt",
        "approved": "Godkendt",
        "rejected": "Afvist",
    },
    PriceUnit: {
        "per_day": "pr. dag",
        "per_hour": "pr. time",
        "per_month": "pr. måned",
        "per_year": "pr. år",
    },
    RequestStatus: {
        "for_approval": "Afventer godkendelse",
        "refused": "Ikke godkendt",
        "pending": "Afventer svar",
        "proposed": "Modforslag fra tilbuddet",
        "accepted": "Accepteret",
        "declined": "Afslået",
        "rejected": "Modforslag afvist",
        "withdrawn": "Trukket tilbage",
        "expired": "Udløbet",
    },
    ProposalStatus: {
        "open": "Afventer svar",
        "accepted": "Accepteret",
        "rejected": "Afvist",
        "expired": "Udløbet",
    },
    Urgency: {"planned": "Planlagt", "acute": "Akut"},
    DeclineReason: {
        "no_capacity": "Ingen ledig plads",
        "target_group_mismatch": "Målgruppen passer ikke",
        "other": "Andet",
    },
    ContractStatus: {
        "active": "I gang",
        "notice_given": "Opsagt",
        "ended": "Ophørt",
        "cancelled": "Annulleret",
    },
    OfferSort: {
        "relevance": "Bedst match",
        "distance": "Afstand",
        "price": "Pris",
        "free_places": "Ledige pladser",
        "name": "Navn",
    },
}


def label(value: object) -> str:
    """The Danish name of an enum member (or of a code: legal basis, target group ...)."""
    if isinstance(value, LegalBasis):
        info = legal_bases()[value]
        return f"{info.law} {info.paragraph}"
    if isinstance(value, StrEnum):
        return LABELS.get(type(value), {}).get(value.value, value.value)
    return "" if value is None else str(value)


def options(kind: type[StrEnum]) -> list[tuple[str, str]]:
    """(value, Danish name) of every member, in declaration order."""
    return [(member.value, label(member)) for member in kind]


def legal_basis_options() -> list[tuple[str, str]]:
    return [
        (basis.value, f"{info.law} {info.paragraph} – {info.title_da}")
        for basis, info in legal_bases().items()
        if not info.historical
    ]


def target_group_name(code: str) -> str:
    return _target_groups().get(code, code)


def service_type_name(code: str) -> str:
    return _service_types().get(code, code)


def municipality_name(code: str | None) -> str:
    if code is None:
        return ""
    return _municipalities().get(code, code)


def region_name(code: str) -> str:
    return region_records().get(code, code)


@cache
def _target_groups() -> dict[str, str]:
    return {r.code: r.label_da for r in target_group_records()}


@cache
def _service_types() -> dict[str, str]:
    return {r.code: r.label_da for r in service_type_records()}


@cache
def _municipalities() -> dict[str, str]:
    return {m.code: m.name for m in municipality_records()}


EVENTS = {
    "created": "Oprettet som kladde",
    "updated": "Rettet",
    "published": "Offentliggjort",
    "suspended": "Midlertidigt lukket for henvendelser",
    "closed": "Lukket",
    "price_list_published": "Takster offentliggjort",
    "requested": "Anmodning sendt",
    "approved": "Godkendt inden for rammen",
    "refused": "Ikke godkendt",
    "proposed": "Modforslag sendt",
    "accepted": "Accepteret",
    "declined": "Afslået",
    "rejected": "Modforslag afvist",
    "withdrawn": "Trukket tilbage",
    "expired": "Udløbet uden svar",
    "signed": "Kontrakt indgået",
    "notice_given": "Opsagt",
    "cancelled": "Annulleret før start",
    "ended": "Ophørt",
    "change_proposed": "Ændring foreslået",
    "change_accepted": "Ændring accepteret",
    "change_rejected": "Ændring afvist",
}


def event_name(kind: str) -> str:
    return EVENTS.get(kind, kind)


def organisation_name(code: str | None) -> str:
    """A municipality's or region's name; a private provider by its CVR number."""
    if not code:
        return ""
    if code == "system":
        return "systemet"
    if len(code) == 3:
        return municipality_name(code) + " Kommune"
    if len(code) == 4:
        return region_name(code)
    return f"CVR {code}"
