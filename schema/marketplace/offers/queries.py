"""Read side of the offer catalogue: published offers are public, drafts their owner's."""

from __future__ import annotations

import strawberry

from marketplace.core.errors import DomainError, ErrorCode
from marketplace.offers import service as offers
from marketplace.offers.taxonomy import legal_bases
from schema.context import Info
from schema.errors import arguments
from schema.ids import filter_uuid
from schema.marketplace.offers.inputs import OfferFilterInput
from schema.marketplace.offers.types import (
    LegalBasisInfo,
    Offer,
    ServiceType,
    TargetGroup,
    count_contracted,
)
from schema.relay import Connection, node_by_id, page_request

MAX_SUGGESTIONS = 50


@strawberry.type
class OfferQuery:
    @strawberry.field(
        description="An offer by ID; null when there is none or it is not yours to see."
    )
    async def offer(self, info: Info, id: strawberry.ID) -> Offer | None:
        return await node_by_id(info, id, Offer)

    @strawberry.field(description="Offers by name: the published ones, and your own in any status.")
    async def offers(
        self,
        info: Info,
        filter: OfferFilterInput | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[Offer]:
        with arguments("filter"):
            page = await offers.list_listed_offers(
                info.context.principal,
                page_request(info, first, after),
                provider_id=filter_uuid(
                    filter.provider_id if filter else None, "Provider", "provider", "provider_id"
                ),
                status=filter.status if filter and filter.status else None,
                region_code=filter.region_code if filter and filter.region_code else None,
            )
        connection = Connection.of(page, Offer.of_listed)
        await count_contracted(info, [edge.node for edge in connection.edges])
        return connection

    @strawberry.field(description="KL's FFB target groups (45), in their official order.")
    async def target_groups(self) -> list[TargetGroup]:
        return [TargetGroup.of(r) for r in await offers.list_target_groups()]

    @strawberry.field(description="Tilbudsportalen's 12 service types (ydelsestyper).")
    async def service_types(self) -> list[ServiceType]:
        return [ServiceType.of(r) for r in await offers.list_service_types()]

    @strawberry.field(description="The paragraphs an offer can be approved under.")
    def legal_bases(self, include_historical: bool = False) -> list[LegalBasisInfo]:
        return [
            LegalBasisInfo.of(i)
            for i in legal_bases().values()
            if include_historical or not i.historical
        ]

    @strawberry.field(
        description="Methods and approaches starting with a prefix, for autocompletion."
    )
    async def method_suggestions(self, prefix: str = "", first: int = 10) -> list[str]:
        if not 1 <= first <= MAX_SUGGESTIONS:
            raise DomainError(
                ErrorCode.INVALID, f"`first` must be between 1 and {MAX_SUGGESTIONS}.", ["first"]
            )
        return await offers.method_suggestions(prefix[:100], first)
