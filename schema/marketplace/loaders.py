"""DataLoaders for the market, created per request; each batches one relation into one query."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Awaitable, Callable, Hashable, Mapping
from functools import partial
from typing import Any, Generic, TypeVar

from strawberry.dataloader import DataLoader

from marketplace.contracts import capacity, parties, requests
from marketplace.contracts import service as contract_service
from marketplace.contracts.models import ChangeView, ContractView, EventView, RequestView
from marketplace.core.clock import today
from marketplace.core.identity import Principal
from marketplace.core.pagination import Page, PageRequest
from marketplace.offers import pricing
from marketplace.offers import service as offers
from marketplace.offers.models import OfferEventView, OfferRelations, OfferView, PriceListView
from marketplace.organisations import service as organisations
from marketplace.organisations.models import MunicipalityView, ProviderView, RegionView

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class KeyedLoader(DataLoader[K, V | None], Generic[K, V]):
    """A loader over a service's ``keys -> {key: value}`` batch function.

    Keys the batch does not return load as ``default``.
    """

    def __init__(
        self, fetch: Callable[[list[K]], Awaitable[Mapping[K, V]]], default: V | None = None
    ) -> None:
        self._fetch = fetch
        self._default = default
        super().__init__(load_fn=self._load)

    async def _load(self, keys: list[K]) -> list[V | None]:
        found = await self._fetch(keys)
        return [found.get(key, self._default) for key in keys]


class RegionByCodeLoader(KeyedLoader[str, RegionView]):
    def __init__(self) -> None:
        super().__init__(organisations.regions_by_code)


class MunicipalityByCodeLoader(KeyedLoader[str, MunicipalityView]):
    def __init__(self) -> None:
        super().__init__(organisations.municipalities_by_code)


class ProviderByIdLoader(KeyedLoader[uuid.UUID, ProviderView]):
    def __init__(self) -> None:
        super().__init__(organisations.providers_by_id)


class MunicipalityCountByRegionLoader(KeyedLoader[str, int]):
    def __init__(self) -> None:
        super().__init__(organisations.municipality_counts, default=0)


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


class ProviderByOrgLoader(KeyedLoader[str, ProviderView]):
    def __init__(self) -> None:
        super().__init__(organisations.providers_by_org)


class ContractedPlacesByOfferLoader(KeyedLoader[uuid.UUID, int]):
    """Places under contract today."""

    def __init__(self) -> None:
        super().__init__(lambda ids: capacity.contracted_on(ids, today()), default=0)


class PlacementRequestByIdLoader(KeyedLoader[uuid.UUID, RequestView]):
    """Requests the caller may read; others load as None ("not found")."""

    def __init__(self, principal: Principal) -> None:
        super().__init__(partial(requests.requests_by_id, principal))


class ContractByIdLoader(KeyedLoader[uuid.UUID, ContractView]):
    """Contracts the caller may read; others load as None ("not found")."""

    def __init__(self, principal: Principal) -> None:
        super().__init__(partial(parties.contracts_by_id, principal))


class PlacementHistoryByRequestLoader(KeyedLoader[uuid.UUID, list[EventView]]):
    """The history of a request and its contract (asked only for requests already seen)."""

    def __init__(self) -> None:
        super().__init__(parties.history, default=[])


class ChangeByIdLoader(KeyedLoader[uuid.UUID, ChangeView]):
    def __init__(self, principal: Principal) -> None:
        super().__init__(partial(contract_service.changes_by_id, principal))


class ChangesByContractLoader(KeyedLoader[uuid.UUID, list[ChangeView]]):
    def __init__(self) -> None:
        super().__init__(contract_service.changes_by_contract, default=[])


class MarketplaceLoaders:
    """The market's loaders for one request (never shared: their caches are per caller)."""

    def __init__(self, principal: Principal) -> None:
        self.region_by_code = RegionByCodeLoader()
        self.municipality_by_code = MunicipalityByCodeLoader()
        self.provider_by_id = ProviderByIdLoader()
        self.municipality_count_by_region = MunicipalityCountByRegionLoader()
        self.offer_by_id = OfferByIdLoader(principal)
        self.offer_relations = OfferRelationsByOfferLoader()
        self.target_group_by_code = TargetGroupByCodeLoader()
        self.service_type_by_code = ServiceTypeByCodeLoader()
        self.price_lists_by_offer_year = PriceListsByOfferYearLoader()
        self.history_by_offer = HistoryByOfferLoader(principal)
        self.provider_by_org = ProviderByOrgLoader()
        self.contracted_places_by_offer = ContractedPlacesByOfferLoader()
        self.placement_request_by_id = PlacementRequestByIdLoader(principal)
        self.contract_by_id = ContractByIdLoader(principal)
        self.placement_history_by_request = PlacementHistoryByRequestLoader()
        self.changes_by_contract = ChangesByContractLoader()
        self.change_by_id = ChangeByIdLoader(principal)
