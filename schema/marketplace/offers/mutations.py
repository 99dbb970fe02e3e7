"""Write side of the offer catalogue: create, change, publish, suspend, close; price lists."""

from __future__ import annotations

from typing import Any

import strawberry

from marketplace.core.identity import Principal
from marketplace.offers import pricing
from marketplace.offers import service as offers
from marketplace.offers.models import OfferContent, OfferStatus, PriceListPublish
from schema.context import Info
from schema.errors import RuleWarning, UserError, camel
from schema.marketplace.offers.inputs import (
    OfferCreateInput,
    OfferStatusChangeInput,
    OfferUpdateInput,
    PriceListPublishInput,
)
from schema.marketplace.offers.types import Offer, PriceList
from schema.mutation import Given, mutate

_OFFER = ("Offer", "offer")


@strawberry.type
class OfferCreatePayload:
    offer: Offer | None
    errors: list[UserError]


@strawberry.type
class OfferUpdatePayload:
    offer: Offer | None
    errors: list[UserError]


@strawberry.type
class OfferStatusChangePayload:
    offer: Offer | None
    errors: list[UserError]


@strawberry.type
class PriceListPublishPayload:
    price_list: PriceList | None
    offer: Offer | None
    errors: list[UserError]
    warnings: list[RuleWarning]


async def _change_status(
    info: Info, input: OfferStatusChangeInput, to: OfferStatus
) -> OfferStatusChangePayload:
    return await mutate(
        info,
        OfferStatusChangePayload,
        input,
        lambda who, given: offers.change_status(
            who, given.id("id", *_OFFER), to, given.text("reason")
        ),
    )


@strawberry.type
class OfferMutation:
    @strawberry.mutation(description="Create a draft offer for a provider you administer.")
    async def offer_create(self, info: Info, input: OfferCreateInput) -> OfferCreatePayload:
        async def call(who: Principal, given: Given) -> Any:
            provider_id = given.id("provider_id", "Provider", "provider")
            return await offers.create_offer(
                who, provider_id, given.command(OfferContent, nulls="top")
            )

        return await mutate(info, OfferCreatePayload, input, call)

    @strawberry.mutation(description="Change an offer's content (its owner's provider admins).")
    async def offer_update(self, info: Info, input: OfferUpdateInput) -> OfferUpdatePayload:
        async def call(who: Principal, given: Given) -> Any:
            offer_id = given.id("id", *_OFFER)
            return await offers.update_offer(who, offer_id, given.data)

        return await mutate(info, OfferUpdatePayload, input, call)

    @strawberry.mutation(description="Publish an offer: it must meet the publishing rules.")
    async def offer_publish(
        self, info: Info, input: OfferStatusChangeInput
    ) -> OfferStatusChangePayload:
        return await _change_status(info, input, OfferStatus.PUBLISHED)

    @strawberry.mutation(description="Suspend a published offer (hidden from purchasers).")
    async def offer_suspend(
        self, info: Info, input: OfferStatusChangeInput
    ) -> OfferStatusChangePayload:
        return await _change_status(info, input, OfferStatus.SUSPENDED)

    @strawberry.mutation(description="Close an offer for good.")
    async def offer_close(
        self, info: Info, input: OfferStatusChangeInput
    ) -> OfferStatusChangePayload:
        return await _change_status(info, input, OfferStatus.CLOSED)

    @strawberry.mutation(
        description="Publish a price list (takster) for a year, or a new version of one."
    )
    async def price_list_publish(
        self, info: Info, input: PriceListPublishInput
    ) -> PriceListPublishPayload:
        async def call(who: Principal, given: Given) -> Any:
            offer_id = given.id("offer_id", *_OFFER)
            command = given.command(PriceListPublish, nulls="top")
            return offer_id, await pricing.publish_price_list(who, offer_id, command)

        async def build(result: Any) -> dict[str, Any]:
            offer_id, published = result
            offer = await offers.get_offer(info.context.principal, offer_id)
            return {
                "price_list": PriceList.of(published.price_list),
                "offer": Offer.of(offer) if offer is not None else None,
                "warnings": [
                    RuleWarning(field=["input", camel(w.field)], message=w.message, source=w.source)
                    for w in published.warnings
                ],
            }

        return await mutate(info, PriceListPublishPayload, input, call, build=build)
