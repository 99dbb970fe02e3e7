"""The one way a GraphQL mutation runs.

A mutation is declared by its payload, its input and how the input becomes one service
call, in a few lines:

    contract_give_notice = mutation(
        ContractPayload,
        ContractGiveNoticeInput,
        lambda who, given: contracts.give_notice(
            who, given.id("id", "Contract", "contract"), given.text("reason")
        ),
        description="Give notice (either party): ...",
    )

``mutate`` checks the token's scope, runs the call (the service opens its unit of work: the
transaction, the search index and the audit record, see ``marketplace.core.unit_of_work``),
turns expected failures into the payload's ``errors`` with the client's paths to the fields
(``["input", "desiredStart"]`` for the command's ``desired_start``), fills the payload's
object from the service's view (``schema.convert.from_view``), and makes the loaders read
afresh for the payload.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import strawberry
from pydantic import BaseModel

from marketplace.core.cpr import refuse_cpr_in_text
from marketplace.core.errors import DomainError, ErrorCode, parse
from marketplace.core.identity import Principal
from schema.context import Info
from schema.convert import as_type, input_data, without_nulls
from schema.errors import user_errors
from schema.ids import require_uuid

P = TypeVar("P")  # a payload type: its object fields and ``errors``
M = TypeVar("M", bound=BaseModel)


class Given:
    """A mutation's input as plain data in the domain's names, taken apart by the resolver:
    its global IDs decoded, the rest parsed into the service's command."""

    def __init__(self, value: object) -> None:
        self.data: dict[str, Any] = input_data(value)

    def id(self, field: str, type_name: str, what: str) -> uuid.UUID:
        """Take the global ID in ``field``: the UUID of a ``type_name``, or NOT_FOUND."""
        return require_uuid(self.data.pop(field), type_name, what, field)

    def ids(self, field: str, type_name: str, what: str) -> None:
        """Decode a list of global IDs in place (left in the data for the command)."""
        if isinstance(self.data.get(field), list):
            self.data[field] = [require_uuid(v, type_name, what, field) for v in self.data[field]]

    def pop(self, field: str) -> Any:
        """Take a field out of the data (None when not given)."""
        return self.data.pop(field, None)

    def text(self, field: str) -> str:
        """Take a text field; an unset or null one is empty."""
        value = self.data.pop(field, None)
        return value if isinstance(value, str) else ""

    def command(self, model: type[M], *, nulls: str = "keep") -> M:
        """The rest of the input as a command. ``nulls``: "keep" (null clears a field),
        "top" (a null field is not given) or "all" (nor is a nested one)."""
        data = self.data
        if nulls == "top":
            data = {k: v for k, v in data.items() if v is not None}
        elif nulls == "all":
            data = without_nulls(data)
        return parse(model, data)


Call = Callable[[Principal, Given], Awaitable[Any]]
Build = Callable[[Info, Any], Awaitable[dict[str, Any]]]


def _object_field(payload: type) -> tuple[str, type]:
    """The payload's field for the object the mutation made or changed."""
    for field in payload.__strawberry_definition__.fields:  # type: ignore[attr-defined]
        if field.python_name in ("errors", "warnings") or field.base_resolver is not None:
            continue
        kind = getattr(field.type, "of_type", field.type)
        return field.python_name, kind
    raise TypeError(f"{payload.__name__} has no object field")


async def mutate(
    info: Info,
    payload: type[P],
    input: object | None,
    call: Call,
    *,
    build: Build | None = None,
) -> P:
    """Run one mutation and answer its payload (see the module's docstring). ``build``
    gives the payload's fields from the service's result where the default (the one object
    field, from the result as a view) does not fit."""
    principal = info.context.principal
    try:
        if not principal.may_write():
            raise DomainError(
                ErrorCode.PERMISSION_DENIED, "This access token's scopes do not include write."
            )
        given = Given(input)
        refuse_cpr_in_text(given.data)  # before anything runs, let alone is stored
        result = await call(principal, given)
    except DomainError as error:
        return _failed(payload, user_errors(error))
    info.context.renew_loaders()
    if build is not None:
        fields = await build(info, result)
    else:
        name, kind = _object_field(payload)
        fields = {name: as_type(kind, result)}
    return payload(**fields, errors=[])  # type: ignore[call-arg]


def _failed(payload: type[P], errors: list[Any]) -> P:
    fields: dict[str, Any] = {"errors": errors}
    for field in payload.__strawberry_definition__.fields:  # type: ignore[attr-defined]
        name = field.python_name
        if name == "warnings":
            fields[name] = []
        elif name != "errors" and field.base_resolver is None:
            fields[name] = None
    return payload(**fields)


def mutation(
    payload: type[P],
    input_type: type,
    call: Call,
    *,
    description: str,
    build: Build | None = None,
) -> Any:
    """A GraphQL mutation field: ``input: <input_type>!`` in, ``<payload>`` out, run by
    ``mutate`` with ``call`` (and ``build`` where the payload holds more than its object)."""

    async def resolver(info: Info, input: Any) -> Any:
        return await mutate(info, payload, input, call, build=build)

    resolver.__annotations__ = {"info": Info, "input": input_type, "return": payload}
    return strawberry.mutation(resolver, description=description)
