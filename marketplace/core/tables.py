"""Tables of the shared kernel."""

from __future__ import annotations

from piccolo.columns import UUID, Integer, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table


class IdempotencyKey(Table, tablename="idempotency_key"):
    """A client's key for a mutation that must not happen twice, claimed in the mutation's own
    transaction: ``scope`` names the caller and the operation, ``fingerprint`` the payload,
    ``result`` the object the first call made."""

    id = UUID(primary_key=True)
    scope = Varchar(length=120)
    key = Varchar(length=200)
    fingerprint = Varchar(length=64)
    result = UUID(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow(), index=True)


class RateLimitWindow(Table, tablename="rate_limit_window"):
    """Requests a client made in one minute. Kept in the database, so every instance of the
    service counts against the same limit."""

    client = Varchar(length=120)
    window_start = Timestamptz()
    hits = Integer(default=0)
