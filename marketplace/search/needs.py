"""The search a need is sent by: the need's own facts are the search's filters (any of its
target groups, its age, its legal basis, its area, acute placements for an acute need, its
price ceiling on the base price per day), and what the buyer asked beyond them (text,
categories, service types, methods, free places, unique statuses) narrows it. Published
offers only; the nearest first (or the most relevant, with a text). Contracting asks it
through the seam ``marketplace.contracts.needs.use_offer_search``.

It searches as no one in particular, so it is not recorded as a purchaser's search: the
need itself, and the declines it meets, are the demand signals.
"""

from __future__ import annotations

import uuid

from marketplace.contracts.models import NeedMatch, PlacementNeedCreate, Urgency
from marketplace.core.identity import Principal
from marketplace.core.pagination import PageRequest
from marketplace.search.models import Near, OfferSort, SearchCriteria
from marketplace.search.service import search_offers


def _area(need: PlacementNeedCreate, point: tuple[float, float]) -> dict[str, object]:
    """The area as search filters: a municipality's or a region's offers, or a point and a
    radius; without one (or a place's offers) the search sorts by the distance from
    ``point``."""
    area = need.area
    if area is not None and area.near:
        near = Near(
            municipality_code=area.municipality_code if area.latitude is None else None,
            latitude=area.latitude,
            longitude=area.longitude,
            radius_km=area.radius_km,
        )
        return {"near": near}
    filters: dict[str, object] = {"near": Near(latitude=point[0], longitude=point[1])}
    if area is not None and area.municipality_code is not None:
        filters["municipality_codes"] = [area.municipality_code]
    elif area is not None and area.region_code is not None:
        filters["region_codes"] = [area.region_code]
    return filters


def criteria_for(need: PlacementNeedCreate, point: tuple[float, float]) -> SearchCriteria:
    """The search criteria of a need: its facts, and what its ``match`` asks beyond them."""
    match = need.match or NeedMatch()
    return SearchCriteria.model_validate(
        {
            "query": match.query,
            "any_target_groups": need.target_groups,
            "legal_bases": [need.legal_basis] if need.legal_basis else [],
            "categories": match.categories,
            "service_types": match.service_types,
            "age": need.age,
            "max_price_per_day": need.max_price_per_day,
            "free_places": match.free_places,
            "free_from": match.free_from,
            "methods": match.methods,
            "unique_statuses": match.unique_statuses,
            "acute": need.urgency is Urgency.ACUTE,
            "sort": OfferSort.RELEVANCE if match.query else OfferSort.DISTANCE,
            **_area(need, point),
        }
    )


async def offers_for_need(
    need: PlacementNeedCreate, point: tuple[float, float], limit: int
) -> tuple[list[uuid.UUID], int]:
    """The first ``limit`` published offers the need's search finds, and how many it found."""
    page = await search_offers(
        Principal.anonymous(), criteria_for(need, point), PageRequest(first=limit)
    )
    return [hit.offer.id for hit in page.hits], page.total_count
