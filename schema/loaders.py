"""The base of the request's DataLoaders: a loader over a service's batch function."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Hashable, Mapping
from typing import Any, Generic, TypeVar, overload

from strawberry.dataloader import DataLoader

from marketplace.core.identity import Principal

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")
L = TypeVar("L")


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


class per_request(Generic[L]):  # a lower-case name, as `functools.cached_property`
    """A loader of a request's set (an attribute of a class whose instances have a
    ``principal``), made by ``make(principal)`` the first time a resolver asks for it: a
    request uses a few of the sets' loaders, and making all of them cost every request
    about 0.1 ms."""

    def __init__(self, make: Callable[[Principal], L]) -> None:
        self._make = make
        self._name = ""

    def __set_name__(self, owner: type, name: str) -> None:
        self._name = name

    @overload
    def __get__(self, instance: None, owner: type) -> per_request[L]: ...

    @overload
    def __get__(self, instance: object, owner: type) -> L: ...

    def __get__(self, instance: Any, owner: type) -> Any:
        if instance is None:
            return self
        made = instance.__dict__[self._name] = self._make(instance.principal)
        return made
