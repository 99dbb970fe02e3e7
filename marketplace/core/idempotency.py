"""Idempotency keys: a retried mutation returns what the first call made.

The key is claimed by a unique insert in the mutation's own transaction, so a retry that
arrives while the first call is still running waits for it and then finds its result. The
same key with another payload is an error; a first call that failed leaves no claim, so the
retry runs again.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Mapping
from contextvars import ContextVar
from typing import Any

from marketplace.core.clock import utcnow
from marketplace.core.errors import DomainError, ErrorCode
from marketplace.core.tables import IdempotencyKey

MAX_KEY_LENGTH = 200

# Set when a claim finds the first call's result: the mutation answers it and changes nothing.
_replayed: ContextVar[bool] = ContextVar("idempotent_replay", default=False)


def replayed() -> bool:
    """Whether the current mutation answered a retry with the first call's result."""
    return _replayed.get()


def start_mutation() -> None:
    """Forget an earlier mutation's replay (several mutations may share one context)."""
    _replayed.set(False)


def fingerprint(payload: Mapping[str, Any]) -> str:
    """A digest of a command's payload, the same for the same payload whatever its key order."""
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


class Claim:
    """One mutation's hold on its key. ``previous`` is the first call's result, if any."""

    def __init__(self, scope: str, key: str, previous: uuid.UUID | None) -> None:
        self.scope = scope
        self.key = key
        self.previous = previous

    async def remember(self, result: uuid.UUID) -> None:
        await (
            IdempotencyKey.update({IdempotencyKey.result: result})
            .where((IdempotencyKey.scope == self.scope) & (IdempotencyKey.key == self.key))
            .run()
        )


async def claim(scope: str, key: str, payload: Mapping[str, Any]) -> Claim:
    """Claim ``key`` inside the caller's write transaction.

    Answers a Claim whose ``previous`` is None when this call is the first (do the work and
    ``remember`` its result), or the first call's result when this is a retry.
    """
    if not 8 <= len(key) <= MAX_KEY_LENGTH:
        raise DomainError(
            ErrorCode.INVALID,
            f"An idempotency key has 8 to {MAX_KEY_LENGTH} characters.",
            ["idempotency_key"],
        )
    digest = fingerprint(payload)
    inserted = (
        await IdempotencyKey.insert(
            IdempotencyKey(
                id=uuid.uuid4(), scope=scope, key=key, fingerprint=digest, created_at=utcnow()
            )
        )
        .on_conflict(action="DO NOTHING")
        .returning(IdempotencyKey.id)
        .run()
    )
    if inserted:
        return Claim(scope, key, None)
    first = (
        await IdempotencyKey.select(IdempotencyKey.fingerprint, IdempotencyKey.result)
        .where((IdempotencyKey.scope == scope) & (IdempotencyKey.key == key))
        .first()
        .run()
    )
    assert first is not None  # the conflicting row is committed, or we would have waited
    if first["fingerprint"] != digest:
        raise DomainError(
            ErrorCode.IDEMPOTENCY_KEY_REUSED,
            "This idempotency key was used for another request; use a new key.",
            ["idempotency_key"],
        )
    if first["result"] is not None:
        _replayed.set(True)
    return Claim(scope, key, first["result"])
