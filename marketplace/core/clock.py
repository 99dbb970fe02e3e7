"""The time: UTC instants and today's date (in UTC), in one place."""

from __future__ import annotations

import datetime

from marketplace.core.errors import DomainError, ErrorCode


def utcnow() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


def today() -> datetime.date:
    return utcnow().date()


def moment_of(text: str, field: str) -> datetime.datetime:
    """An ISO 8601 timestamp a client gave (no zone is UTC), or a typed INVALID naming
    ``field``."""
    try:
        moment = datetime.datetime.fromisoformat(text)
    except ValueError:
        raise DomainError(
            ErrorCode.INVALID,
            f"`{field}` is not a timestamp: give ISO 8601, such as 2026-01-31T12:00:00Z; "
            f"got {text[:40]!r}.",
            [field],
        ) from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=datetime.UTC)
