"""GraphQL execution with short paths for plain fields and plain resolvers.

Most fields of a response are a scalar read straight off the object (an offer's name, a
provider's name): strawberry resolves such a "basic" field by ``getattr`` and needs no
resolve info. graphql-core still builds the info object, the argument dictionary and the
nested completion calls for each of them, which is most of the per-field cost of a list
read. ``Execution`` reads such a field and coerces its value directly, and completes a
selection made only of plain fields (a tree: leaves, and objects or lists read by ``getattr``
or a synchronous lean resolver whose own selections are plain) in one loop. Anything else (a
field with arguments or an async resolver, an abstract type, a null where the type forbids
it, a value its scalar refuses, a value to await, a schema with field middleware) takes
graphql-core's full path, so errors are located and reported exactly as before.

``lean_resolvers`` does the same for a field with a resolver of its own that takes no
arguments and has no field extension (no permission, no connection): strawberry calls it
through about ten layers (argument conversion, extension chain, partials); the lean
resolver calls the function with the object and the strawberry ``Info`` it asks for. A
basic field's resolver reads its attribute with one call.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple, cast

import strawberry
from graphql import (
    FieldNode,
    GraphQLField,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLResolveInfo,
    get_nullable_type,
    is_leaf_type,
    is_list_type,
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

_PLAN = "_socialmarked_plain_leaf"  # the plan, kept on the field definition itself
_TARGET = "_socialmarked_object_target"  # the object type a return type completes to
_BASIC = "_get_basic_result"
# on a lean resolver of a synchronous function: whether it asks for the info
_NEEDS_INFO = (
    "_socialmarked_needs_info"  # strawberry's resolver for a field with no resolver of its own
)


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
    """strawberry's execution context, with plain leaf fields read directly, and a selection
    made only of plain fields (see ``Tree``) completed in one loop."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # a selection's tree by the selection's identity (graphql-core memoises the
        # selections of a list's items, so every item of a list shares one); the selection
        # is kept with its tree so that its identity is not reused during the execution
        self._trees: dict[int, tuple[GroupedFieldSet, Tree | None]] = {}

    def tree(
        self, parent_type: GraphQLObjectType, grouped_field_set: GroupedFieldSet
    ) -> Tree | None:
        """The selection's tree, made the first time the selection is executed (None: it
        holds something that is not plain)."""
        known = self._trees.get(id(grouped_field_set))
        if known is None:
            self._trees[id(grouped_field_set)] = (grouped_field_set, None)  # while it is made
            made = None if _wrapped(self) else _tree(self, parent_type, grouped_field_set)
            known = self._trees[id(grouped_field_set)] = (grouped_field_set, made)
        return known[1]

    def execute_fields(
        self,
        parent_type: GraphQLObjectType,
        source_value: Any,
        path: Path | None,
        grouped_field_set: GroupedFieldSet,
        position_context: Any,
    ) -> AwaitableOrValue[dict[str, Any]]:
        tree = self.tree(parent_type, grouped_field_set) if position_context is None else None
        if tree is not None:
            results = _complete(self, tree, source_value, path)
            if results is not Undefined:
                return cast("dict[str, Any]", results)
            # an error to report or a value that is not plain: the full path decides, here
            # and for the rest of this execution (a list's next items are most likely alike)
            self._trees[id(grouped_field_set)] = (grouped_field_set, None)
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

    def complete_value(
        self,
        return_type: GraphQLOutputType,
        field_details_list: FieldDetailsList,
        info: GraphQLResolveInfo,
        path: Path,
        result: Any,
        position_context: Any,
    ) -> AwaitableOrValue[Any]:
        target = object_target(return_type)
        if (
            target is not None
            and position_context is None  # nothing deferred above
            and result is not None
            and not isinstance(result, Exception)
            and (target.is_type_of is None or target.is_type_of(result, info) is True)
        ):
            # what graphql-core does for an object, through four calls fewer
            grouped_field_set, new_defer_usages, _ = self.collect_subfields(
                target, field_details_list
            )
            if not new_defer_usages:
                return self.execute_fields(target, result, path, grouped_field_set, None)
        return super().complete_value(
            return_type, field_details_list, info, path, result, position_context
        )


def object_target(return_type: GraphQLOutputType) -> GraphQLObjectType | None:
    """The object type a field of ``return_type`` completes to, when its value can be
    completed directly: an object type (nullable or not) whose type check, if it has one, is
    strawberry's (a plain instance check, never awaited, that does not read its info)."""
    known = return_type.__dict__.get(_TARGET, Undefined)
    if known is not Undefined:
        return cast("GraphQLObjectType | None", known)
    inner = get_nullable_type(return_type)
    target = None
    if is_object_type(inner):
        check = inner.is_type_of
        if check is None or "_get_is_type_of" in getattr(check, "__qualname__", ""):
            target = inner
    return_type.__dict__[_TARGET] = target
    return target


# A tree: a selection whose every field is plain, completed in one loop. A field is plain
# when it takes no arguments and is a plain leaf (``Leaf``), or is read by strawberry's
# getattr or a synchronous lean resolver (``Branch``) and is a leaf, a list of leaves, or
# an object or a list of objects whose selection is itself a tree. Whatever the loop meets
# that is not plain (an error, a value to await, a null where the type forbids it) hands
# the selection to graphql-core's full path, which reports it at its place.
Leaf = tuple[str, GraphQLField, tuple[Coerce, bool]]


class Branch(NamedTuple):
    name: str
    resolve: Callable[[Any, Any], Any]
    nodes: list[FieldNode] | None  # the field's nodes when its resolver asks for the info
    field: GraphQLField
    parent_type: GraphQLObjectType
    non_null: bool
    many: bool  # a list (of ``target`` objects, or of leaves)
    item_non_null: bool
    target: GraphQLObjectType | None
    tree: Tree | None  # the objects' selection
    coerce: Coerce | None  # a leaf's coercion (None: ``target`` objects)


Tree = list[Leaf | Branch]


def _tree(
    execution: Execution, parent_type: GraphQLObjectType, grouped_field_set: GroupedFieldSet
) -> Tree | None:
    """The selection as a tree, or None if any of its fields is not plain."""
    tree: Tree = []
    for response_name, details in grouped_field_set.items():
        node = details[0].node
        field = execution.schema.get_field(parent_type, node.name.value)
        if field is None or node.arguments:
            return None
        plan = plain_leaf(field)
        part = (
            (response_name, field, plan)
            if plan is not None
            else _branch(execution, parent_type, response_name, field, details)
        )
        if part is None:
            return None
        tree.append(part)
    return tree


def _branch(
    execution: Execution,
    parent_type: GraphQLObjectType,
    name: str,
    field: GraphQLField,
    details: FieldDetailsList,
) -> Branch | None:
    resolve = field.resolve
    basic = resolve is not None and getattr(resolve, "__name__", "") == _BASIC
    needs_info = getattr(resolve, _NEEDS_INFO, None)
    if resolve is None or not (basic or needs_info is not None):
        return None
    inner: Any = get_nullable_type(field.type)
    many = is_list_type(inner)
    item: Any = get_nullable_type(inner.of_type) if many else inner
    item_non_null = many and item is not inner.of_type
    target = object_target(item)
    tree = coerce = None
    if target is not None:
        grouped_field_set, new_defer_usages, _ = execution.collect_subfields(target, details)
        tree = None if new_defer_usages else execution.tree(target, grouped_field_set)
        if tree is None:
            return None
    elif is_leaf_type(item):
        coerce = item.coerce_output_value
    else:
        return None
    nodes = [d.node for d in details] if needs_info else None
    non_null = inner is not field.type
    return Branch(
        name,
        resolve,
        nodes,
        field,
        parent_type,
        non_null,
        many,
        item_non_null,
        target,
        tree,
        coerce,
    )


def _complete(execution: Execution, tree: Tree, source: Any, path: Path | None) -> Any:
    """The tree's fields of ``source``, or Undefined where the full path must decide."""
    results: dict[str, Any] = {}
    for part in tree:
        if type(part) is Branch:
            value = _grow(execution, part, source, path)
        else:
            value = _read(part[1], source, part[2])  # type: ignore[arg-type]
        if value is Undefined:
            return Undefined
        results[part[0]] = value
    return results


def _grow(execution: Execution, branch: Branch, source: Any, path: Path | None) -> Any:
    """The branch's completed value, or Undefined."""
    field_path = Path(path, branch.name, branch.parent_type.name)
    info = (
        execution.build_resolve_info(branch.field, branch.nodes, branch.parent_type, field_path)
        if branch.nodes is not None
        else None
    )
    try:
        value = branch.resolve(source, info)
    except Exception:  # the full path raises it again, located
        return Undefined
    if value is None:
        return Undefined if branch.non_null else None
    if isinstance(value, Exception) or execution.is_awaitable(value):
        return _dropped(value)
    if not branch.many:
        if branch.coerce is not None:
            return _coerced(branch.coerce, value)
        return _object(execution, branch, value, field_path)
    if type(value) is not list and type(value) is not tuple:
        return _dropped(value)
    return _items(execution, branch, value, field_path)


def _items(execution: Execution, branch: Branch, value: Sequence[Any], path: Path) -> Any:
    """A list branch's completed items, or Undefined."""
    items: list[Any] = []
    for index, item in enumerate(value):
        if item is None:
            if branch.item_non_null:
                return Undefined
            done = None
        elif isinstance(item, Exception) or execution.is_awaitable(item):
            return _dropped(value)
        elif branch.coerce is not None:
            done = _coerced(branch.coerce, item)
        else:
            done = _object(execution, branch, item, path.add_key(index, None))
        if done is Undefined:
            return Undefined
        items.append(done)
    return items


def _object(execution: Execution, branch: Branch, value: Any, path: Path) -> Any:
    target = cast("GraphQLObjectType", branch.target)
    if target.is_type_of is not None and target.is_type_of(value, None) is not True:  # type: ignore[arg-type]
        return Undefined
    return _complete(execution, cast("Tree", branch.tree), value, path)


def _dropped(value: Any) -> UndefinedType:
    """Undefined, for a value (or a list) the full path will make again: a coroutine made
    for it is closed unawaited (nothing in it has run)."""
    for item in value if type(value) is list or type(value) is tuple else (value,):
        if inspect.iscoroutine(item):
            item.close()
    return Undefined


def _coerced(coerce: Coerce, value: Any) -> Any:
    if isinstance(value, Exception):
        return Undefined
    try:
        coerced = coerce(value)
    except Exception:
        return Undefined
    return Undefined if coerced is None else coerced


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
    except Exception:  # the full path raises it again, located
        return Undefined
    if value is None:
        return Undefined if non_null else None
    return _coerced(coerce, value)


def lean_resolvers(schema: strawberry.Schema) -> int:
    """Give every plain resolver field of the schema a lean resolve function; the number
    of fields given one."""
    if schema.schema_converter._exception_handler_specs:  # handlers wrap fields
        return 0
    info_class = schema.config.info_class
    by_getattr = schema.config.default_resolver is getattr
    lean = 0
    for named in schema._schema.type_map.values():
        if not is_object_type(named) or named.name.startswith("__"):
            continue
        for field in named.fields.values():
            definition = field.extensions.get(GraphQLCoreConverter.DEFINITION_BACKREF)
            if not isinstance(definition, StrawberryField) or field.args:
                continue
            if definition.is_basic_field and by_getattr:
                field.resolve = _basic(definition.python_name)
                continue
            resolve = _lean(definition, info_class)
            if resolve is not None:
                field.resolve = resolve
                lean += 1
    return lean


def _basic(name: str) -> Callable[..., Any]:
    """strawberry's resolver of a field with none of its own (the attribute of the same
    name), without its three calls in between."""

    def _get_basic_result(source: Any, *_args: Any, **_kwargs: Any) -> Any:
        return getattr(source, name)

    _get_basic_result._is_default = True  # type: ignore[attr-defined]
    return _get_basic_result


def _lean(field: StrawberryField, info_class: type) -> Callable[..., Any] | None:
    resolver = field.base_resolver
    if resolver is None or field.extensions or field.arguments:
        return None
    function = resolver.wrapped_func
    if not callable(function):
        return None
    resolve = _lean_call(field, function, info_class)
    if not resolver.is_async:  # a tree may hold it: it answers at once
        setattr(resolve, _NEEDS_INFO, resolver.info_parameter is not None)
    return resolve


def _lean_call(
    field: StrawberryField, function: Callable[..., Any], info_class: type
) -> Callable[..., Any]:
    resolver = field.base_resolver
    assert resolver is not None
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
