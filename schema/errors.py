"""UserError, payload helpers and the mapping from domain errors to what clients see."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import strawberry
from graphql import GraphQLError
from strawberry.types.base import StrawberryObjectDefinition

from marketplace.core.errors import DomainError, DomainErrors
from marketplace.core.errors import ErrorCode as DomainErrorCode

ErrorCode = strawberry.enum(
    DomainErrorCode,
    name="ErrorCode",
    description="What went wrong, as a code a client can act on.",
)

T = TypeVar("T")


def camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


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


def user_errors(error: DomainError) -> list[UserError]:
    errors = error.errors if isinstance(error, DomainErrors) else [error]
    return [
        UserError(
            field=[camel(part) for part in e.field] if e.field is not None else None,
            code=e.code,
            message=e.message,
        )
        for e in errors
    ]


async def attempt(action: Callable[[], Awaitable[T]]) -> tuple[T | None, list[UserError]]:
    """Run a mutation's service call; expected failures become the payload's user errors."""
    try:
        return await action(), []
    except DomainError as error:
        return None, user_errors(error)


def input_data(value: Any) -> Any:
    """A strawberry input as plain data for a pydantic command, leaving out unset fields."""
    definition = getattr(type(value), "__strawberry_definition__", None)
    if isinstance(definition, StrawberryObjectDefinition):
        result = {}
        for field in definition.fields:
            item = getattr(value, field.python_name)
            if item is not strawberry.UNSET:
                result[field.python_name] = input_data(item)
        return result
    if isinstance(value, list):
        return [input_data(v) for v in value]
    return value


def should_mask_error(error: GraphQLError) -> bool:
    """Hide unexpected exceptions; show domain errors and GraphQL validation errors as they are."""
    original = error.original_error
    return original is not None and not isinstance(original, DomainError | GraphQLError)
