"""Query parameters the open-format routes share: ``modified_after`` and IDs."""

from __future__ import annotations

import datetime
import uuid

from marketplace.core.errors import DomainError, ErrorCode


def modified_after(value: str | None) -> datetime.datetime | None:
    """An ISO 8601 timestamp (a date alone is its midnight UTC; no zone is UTC), or a typed
    INVALID error naming ``modified_after``."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    # "+01:00" arrives as " 01:00" when a client leaves the plus of a query string unescaped.
    tries = (text, text.replace(" ", "+"))
    moment = next((m for m in map(_timestamp, tries) if m is not None), None)
    if moment is None:
        raise DomainError(
            ErrorCode.INVALID,
            f"`modified_after` is not a timestamp: give ISO 8601, such as "
            f"2026-01-31T12:00:00Z; got {text[:40]!r}.",
            ["modified_after"],
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.UTC)
    return moment


def _timestamp(text: str) -> datetime.datetime | None:
    try:
        return datetime.datetime.fromisoformat(text)
    except ValueError:
        return None


def uuid_of(value: str, what: str, field: str) -> uuid.UUID:
    """A UUID, or NOT_FOUND: no such record can exist."""
    try:
        return uuid.UUID(value)
    except ValueError:
        raise DomainError(ErrorCode.NOT_FOUND, f"There is no such {what}.", [field]) from None
