"""Fuzzing over HTTP: GraphQL operations generated from ``schema/schema.graphql`` with
hypothesis-graphql, queries and mutations, valid ones and ones with a schema violation, sent
anonymously and as each role; and the REST routes with generated query parameters and tokens.

Whatever comes in, the service answers without a 5xx and without an unmasked or unexpected
error: no traceback, no Python exception class name, no "Unexpected error." (the masked form of
an exception no code expected, so always a bug). Refusals by the abuse limits are answers.

Each example sends one request; ``SENT`` counts them and the last test checks the total (the
run's figures are printed in the terminal summary, see ``conftest``). Arguments come from
strategies that mix arbitrary text with codes, months, CPR numbers and global IDs that exist in
a small market built for each test, so generated operations reach past "not found".
"""

from __future__ import annotations

import builtins
import datetime
import json
import random
import re
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import graphql
import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_graphql import Mode, mutations, nodes, queries
from strawberry.relay import to_base64

from marketplace.core.clock import today
from marketplace.core.identity import Role
from marketplace.offers.taxonomy import target_group_records
from tests.conftest import token
from tests.fuzz.conftest import SENT, SUCCEEDED
from tests.fuzz.world import build_fuzz_market

SDL = (Path(__file__).resolve().parents[2] / "schema" / "schema.graphql").read_text("utf-8")
SCHEMA = graphql.build_schema(SDL)

# Who sends: anonymous, and a signed token for each role (organisations of the test market:
# Aalborg buys, Engly ApS (43389424) sells, North Jutland steers).
CALLERS: dict[str, tuple[str, Role] | None] = {
    "anonymous": None,
    "purchaser": ("851", Role.PURCHASER),
    "provider_admin": ("43389424", Role.PROVIDER_ADMIN),
    "steering": ("1081", Role.STEERING),
    "registry_admin": ("1084", Role.REGISTRY_ADMIN),
}
QUERY_EXAMPLES = 110  # per caller
MUTATION_EXAMPLES = 90  # per caller
NEGATIVE_EXAMPLES = 100  # per kind, callers drawn
REST_EXAMPLES = 250
MIN_OPERATIONS = 1000

# -- Values ----------------------------------------------------------------------------------

# Object IDs that exist in the current test's market (filled by the ``market`` fixture).
KNOWN_IDS: list[str] = []
NODE_TYPES = [
    "Region",
    "Municipality",
    "Provider",
    "Offer",
    "PlacementRequest",
    "Contract",
    "ContractChange",
    "ContractDate",
    "ContractFollowUp",
    "RefundClaim",
    "Invoice",
    "CreditNote",
    "Agreement",
    "SpecialConditionApproval",
    "CentralAnnouncement",
    "RegionalReport",
]
YEAR = today().year
CODES = [
    # organisations: municipalities, regions, a CVR number, and near misses
    "851",
    "751",
    "101",
    "615",
    "999",
    "85",
    "1081",
    "1082",
    "1084",
    "1086",
    "43389424",
    "12345678",
    # months, days, CPR numbers
    f"{YEAR}-12",
    f"{YEAR + 1}-01",
    "2026-13",
    "0000-01",
    "9999-12",
    today().isoformat(),
    "2026-02-30",
    "010190-1234",
    "0101901234",
    "310299-0000",
    # catalogue codes and names of the test market
    *(r.code for r in target_group_records()[:4]),
    "ophold",
    "socialpaedagogisk_stoette",
    "SEL-108",
    "Niveau 2",
    "Ekstra 1:1-støtte",
    "Low Arousal",
    "autisme selvskadende",
    # awkward text
    "",
    " ",
    "\x00",
    "a\x00b",
    "'; DROP TABLE offer; --",
    "%_\\",
    "=1+2",
    "9" * 40,
    "-1",
    "ø" * 300,
]
TEXT = st.text(max_size=40)


def _known(i: int) -> str:
    return KNOWN_IDS[i % len(KNOWN_IDS)] if KNOWN_IDS else to_base64("Offer", str(uuid.UUID(int=i)))


KNOWN = st.integers(0, 255).map(_known)
GLOBAL_IDS = st.builds(
    to_base64,
    st.sampled_from([*NODE_TYPES, "Bogus", ""]),
    st.one_of(st.uuids().map(str), st.sampled_from(CODES), TEXT),
)
STRINGS = st.one_of(st.sampled_from(CODES), TEXT, KNOWN)
DATES = st.one_of(
    st.dates(datetime.date(YEAR - 2, 1, 1), datetime.date(YEAR + 2, 12, 31)).map(str),
    st.dates().map(str),
    st.sampled_from(["2026-02-30", "0000-00-00", "20261201", "2026-12-01T00:00:00", "today"]),
    TEXT,
)
DATETIMES = st.one_of(
    st.datetimes().map(datetime.datetime.isoformat),
    st.datetimes(timezones=st.timezones()).map(datetime.datetime.isoformat),
    DATES,
)
DECIMALS = st.one_of(
    st.decimals(min_value=0, max_value=10_000, places=2).map(str),
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
    st.sampled_from(["NaN", "-Infinity", "1e999999", "-0", "0.001", "99999999.99", "1e8"]),
    TEXT,
)
# hypothesis-graphql asks for AST value nodes per scalar; String and ID replace the built-in
# strategies (plain text) with the mix above.
SCALARS: dict[str, st.SearchStrategy[graphql.ValueNode]] = {
    "String": STRINGS.map(nodes.String),
    "ID": st.one_of(KNOWN, GLOBAL_IDS, TEXT).map(nodes.String)
    | st.integers(-(2**31), 2**31 - 1).map(nodes.Int),
    "Date": DATES.map(nodes.String),
    "DateTime": DATETIMES.map(nodes.String),
    "Decimal": DECIMALS.map(nodes.String)
    | st.floats(allow_nan=False, allow_infinity=False).map(nodes.Float)
    | st.integers(-(2**31), 2**31 - 1).map(nodes.Int),
}


def operations(kind: str, mode: Mode = Mode.POSITIVE) -> st.SearchStrategy[str]:
    """Documents of one root field each (most reach a resolver within the limits), or of
    several root fields at once (these mostly meet the limits)."""
    make = queries if kind == "query" else mutations
    root = SCHEMA.query_type if kind == "query" else SCHEMA.mutation_type
    assert root is not None
    # A violation needs an argument to break.
    names = [n for n, f in root.fields.items() if mode is Mode.POSITIVE or f.args]
    one_each = [make(SCHEMA, fields=[name], custom_scalars=SCALARS, mode=mode) for name in names]
    several = make(SCHEMA, fields=names, custom_scalars=SCALARS, mode=mode)
    return st.one_of(*one_each, several)  # type: ignore[arg-type]


QUERIES = operations("query")
MUTATIONS = operations("mutation")
NEGATIVE = {kind: operations(kind, Mode.NEGATIVE) for kind in ("query", "mutation")}

FUZZ = settings(
    deadline=None,
    database=None,  # nothing written to the work tree; examples are drawn afresh each run
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,  # the market is built once per test
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.filter_too_much,
    ],
)

# -- What must never be in an answer ---------------------------------------------------------

EXCEPTION_NAMES = sorted(
    {
        name
        for name, value in vars(builtins).items()
        if isinstance(value, type)
        and issubclass(value, BaseException)
        and not issubclass(value, Warning)
    }
    | {
        # the libraries underneath: pydantic, decimal, the database drivers, piccolo, litestar
        "ValidationError",
        "PydanticCustomError",
        "InvalidOperation",
        "ConversionSyntax",
        "DivisionByZero",
        "IntegrityError",
        "OperationalError",
        "ProgrammingError",
        "InterfaceError",
        "DataError",
        "PostgresError",
        "UniqueViolationError",
        "ForeignKeyViolationError",
        "CharacterNotInRepertoireError",
        "UntranslatableCharacterError",
        "NumericValueOutOfRangeError",
        "DatetimeFieldOverflowError",
        "InvalidTextRepresentationError",
        "StringDataRightTruncationError",
        "QueryCanceledError",
        "ImproperlyConfiguredException",
        "InternalServerException",
        "SerializationException",
        "DomainError",
        "DomainErrors",
        "GlobalIDValueError",
    }
)
LEAKS = re.compile(
    r"Traceback|File \"|<class '|\b(?:"
    + "|".join(map(re.escape, EXCEPTION_NAMES))
    + r")\b|\b(?:asyncpg|sqlite3|piccolo|pydantic_core|strawberry)\."
)
UNEXPECTED = "Unexpected error."


def _messages(value: Any) -> Iterator[str]:
    """Every error message in a GraphQL answer: top-level errors and UserErrors in the data."""
    if isinstance(value, dict):
        message = value.get("message")
        if isinstance(message, str):
            yield message
        for item in value.values():
            yield from _messages(item)
    elif isinstance(value, list):
        for item in value:
            yield from _messages(item)


def check(response: httpx.Response, what: str) -> None:
    """No 5xx, no traceback or exception class name, no masked unexpected error."""
    assert response.status_code < 500, f"{response.status_code} for {what}:\n{response.text}"
    assert "Traceback" not in response.text, f"traceback for {what}:\n{response.text}"
    if "json" not in response.headers.get("content-type", ""):
        return
    body = response.json()
    messages = list(_messages(body))
    unexpected = [m for m in messages if m == UNEXPECTED]
    assert not unexpected, f"{len(unexpected)} unexpected error(s) for {what}:\n{response.text}"
    leaked = [m for m in messages if LEAKS.search(m)]
    assert not leaked, f"exception details for {what}:\n{response.text}"
    for error in body.get("errors") or [] if isinstance(body, dict) else []:
        extensions = error.get("extensions") or {}
        assert not {"exception", "stacktrace", "traceback"} & set(extensions), response.text


# -- The market the operations run against -----------------------------------------------------


@pytest.fixture
async def market(client: httpx.AsyncClient) -> AsyncIterator[list[str]]:
    """The test market of ``tests.fuzz.world``; its global IDs become ``KNOWN_IDS``. The
    tables are emptied after each test (tests/conftest.py)."""
    built = await build_fuzz_market(client)
    KNOWN_IDS[:] = built.known_ids
    REAL_IDS.update(built.ids)
    yield KNOWN_IDS
    KNOWN_IDS.clear()
    REAL_IDS.clear()


_TOKENS: dict[str, str] = {}


def headers_for(caller: str) -> dict[str, str]:
    who = CALLERS[caller]
    if who is None:
        return {}
    if caller not in _TOKENS:
        _TOKENS[caller] = token(*who)
    return {"Authorization": f"Bearer {_TOKENS[caller]}"}


async def send(client: httpx.AsyncClient, kind: str, caller: str, document: str) -> None:
    response = await client.post("/graphql", json={"query": document}, headers=headers_for(caller))
    SENT[f"graphql {kind}"] += 1
    check(response, f"{kind} as {caller}:\n{document}")


# -- GraphQL -----------------------------------------------------------------------------------


@pytest.mark.parametrize("caller", list(CALLERS))
@settings(FUZZ, max_examples=QUERY_EXAMPLES)
@given(document=QUERIES)
async def test_generated_queries_never_fail(
    client: httpx.AsyncClient, market: list[str], caller: str, document: str
) -> None:
    await send(client, "query", caller, document)


@pytest.mark.parametrize("caller", list(CALLERS))
@settings(FUZZ, max_examples=MUTATION_EXAMPLES)
@given(document=MUTATIONS)
async def test_generated_mutations_never_fail(
    client: httpx.AsyncClient, market: list[str], caller: str, document: str
) -> None:
    await send(client, "mutation", caller, document)


@pytest.mark.parametrize("kind", ["query", "mutation"])
@settings(FUZZ, max_examples=NEGATIVE_EXAMPLES)
@given(data=st.data())
async def test_operations_that_break_the_schema_are_refused_cleanly(
    client: httpx.AsyncClient, market: list[str], kind: str, data: st.DataObject
) -> None:
    caller = data.draw(st.sampled_from(list(CALLERS)), label="caller")
    document = data.draw(NEGATIVE[kind], label="document")
    await send(client, f"{kind} (schema violation)", caller, document)


# -- REST --------------------------------------------------------------------------------------

ROUTES = [
    "/exports/billing.csv",
    "/exports/refunds.csv",
    "/exports/invoices.csv",
    "/exports/gaps.csv",
    "/exports/gaps.json",
    "/health",
    "/ready",
]
PARAMETERS = [
    "month",
    "municipalityCode",
    "providerId",
    "claimantCode",
    "debtorCode",
    "invoiceId",
    "regionCode",
    "targetGroupCodes",
    "asOf",
]
PARAMETER_VALUES = st.one_of(
    STRINGS,
    DATES,
    KNOWN,
    GLOBAL_IDS,
    st.lists(st.sampled_from(CODES), min_size=1, max_size=4).map(",".join),
)
QUERY_PARAMETERS = st.dictionaries(
    st.one_of(st.sampled_from(PARAMETERS), st.text(max_size=12)),
    st.one_of(PARAMETER_VALUES, st.lists(PARAMETER_VALUES, min_size=2, max_size=3)),
    max_size=5,
)
AUTHORIZATION = st.one_of(
    st.sampled_from(list(CALLERS)).map(headers_for),
    st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=60).map(
        lambda text: {"Authorization": text}
    ),
    st.text(alphabet=st.characters(min_codepoint=33, max_codepoint=126), max_size=60).map(
        lambda text: {"Authorization": f"Bearer {text}"}
    ),
)


@settings(FUZZ, max_examples=REST_EXAMPLES)
@given(route=st.sampled_from(ROUTES), params=QUERY_PARAMETERS, headers=AUTHORIZATION)
async def test_rest_routes_never_fail(
    client: httpx.AsyncClient,
    market: list[str],
    route: str,
    params: dict[str, str | list[str]],
    headers: dict[str, str],
) -> None:
    response = await client.get(route, params=params, headers=headers)
    SENT["rest"] += 1
    what = f"GET {route} {json.dumps(params)} {json.dumps(headers)[:80]}"
    check(response, what)
    if route == "/health":
        assert response.status_code == 200, what
    if response.status_code == 200 and route.endswith(".csv"):
        assert response.headers["content-type"].startswith("text/csv"), what


# -- What the fuzzing found (each an "Unexpected error." on PostgreSQL before its fix) -------

NUL_MUNICIPALITY = to_base64("Municipality", "85\x001")
NUL_REGION = to_base64("Region", "10\x0081")
NUL_ERROR = {"code": "INVALID", "message": "Text cannot contain the NUL character (U+0000)."}


async def _post(client: httpx.AsyncClient, caller: str, document: str) -> dict[str, Any]:
    response = await client.post("/graphql", json={"query": document}, headers=headers_for(caller))
    check(response, document)
    body: dict[str, Any] = response.json()
    return body


async def test_a_year_outside_the_calendar_has_no_price_list(
    client: httpx.AsyncClient, market: list[str]
) -> None:
    """The year is a SMALLINT: 32768 did not fit PostgreSQL's parameter (asyncpg DataError)."""
    document = (
        f'{{ offer(id: "{market[0]}") {{ priceListVersions(year: 32768) {{ version }} '
        "priceList(year: -1441484) { version } "
        f"current: priceListVersions(year: {YEAR}) {{ version }} }} }}"
    )
    body = await _post(client, "anonymous", document)
    assert body == {
        "data": {"offer": {"priceListVersions": [], "priceList": None, "current": [{"version": 1}]}}
    }


async def test_a_year_outside_the_calendar_has_no_forecasts(
    client: httpx.AsyncClient, market: list[str]
) -> None:
    body = await _post(
        client,
        "steering",
        '{ demandForecasts(regionCode: "1081", year: 99999) { year totals { places } } }',
    )
    assert body == {"data": {"demandForecasts": {"year": 99999, "totals": []}}}


@pytest.mark.parametrize(
    ("caller", "document"),
    [
        ("anonymous", r'{ municipalities(regionCode: "10\u000081") { totalCount } }'),
        ("anonymous", r'{ methodSuggestions(prefix: "lo\u0000") }'),
        ("anonymous", f'{{ node(id: "{NUL_MUNICIPALITY}") {{ id }} }}'),
        (
            "provider_admin",
            f'mutation {{ regionalReportSubmit(input: {{ id: "{NUL_REGION}" }}) '
            "{ errors { code message } } }",
        ),
        (
            "registry_admin",
            r'mutation { providerCreate(input: { ownerType: PRIVATE, orgCode: "10000009", '
            r'name: "Engly\u0000 ApS", streetAddress: "Engvej 2", postalCode: "8700", '
            r'city: "Horsens", municipalityCode: "615" }) { provider { id } errors { code message } } }',
        ),
    ],
)
async def test_text_with_a_nul_character_is_refused_on_both_databases(
    client: httpx.AsyncClient, caller: str, document: str
) -> None:
    """PostgreSQL cannot hold U+0000 in text (asyncpg CharacterNotInRepertoireError); SQLite
    can. Both refuse it now, as the client's mistake."""
    body = await _post(client, caller, document)
    if document.startswith("mutation"):
        [payload] = body["data"].values()
        assert payload["errors"] == [NUL_ERROR] and payload.get("provider") is None
    else:
        [error] = body["errors"]
        assert (error["extensions"]["code"], error["message"]) == (
            NUL_ERROR["code"],
            NUL_ERROR["message"],
        )


def test_the_fuzzing_sent_at_least_1000_graphql_operations() -> None:
    """Runs after the fuzz tests above (pytest keeps a module's order)."""
    graphql_sent = sum(n for kind, n in SENT.items() if kind.startswith("graphql"))
    print(f"sent {graphql_sent} GraphQL operations and {SENT['rest']} REST requests")
    assert graphql_sent >= MIN_OPERATIONS, dict(SENT)


# -- Operations that succeed -------------------------------------------------------------------
# The operations above mostly meet refusals: their arguments are arbitrary. Here the structure
# (which fields, which optional arguments, which nested selections) is generated as before,
# and every argument is then given a value that exists in the market, by its name: the
# operations should come back with data and without errors.

REAL_IDS: dict[str, list[str]] = {}  # global IDs by type, of the current test's market
ID_OF_FIELD = {
    "offer": "Offer",
    "offerId": "Offer",
    "provider": "Provider",
    "providerId": "Provider",
    "contract": "Contract",
    "contractId": "Contract",
    "placementRequest": "PlacementRequest",
    "refundClaim": "RefundClaim",
    "invoice": "Invoice",
    "agreement": "Agreement",
    "agreementId": "Agreement",
}
YEAR_NOW = today().year
REAL_STRINGS = ["autisme", "Engly", "lo", "851", "1081"]
REAL_SCALARS: dict[str, st.SearchStrategy[graphql.ValueNode]] = {
    "String": st.sampled_from(REAL_STRINGS).map(nodes.String),
    "ID": st.just("").map(nodes.String),  # replaced by name below
    "Int": st.integers(1, 10).map(nodes.Int),
    "Date": st.just(today().isoformat()).map(nodes.String),
    "DateTime": st.just(f"{today().isoformat()}T00:00:00Z").map(nodes.String),
    "Decimal": st.sampled_from(["0", "100.00", "5000"]).map(nodes.String),
}


def _string(value: str) -> graphql.StringValueNode:
    return graphql.StringValueNode(value=value)


def _real_value(field: str, name: str, pick: random.Random) -> graphql.ValueNode | None:
    """A value that exists for argument ``name`` of ``field`` (or of an input object), or
    None to leave the generated one."""
    codes = {
        "regionCode": "1081",
        "code": "1081" if field == "region" else "851",
        "municipalityCode": "851",
        "claimantCode": "851",
        "debtorCode": "751",
        "month": "2026-03",
        "organisation": "851",
    }
    if name in codes:
        return _string(codes[name])
    if name in ("year",):
        return graphql.IntValueNode(value=str(YEAR_NOW))
    if name in ("regionCodes", "municipalityCodes", "targetGroupCodes", "anyTargetGroups"):
        values = {"regionCodes": ["1081"], "municipalityCodes": ["851"]}.get(
            name, [r.code for r in target_group_records()[:2]]
        )
        return graphql.ListValueNode(values=tuple(_string(v) for v in values))
    kind = ID_OF_FIELD.get(name) or (ID_OF_FIELD.get(field) if name == "id" else None)
    if kind is not None:
        return _string(pick.choice(REAL_IDS[kind]))
    if name in ("id", "objectId"):
        return _string(pick.choice([i for ids in REAL_IDS.values() for i in ids]))
    return None


# Arguments left out: a cursor that is not one of the service's, or an object no market has.
_DROPPED = {"after", "announcementId", "endpointId", "needId", "citizenCpr", "near"}


class _RealValues(graphql.Visitor):
    """Gives each argument (and each field of an input object) a real value by its name;
    drops the ones in ``_DROPPED``."""

    def __init__(self, pick: random.Random) -> None:
        super().__init__()
        self.pick = pick

    def enter_argument(self, node: Any, *args: Any) -> Any:
        return self._replace(node, graphql.ArgumentNode, args[-1])

    def enter_object_field(self, node: Any, *args: Any) -> Any:
        return self._replace(node, graphql.ObjectFieldNode, args[-1])

    def _replace(self, node: Any, kind: Any, ancestors: Any) -> Any:
        name = node.name.value
        if name in _DROPPED:
            return graphql.REMOVE
        fields = [a for a in ancestors if isinstance(a, graphql.FieldNode)]
        real = _real_value(fields[-1].name.value if fields else "", name, self.pick)
        return None if real is None else kind(name=node.name, value=real)


def with_real_values(document: str, seed: int) -> str:
    parsed = graphql.visit(graphql.parse(document), _RealValues(random.Random(seed)))
    return graphql.print_ast(parsed)


assert SCHEMA.query_type is not None
REAL_QUERIES = st.one_of(
    *(
        queries(SCHEMA, fields=[name], custom_scalars=REAL_SCALARS)
        for name in SCHEMA.query_type.fields
    )
)
SUCCESS_CALLERS = ["purchaser", "provider_admin", "steering", "registry_admin"]
# The operations that did not succeed, by caller, root field and error code (for the message).
REFUSED: Counter[tuple[str, str, str]] = Counter()
SUCCESS_EXAMPLES = 100  # per caller
MIN_SUCCESS_SHARE = 0.6


@pytest.mark.parametrize("caller", SUCCESS_CALLERS)
@settings(FUZZ, max_examples=SUCCESS_EXAMPLES)
@given(document=REAL_QUERIES, seed=st.integers(0, 2**16))
async def test_generated_queries_with_real_values_succeed(
    client: httpx.AsyncClient, market: list[str], caller: str, document: str, seed: int
) -> None:
    real = with_real_values(document, seed)
    response = await client.post("/graphql", json={"query": real}, headers=headers_for(caller))
    SENT["graphql query (real values)"] += 1
    check(response, f"query as {caller}:\n{real}")
    body = response.json()
    if body.get("data") is not None and not body.get("errors"):
        SUCCEEDED["graphql query (real values)"] += 1
    else:
        REFUSED[(caller, _first_field(real), _first_code(body))] += 1


def _first_field(document: str) -> str:
    definition = graphql.parse(document).definitions[0]
    return definition.selection_set.selections[0].name.value  # type: ignore[attr-defined]


def _first_code(body: dict[str, Any]) -> str:
    errors = body.get("errors") or [{}]
    return str((errors[0].get("extensions") or {}).get("code") or errors[0].get("message"))[:60]


def test_most_queries_with_real_values_succeed() -> None:
    """Runs after the test above."""
    sent = SENT["graphql query (real values)"]
    succeeded = SUCCEEDED["graphql query (real values)"]
    print(f"{succeeded} of {sent} queries with real values came back with data and no errors")
    assert sent >= len(SUCCESS_CALLERS) * SUCCESS_EXAMPLES // 2, sent
    assert succeeded >= MIN_SUCCESS_SHARE * sent, (succeeded, sent, REFUSED.most_common(10))
