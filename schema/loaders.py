"""The base of the request's DataLoaders: a loader over a service's batch function."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Hashable, Mapping
from typing import Generic, TypeVar

from strawberry.dataloader import DataLoader

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
