"""Lists cost a fixed number of SQL statements, whatever their length (no N+1)."""

from typing import Any

import pytest

from marketplace.core.db import engine
from marketplace.organisations.demo import seed_demo_providers
from tests.conftest import GraphQL

PROVIDERS = """
query ($first: Int) {
  providers(first: $first) {
    totalCount
    edges { node { name municipality { name region { name municipalityCount } } region { code } } }
  }
}
"""


@pytest.fixture
def statements(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    seen: list[str] = []
    engine_class = type(engine())
    original = engine_class.run_querystring

    async def counting(self: Any, querystring: Any, *args: Any, **kwargs: Any) -> Any:
        seen.append(str(querystring))
        return await original(self, querystring, *args, **kwargs)

    monkeypatch.setattr(engine_class, "run_querystring", counting)
    return seen


async def test_provider_list_statements_do_not_grow_with_the_page(
    gql: GraphQL, statements: list[str]
) -> None:
    await seed_demo_providers()
    statements.clear()
    small = await gql(PROVIDERS, {"first": 2})
    small_count = len(statements)
    statements.clear()
    large = await gql(PROVIDERS, {"first": 15})
    large_count = len(statements)

    assert len(small["data"]["providers"]["edges"]) == 2
    assert len(large["data"]["providers"]["edges"]) == 15
    # page + count + municipalities + regions + municipality counts
    assert small_count == large_count == 5, statements
