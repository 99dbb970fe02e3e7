"""Relay connections with a total count, built from a domain Page; nodes and the objects
around them, read through the request's loaders."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Hashable, Iterable, Sequence
from typing import Any, Generic, TypeVar

import strawberry
from graphql import FieldNode, FragmentSpreadNode, InlineFragmentNode, SelectionSetNode
from strawberry import relay
from strawberry.dataloader import DataLoader
from strawberry.types.base import get_object_definition
from strawberry.utils.await_maybe import await_maybe

from marketplace.core.pagination import Page, PageRequest
from schema.context import Info
from schema.ids import decode_global_id

NodeT = TypeVar("NodeT")
N = TypeVar("N", bound=relay.Node)
K = TypeVar("K", bound=Hashable)
V = TypeVar("V")
T = TypeVar("T")


@strawberry.type(description="An edge in a connection: a node and the cursor to page after it.")
class Edge(Generic[NodeT]):
    node: NodeT
    cursor: str


@strawberry.type(description="A page of a list, with its edges and the size of the whole list.")
class Connection(Generic[NodeT]):
    edges: list[Edge[NodeT]]
    page_info: relay.PageInfo
    total_count: int = strawberry.field(description="How many items the whole list holds.")

    @classmethod
    def of(cls, page: Page[Any], convert: Callable[[Any], NodeT]) -> Connection[NodeT]:
        edges = [
            Edge(node=convert(item), cursor=cursor)
            for item, cursor in zip(page.items, page.cursors, strict=True)
        ]
        return cls(
            edges=edges,
            page_info=page_info(page.cursors, page.has_next_page, page.has_previous_page),
            total_count=page.total_count,
        )


def page_request(info: Info, first: int | None, after: str | None) -> PageRequest:
    """The page a connection field asks for (see ``PageRequest.of``), counted only when the
    operation selects the connection's ``totalCount``."""
    raw = info._raw_info
    sets = [node.selection_set for node in raw.field_nodes]
    return PageRequest.of(first, after, count=_selects(sets, "totalCount", raw.fragments))


def selects_anywhere(info: Info, name: str) -> bool:
    """Whether a field ``name`` is selected anywhere below the field being resolved."""
    raw = info._raw_info
    sets = [node.selection_set for node in raw.field_nodes]
    return _selects(sets, name, raw.fragments, deep=True)


def _selects(
    sets: list[SelectionSetNode | None],
    name: str,
    fragments: dict[str, Any],
    *,
    deep: bool = False,
) -> bool:
    """Whether a field ``name`` is among the selections (with ``deep``, at any depth),
    fragments included (whatever directives say: counting once too often is harmless)."""
    seen: set[str] = set()
    while sets:
        selection_set = sets.pop()
        for selection in selection_set.selections if selection_set else ():
            if isinstance(selection, FieldNode):
                if selection.name.value == name:
                    return True
                if deep:
                    sets.append(selection.selection_set)
            elif isinstance(selection, InlineFragmentNode):
                sets.append(selection.selection_set)
            elif isinstance(selection, FragmentSpreadNode):
                fragment = fragments.get(selection.name.value)
                if fragment is not None and selection.name.value not in seen:
                    seen.add(selection.name.value)
                    sets.append(fragment.selection_set)
    return False


def page_info(cursors: Sequence[str], has_next: bool, has_previous: bool) -> relay.PageInfo:
    return relay.PageInfo(
        has_next_page=has_next,
        has_previous_page=has_previous,
        start_cursor=cursors[0] if cursors else None,
        end_cursor=cursors[-1] if cursors else None,
    )


def nodes_by_key(
    loader: Callable[[Info], DataLoader[Any, Any]], key: Callable[[str], Any] = uuid.UUID
) -> Any:
    """A node type's ``resolve_nodes``: each node ID made a ``key`` (a UUID unless told),
    read through the request's ``loader`` and built with the type's ``of``; an ID that is no
    key, or that the loader finds nothing under, resolves to None.

        resolve_nodes = nodes_by_key(lambda info: info.context.marketplace.offer_by_id)
    """

    async def resolve_nodes(
        cls: Any, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Any]:
        keys: list[Any] = []
        for node_id in node_ids:
            try:
                keys.append(key(node_id))
            except ValueError:
                keys.append(None)
        views = iter(await loader(info).load_many([k for k in keys if k is not None]))
        found = [next(views) if k is not None else None for k in keys]
        return [cls.of(view) if view is not None else None for view in found]

    return classmethod(resolve_nodes)


def nodes_one_by_one(
    get: Callable[[Any, Any], Awaitable[Any]], key: Callable[[str], Any] = uuid.UUID
) -> Any:
    """A node type's ``resolve_nodes`` for records asked for one at a time (settings and logs
    no list shows by node): ``get(principal, key)`` per ID, built with the type's ``of``; an
    ID that is no key, or that ``get`` finds nothing under, resolves to None."""

    async def resolve_nodes(
        cls: Any, *, info: Info, node_ids: Iterable[str], required: bool = False, **_: Any
    ) -> list[Any]:
        found: list[Any] = []
        for node_id in node_ids:
            try:
                wanted = key(node_id)
            except ValueError:
                found.append(None)
                continue
            view = await get(info.context.principal, wanted)
            found.append(cls.of(view) if view is not None else None)
        return found

    return classmethod(resolve_nodes)


async def node_by_id(info: Info, id: str, node_type: type[N]) -> N | None:
    """The node of ``node_type`` a client's global ID names; None when it names another
    type, or nothing the caller may see."""
    global_id = decode_global_id(id)
    if global_id.type_name != get_object_definition(node_type, strict=True).name:
        return None
    return await load_node(info, node_type, global_id.node_id)


async def load_node(info: Info, node_type: type[N], node_id: str) -> N | None:
    """The node of ``node_type`` with ``node_id``, or None."""
    nodes = await await_maybe(node_type.resolve_nodes(info=info, node_ids=[node_id]))
    return next(iter(nodes))


async def load_one(
    loader: DataLoader[K, V | None], key: K | None, convert: Callable[[V], T]
) -> T | None:
    """What ``loader`` finds under ``key``, converted; None without a key, or when it finds
    nothing."""
    if key is None:
        return None
    view = await loader.load(key)
    return convert(view) if view is not None else None


async def load_held(loader: DataLoader[K, V | None], key: K, convert: Callable[[V], T]) -> T:
    """What ``loader`` finds under a key the database holds to exist (a foreign key)."""
    view = await loader.load(key)
    assert view is not None  # enforced by the foreign key
    return convert(view)


async def load_each(
    loader: DataLoader[K, V | None], keys: Sequence[K], convert: Callable[[V], T]
) -> list[T]:
    """What ``loader`` finds under each of ``keys``, converted; keys without any left out."""
    return [convert(view) for view in await loader.load_many(keys) if view is not None]


async def load_list(
    loader: DataLoader[K, list[V] | None], key: K, convert: Callable[[V], T]
) -> list[T]:
    """The list ``loader`` finds under ``key``, each item converted."""
    return [convert(view) for view in await loader.load(key) or []]
