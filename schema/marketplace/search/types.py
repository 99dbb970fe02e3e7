"""GraphQL types of offer search: results with their relevance and distance, and facets."""

from __future__ import annotations

import strawberry
from strawberry import relay

from marketplace.offers.taxonomy import legal_bases, target_group_records
from marketplace.organisations.reference import region_records
from marketplace.search import service as search
from marketplace.search.models import OfferSort as DomainOfferSort
from schema.convert import from_view
from schema.marketplace.offers.types import Offer
from schema.relay import page_info

OfferSort = strawberry.enum(
    DomainOfferSort,
    name="OfferSort",
    description="RELEVANCE is the default with a query, DISTANCE with `near`, NAME otherwise.",
)


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

    @classmethod
    def of(cls, page: search.SearchPage) -> OfferSearchConnection:
        edges = [
            from_view(OfferSearchEdge, hit, node=Offer.of(hit.offer), cursor=cursor)
            for hit, cursor in zip(page.hits, page.cursors, strict=True)
        ]
        info = page_info(page.cursors, page.has_next_page, page.has_previous_page)
        return from_view(cls, page, edges=edges, page_info=info)

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
