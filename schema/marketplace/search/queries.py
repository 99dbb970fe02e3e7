"""Read side of offer search."""

from __future__ import annotations

import strawberry

from marketplace.core.errors import DomainError, DomainErrors, parse
from marketplace.core.pagination import PageRequest
from marketplace.search import service as search
from marketplace.search.models import SearchCriteria
from schema.context import Info
from schema.convert import input_data
from schema.marketplace.offers.types import count_contracted
from schema.marketplace.search.inputs import OfferSearchFilter
from schema.marketplace.search.types import OfferSearchConnection, OfferSort


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
        connection = OfferSearchConnection.of(page)
        await count_contracted(info, [edge.node for edge in connection.edges])
        return connection
