"""Limits on what one GraphQL request may ask for, beyond depth, aliases and tokens.

- **Document limits** (a validation rule, so cached with the document): at most
  ``max_operations`` operations, ``max_directives`` directives, and no field selected more
  than ``max_repeats`` times in one selection set (graphql-cop's "field duplication").
- **Cost** (checked before execution, with the request's variables, or the document's
  defaults for those it leaves out): every field costs 1; a field with a page size
  (``first``) multiplies the cost of what it selects by that size, and a connection without
  one by the default page size. An operation over the budget is refused
  before any resolver runs.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

from graphql import (
    ASTValidationRule,
    DirectiveNode,
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValidationContext,
    VariableNode,
)
from graphql import ExecutionResult as GraphQLExecutionResult
from strawberry.types import ExecutionContext

from marketplace.core.pagination import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE

TOO_COMPLEX = "TOO_COMPLEX"


def refusal(message: str) -> GraphQLError:
    """A limit's answer: a plain GraphQL error with ``extensions.code`` ``TOO_COMPLEX``."""
    return GraphQLError(message, extensions={"code": TOO_COMPLEX})


def document_limits(
    max_operations: int, max_directives: int, max_repeats: int
) -> type[ASTValidationRule]:
    class DocumentLimits(ASTValidationRule):
        def __init__(self, context: ValidationContext) -> None:
            super().__init__(context)
            self.directives = 0

        def enter_document(self, node: DocumentNode, *_: Any) -> None:
            operations = sum(isinstance(d, OperationDefinitionNode) for d in node.definitions)
            if operations > max_operations:
                self.report_error(
                    refusal(f"A document may hold at most {max_operations} operations.")
                )

        def enter_directive(self, node: DirectiveNode, *_: Any) -> None:
            self.directives += 1
            if self.directives == max_directives + 1:
                self.report_error(
                    refusal(f"A document may use at most {max_directives} directives.")
                )

        def enter_selection_set(self, node: SelectionSetNode, *_: Any) -> None:
            names = Counter(
                (s.alias or s.name).value for s in node.selections if isinstance(s, FieldNode)
            )
            repeated = [name for name, count in names.items() if count > max_repeats]
            if repeated:
                self.report_error(
                    refusal(
                        f"The field {repeated[0]!r} is selected {names[repeated[0]]} times; "
                        f"at most {max_repeats}."
                    )
                )

    return DocumentLimits


def _page_size(field: FieldNode, variables: dict[str, Any]) -> int | None:
    for argument in field.arguments or ():
        if argument.name.value != "first":
            continue
        value = argument.value
        if isinstance(value, IntValueNode):
            return int(value.value)
        if isinstance(value, VariableNode):
            given = variables.get(value.name.value)
            return given if isinstance(given, int) else DEFAULT_PAGE_SIZE
    return None


def _selections(
    selection_set: SelectionSetNode | None,
    fragments: dict[str, FragmentDefinitionNode],
    seen: frozenset[str],
) -> Iterator[tuple[FieldNode, frozenset[str]]]:
    if selection_set is None:
        return
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            yield selection, seen
        elif isinstance(selection, InlineFragmentNode):
            yield from _selections(selection.selection_set, fragments, seen)
        elif isinstance(selection, FragmentSpreadNode):
            name = selection.name.value
            fragment = fragments.get(name)
            if fragment is not None and name not in seen:  # a cycle is a validation error
                yield from _selections(fragment.selection_set, fragments, seen | {name})


def operation_cost(
    document: DocumentNode, operation_name: str | None, variables: dict[str, Any]
) -> int:
    """The cost of the operation the request runs (see the module's docstring)."""
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    chosen = next(
        (
            o
            for o in operations
            if operation_name is None or (o.name and o.name.value == operation_name)
        ),
        None,
    )
    if chosen is None:
        return 0
    # A variable the request leaves out takes the default the document gives it.
    variables = {
        **{
            d.variable.name.value: int(d.default_value.value)
            for d in chosen.variable_definitions or ()
            if isinstance(d.default_value, IntValueNode)
        },
        **variables,
    }

    def cost(selection_set: SelectionSetNode | None, seen: frozenset[str]) -> int:
        total = 0
        for field, inner_seen in _selections(selection_set, fragments, seen):
            inner = cost(field.selection_set, inner_seen)
            size = _page_size(field, variables)
            if size is None and any(
                f.name.value == "edges"
                for f, _ in _selections(field.selection_set, fragments, inner_seen)
            ):
                size = DEFAULT_PAGE_SIZE
            total += 1 + max(0, min(size, MAX_PAGE_SIZE) if size is not None else 1) * inner
        return total

    return cost(chosen.selection_set, frozenset())


def refuse_over_budget(context: ExecutionContext, max_cost: int) -> None:
    """Before execution: an operation that would cost more than ``max_cost`` gets its
    refusal as its result, and so never runs."""
    document = context.graphql_document
    if document is not None and context.result is None:
        spent = operation_cost(document, context.operation_name, context.variables or {})
        if spent > max_cost:
            context.result = GraphQLExecutionResult(
                data=None,
                errors=[
                    refusal(
                        f"The operation would cost {spent}, over the budget of "
                        f"{max_cost}: ask for smaller pages or fewer nested lists."
                    )
                ],
            )
