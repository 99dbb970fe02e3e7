"""Relay connections with a total count, built from a domain Page."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Sequence
from typing import Any, Generic, TypeVar

import strawberry
from strawberry import relay
from strawberry.dataloader import DataLoader

from marketplace.core.pagination import Page

NodeT = TypeVar("NodeT")
V = TypeVar("V")


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


def page_info(cursors: Sequence[str], has_next: bool, has_previous: bool) -> relay.PageInfo:
    return relay.PageInfo(
        has_next_page=has_next,
        has_previous_page=has_previous,
        start_cursor=cursors[0] if cursors else None,
        end_cursor=cursors[-1] if cursors else None,
    )


async def load_by_uuid(
    loader: DataLoader[uuid.UUID, V | None],
    node_ids: Iterable[str],
    convert: Callable[[V], NodeT],
) -> list[NodeT | None]:
    """Nodes for ``resolve_nodes`` whose IDs are UUIDs; a malformed ID resolves to None."""
    ids: list[uuid.UUID | None] = []
    for node_id in node_ids:
        try:
            ids.append(uuid.UUID(node_id))
        except ValueError:
            ids.append(None)
    views = iter(await loader.load_many([i for i in ids if i is not None]))
    results: list[NodeT | None] = []
    for wanted in ids:
        view = next(views) if wanted is not None else None
        results.append(convert(view) if view is not None else None)
    return results
