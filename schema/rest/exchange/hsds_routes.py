"""HSDS 3.1 read-only API under /hsds/: published offers as services, their providers as
organizations, and the taxonomies they are described with. Public, like the published
offers themselves; no personal data."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import MediaType, Request, Response, get
from litestar.params import FromPath, QueryParameter

from marketplace.core.errors import DomainError, ErrorCode
from marketplace.offers import catalogue
from marketplace.offers.catalogue import OfferFilter, PageNumber
from schema.rest.documented import PUBLIC, PUBLIC_BY_ID, REFUSED_TOKEN
from schema.rest.exchange import hsds
from schema.rest.exchange.params import modified_after, uuid_of

TAGS = ["hsds"]
_SEARCH = QueryParameter(description="Words in the name (case-insensitive).")
_MODIFIED = QueryParameter(
    description="Only records changed on or after this ISO 8601 timestamp (a new price list "
    "version counts as a change of the service)."
)
_PAGE = QueryParameter(description="The page's number, from 1.")
_PER_PAGE = QueryParameter(description="Records per page, 1-100 (20).")


def _json(body: dict[str, Any]) -> Response[dict[str, Any]]:
    return Response(body, media_type=MediaType.JSON)


def _term_filter(taxonomy_term_id: str | None) -> dict[str, list[str]]:
    if not taxonomy_term_id:
        return {}
    term = hsds.terms_by_id().get(taxonomy_term_id.strip())
    if term is None:
        raise DomainError(
            ErrorCode.INVALID,
            f"There is no taxonomy term {taxonomy_term_id[:40]!r}; see /hsds/taxonomy_terms.",
            ["taxonomy_term_id"],
        )
    field = {"target_group": "target_groups", "service_type": "service_types"}
    return {field.get(term.kind, "legal_bases"): hsds.target_group_codes_under(term)}


def _offer_filter(
    search: str | None,
    taxonomy_term_id: str | None,
    organization_id: str | None,
    modified_after_: str | None,
) -> OfferFilter:
    """The filters of the offer lists (`/hsds/services`, `/hsds/service_at_locations`)."""
    return OfferFilter(
        search=search,
        provider_id=(
            uuid_of(organization_id, "organization", "organization_id") if organization_id else None
        ),
        modified_after=modified_after(modified_after_),
        **_term_filter(taxonomy_term_id),  # type: ignore[arg-type]
    )


@get(
    "/hsds/services",
    tags=TAGS,
    summary="Published offers as HSDS services (a Page of service_list records)",
    responses=PUBLIC_BY_ID,  # an organization_id that no organization can have
    description=(
        "Filters: `search`, `taxonomy_term_id` (an FFB target group, a service type or a legal "
        "basis; see `/hsds/taxonomy_terms`), `organization_id` (a provider's UUID), "
        "`modified_after`. Paged with `page` and `per_page`. No token needed."
    ),
)
async def hsds_services(
    search: Annotated[str | None, _SEARCH] = None,
    taxonomy_term_id: Annotated[str | None, QueryParameter()] = None,
    organization_id: Annotated[str | None, QueryParameter()] = None,
    modified_after_: Annotated[str | None, QueryParameter(name="modified_after")] = None,
    page: Annotated[str | None, _PAGE] = None,
    per_page: Annotated[str | None, _PER_PAGE] = None,
) -> Response[dict[str, Any]]:
    wanted = _offer_filter(search, taxonomy_term_id, organization_id, modified_after_)
    found = await catalogue.published_offers(wanted, _page(page, per_page))
    facts = await hsds.facts_of(found.items)
    return _json(hsds.page_json(found, [hsds.service_json(o, facts) for o in found.items]))


@get(
    "/hsds/services/{service_id:str}",
    tags=TAGS,
    summary="A published offer as a fully nested HSDS service",
    responses=PUBLIC_BY_ID,
)
async def hsds_service(service_id: FromPath[str]) -> Response[dict[str, Any]]:
    offer = await catalogue.published_offer(uuid_of(service_id, "service", "id"))
    if offer is None:
        raise DomainError(ErrorCode.NOT_FOUND, "There is no such service.", ["id"])
    facts = await hsds.facts_of([offer])
    return _json(hsds.service_json(offer, facts))


@get(
    "/hsds/organizations",
    tags=TAGS,
    summary="Providers with published offers as HSDS organizations (a Page)",
    responses=PUBLIC,
)
async def hsds_organizations(
    search: Annotated[str | None, _SEARCH] = None,
    modified_after_: Annotated[str | None, QueryParameter(name="modified_after")] = None,
    page: Annotated[str | None, _PAGE] = None,
    per_page: Annotated[str | None, _PER_PAGE] = None,
) -> Response[dict[str, Any]]:
    found = await catalogue.offering_providers(
        _page(page, per_page), search=search, modified_after=modified_after(modified_after_)
    )
    return _json(hsds.page_json(found, [hsds.organization_json(p) for p in found.items]))


@get(
    "/hsds/organizations/{organization_id:str}",
    tags=TAGS,
    summary="A provider with published offers as an HSDS organization, with its services",
    responses=PUBLIC_BY_ID,
)
async def hsds_organization(organization_id: FromPath[str]) -> Response[dict[str, Any]]:
    provider_id = uuid_of(organization_id, "organization", "id")
    found = await catalogue.offering_providers(PageNumber(1, 1), provider_id=provider_id)
    if not found.items:
        raise DomainError(ErrorCode.NOT_FOUND, "There is no such organization.", ["id"])
    services = await catalogue.published_offers(
        OfferFilter(provider_id=provider_id), PageNumber(1, 100)
    )
    facts = await hsds.facts_of(services.items)
    record = hsds.organization_json(found.items[0])
    record["services"] = [hsds.service_list_json(o, facts) for o in services.items]
    return _json(record)


@get(
    "/hsds/taxonomies",
    tags=TAGS,
    summary="The taxonomies services are described with",
    responses=PUBLIC,
)
async def hsds_taxonomies(
    page: Annotated[str | None, _PAGE] = None,
    per_page: Annotated[str | None, _PER_PAGE] = None,
) -> Response[dict[str, Any]]:
    return _json(_paged([hsds.taxonomy_json(k) for k in hsds.TAXONOMIES], page, per_page))


@get(
    "/hsds/taxonomy_terms",
    tags=TAGS,
    summary="The taxonomy terms: FFB target groups, service types, legal bases (a Page)",
    responses=PUBLIC,
)
async def hsds_taxonomy_terms(
    search: Annotated[str | None, _SEARCH] = None,
    taxonomy_id: Annotated[str | None, QueryParameter()] = None,
    page: Annotated[str | None, _PAGE] = None,
    per_page: Annotated[str | None, _PER_PAGE] = None,
) -> Response[dict[str, Any]]:
    records = [hsds.term_json(t) for t in hsds.terms()]
    if taxonomy_id:
        records = [r for r in records if r["taxonomy_id"] == taxonomy_id.strip()]
    if search:
        needle = search.casefold().strip()
        records = [r for r in records if needle in f"{r['name']} {r['code']}".casefold()]
    return _json(_paged(records, page, per_page))


def _whole(value: str | None, field: str) -> int | None:
    """A page number or size as the client wrote it: digits only ("2", not "2.0")."""
    text = (value or "").strip()
    if not text:
        return None
    if not text.isascii() or not text.isdigit():
        raise DomainError(
            ErrorCode.INVALID, f"`{field}` is a whole number; got {text[:20]!r}.", [field]
        )
    return int(text)  # what was checked (str.strip drops separators int() refuses)


def _page(page: str | None, per_page: str | None) -> PageNumber:
    return PageNumber.of(_whole(page, "page"), _whole(per_page, "per_page"))


def _paged(records: list[dict[str, Any]], page: str | None, per_page: str | None) -> dict[str, Any]:
    at = _page(page, per_page)
    shown = records[at.offset : at.offset + at.size]
    return hsds.page_json(catalogue.Numbered(shown, len(records), at), shown)


@get(
    "/hsds",
    tags=TAGS,
    summary="The HSDS API's root: the version of the standard served and its OpenAPI",
    responses={401: REFUSED_TOKEN},  # a bearer token is checked when one is sent
)
async def hsds_root(request: Request[Any, Any, Any]) -> Response[dict[str, Any]]:
    return _json(hsds.api_json(str(request.base_url).rstrip("/") + "/schema/openapi.json"))


@get(
    "/hsds/service_at_locations",
    tags=TAGS,
    summary="Published offers at their addresses as HSDS service_at_location records (a Page)",
    description=(
        "One record per published offer (an offer is published with its address), with its "
        "location and the service's one-to-one fields. "
        "Filters as `/hsds/services`: `search`, `taxonomy_term_id`, `organization_id`, "
        "`modified_after`; paged with `page` and `per_page`. No token needed."
    ),
    responses=PUBLIC_BY_ID,  # an organization_id that no organization can have
)
async def hsds_service_at_locations(
    search: Annotated[str | None, _SEARCH] = None,
    taxonomy_term_id: Annotated[str | None, QueryParameter()] = None,
    organization_id: Annotated[str | None, QueryParameter()] = None,
    modified_after_: Annotated[str | None, QueryParameter(name="modified_after")] = None,
    page: Annotated[str | None, _PAGE] = None,
    per_page: Annotated[str | None, _PER_PAGE] = None,
) -> Response[dict[str, Any]]:
    wanted = _offer_filter(search, taxonomy_term_id, organization_id, modified_after_)
    found = await catalogue.published_offers(wanted, _page(page, per_page))
    facts = await hsds.facts_of(found.items)
    records = [hsds.service_at_location_json(o, facts) for o in found.items]
    return _json(hsds.page_json(found, [r for r in records if r is not None]))


@get(
    "/hsds/service_at_locations/{service_at_location_id:str}",
    tags=TAGS,
    summary="A published offer at its address as a fully nested HSDS service_at_location",
    responses=PUBLIC_BY_ID,
)
async def hsds_service_at_location(
    service_at_location_id: FromPath[str],
) -> Response[dict[str, Any]]:
    wanted = str(uuid_of(service_at_location_id, "service_at_location", "id"))
    offer_id = next(
        (
            i
            for i in await catalogue.published_offer_ids()
            if hsds.service_at_location_id(i) == wanted
        ),
        None,
    )
    offer = await catalogue.published_offer(offer_id) if offer_id else None
    record = (
        hsds.service_at_location_json(offer, await hsds.facts_of([offer]), full=True)
        if offer
        else None
    )
    if record is None:
        raise DomainError(ErrorCode.NOT_FOUND, "There is no such service_at_location.", ["id"])
    return _json(record)


ROUTES = [
    hsds_root,
    hsds_service_at_locations,
    hsds_service_at_location,
    hsds_services,
    hsds_service,
    hsds_organizations,
    hsds_organization,
    hsds_taxonomies,
    hsds_taxonomy_terms,
]
