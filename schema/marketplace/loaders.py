"""DataLoaders for the market, created per request; each batches one relation into one query."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Hashable, Mapping
from typing import Generic, TypeVar

from strawberry.dataloader import DataLoader

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


class MarketplaceLoaders:
    """The market's loaders for one request (never shared: their caches are per caller)."""

    def __init__(self) -> None:
        self.region_by_code = RegionByCodeLoader()
        self.municipality_by_code = MunicipalityByCodeLoader()
        self.provider_by_id = ProviderByIdLoader()
        self.municipality_count_by_region = MunicipalityCountByRegionLoader()
