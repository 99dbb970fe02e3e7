"""What clients see of failures: ``UserError`` in a mutation's payload, the ``extensions`` of
a top-level error, and which exceptions are masked.

Domain errors name the command's own fields (``desired_start``); here they become the
client's paths: a mutation's command lies under its ``input`` (``["input", "desiredStart"]``),
a query's arguments stand alone or under the input object that holds them (``filter``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import strawberry
from graphql import GraphQLError

from marketplace.core.cpr import redact
from marketplace.core.errors import DomainError, DomainErrors
from marketplace.core.errors import ErrorCode as DomainErrorCode

ErrorCode = strawberry.enum(
    DomainErrorCode,
    name="ErrorCode",
    description="What went wrong, as a code a client can act on.",
)


def camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


_SNAKE_WORD = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")


def client_words(message: str) -> str:
    """A domain message as the client reads it: the command's field names it mentions
    (``max_age must not be below min_age``) as the client writes them (``maxAge``), and no
    CPR number."""
    return redact(_SNAKE_WORD.sub(lambda found: camel(found.group()), message))


@strawberry.type(description="An expected failure of a mutation, tied to an input field.")
class UserError:
    field: list[str] | None = strawberry.field(
        description='Path to the input field at fault, e.g. ["input", "orgCode"].'
    )
    code: ErrorCode  # type: ignore[valid-type]
    message: str


@strawberry.type(
    description="An advisory rule the change does not keep; the change was made all the same."
)
class RuleWarning:
    field: list[str] | None = strawberry.field(description="Path to the input field concerned.")
    message: str
    source: str = strawberry.field(description="The agreement and rule set the rule comes from.")


def client_field(error: DomainError, prefix: Sequence[str] = ("input",)) -> list[str] | None:
    """The client's path to the field a domain error names: the command's fields lie under
    ``prefix``; an object's own fields (what an offer lacks) stand alone."""
    if error.field is None:
        return None
    path = [camel(part) for part in error.field]
    return [*prefix, *path] if error.of_command else path


def user_errors(error: DomainError) -> list[UserError]:
    """A payload's errors; no CPR number in a message (a message may quote what the client
    sent: "'010190-1234' is not a valid ID."), as for top-level errors."""
    errors = error.errors if isinstance(error, DomainErrors) else [error]
    return [
        UserError(field=client_field(e), code=e.code, message=client_words(e.message))
        for e in errors
    ]


class ArgumentError(DomainError):
    """A domain error whose field is already the client's path to a query's argument."""


@contextmanager
def arguments(*prefix: str) -> Iterator[None]:
    """Domain errors raised inside name a query's arguments, under ``prefix`` (the input
    object that holds them, e.g. ``filter``)."""
    try:
        yield
    except ArgumentError:
        raise
    except DomainError as error:
        raise ArgumentError(error.code, error.message, client_field(error, prefix)) from None


def extensions(error: DomainError) -> dict[str, object]:
    """A top-level error's ``extensions``: its code and the client's path to the argument."""
    field = error.field if isinstance(error, ArgumentError) else client_field(error, ())
    if field is None:
        return {"code": error.code.value}
    return {"code": error.code.value, "field": field}


def should_mask_error(error: GraphQLError) -> bool:
    """Hide unexpected exceptions; show domain errors and GraphQL validation errors as they are."""
    original = error.original_error
    return original is not None and not isinstance(original, DomainError | GraphQLError)
