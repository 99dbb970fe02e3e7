"""The pages' lists, a page at a time: a cursor in a link that is not one of the list's (an
old bookmark, a hand-edited address) shows the first page instead of an error, and a
download reads a whole list page by page."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TypeVar

from marketplace.core.errors import DomainError
from marketplace.core.pagination import Page

T = TypeVar("T")


async def or_first_page(
    read: Callable[[str | None], Awaitable[Page[T]]], after: str | None
) -> Page[T]:
    """``read(after)``, or the first page when ``after`` is not a cursor of the list."""
    try:
        return await read(after or None)
    except DomainError:
        if not after:
            raise
        return await read(None)


async def every(read: Callable[[str | None], Awaitable[Page[T]]]) -> AsyncIterator[list[T]]:
    """Every item of a list, a page at a time (``read(after)`` gives the page after a cursor)."""
    after: str | None = None
    while True:
        found = await read(after)
        yield found.items
        if found.next_after is None:
            return
        after = found.next_after
