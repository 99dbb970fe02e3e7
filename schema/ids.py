"""Global IDs: a client's ID decoded in one place.

A global ID names a type and a key (``Offer:<uuid>``). Asked for an object by an ID of
another type, a query answers null and a mutation "not found"; an ID that is no global ID at
all is the client's mistake (INVALID). Fields are named as the domain names them (``offer_id``).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from strawberry.relay import GlobalID, GlobalIDValueError

from marketplace.core.db import NUL_REFUSED
from marketplace.core.errors import DomainError, ErrorCode


def decode_global_id(value: str, field: Sequence[str] = ("id",)) -> GlobalID:
    """A client's global ID, or a typed INVALID error naming the argument."""
    try:
        found = GlobalID.from_id(value)
    except GlobalIDValueError:
        raise DomainError(ErrorCode.INVALID, f"{value!r} is not a valid ID.", field) from None
    if "\x00" in found.node_id or "\x00" in found.type_name:  # as the database refuses it
        raise DomainError(ErrorCode.INVALID, NUL_REFUSED, field)
    return found


def node_uuid(value: str, type_name: str, field: Sequence[str] = ("id",)) -> uuid.UUID | None:
    """The UUID inside a global ID of ``type_name``; None when it names something else."""
    global_id = decode_global_id(value, field)
    if global_id.type_name != type_name:
        return None
    try:
        return uuid.UUID(global_id.node_id)
    except ValueError:
        return None


def require_uuid(value: str, type_name: str, what: str, field: str = "id") -> uuid.UUID:
    """The UUID inside a global ID of ``type_name``, or NOT_FOUND ("There is no such
    ``what``.") naming ``field``."""
    found = node_uuid(value, type_name, (field,))
    if found is None:
        raise DomainError(ErrorCode.NOT_FOUND, f"There is no such {what}.", [field])
    return found


def filter_uuid(value: str | None, type_name: str, what: str, field: str) -> uuid.UUID | None:
    """An optional filter's ID: None when not given, NOT_FOUND when it names nothing."""
    return require_uuid(value, type_name, what, field) if value else None
