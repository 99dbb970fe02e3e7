"""GraphQL face of offer search."""

from __future__ import annotations

import datetime
from decimal import Decimal

import strawberry
from strawberry import UNSET, relay

from marketplace.core.errors import DomainError, DomainErrors, parse
from marketplace.core.pagination import PageRequest
from marketplace.offers.taxonomy import legal_bases, target_group_records
from marketplace.organisations.reference import region_records
from marketplace.search import service as search
from marketplace.search.models import OfferSort as DomainOfferSort
from marketplace.search.models import SearchCriteria
from schema.context import Info
from schema.convert import input_data
from schema.marketplace.offers.types import LegalBasis, Offer, OfferCategory, UniqueOfferStatus
from schema.relay import page_info

OfferSort = strawberry.enum(
    DomainOfferSort,
    name="OfferSort",
    description="RELEVANCE is the default with a query, DISTANCE with `near`, NAME otherwise.",
)


@strawberry.input(description="A point and a radius: a municipality's seat, or coordinates.")
class NearInput:
    municipality_code: str | None = UNSET
    latitude: float | None = UNSET
    longitude: float | None = UNSET
    radius_km: float | None = strawberry.field(default=UNSET, description="Leave out to only sort.")


@strawberry.input(description="Narrow a search; filters combine with AND.")
class OfferSearchFilter:
    any_target_groups: list[str] | None = strawberry.field(
        default=UNSET, description="Offers for at least one of these target groups."
    )
    all_target_groups: list[str] | None = strawberry.field(
        default=UNSET, description="Offers for every one of these target groups."
    )
    legal_bases: list[LegalBasis] | None = UNSET  # type: ignore[valid-type]
    categories: list[OfferCategory] | None = UNSET  # type: ignore[valid-type]
    service_types: list[str] | None = UNSET
    region_codes: list[str] | None = UNSET
    municipality_codes: list[str] | None = UNSET
    near: NearInput | None = UNSET
    age: int | None = strawberry.field(default=UNSET, description="The citizen's age.")
    max_price_per_day: Decimal | None = strawberry.field(
        default=UNSET, description="Highest base price per day (DKK) in force today."
    )
    free_places: bool | None = strawberry.field(default=UNSET, description="A place free now.")
    free_from: datetime.date | None = strawberry.field(
        default=UNSET, description="A place free now or expected free by this date."
    )
    methods: list[str] | None = UNSET
    unique_statuses: list[UniqueOfferStatus] | None = UNSET  # type: ignore[valid-type]


@strawberry.type(description="A search result: the offer, its relevance and its distance.")
class OfferSearchEdge:
    node: Offer
    cursor: str
    score: int | None = strawberry.field(description="Relevance, when a query was given.")
    distance_km: float | None = strawberry.field(description="Distance, when `near` was given.")


@strawberry.type(description="How many offers a facet value has under the other filters.")
class FacetCount:
    value: str
    label: str
    count: int


def _counts(values: dict[str, int], labels: dict[str, str]) -> list[FacetCount]:
    return sorted(
        (FacetCount(value=v, label=labels.get(v, v), count=n) for v, n in values.items()),
        key=lambda f: (-f.count, f.label),
    )


@strawberry.type(description="Counts per dimension, each computed under all the other filters.")
class OfferSearchFacets:
    target_groups: list[FacetCount]
    categories: list[FacetCount]
    legal_bases: list[FacetCount]
    regions: list[FacetCount]
    price_bands: list[FacetCount]


@strawberry.type(description="A page of search results.")
class OfferSearchConnection:
    edges: list[OfferSearchEdge]
    page_info: relay.PageInfo
    total_count: int
    plan: strawberry.Private[search.SearchPlan | None]

    @strawberry.field(description="Where the supply is: counts per target group, category, ...")
    async def facets(self) -> OfferSearchFacets:
        found = await search.facets(self.plan) if self.plan is not None else {}
        groups = {r.code: r.label_da for r in target_group_records()}
        bases = {b.value: f"{i.law} {i.paragraph}" for b, i in legal_bases().items()}
        return OfferSearchFacets(
            target_groups=_counts(found.get("target_group", {}), groups),
            categories=_counts(found.get("category", {}), {}),
            legal_bases=_counts(found.get("legal_basis", {}), bases),
            regions=_counts(found.get("region", {}), region_records()),
            price_bands=_counts(found.get("price_band", {}), {}),
        )


def _criteria(data: dict[str, object]) -> SearchCriteria:
    """Validate; errors name the argument at fault (`query`, `sort`, or a path in `filter`)."""
    try:
        return parse(SearchCriteria, data)
    except DomainErrors as errors:
        raise DomainErrors(
            [
                DomainError(
                    e.code,
                    e.message,
                    e.field
                    if e.field and e.field[0] in ("query", "sort")
                    else ["filter", *(e.field or [])],
                )
                for e in errors.errors
            ]
        ) from None


@strawberry.type
class SearchQuery:
    @strawberry.field(
        description=(
            "Search offers in Danish full text, with filters, facets and distance. Published "
            "offers only, besides the caller's own."
        )
    )
    async def search_offers(
        self,
        info: Info,
        query: str | None = None,
        filter: OfferSearchFilter | None = None,
        sort: OfferSort | None = None,  # type: ignore[valid-type]
        first: int | None = None,
        after: str | None = None,
    ) -> OfferSearchConnection:
        data = input_data(filter) if filter is not None else {}
        data = {k: v for k, v in data.items() if v is not None}
        if isinstance(data.get("near"), dict):
            data["near"] = {k: v for k, v in data["near"].items() if v is not None}
        data.update(query=query or "", sort=sort)
        criteria = _criteria(data)
        page = await search.search_offers(
            info.context.principal, criteria, PageRequest.of(first, after)
        )
        edges = [
            OfferSearchEdge(
                node=Offer.of(hit.offer),
                cursor=cursor,
                score=hit.score,
                distance_km=hit.distance_km,
            )
            for hit, cursor in zip(page.hits, page.cursors, strict=True)
        ]
        return OfferSearchConnection(
            edges=edges,
            page_info=page_info(page.cursors, page.has_next_page, page.has_previous_page),
            total_count=page.total_count,
            plan=page.plan,
        )
