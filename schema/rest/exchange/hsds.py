"""Published offers as Open Referral HSDS 3.1 records: an offer is a ``service``, its provider
an ``organization`` (CVR as an ``organization_identifier``), its address a
``service_at_location`` with a ``location``, its places a ``service_capacity``, its price
levels ``cost_options`` (the newest price list of the year, in DKK), and its FFB target
groups, service types and legal bases ``attributes`` with ``taxonomy_term``.

Identifiers are UUIDs, as HSDS asks: the offer's and provider's own, FFB target groups' own
codes, and fixed name-based UUIDs (uuid5) for the rest, so the same record keeps its ID.
"""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from marketplace.core.money import to_dkk
from marketplace.offers import catalogue, pricing
from marketplace.offers import service as offers
from marketplace.offers.models import OfferRelations, OfferView, PriceListView
from marketplace.offers.taxonomy import legal_bases, service_type_records, target_group_records
from marketplace.organisations import service as organisations
from marketplace.organisations.models import MunicipalityView, ProviderView

NAMESPACE = uuid.UUID("6f1c6b7e-4f0e-5c36-9a59-3d0c1f6f2a10")
_UNITS = {"per_day": "dag", "per_hour": "time", "per_month": "måned", "per_year": "år"}
PLACE_UNIT = {"id": str(uuid.uuid5(NAMESPACE, "unit:place")), "name": "Plads"}


def _id(*parts: object) -> str:
    return str(uuid.uuid5(NAMESPACE, ":".join(str(p) for p in parts)))


# --- taxonomies ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Term:
    id: str
    kind: str  # target_group, service_type, legal_basis
    code: str
    name: str
    description: str
    parent_id: str | None = None


GROUP_PREFIX = "gruppe:"  # the code of an FFB grouping (a term above the target groups)


TAXONOMIES: dict[str, dict[str, Any]] = {
    "target_group": {
        "id": _id("taxonomy", "target_group"),
        "name": "KL FFB målgrupper",
        "description": "Målgrupper i KL's Fælles Faglige Begreber (FFB), som Tilbudsportalen bruger.",
        "uri": "https://www.kl.dk/kommunale-opgaver/social-og-sundhed/faelles-faglige-begreber-ffb",
        "version": "FFB",
    },
    "service_type": {
        "id": _id("taxonomy", "service_type"),
        "name": "Ydelsestyper",
        "description": "Tilbudsportalens 12 ydelsestyper.",
    },
    "legal_basis": {
        "id": _id("taxonomy", "legal_basis"),
        "name": "Lovgrundlag",
        "description": "Paragraffer i serviceloven, barnets lov og sundhedsloven, som tilbud leveres efter.",
    },
}


def _target_group_id(code: str) -> str:
    try:
        return str(uuid.UUID(code))
    except ValueError:
        return _id("target_group", code)


def _group(label: str, parent_id: str | None) -> Term:
    code = f"{GROUP_PREFIX}{label}"
    return Term(_id("target_group", code), "target_group", code, label, "FFB-gruppering", parent_id)


def _target_group_terms() -> list[Term]:
    """The FFB target groups under their groupings: the main group (e.g. "Psykisk
    funktionsnedsættelse") and, where it differs, the group above the target group (e.g.
    "Udviklingsforstyrrelse"), each a term of its own with ``parent_id`` links."""
    groupings: dict[str, Term] = {}
    leaves = []
    for r in target_group_records():
        top = groupings.get(r.group_da) or groupings.setdefault(
            r.group_da, _group(r.group_da, None)
        )
        parent = top
        if r.parent_label_da and r.parent_label_da != r.group_da:
            parent = groupings.get(r.parent_label_da) or groupings.setdefault(
                r.parent_label_da, _group(r.parent_label_da, top.id)
            )
        description = " / ".join(x for x in (r.group_da, r.parent_label_da) if x) or r.label_en
        leaves.append(
            Term(
                _target_group_id(r.code), "target_group", r.code, r.label_da, description, parent.id
            )
        )
    return [*groupings.values(), *leaves]


def target_group_codes_under(term: Term) -> list[str]:
    """The FFB codes a term stands for: its own, or those of every target group below a
    grouping."""
    if not term.code.startswith(GROUP_PREFIX):
        return [term.code]
    every = _target_group_terms()
    children: dict[str | None, list[Term]] = {}
    for t in every:
        children.setdefault(t.parent_id, []).append(t)
    found, waiting = [], [term]
    while waiting:
        for child in children.get(waiting.pop().id, []):
            waiting.append(child)
            if not child.code.startswith(GROUP_PREFIX):
                found.append(child.code)
    return found


def terms() -> list[Term]:
    """Every taxonomy term: FFB target groups (under their groupings), service types, legal
    bases (reference data)."""
    found = _target_group_terms()
    found += [
        Term(_id("service_type", r.code), "service_type", r.code, r.label_da, r.label_en)
        for r in service_type_records()
    ]
    found += [
        Term(
            _id("legal_basis", b.value),
            "legal_basis",
            b.value,
            f"{info.law} {info.paragraph}",
            info.title_da,
        )
        for b, info in legal_bases().items()
    ]
    return found


def terms_by_id() -> dict[str, Term]:
    return {t.id: t for t in terms()}


def terms_by_code() -> dict[tuple[str, str], Term]:
    return {(t.kind, t.code): t for t in terms()}


def taxonomy_json(kind: str) -> dict[str, Any]:
    return dict(TAXONOMIES[kind])


def term_json(term: Term) -> dict[str, Any]:
    return _without_none(
        {
            "id": term.id,
            "code": term.code,
            "name": term.name,
            "description": term.description,
            "parent_id": term.parent_id,
            "taxonomy": TAXONOMIES[term.kind]["name"],
            "taxonomy_id": TAXONOMIES[term.kind]["id"],
            "language": "da",
        }
    )


# --- organisations ------------------------------------------------------------------------------


def _website(url: str | None) -> str | None:
    if not url:
        return None
    return url if url.startswith(("http://", "https://")) else f"https://{url}"


def organization_json(provider: ProviderView) -> dict[str, Any]:
    """A provider as an HSDS organization (one-to-one fields and its identifiers)."""
    identifiers = []
    if provider.cvr:
        identifiers.append(
            {
                "id": _id("cvr", provider.id),
                "organization_id": str(provider.id),
                "identifier_scheme": "DK:CVR",
                "identifier_type": "CVR-nummer",
                "identifier": provider.cvr,
            }
        )
    identifiers.append(
        {
            "id": _id("org_code", provider.id),
            "organization_id": str(provider.id),
            "identifier_scheme": "socialmarked",
            "identifier_type": "Organisationskode (kommunekode, regionskode eller CVR)",
            "identifier": provider.org_code,
        }
    )
    record: dict[str, Any] = {
        "id": str(provider.id),
        "name": provider.name,
        "description": provider.description,
        "email": provider.email,
        "website": _website(provider.website),
        "tax_id": provider.cvr,
        "legal_status": provider.owner_type.value,
        "organization_identifiers": identifiers,
    }
    if provider.phone:
        record["phones"] = [{"id": _id("phone", provider.id), "number": provider.phone}]
    return _without_none(record)


def organization_list_json(provider: ProviderView) -> dict[str, Any]:
    full = organization_json(provider)
    full.pop("organization_identifiers")
    full.pop("phones", None)
    return full


# --- services -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ServiceFacts:
    """What a page of services needs beside the offers, each read once for the page."""

    relations: dict[uuid.UUID, OfferRelations]
    prices: dict[uuid.UUID, list[PriceListView]]
    providers: dict[uuid.UUID, ProviderView]
    municipalities: dict[str, MunicipalityView]


async def facts_of(found: Sequence[OfferView]) -> ServiceFacts:
    """The relations of a page of offers: a fixed number of statements."""
    ids = [o.id for o in found]
    return ServiceFacts(
        relations=await offers.relations_by_offer(ids),
        prices=await pricing.price_lists_by_offer(ids),
        providers=await organisations.providers_by_id({o.provider_id for o in found}),
        municipalities=await organisations.municipalities_by_code(
            sorted({o.municipality_code for o in found if o.municipality_code})
        ),
    )


def last_modified(offer: OfferView, prices: Iterable[PriceListView]) -> datetime.datetime:
    return max([offer.updated_at, *(p.published_at for p in prices)])


def _attributes(offer: OfferView, relations: OfferRelations) -> list[dict[str, Any]]:
    known = terms_by_code()
    wanted = [
        *(("target_group", c) for c in relations.target_groups),
        *(("service_type", c) for c in relations.service_types),
        *(("legal_basis", b.value) for b in relations.legal_bases),
    ]
    return [
        {
            "id": _id("attribute", offer.id, known[key].id),
            "link_id": str(offer.id),
            "link_type": key[0],
            "link_entity": "service",
            "taxonomy_term_id": known[key].id,
            "taxonomy_term": term_json(known[key]),
        }
        for key in wanted
        if key in known
    ]


def _capacity(offer: OfferView) -> dict[str, Any]:
    return {
        "id": _id("capacity", offer.id),
        "service_id": str(offer.id),
        "unit": PLACE_UNIT,
        "available": max(offer.capacity_places - offer.occupied_places, 0),
        "maximum": offer.capacity_places,
        "description": "Ledige og samlede pladser",
        "updated": offer.updated_at.astimezone(datetime.UTC).isoformat(),
    }


def _cost_options(offer: OfferView, versions: Sequence[PriceListView]) -> list[dict[str, Any]]:
    """The price levels of the newest version of each year's price list (the base price where
    a list has no levels), in DKK per unit; VAT as the list says."""
    options: list[dict[str, Any]] = []
    for year in sorted({v.year for v in versions}):
        price_list = pricing.latest(versions, year)
        assert price_list is not None
        levels = [(lv.name, lv.covers, lv.price_ore) for lv in price_list.levels] or [
            ("Grundtakst", "", price_list.base_price_ore)
        ]
        vat = "inkl. moms" if price_list.vat_included else "momsfri/ekskl. moms"
        for position, (name, covers, price_ore) in enumerate(levels):
            options.append(
                {
                    "id": _id("cost", price_list.id, position),
                    "service_id": str(offer.id),
                    "valid_from": price_list.valid_from.isoformat(),
                    "valid_to": datetime.date(year, 12, 31).isoformat(),
                    "option": name,
                    "currency": "DKK",
                    "amount": float(to_dkk(price_ore)),
                    "amount_description": (
                        f"Pr. {_UNITS[price_list.unit.value]}, {vat}. {covers}".strip()
                    ),
                }
            )
    return options


def _location(offer: OfferView, municipality: MunicipalityView | None) -> list[dict[str, Any]]:
    if not offer.street_address and offer.latitude is None:
        return []
    location: dict[str, Any] = {
        "id": _id("location", offer.id),
        "location_type": "physical",
        "name": offer.name,
        "latitude": offer.latitude,
        "longitude": offer.longitude,
    }
    if offer.street_address and offer.postal_code and offer.city:
        location["addresses"] = [
            {
                "id": _id("address", offer.id),
                "location_id": location["id"],
                "address_1": offer.street_address,
                "city": offer.city,
                "state_province": municipality.name if municipality else offer.city,
                "postal_code": offer.postal_code,
                "country": "DK",
                "address_type": "physical",
            }
        ]
    return [
        {
            "id": _id("service_at_location", offer.id),
            "service_id": str(offer.id),
            "location_id": location["id"],
            "location": _without_none(location),
        }
    ]


def _service_areas(offer: OfferView, municipality: MunicipalityView | None) -> list[dict[str, Any]]:
    if municipality is None:
        return []
    return [
        {
            "id": _id("service_area", offer.id, municipality.code),
            "service_id": str(offer.id),
            "name": f"{municipality.name} Kommune",
            "description": (
                "Tilbuddets beliggenhedskommune; tilbuddet kan købes af alle kommuner."
            ),
            "extent_type": "municipality_code",
            "extent": municipality.code,
        }
    ]


def service_list_json(offer: OfferView, facts: ServiceFacts) -> dict[str, Any]:
    """A published offer as a service in a list: its one-to-one fields."""
    prices = facts.prices.get(offer.id, [])
    return _without_none(
        {
            "id": str(offer.id),
            "organization_id": str(offer.provider_id),
            "name": offer.name,
            "description": offer.description,
            "status": "active",
            "eligibility_description": f"{offer.age_segment.value}, {offer.min_age}-{offer.max_age} år",
            "minimum_age": offer.min_age,
            "maximum_age": offer.max_age,
            "assured_date": offer.approved_on.isoformat() if offer.approved_on else None,
            "last_modified": last_modified(offer, prices).astimezone(datetime.UTC).isoformat(),
        }
    )


def service_json(offer: OfferView, facts: ServiceFacts) -> dict[str, Any]:
    """A published offer as a fully nested service."""
    municipality = facts.municipalities.get(offer.municipality_code or "")
    provider = facts.providers.get(offer.provider_id)
    record = service_list_json(offer, facts)
    record |= {
        "organization": organization_json(provider) if provider else None,
        "capacities": [_capacity(offer)],
        "cost_options": _cost_options(offer, facts.prices.get(offer.id, [])),
        "service_at_locations": _location(offer, municipality),
        "service_areas": _service_areas(offer, municipality),
        "attributes": _attributes(
            offer, facts.relations.get(offer.id) or OfferRelations.model_validate({})
        ),
    }
    return _without_none(record)


def service_at_location_id(offer_id: uuid.UUID) -> str:
    return _id("service_at_location", offer_id)


def service_at_location_json(
    offer: OfferView, facts: ServiceFacts, *, full: bool = False
) -> dict[str, Any] | None:
    """A published offer's address as a service_at_location, with its location and (in a
    list) the service's one-to-one fields; ``full`` adds the service areas and the attributes
    and nests the whole service. None for an offer without an address (none is published
    without one)."""
    municipality = facts.municipalities.get(offer.municipality_code or "")
    found = _location(offer, municipality)
    if not found:
        return None
    record = found[0]
    record["description"] = f"{offer.name} på adressen"
    if not full:
        return record | {"service": service_list_json(offer, facts)}
    return record | {
        "service_areas": _service_areas(offer, municipality),
        "attributes": _attributes(
            offer, facts.relations.get(offer.id) or OfferRelations.model_validate({})
        ),
        "service": service_json(offer, facts),
    }


def api_json(openapi_url: str) -> dict[str, Any]:
    """The HSDS API's root: which version of the standard it serves, and where its OpenAPI
    description is."""
    return {
        "version": "3.1",
        "profile": "https://docs.openreferral.org/en/latest/hsds/overview.html",
        "openapi_url": openapi_url,
    }


def page_json(result: catalogue.Numbered[Any], contents: list[dict[str, Any]]) -> dict[str, Any]:
    """The HSDS ``Page`` wrapper around a list of records."""
    pages = max(1, -(-result.total // result.page.size))
    return {
        "total_items": result.total,
        "total_pages": pages,
        "page_number": result.page.number,
        "size": len(contents),
        "first_page": result.page.number == 1,
        "last_page": result.page.number >= pages,
        "empty": result.total == 0,
        "contents": contents,
    }


def _without_none(record: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in record.items() if v is not None}
