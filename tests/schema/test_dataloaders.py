"""Lists cost a fixed number of SQL statements, whatever their length (no N+1)."""

from demo.providers import seed_demo_providers
from tests.conftest import GraphQL

PROVIDERS = """
query ($first: Int) {
  providers(first: $first) {
    totalCount
    edges { node { name municipality { name region { name municipalityCount } } region { code } } }
  }
}
"""


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


OFFERS = """
query ($first: Int, $today: Date!) {
  offers(first: $first) {
    totalCount
    edges { node {
      name capacity { free } provider { name municipality { name } }
      municipality { region { name } }
      legalBases { code } supervisingAuthority serviceTypes { labelDa }
      targetGroups { labelDa } primaryTargetGroup { labelEn } methods
      priceList(year: 2027) { version levels { name } }
      priceFor(date: $today) { amount { amount } }
      history(first: 2) { totalCount edges { node { kind } } }
    } }
  }
}
"""


async def test_offer_list_statements_do_not_grow_with_the_page(
    gql: GraphQL, statements: list[str]
) -> None:
    from marketplace.core.clock import today
    from marketplace.offers import pricing
    from marketplace.offers import service as offers
    from marketplace.organisations import service as organisations
    from tests.factories import (
        REGISTRY_ADMIN,
        admin_of,
        offer_content,
        price_list,
        private_provider,
    )

    provider = await organisations.create_provider(REGISTRY_ADMIN, private_provider())
    owner = admin_of(provider.org_code)
    for i in range(8):
        offer = await offers.create_offer(owner, provider.id, offer_content(name=f"Tilbud {i}"))
        await pricing.publish_price_list(owner, offer.id, price_list(today().year))
    variables = {"today": today().isoformat()}

    statements.clear()
    small = await gql(OFFERS, {**variables, "first": 2}, as_=(provider.org_code, owner.role))
    small_count = len(statements)
    statements.clear()
    large = await gql(OFFERS, {**variables, "first": 8}, as_=(provider.org_code, owner.role))
    large_count = len(statements)

    assert "errors" not in large, large
    assert len(small["data"]["offers"]["edges"]) == 2
    assert len(large["data"]["offers"]["edges"]) == 8
    assert large["data"]["offers"]["edges"][0]["node"]["history"]["totalCount"] == 2
    assert small_count == large_count, statements


SEARCH = """
query ($first: Int) {
  searchOffers(query: "grundtaksten", filter: {near: {municipalityCode: "851"}}, first: $first) {
    totalCount
    edges { score distanceKm node { name provider { name } targetGroups { labelDa } legalBases { code } } }
    facets { categories { value count } regions { value count } targetGroups { value count }
             legalBases { value count } priceBands { value count } }
  }
}
"""


async def test_search_statements_do_not_grow_with_the_page(
    gql: GraphQL, statements: list[str]
) -> None:
    from demo.offers import seed_demo_offers
    from demo.providers import seed_demo_providers

    await seed_demo_providers()
    await seed_demo_offers()
    counts = []
    for first in (2, 40):
        statements.clear()
        body = await gql(SEARCH, {"first": first})
        assert len(body["data"]["searchOffers"]["edges"]) == first, body
        counts.append(len(statements))
    assert counts[0] == counts[1], statements


LISTED = """
query ($withParties: Boolean!) {
  offers(first: 5) {
    edges { node {
      id name
      provider @include(if: $withParties) { id name orgCode address { city } }
      municipality @include(if: $withParties) { id code name seat }
    } }
  }
}
"""

OFFER_FIELDS = """
  id name approval { status } address { city } coordinates { latitude }
  provider { id name orgCode address { city } coordinates { longitude } municipality { name } }
  municipality { id code name seat coordinates { latitude } region { name } }
"""
DEEP_LIST = "{ offers(first: 5) { edges { node {" + OFFER_FIELDS + "} } } }"
NODE = "query ($id: ID!) { offer(id: $id) {" + OFFER_FIELDS + "} }"


async def test_offer_list_reads_providers_and_municipalities_with_the_page(
    gql: GraphQL, statements: list[str]
) -> None:
    """A list's offers come with their provider and municipality from the page's own
    statement (none more for them), the same as an offer read by its ID shows, an offer
    without a municipality included."""
    from marketplace.offers import service as offers
    from marketplace.organisations import service as organisations
    from tests.factories import REGISTRY_ADMIN, admin_of, offer_content, private_provider

    provider = await organisations.create_provider(REGISTRY_ADMIN, private_provider())
    owner = admin_of(provider.org_code)
    nowhere = {"street_address": None, "postal_code": None, "city": None}
    for i, code in enumerate(["615", None, "851"]):
        place = {"municipality_code": code} if code else {**nowhere, "municipality_code": None}
        await offers.create_offer(owner, provider.id, offer_content(name=f"Tilbud {i}", **place))
    as_owner = (provider.org_code, owner.role)

    statements.clear()
    await gql(LISTED, {"withParties": False}, as_=as_owner)
    without = len(statements)
    statements.clear()
    assert "errors" not in await gql(LISTED, {"withParties": True}, as_=as_owner)
    assert len(statements) == without, statements

    listed = await gql(DEEP_LIST, as_=as_owner)
    nodes = [edge["node"] for edge in listed["data"]["offers"]["edges"]]
    assert [node["municipality"] and node["municipality"]["code"] for node in nodes] == [
        "615",
        None,
        "851",
    ]
    for node in nodes:
        alone = await gql(NODE, {"id": node["id"]}, as_=as_owner)
        assert alone["data"]["offer"] == node


COUNTED_LISTS = {
    "providers": "ProviderConnection",
    "municipalities": "MunicipalityConnection",
}
PAGE = "pageInfo { hasNextPage endCursor } edges { cursor node { name } }"


async def test_lists_count_their_whole_length_only_when_asked(
    gql: GraphQL, statements: list[str]
) -> None:
    """``totalCount`` costs a statement of its own, run only when the query selects it
    (directly, or in a fragment); the page is the same either way."""
    from marketplace.organisations.tables import Municipality, Provider

    await seed_demo_providers()
    totals = {
        "providers": await Provider.count().run(),
        "municipalities": await Municipality.count().run(),
    }
    for field, connection in COUNTED_LISTS.items():
        documents = {
            "plain": "{ " + field + "(first: 3) { " + PAGE + " } }",
            "counted": "{ " + field + "(first: 3) { totalCount " + PAGE + " } }",
            "fragment": "{ " + field + "(first: 3) { ...Total " + PAGE + " } } "
            "fragment Total on " + connection + " { totalCount }",
        }
        answers = {}
        used = {}
        for name, document in documents.items():
            statements.clear()
            answer = await gql(document)
            assert "errors" not in answer, answer
            answers[name] = answer["data"][field]
            used[name] = len(statements)
        assert used["counted"] == used["fragment"] == used["plain"] + 1, (field, used)
        assert answers["counted"].pop("totalCount") == totals[field] > 3
        assert answers["fragment"].pop("totalCount") == totals[field]
        assert answers["counted"] == answers["fragment"] == answers["plain"]
