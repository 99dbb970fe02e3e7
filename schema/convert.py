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

The plan of each type (which field reads what) is worked out once and kept.
"""

from __future__ import annotations

import dataclasses
import operator
from collections.abc import Callable, Mapping
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

# A type's plan, twice: reading a view by attribute (models, dataclasses) and by key (rows)
_PLANS: dict[type, tuple[list[tuple[str, Reader]], list[tuple[str, Reader]]]] = {}


def _get(view: Any, name: str) -> Any:
    if isinstance(view, Mapping):
        return view[name]
    return getattr(view, name)


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


def _value_reader(inner: Any) -> Reader | None:
    """How a single value of the field's type is made from the view's value, if it is."""
    if inner is Money:
        return lambda ore: None if ore is None else Money.from_ore(ore)
    if isinstance(inner, StrawberryEnumDefinition):
        enum = inner.wrapped_cls
        return lambda value: None if value is None else enum(value)
    if isinstance(inner, type) and has_object_definition(inner):
        return lambda value: None if value is None else as_type(inner, value)
    return None


def _reader(name: str, kind: Any, by_key: bool) -> Reader:
    """How the field ``name`` is read from a view: by attribute, or by key from a row (the
    plain readers are operator's, so a field costs no Python call of its own)."""
    inner, _optional, many = _unwrap(kind)
    source = f"{name}_ore" if inner is Money and not many else name
    get = operator.itemgetter(source) if by_key else operator.attrgetter(source)
    convert = _value_reader(inner)
    if convert is None:
        return get
    if many:
        convert = _each(convert)
    return lambda view: convert(get(view))


def _plan(cls: type) -> tuple[list[tuple[str, Reader]], list[tuple[str, Reader]]]:
    definition: StrawberryObjectDefinition = cls.__strawberry_definition__  # type: ignore[attr-defined]
    by_name = {f.python_name: f for f in definition.fields}
    plans: tuple[list[tuple[str, Reader]], list[tuple[str, Reader]]] = ([], [])
    for by_key, plan in enumerate(plans):
        for field in dataclasses.fields(cls):
            if not field.init:
                continue
            if field.name == "view":  # private: the view itself
                plan.append(("view", lambda view: view))
                continue
            if field.name == "id" and issubclass(cls, relay.Node):  # the node's id, as text
                plan.append(("id", lambda view: str(_get(view, "id"))))
                continue
            found = by_name.get(field.name)
            if found is None or found.base_resolver is not None:
                continue
            plan.append((field.name, _reader(field.name, found.type, bool(by_key))))
    _PLANS[cls] = plans
    return plans


def from_view(cls: type[T], view: Any, /, **values: Any) -> T:
    """The GraphQL type ``cls`` for a domain view; ``values`` give the fields the view does
    not hold under their own name (see the module's conventions for the rest)."""
    plan = (_PLANS.get(cls) or _plan(cls))[isinstance(view, Mapping)]
    if not values:
        return cls(**{name: read(view) for name, read in plan})
    fields = {name: values[name] if name in values else read(view) for name, read in plan}
    for name, value in values.items():
        fields.setdefault(name, value)
    return cls(**fields)


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
