"""DataLoaders of the offer catalogue, created per request."""

from __future__ import annotations

import uuid
from collections import defaultdict
from functools import partial
from typing import Any

from marketplace.core.identity import Principal
from marketplace.core.pagination import Page, PageRequest
from marketplace.offers import pricing
from marketplace.offers import service as offers
from marketplace.offers.models import OfferEventView, OfferRelations, OfferView, PriceListView
from schema.loaders import KeyedLoader


class OfferByIdLoader(KeyedLoader[uuid.UUID, OfferView]):
    """Offers the caller may see; others load as None ("not found")."""

    def __init__(self, principal: Principal) -> None:
        super().__init__(partial(offers.offers_by_id, principal))


class OfferRelationsByOfferLoader(KeyedLoader[uuid.UUID, OfferRelations]):
    def __init__(self) -> None:
        super().__init__(offers.relations_by_offer)


class TargetGroupByCodeLoader(KeyedLoader[str, dict[str, Any]]):
    def __init__(self) -> None:
        super().__init__(offers.target_groups_by_code)


class ServiceTypeByCodeLoader(KeyedLoader[str, dict[str, Any]]):
    def __init__(self) -> None:
        super().__init__(offers.service_types_by_code)


PriceListKey = tuple[uuid.UUID, int]


async def _price_lists(keys: list[PriceListKey]) -> dict[PriceListKey, list[PriceListView]]:
    by_year: dict[int, list[uuid.UUID]] = defaultdict(list)
    for offer_id, year in keys:
        by_year[year].append(offer_id)
    found: dict[PriceListKey, list[PriceListView]] = {}
    for year, offer_ids in by_year.items():
        for offer_id, versions in (await pricing.price_lists_by_offer(offer_ids, year)).items():
            found[(offer_id, year)] = versions
    return found


class PriceListsByOfferYearLoader(KeyedLoader[PriceListKey, list[PriceListView]]):
    """Every version of an offer's price list for a year (one batch per year asked for)."""

    def __init__(self) -> None:
        super().__init__(_price_lists, default=[])


HistoryKey = tuple[uuid.UUID, int, str | None]


async def _histories(
    principal: Principal, keys: list[HistoryKey]
) -> dict[HistoryKey, Page[OfferEventView]]:
    first_pages = [k for k in keys if k[2] is None]
    found = await offers.first_history_pages(
        principal, [k[0] for k in first_pages], max((k[1] for k in first_pages), default=0)
    )
    result: dict[HistoryKey, Page[OfferEventView]] = {
        key: found[key[0]].head(key[1]) for key in first_pages
    }
    for key in keys:  # later pages are asked one offer at a time
        if key[2] is not None:
            result[key] = await offers.offer_history(principal, key[0], PageRequest(key[1], key[2]))
    return result


class HistoryByOfferLoader(KeyedLoader[HistoryKey, Page[OfferEventView]]):
    """An offer's changes as the caller reads them (the offer already seen)."""

    def __init__(self, principal: Principal) -> None:
        super().__init__(partial(_histories, principal))
