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
from schema.mutation import Call, Given, mutation

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


def _change_status(to: OfferStatus) -> Call:
    return lambda who, given: offers.change_status(
        who, given.id("id", *_OFFER), to, given.text("reason")
    )


async def _create(who: Principal, given: Given) -> Any:
    provider_id = given.id("provider_id", "Provider", "provider")
    return await offers.create_offer(who, provider_id, given.command(OfferContent, nulls="top"))


async def _update(who: Principal, given: Given) -> Any:
    offer_id = given.id("id", *_OFFER)
    return await offers.update_offer(who, offer_id, given.data)


async def _publish_prices(who: Principal, given: Given) -> Any:
    offer_id = given.id("offer_id", *_OFFER)
    command = given.command(PriceListPublish, nulls="top")
    return offer_id, await pricing.publish_price_list(who, offer_id, command)


async def _prices_and_offer(info: Info, result: Any) -> dict[str, Any]:
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


@strawberry.type
class OfferMutation:
    offer_create = mutation(
        OfferCreatePayload,
        OfferCreateInput,
        _create,
        description="Create a draft offer for a provider you administer.",
    )
    offer_update = mutation(
        OfferUpdatePayload,
        OfferUpdateInput,
        _update,
        description="Change an offer's content (its owner's provider admins).",
    )
    offer_publish = mutation(
        OfferStatusChangePayload,
        OfferStatusChangeInput,
        _change_status(OfferStatus.PUBLISHED),
        description="Publish an offer: it must meet the publishing rules.",
    )
    offer_suspend = mutation(
        OfferStatusChangePayload,
        OfferStatusChangeInput,
        _change_status(OfferStatus.SUSPENDED),
        description="Suspend a published offer (hidden from purchasers).",
    )
    offer_close = mutation(
        OfferStatusChangePayload,
        OfferStatusChangeInput,
        _change_status(OfferStatus.CLOSED),
        description="Close an offer for good.",
    )
    price_list_publish = mutation(
        PriceListPublishPayload,
        PriceListPublishInput,
        _publish_prices,
        build=_prices_and_offer,
        description="Publish a price list (takster) for a year, or a new version of one.",
    )
