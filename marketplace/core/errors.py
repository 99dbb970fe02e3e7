"""Domain errors: the one exception type services raise for expected failures."""

from __future__ import annotations

import re
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
        message = plain_message(kind, err.get("ctx") or {}, str(err["msg"]))
        errors.append(DomainError(code, message, path))
    return DomainErrors(errors)


_CUSTOM_CODES = {code.value.lower(): code for code in ErrorCode}
_DIGITS_PATTERN = re.compile(r"^\^\\d\{(\d+)\}\$$")
# pydantic's wording speaks of Python ("String should match pattern '^\d{4}$'", "Input
# should be a valid decimal"): what a client reads instead, by the error's type.
_PLAIN = {
    "missing": "This field is required.",
    "string_too_long": "At most {max_length} characters.",
    "string_too_short": "At least {min_length} character(s).",
    "too_long": "At most {max_length} item(s).",
    "too_short": "At least {min_length} item(s).",
    "greater_than_equal": "Must be {ge} or more.",
    "greater_than": "Must be more than {gt}.",
    "less_than_equal": "Must be {le} or less.",
    "less_than": "Must be less than {lt}.",
    "extra_forbidden": "This field is not accepted here.",
    "int_parsing": "Give a whole number.",
    "int_from_float": "Give a whole number.",
    "decimal_parsing": "Give a number.",
    "float_parsing": "Give a number.",
    "decimal_max_places": "At most {decimal_places} decimal places.",
    "decimal_max_digits": "At most {max_digits} digits.",
    "date_parsing": "Give a date as YYYY-MM-DD.",
    "date_from_datetime_parsing": "Give a date as YYYY-MM-DD.",
    "enum": "Must be one of {expected}.",
    "literal_error": "Must be one of {expected}.",
    "bool_parsing": "Give true or false.",
    "uuid_parsing": "Give an ID as the API gave it.",
    "string_type": "Give a text.",
}


def plain_message(kind: str, context: Mapping[str, Any], message: str) -> str:
    """A validation error's message in plain words: what is wrong and what is allowed."""
    if kind == "string_pattern_mismatch":
        digits = _DIGITS_PATTERN.match(str(context.get("pattern", "")))
        return (
            f"Give {digits.group(1)} digits." if digits else "The text is not in the allowed form."
        )
    template = _PLAIN.get(kind)
    if template is not None:
        try:
            return template.format(**context)
        except (KeyError, IndexError):
            pass
    return message.removeprefix("Value error, ")


ModelT = TypeVar("ModelT", bound=BaseModel)


def parse(model: type[ModelT], data: Mapping[str, Any], prefix: Sequence[str] = ()) -> ModelT:
    """Validate ``data`` into a command model, raising DomainErrors on bad input."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise from_validation_error(exc, prefix) from None
