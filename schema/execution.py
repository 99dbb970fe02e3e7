"""GraphQL execution with short paths for plain leaf fields and plain resolvers.

Most fields of a response are a scalar read straight off the object (an offer's name, a
provider's name): strawberry resolves such a "basic" field by ``getattr`` and needs no
resolve info. graphql-core still builds the info object, the argument dictionary and the
nested completion calls for each of them, which is most of the per-field cost of a list
read. ``Execution`` reads such a field and coerces its value directly; anything else (a
field with a resolver or arguments, an object or list, a null where the type forbids it, a
value its scalar refuses, a schema with field middleware) takes graphql-core's full path,
so errors are located and reported exactly as before.

``lean_resolvers`` does the same for a field with a resolver of its own that takes no
arguments and has no field extension (no permission, no connection): strawberry calls it
through about ten layers (argument conversion, extension chain, partials); the lean
resolver calls the function with the object and the strawberry ``Info`` it asks for.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

import strawberry
from graphql import (
    GraphQLField,
    GraphQLObjectType,
    GraphQLResolveInfo,
    get_nullable_type,
    is_leaf_type,
    is_object_type,
)
from graphql.execution.collect_fields import FieldDetailsList, GroupedFieldSet
from graphql.pyutils import AwaitableOrValue, Path, Undefined, UndefinedType
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.types.field import StrawberryField

Coerce = Callable[[Any], Any]
# A plain leaf field: its scalar's output coercion and whether null is forbidden.
Plan = tuple[Coerce, bool] | None
LeafSet = list[tuple[str, GraphQLField, tuple[Coerce, bool]]]

_PLAN = "_socialmarked_plain_leaf"  # the plan, kept on the field definition itself
_BASIC = "_get_basic_result"  # strawberry's resolver for a field with no resolver of its own


def plain_leaf(field: GraphQLField) -> Plan:
    """The field's plan, worked out the first time it is executed."""
    known = field.__dict__.get(_PLAN, Undefined)
    if known is not Undefined:
        return cast("Plan", known)
    plan: Plan = None
    resolve = field.resolve
    if resolve is not None and getattr(resolve, "__name__", "") == _BASIC and not field.args:
        inner = get_nullable_type(field.type)
        non_null = inner is not field.type
        if is_leaf_type(inner):
            plan = (inner.coerce_output_value, non_null)
    field.__dict__[_PLAN] = plan
    return plan


class Execution(StrawberryGraphQLCoreExecutionContext):
    """strawberry's execution context, with plain leaf fields read directly, and an object
    whose selected fields are all plain leaves (a provider's ``{ name }``) read in one loop.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # a selection's leaf plan by the selection's identity (graphql-core memoises the
        # selections of a list's items, so every item of a list shares one); the selection
        # is kept with its plan so that its identity is not reused during the execution
        self._leaf_sets: dict[int, tuple[GroupedFieldSet, LeafSet | None]] = {}

    def execute_fields(
        self,
        parent_type: GraphQLObjectType,
        source_value: Any,
        path: Path | None,
        grouped_field_set: GroupedFieldSet,
        position_context: Any,
    ) -> AwaitableOrValue[dict[str, Any]]:
        known = self._leaf_sets.get(id(grouped_field_set))
        if known is None:
            leaves = None if _wrapped(self) else _leaf_set(self, parent_type, grouped_field_set)
            known = (grouped_field_set, leaves)
            self._leaf_sets[id(grouped_field_set)] = known
        leaves = known[1]
        if leaves is not None:
            results: dict[str, Any] = {}
            for response_name, field, plan in leaves:
                value = _read(field, source_value, plan)
                if value is Undefined:  # an error to report: the full path reports it
                    break
                results[response_name] = value
            else:
                return results
        return super().execute_fields(
            parent_type, source_value, path, grouped_field_set, position_context
        )

    def execute_field(
        self,
        parent_type: GraphQLObjectType,
        source: Any,
        field_details_list: FieldDetailsList,
        path: Path,
        position_context: Any,
    ) -> AwaitableOrValue[Any] | UndefinedType:
        node = field_details_list[0].node
        field = self.schema.get_field(parent_type, node.name.value)
        if field is not None and not _wrapped(self) and not node.arguments:
            plan = plain_leaf(field)
            if plan is not None:
                value = _read(field, source, plan)
                if value is not Undefined:
                    return value
        return super().execute_field(
            parent_type, source, field_details_list, path, position_context
        )


def _leaf_set(
    execution: Execution, parent_type: GraphQLObjectType, grouped_field_set: GroupedFieldSet
) -> LeafSet | None:
    """The selection's fields as plain leaves, or None if any is something else."""
    leaves: LeafSet = []
    for response_name, details in grouped_field_set.items():
        node = details[0].node
        field = execution.schema.get_field(parent_type, node.name.value)
        plan = None if field is None or node.arguments else plain_leaf(field)
        if plan is None:
            return None
        leaves.append((response_name, field, plan))  # type: ignore[arg-type]
    return leaves


def _wrapped(execution: Execution) -> bool:
    """Whether some extension wraps every field's resolver (strawberry always passes a
    middleware manager, most often an empty one)."""
    manager = execution.middleware_manager
    return manager is not None and bool(manager.middlewares)


def _read(field: GraphQLField, source: Any, plan: tuple[Coerce, bool]) -> Any:
    """The field's coerced value, or Undefined where the full path must decide (an error
    to report, or a value that is not plain)."""
    coerce, non_null = plan
    try:
        value = field.resolve(source, None)  # type: ignore[misc]
        if value is None:
            return Undefined if non_null else None
        if isinstance(value, Exception):
            return Undefined
        coerced = coerce(value)
    except Exception:  # the full path raises it again, located
        return Undefined
    return Undefined if coerced is None else coerced


def lean_resolvers(schema: strawberry.Schema) -> int:
    """Give every plain resolver field of the schema a lean resolve function; the number
    of fields given one."""
    if schema.schema_converter._exception_handler_specs:  # handlers wrap fields
        return 0
    info_class = schema.config.info_class
    lean = 0
    for named in schema._schema.type_map.values():
        if not is_object_type(named) or named.name.startswith("__"):
            continue
        for field in named.fields.values():
            definition = field.extensions.get(GraphQLCoreConverter.DEFINITION_BACKREF)
            if not isinstance(definition, StrawberryField) or field.args:
                continue
            resolve = _lean(definition, info_class)
            if resolve is not None:
                field.resolve = resolve
                lean += 1
    return lean


def _lean(field: StrawberryField, info_class: type) -> Callable[..., Any] | None:
    resolver = field.base_resolver
    if resolver is None or field.extensions or field.arguments:
        return None
    function = resolver.wrapped_func
    if not callable(function):
        return None
    with_self = resolver.self_parameter is not None
    # the parameters that take the object itself (root, parent) and the Info
    sources = [p.name for p in (resolver.root_parameter, resolver.parent_parameter) if p]
    info = resolver.info_parameter.name if resolver.info_parameter is not None else None
    if info is None and not sources:
        if with_self:
            return lambda source, _raw: function(source)
        return lambda _source, _raw: function()

    def resolve(source: Any, raw: GraphQLResolveInfo) -> Any:
        given = dict.fromkeys(sources, source)
        if info is not None:
            given[info] = info_class(_raw_info=raw, _field=field)
        return function(source, **given) if with_self else function(**given)

    return resolve
