"""The short execution paths answer exactly as graphql-core's and strawberry's full paths do:
the same data, and the same errors at the same places, for plain leaves, objects of plain
leaves, plain resolvers and everything around them."""

from __future__ import annotations

import enum
from typing import Any

import pytest
import strawberry
from strawberry import relay
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from schema.execution import Execution, lean_resolvers


@strawberry.enum
class Colour(enum.Enum):
    RED = "red"
    BLUE = "blue"


@strawberry.type
class Place:
    name: str
    note: str | None
    colour: Colour
    places: int
    missing: str  # non-null, but the object holds None: an error at its path
    wrong: int  # non-null, but the object holds text: an error at its path

    @strawberry.field
    def shout(self) -> str:
        return self.name.upper()

    @strawberry.field
    def asked(self, info: strawberry.Info) -> str:
        return f"{info.field_name}:{info.path.key}"

    @strawberry.field
    def broken(self) -> str | None:
        raise ValueError("no such thing")

    @strawberry.field
    async def later(self) -> str:
        return self.name + "!"


@strawberry.type
class Thing(relay.Node):
    code: relay.NodeID[str]
    label: str


@strawberry.type
class Query:
    @strawberry.field
    def places(self) -> list[Place]:
        return [
            Place(name="Bo", note=None, colour=Colour.RED, places=3, missing="x", wrong=1),
            Place(name="Ly", note="n", colour=Colour.BLUE, places=0, missing=None, wrong="x"),  # type: ignore[arg-type]
        ]

    @strawberry.field
    def thing(self) -> Thing:
        return Thing(code="t-1", label="Ting")


DOCUMENTS = [
    "{ places { name note colour places } }",
    "{ places { name missing } }",
    "{ places { name wrong } }",
    "{ places { n: name, again: name, shout asked later } }",
    "{ places { name broken } }",
    "query ($on: Boolean!) { places { name note @include(if: $on) colour @skip(if: $on) } }",
    "{ places { ...F } } fragment F on Place { name colour }",
    "{ thing { id code label } }",
    "{ places { __typename name } }",
]


def _schema(execution: type[StrawberryGraphQLCoreExecutionContext], lean: bool) -> Any:
    schema = strawberry.Schema(query=Query, execution_context_class=execution)
    if lean:
        assert lean_resolvers(schema) > 0
    return schema


@pytest.mark.parametrize("document", DOCUMENTS)
async def test_short_paths_answer_as_the_full_path(document: str) -> None:
    full = await _schema(StrawberryGraphQLCoreExecutionContext, False).execute(
        document, variable_values={"on": True}
    )
    short = await _schema(Execution, True).execute(document, variable_values={"on": True})

    assert short.data == full.data
    assert [(e.message, e.path, e.locations) for e in short.errors or []] == [
        (e.message, e.path, e.locations) for e in full.errors or []
    ]


async def test_errors_of_plain_leaves_are_reported_where_they_happen() -> None:
    result = await _schema(Execution, True).execute("{ places { name missing wrong } }")

    assert result.data is None or result.data == {"places": None}
    paths = sorted(tuple(e.path or []) for e in result.errors or [])
    assert paths == [("places", 1, "missing")]  # the first error nulls the whole list
