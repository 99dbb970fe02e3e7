"""Between the domain's shapes and GraphQL's: views into GraphQL types, inputs into data.

``from_view(Type, view, **values)`` fills a GraphQL type's fields by name from a domain view
(a pydantic model, a dataclass or a row): a field the view holds under another name or must
compute is given in ``values``; the rest follow conventions, so a type states only what
differs:

- a relay ``id`` takes the view's ``id`` as text;
- a ``Money`` field ``price`` takes the view's ``price_ore`` (integer øre);
- an enum field takes the view's value (the enum itself, or its value);
- a field of a GraphQL object type (or a list of them) converts the view's value with the
  type's ``of`` (or, without one, the same way);
- a private field named ``view`` keeps the view itself, for the type's resolvers (any other
  private field takes the view's value of its name, as a public one does).

The plan of each type (which field reads what) is worked out once and written out as one
function per type (like dataclasses' own ``__init__``), so converting a view costs one call.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from enum import Enum
from typing import Any, TypeVar

import strawberry
from strawberry import relay
from strawberry.types.base import (
    StrawberryList,
    StrawberryObjectDefinition,
    StrawberryOptional,
    has_object_definition,
)
from strawberry.types.enum import StrawberryEnumDefinition

from schema.money import Money

T = TypeVar("T")
Reader = Callable[[Any], Any]


def _unwrap(kind: Any) -> tuple[Any, bool, bool]:
    """A field's type without Optional: (type, optional, list)."""
    optional = isinstance(kind, StrawberryOptional)
    if optional:
        kind = kind.of_type
    if isinstance(kind, StrawberryList):
        inner = kind.of_type
        if isinstance(inner, StrawberryOptional):
            inner = inner.of_type
        return inner, optional, True
    return kind, optional, False


def _each(convert: Reader) -> Reader:
    return lambda value: None if value is None else [convert(item) for item in value]


def _enum_reader(enum: Any) -> Reader:
    """The enum's member for a member or a value: looked up (the enum's own call takes ten
    times as long), the call deciding anything else (an error for an unknown value)."""
    members: dict[Any, Enum] = {**{m.value: m for m in enum}, **{m: m for m in enum}}

    def read(value: Any) -> Any:
        if value is None:
            return None
        try:
            found = members.get(value)
        except TypeError:  # not hashable: the enum's call refuses it
            found = None
        return found if found is not None else enum(value)

    return read


def _value_reader(inner: Any) -> Reader | None:
    """How a single value of the field's type is made from the view's value, if it is."""
    if inner is Money:
        return lambda ore: None if ore is None else Money.from_ore(ore)
    if isinstance(inner, StrawberryEnumDefinition):
        return _enum_reader(inner.wrapped_cls)
    if isinstance(inner, type) and has_object_definition(inner):
        return lambda value: None if value is None else as_type(inner, value)
    return None


# How a field is read: ("view",) the view itself, ("id",) the view's id as text, or
# (source, convert) the view's ``source`` converted by ``convert`` (None: as it is)
Step = tuple[str, ...] | tuple[str, Reader | None]
_STEPS: dict[type, list[tuple[str, Step]]] = {}
# A made maker: the type, whether the view is read by key, and the names given as values
_MAKERS: dict[tuple[type, bool, tuple[str, ...]], Callable[..., Any]] = {}


def _steps(cls: type) -> list[tuple[str, Step]]:
    known = _STEPS.get(cls)
    if known is not None:
        return known
    definition: StrawberryObjectDefinition = cls.__strawberry_definition__  # type: ignore[attr-defined]
    by_name = {f.python_name: f for f in definition.fields}
    steps: list[tuple[str, Step]] = []
    for field in dataclasses.fields(cls):
        if not field.init:
            continue
        if field.name == "view":  # private: the view itself
            steps.append(("view", ("view",)))
            continue
        if field.name == "id" and issubclass(cls, relay.Node):  # the node's id, as text
            steps.append(("id", ("id",)))
            continue
        found = by_name.get(field.name)
        if found is None or found.base_resolver is not None:
            continue
        inner, _optional, many = _unwrap(found.type)
        source = f"{field.name}_ore" if inner is Money and not many else field.name
        convert = _value_reader(inner)
        steps.append((field.name, (source, _each(convert) if convert and many else convert)))
    _STEPS[cls] = steps
    return steps


def _maker(cls: type, by_key: bool, given: tuple[str, ...]) -> Callable[..., Any]:
    """A function ``make(view, values)`` that calls ``cls`` with each field read from the
    view, and the ``given`` ones from ``values``: written out once per type, so a view
    costs one call and no loop over its fields."""
    known = _MAKERS.get((cls, by_key, given))
    if known is not None:
        return known
    scope: dict[str, Any] = {"cls": cls, "str": str}
    arguments = [f"{name}=values[{name!r}]" for name in given]
    for number, (name, step) in enumerate(_steps(cls)):
        if name in given:
            continue
        if step == ("view",):
            arguments.append(f"{name}=view")
            continue
        source = "id" if step == ("id",) else step[0]
        read = f"view[{source!r}]" if by_key else f"view.{source}"
        if step == ("id",):
            arguments.append(f"{name}=str({read})")
        elif step[1] is None:
            arguments.append(f"{name}={read}")
        else:
            scope[f"convert_{number}"] = step[1]
            arguments.append(f"{name}=convert_{number}({read})")
    code = f"def make(view, values):\n    return cls({', '.join(arguments)})\n"
    exec(compile(code, f"<from_view {cls.__name__}>", "exec"), scope)
    made: Callable[..., Any] = scope["make"]
    _MAKERS[(cls, by_key, given)] = made
    return made


def from_view(cls: type[T], view: Any, /, **values: Any) -> T:
    """The GraphQL type ``cls`` for a domain view; ``values`` give the fields the view does
    not hold under their own name (see the module's conventions for the rest)."""
    by_key = type(view) is dict or (type(view) not in _ATTRIBUTE_VIEWS and _is_mapping(view))
    return _maker(cls, by_key, tuple(values))(view, values)


# The view classes known to be read by attribute (a pydantic model, a dataclass)
_ATTRIBUTE_VIEWS: set[type] = set()


def _is_mapping(view: Any) -> bool:
    if isinstance(view, Mapping):
        return True
    _ATTRIBUTE_VIEWS.add(type(view))
    return False


def as_type(cls: type[T], view: Any) -> T:
    """The GraphQL type for a view: the type's own ``of`` where it has one."""
    convert = getattr(cls, "of", None)
    return convert(view) if callable(convert) else from_view(cls, view)


class FromView:
    """Mixin: ``Type.of(view)`` is ``from_view(Type, view)``; a type whose view differs
    overrides ``of`` to give those fields."""

    @classmethod
    def of(cls: type[T], view: Any) -> T:
        return from_view(cls, view)


def input_data(value: Any) -> Any:
    """A GraphQL input as plain data for a pydantic command, leaving out unset fields."""
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


def without_nulls(item: Any) -> Any:
    """Data without the fields given as null, nested too (null means "not given" there)."""
    if isinstance(item, dict):
        return {k: without_nulls(v) for k, v in item.items() if v is not None}
    if isinstance(item, list):
        return [without_nulls(v) for v in item]
    return item
