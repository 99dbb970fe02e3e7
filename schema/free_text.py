"""No CPR number in the free text of a GraphQL query: every argument of every field of a
query is read as the client wrote it (its variables filled in), and one that holds a
CPR-shaped number in a free-text input (a search, a filter) refuses the operation as a
whole, before it runs (a search is recorded as a demand signal), with a
``PERSONAL_DATA_IN_TEXT`` error naming the argument's path (``["query"]``).

Mutations are checked where their input becomes a command (``schema.mutation.mutate``), so
the refusal is the payload's user error (``["input", "citizenRef"]``) as for any other
field. The rule itself is the domain's (``marketplace.core.cpr.refuse_cpr_in_text``); the web
forms apply the same one."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    GraphQLError,
    GraphQLSyntaxError,
    OperationDefinitionNode,
    OperationType,
    Visitor,
    parse,
    value_from_ast_untyped,
    visit,
)
from graphql.language import ArgumentNode
from strawberry.types import ExecutionResult

from marketplace.core.cpr import refuse_cpr_in_text
from marketplace.core.errors import DomainError


class _Arguments(Visitor):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[ArgumentNode] = []

    def enter_operation_definition(self, node: OperationDefinitionNode, *_: Any) -> Any:
        return Visitor.SKIP if node.operation is OperationType.MUTATION else None

    def enter_field(self, node: FieldNode, *_: Any) -> None:
        self.found.extend(node.arguments or ())


@lru_cache(maxsize=256)
def _arguments(document_text: str) -> tuple[ArgumentNode, ...]:
    try:
        document: DocumentNode = parse(document_text, max_tokens=10_000)
    except GraphQLSyntaxError:
        return ()  # strawberry answers the syntax error
    collector = _Arguments()
    visit(document, collector)
    return tuple(collector.found)


def cpr_refusal(
    document_text: str | None, variables: dict[str, Any] | None
) -> ExecutionResult | None:
    """The answer refusing the operation when one of its free-text arguments holds a CPR
    number; ``None`` when none does."""
    if not document_text:
        return None
    for argument in _arguments(document_text):
        value = value_from_ast_untyped(argument.value, variables or {})
        try:
            refuse_cpr_in_text({argument.name.value: value})
        except DomainError as error:
            return ExecutionResult(
                data=None,
                errors=[
                    GraphQLError(
                        error.message,
                        extensions={"code": error.code.value, "field": error.field},
                    )
                ],
            )
    return None
