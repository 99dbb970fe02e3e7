"""Finding offers: the search with its filters and facets (all in the URL, so a search can be
shared and bookmarked), and an offer's page."""

from __future__ import annotations

import datetime
import uuid
from dataclasses import dataclass
from typing import Any

from litestar import Request, get
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Template
from pydantic import ValidationError

from agreements.frameworks import rulebook
from marketplace.contracts import capacity
from marketplace.core.clock import today
from marketplace.core.errors import DomainError
from marketplace.core.pagination import PageRequest, encode_offset
from marketplace.offers import pricing
from marketplace.offers import service as offers
from marketplace.offers.models import OfferCategory, OfferView, PriceQuote, supervising_authority
from marketplace.offers.taxonomy import legal_bases, target_group_records
from marketplace.organisations import service as organisations
from marketplace.organisations.reference import municipality_records, region_records
from marketplace.search import service as search
from marketplace.search.models import OfferSort, SearchCriteria
from web import labels
from web.forms import invalid
from web.render import is_htmx, page
from web.security import principal_of

PER_PAGE = 20
MAX_PAGE = 500


@dataclass(frozen=True)
class OfferCard:
    """An offer as a result shows it: the price in force and the places free today."""

    offer: OfferView
    price: PriceQuote | None
    free: int
    distance_km: float | None = None


async def offer_cards(
    views: list[OfferView], day: datetime.date, distances: list[float | None] | None = None
) -> list[OfferCard]:
    """Cards for ``views`` in three statements, whatever their number."""
    ids = [v.id for v in views]
    contracted = await capacity.contracted_on(ids, day)
    prices = await pricing.price_lists_by_offer(ids, day.year)
    cards = []
    for i, view in enumerate(views):
        occupied = view.occupied_places + contracted.get(view.id, 0)
        cards.append(
            OfferCard(
                offer=view,
                price=pricing.quote(prices.get(view.id, []), day, None),
                free=max(view.capacity_places - occupied, 0),
                distance_km=distances[i] if distances else None,
            )
        )
    return cards


# The search's parameters in the URL: short Danish names.
LISTS = {
    "maalgruppe": "any_target_groups",
    "kategori": "categories",
    "paragraf": "legal_bases",
    "region": "region_codes",
    "kommune": "municipality_codes",
}
SCALARS = {"q": "query", "alder": "age", "maks_pris": "max_price_per_day", "sortering": "sort"}
FLAGS = {"ledige": "free_places", "akut": "acute"}


def criteria_data(params: Any) -> dict[str, Any]:
    """The search's criteria as the domain names them, from the URL's parameters."""
    data: dict[str, Any] = {}
    for name, field in LISTS.items():
        chosen = [v for v in params.getall(name, []) if v]
        if chosen:
            data[field] = chosen
    for name, field in SCALARS.items():
        value = (params.get(name) or "").strip()
        if value:
            data[field] = value.replace(",", ".") if name == "maks_pris" else value
    for name, field in FLAGS.items():
        if params.get(name):
            data[field] = True
    near = (params.get("naer") or "").strip()
    if near:
        data["near"] = {"municipality_code": near}
        radius = (params.get("radius") or "").strip()
        if radius:
            data["near"]["radius_km"] = radius.replace(",", ".")
    return data


FIELD_OF = {**{v: k for k, v in {**LISTS, **SCALARS, **FLAGS}.items()}, "near": "naer"}


def _page_number(params: Any) -> int:
    try:
        number = int(params.get("side") or 1)
    except ValueError:
        return 1
    return min(max(number, 1), MAX_PAGE)


def search_choices() -> dict[str, list[tuple[str, str]]]:
    return {
        "target_groups": [(r.code, r.label_da) for r in target_group_records()],
        "categories": labels.options(OfferCategory),
        "legal_bases": labels.legal_basis_options(),
        "regions": sorted(region_records().items()),
        "municipalities": sorted(
            ((m.code, m.name) for m in municipality_records()), key=lambda c: c[1]
        ),
        "sorts": labels.options(OfferSort),
    }


@get("/tilbud", name="search")
async def search_page(request: Request[Any, Any, Any]) -> Template:
    params = request.query_params
    data = criteria_data(params)
    number = _page_number(params)
    values = {
        k: (params.getall(k, []) if k in LISTS else params.get(k, ""))
        for k in [*LISTS, *SCALARS, *FLAGS, "naer", "radius"]
    }
    context: dict[str, Any] = {
        "values": values,
        "choices": search_choices(),
        "errors": {},
        "cards": [],
        "facets": {},
        "total": 0,
        "number": number,
        "pages": 0,
    }
    try:
        criteria = SearchCriteria.model_validate(data)
    except ValidationError as error:
        found = invalid(error)
        context["errors"] = {
            FIELD_OF.get(path.split(".")[0], path): text for path, text in found.fields.items()
        }
    else:
        context.update(await _results(request, criteria, number))
    template = "search/_results.html" if is_htmx(request) else "search/search.html"
    return page(request, template, **context)


async def _results(
    request: Request[Any, Any, Any], criteria: SearchCriteria, number: int
) -> dict[str, Any]:
    principal = principal_of(request)
    after = encode_offset((number - 1) * PER_PAGE) if number > 1 else None
    found = await search.search_offers(principal, criteria, PageRequest(PER_PAGE, after))
    facets = await search.facets(found.plan) if found.plan is not None else {}
    cards = await offer_cards(
        [h.offer for h in found.hits], today(), [h.distance_km for h in found.hits]
    )
    return {
        "cards": cards,
        "facets": facets,
        "total": found.total_count,
        "pages": min(-(-found.total_count // PER_PAGE), MAX_PAGE),
        "sort": criteria.effective_sort,
    }


@get("/tilbud/{offer_id:uuid}", name="offer")
async def offer_page(request: Request[Any, Any, Any], offer_id: FromPath[uuid.UUID]) -> Template:
    principal = principal_of(request)
    offer = await offers.get_offer(principal, offer_id)
    if offer is None:
        raise NotFoundException()
    day = today()
    relations = (await offers.relations_by_offer([offer.id])).get(offer.id)
    bases = relations.legal_bases if relations else []
    [card] = await offer_cards([offer], day)
    versions = await pricing.price_lists_by_offer([offer.id])
    by_year: dict[int, Any] = {}
    for year in (day.year, day.year + 1):
        by_year[year] = pricing.latest([v for v in versions[offer.id] if v.year == year], year)
    provider = await organisations.get_provider(offer.provider_id)
    rules = None
    if principal.is_authenticated:
        try:
            rules = await rulebook.applicable_rules(principal, offer.id, day)
        except DomainError:
            rules = None
    return page(
        request,
        "offers/offer.html",
        offer=offer,
        card=card,
        relations=relations,
        bases=[legal_bases()[b] for b in bases],
        authority=supervising_authority(offer.category, bases),
        price_lists=by_year,
        provider=provider,
        rules=rules,
        may_request=principal.role is not None and principal.role.value == "purchaser",
        day=day,
    )


ROUTES = [search_page, offer_page]
