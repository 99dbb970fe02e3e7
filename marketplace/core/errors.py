"""Domain errors: the one exception type services raise for expected failures."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from enum import StrEnum
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError


class ErrorCode(StrEnum):
    """Closed set of codes a client can act on; exposed as the GraphQL ``ErrorCode`` enum."""

    INVALID = "INVALID"
    REQUIRED = "REQUIRED"
    NOT_FOUND = "NOT_FOUND"
    UNKNOWN_REGION = "UNKNOWN_REGION"
    UNKNOWN_MUNICIPALITY = "UNKNOWN_MUNICIPALITY"
    INVALID_CVR = "INVALID_CVR"
    DUPLICATE = "DUPLICATE"
    UNAUTHENTICATED = "UNAUTHENTICATED"
    PERMISSION_DENIED = "PERMISSION_DENIED"
    INVALID_CPR = "INVALID_CPR"
    CAPACITY_EXHAUSTED = "CAPACITY_EXHAUSTED"
    INVALID_STATE = "INVALID_STATE"
    IDEMPOTENCY_KEY_REUSED = "IDEMPOTENCY_KEY_REUSED"
    RULE_BROKEN = "RULE_BROKEN"
    NO_MATCHING_OFFER = "NO_MATCHING_OFFER"
    PERSONAL_DATA_IN_TEXT = "PERSONAL_DATA_IN_TEXT"
    # What the HTTP faces answer outside any one field (a top-level error's extensions.code,
    # or the code of a REST error body):
    BAD_REQUEST = "BAD_REQUEST"
    RATE_LIMITED = "RATE_LIMITED"
    TIMEOUT = "TIMEOUT"
    UNAVAILABLE = "UNAVAILABLE"
    INTERNAL = "INTERNAL"


class DomainError(Exception):
    """An expected failure: bad input, a missing object, a rule or permission that says no.

    ``field`` is the path of the command's field at fault, in the domain's own names
    (``["desired_start"]``, ``["add_ons", "0", "name"]``), if any. The faces map it to their
    clients' shapes (GraphQL: ``["input", "desiredStart"]``).
    """

    def __init__(
        self,
        code: ErrorCode,
        message: str,
        field: Sequence[str] | None = None,
        *,
        of_command: bool = True,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = list(field) if field is not None else None
        # False when ``field`` names a field of the object acted on rather than of the
        # command (what an offer lacks before it can be published).
        self.of_command = of_command


class DomainErrors(DomainError):
    """Several field errors at once (pydantic validation of one command)."""

    def __init__(self, errors: Sequence[DomainError]) -> None:
        if not errors:
            raise ValueError("DomainErrors needs at least one error")
        super().__init__(errors[0].code, errors[0].message, errors[0].field)
        self.errors = list(errors)


def from_validation_error(exc: ValidationError, prefix: Sequence[str] = ()) -> DomainErrors:
    """Turn a pydantic ValidationError into field errors.

    A validator that raises ``PydanticCustomError("<error_code>", ...)`` with a lower-case
    ErrorCode value chooses its code; a missing field is REQUIRED; anything else is INVALID.
    """
    errors: list[DomainError] = []
    for err in exc.errors(include_url=False):
        kind = str(err["type"])
        if kind == "missing":
            code = ErrorCode.REQUIRED
        else:
            code = _CUSTOM_CODES.get(kind, ErrorCode.INVALID)
        path = [*prefix, *(str(part) for part in err["loc"])]
        errors.append(DomainError(code, str(err["msg"]).removeprefix("Value error, "), path))
    return DomainErrors(errors)


_CUSTOM_CODES = {code.value.lower(): code for code in ErrorCode}


ModelT = TypeVar("ModelT", bound=BaseModel)


def parse(model: type[ModelT], data: Mapping[str, Any], prefix: Sequence[str] = ()) -> ModelT:
    """Validate ``data`` into a command model, raising DomainErrors on bad input."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise from_validation_error(exc, prefix) from None
