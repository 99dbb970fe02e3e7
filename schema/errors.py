"""UserError, payload helpers and the mapping from domain errors to what clients see."""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import strawberry
from graphql import GraphQLError
from pydantic import BaseModel
from strawberry.relay import GlobalID, GlobalIDValueError
from strawberry.types.base import StrawberryObjectDefinition
from strawberry.utils.await_maybe import await_maybe

from marketplace.core import audit, idempotency
from marketplace.core.db import write_transaction
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


async def attempt(
    info: Any, action: Callable[[], Awaitable[T]]
) -> tuple[T | None, list[UserError]]:
    """Run a mutation's service call in one write transaction with its audit record (see
    ``marketplace.core.audit``). Expected failures become the payload's user errors and leave
    nothing behind: neither the change nor a record."""
    try:
        if not info.context.principal.may_write():
            raise DomainError(
                DomainErrorCode.PERMISSION_DENIED,
                "This access token's scopes do not include write.",
            )
        async with write_transaction():
            target = _target(info)
            before = _state(await _resolve(target, info))
            idempotency.start_mutation()
            result = await action()
            info.context.renew_loaders()
            if idempotency.replayed():  # a retry answered with the first call's result
                return result, []
            definition = getattr(type(result), "__strawberry_definition__", None)
            object_id = getattr(result, "id", None) or (target.node_id if target else "")
            await audit.append(
                info.context.principal,
                info.field_name,
                definition.name if definition else type(result).__name__,
                str(object_id),
                before,
                _state(result),
            )
            return result, []
    except DomainError as error:
        return None, user_errors(error)


def _target(info: Any) -> GlobalID | None:
    """The object a mutation's ``input.id`` names, if it names one."""
    arguments = info.selected_fields[0].arguments if info.selected_fields else {}
    value = (arguments.get("input") or {}).get("id")
    if not isinstance(value, str):
        return None
    try:
        return GlobalID.from_id(value)
    except GlobalIDValueError:
        return None


async def _resolve(target: GlobalID | None, info: Any) -> Any:
    if target is None:
        return None
    try:
        return await await_maybe(target.resolve_node(info))
    except GlobalIDValueError:  # not a type of this schema
        return None


def _state(found: Any) -> Any:
    """What an object's digest is made of: its domain view, or its fields."""
    if found is None:
        return None
    view = getattr(found, "view", None)
    if isinstance(view, BaseModel):
        return view.model_dump(mode="json")
    if dataclasses.is_dataclass(found) and not isinstance(found, type):
        return dataclasses.asdict(found)
    return repr(found)


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
