"""Query parameters the open-format routes share: ``modified_after`` and IDs."""

from __future__ import annotations

import contextlib
import datetime
import uuid

from marketplace.core.clock import moment_of
from marketplace.core.errors import DomainError, ErrorCode


def modified_after(value: str | None) -> datetime.datetime | None:
    """An ISO 8601 timestamp (a date alone is its midnight UTC; no zone is UTC), or a typed
    INVALID error naming ``modified_after``."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        return moment_of(text, "modified_after")
    except DomainError:
        # "+01:00" arrives as " 01:00" when a client leaves the plus of a query string unescaped
        if " " in text:
            with contextlib.suppress(DomainError):
                return moment_of(text.replace(" ", "+"), "modified_after")
        raise


def uuid_of(value: str, what: str, field: str) -> uuid.UUID:
    """A UUID, or NOT_FOUND: no such record can exist."""
    try:
        return uuid.UUID(value)
    except ValueError:
        raise DomainError(ErrorCode.NOT_FOUND, f"There is no such {what}.", [field]) from None
