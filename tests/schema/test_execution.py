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
class Owner:
    name: str
    tags: list[str]
    maybe: list[str | None] | None

    @strawberry.field
    def where(self, info: strawberry.Info) -> str:
        return ".".join(str(key) for key in info.path.as_list())


@strawberry.type
class Thing(relay.Node):
    code: relay.NodeID[str]
    label: str


def _owner(name: str) -> Owner:
    return Owner(name=name, tags=["a", "b"], maybe=[None, "c"])


async def _later_owner(name: str) -> Owner:
    return _owner(name)


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

    # objects: held, made by a resolver that reads its info, absent, absent where the type
    # forbids it, made later (as a loader's answer is), and a list of node objects
    owner: Owner = strawberry.field(default_factory=lambda: _owner("Ejer"))

    @strawberry.field
    def keeper(self, info: strawberry.Info) -> Owner:
        return _owner(f"{self.name}@{info.path.key}")

    @strawberry.field
    def lent(self) -> Owner | None:
        return _owner("Låner") if self.places else None

    @strawberry.field
    def lost(self) -> Owner:
        return _owner("Fundet") if self.places else None  # type: ignore[return-value]

    @strawberry.field(graphql_type=Owner)
    def loaded(self) -> Any:
        return _later_owner(self.name)

    @strawberry.field
    def things(self) -> list[Thing]:
        return [Thing(code=f"{self.name}-{n}", label="Ting") for n in range(2)]


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
    "{ places { name owner { name tags maybe } keeper { name where } } }",
    "{ places { lent { name where } } }",
    "{ places { name lost { name } } }",
    "{ places { owner { name } loaded { name tags } } }",
    "{ places { things { id code label } } }",
    "{ places { keeper { name broken: where } later } }",
    "{ places { ... on Place { keeper { ...O } } } } fragment O on Owner { name where }",
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


async def test_a_selection_of_plain_fields_is_completed_in_one_loop(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Objects held or made by plain resolvers, lists of them and lists of leaves, from the
    root down, take no per-field path of graphql-core's at all."""
    fields: list[str] = []
    full = StrawberryGraphQLCoreExecutionContext.execute_field

    def counted(self: Any, parent_type: Any, source: Any, details: Any, *rest: Any) -> Any:
        fields.append(details[0].node.name.value)
        return full(self, parent_type, source, details, *rest)

    monkeypatch.setattr(StrawberryGraphQLCoreExecutionContext, "execute_field", counted)
    document = "{ places { name owner { name tags } keeper { where } things { id label } } }"
    result = await _schema(Execution, True).execute(document)

    assert result.errors is None
    assert result.data is not None
    assert result.data["places"][1]["keeper"] == {"where": "places.1.keeper.where"}
    assert fields == []
