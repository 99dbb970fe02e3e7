"""Write side of the offer catalogue: create, change, publish, suspend, close; price lists."""

from __future__ import annotations

import uuid
from typing import Any

import strawberry

from marketplace.core.errors import DomainError, ErrorCode, parse
from marketplace.offers import pricing
from marketplace.offers import service as offers
from marketplace.offers.models import OfferContent, OfferStatus, PriceListPublish
from schema.context import Info
from schema.errors import RuleWarning, UserError, attempt, camel, input_data
from schema.marketplace.offer_inputs import (
    OfferCreateInput,
    OfferStatusChangeInput,
    OfferUpdateInput,
    PriceListPublishInput,
)
from schema.marketplace.offer_queries import node_uuid
from schema.marketplace.offer_types import Offer, PriceList


def _offer_id(value: strawberry.ID, field: str = "id") -> uuid.UUID:
    offer_id = node_uuid(value, "Offer", ("input", field))
    if offer_id is None:
        raise DomainError(ErrorCode.NOT_FOUND, "There is no such offer.", ["input", field])
    return offer_id


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
    async def run() -> Offer:
        view = await offers.change_status(
            info.context.principal, _offer_id(input.id), to, input.reason
        )
        return Offer.of(view)

    offer, errors = await attempt(info, run)
    return OfferStatusChangePayload(offer=offer, errors=errors)


@strawberry.type
class OfferMutation:
    @strawberry.mutation(description="Create a draft offer for a provider you administer.")
    async def offer_create(self, info: Info, input: OfferCreateInput) -> OfferCreatePayload:
        async def run() -> Offer:
            data = input_data(input)
            provider_id = node_uuid(data.pop("provider_id"), "Provider", ("input", "providerId"))
            if provider_id is None:
                raise DomainError(
                    ErrorCode.NOT_FOUND, "There is no such provider.", ["input", "providerId"]
                )
            content = parse(
                OfferContent, {k: v for k, v in data.items() if v is not None}, ["input"]
            )
            return Offer.of(await offers.create_offer(info.context.principal, provider_id, content))

        offer, errors = await attempt(info, run)
        return OfferCreatePayload(offer=offer, errors=errors)

    @strawberry.mutation(description="Change an offer's content (its owner's provider admins).")
    async def offer_update(self, info: Info, input: OfferUpdateInput) -> OfferUpdatePayload:
        async def run() -> Offer:
            data = input_data(input)
            offer_id = _offer_id(data.pop("id"))
            return Offer.of(await offers.update_offer(info.context.principal, offer_id, data))

        offer, errors = await attempt(info, run)
        return OfferUpdatePayload(offer=offer, errors=errors)

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
        result: dict[str, Any] = {"warnings": []}

        async def run() -> PriceList:
            data = input_data(input)
            offer_id = _offer_id(data.pop("offer_id"), "offerId")
            command = parse(
                PriceListPublish, {k: v for k, v in data.items() if v is not None}, ["input"]
            )
            published = await pricing.publish_price_list(info.context.principal, offer_id, command)
            offer = await offers.get_offer(info.context.principal, offer_id)
            if offer is not None:
                result["offer"] = Offer.of(offer)
            result["warnings"] = [
                RuleWarning(field=["input", camel(w.field)], message=w.message, source=w.source)
                for w in published.warnings
            ]
            return PriceList.of(published.price_list)

        price_list, errors = await attempt(info, run)
        return PriceListPublishPayload(
            price_list=price_list,
            offer=result.get("offer"),
            errors=errors,
            warnings=result["warnings"],
        )
