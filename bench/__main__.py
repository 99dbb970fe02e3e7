"""Registry read latency, in process: GraphQL execution against the raw query it rests on.

Runs on the database DATABASE_URL names (a throw-away SQLite file by default). Each figure
is the median of many runs after a warm-up, with the ratio to the raw piccolo query for the
same rows, so machine noise cancels out of the ratio more than out of the absolute time.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

if "DATABASE_URL" not in os.environ:
    _tmp = Path(tempfile.mkdtemp(prefix="socialmarked-bench-"))
    os.environ["DATABASE_URL"] = f"sqlite:///{_tmp / 'bench.sqlite3'}"
    os.environ.setdefault("VAR_DIR", str(_tmp / "var"))

from demo.offers import seed_demo_offers
from demo.providers import seed_demo_providers
from marketplace.core.clock import today
from marketplace.core.db import migrate, prepare_engine, release_engine
from marketplace.core.identity import Principal
from marketplace.core.settings import get_settings
from marketplace.offers.service import load_taxonomies
from marketplace.offers.tables import Offer
from marketplace.organisations.reference import load_reference_data
from marketplace.organisations.tables import Municipality, Provider
from schema.agreements.loaders import AgreementLoaders
from schema.context import Context
from schema.graphql import build_schema
from schema.marketplace.loaders import MarketplaceLoaders

WARMUP, RUNS = 20, 200

QUERIES = {
    "regions (5, with counts)": ("{ regions { code name municipalityCount } }", None),
    "municipalities(first: 100)": (
        "{ municipalities(first: 100) { totalCount edges { node { code name seat "
        "coordinates { latitude longitude } region { code } } } } }",
        lambda: Municipality.select().order_by(Municipality.code).limit(101).run(),
    ),
    "offers(first: 20) + provider, groups, price": (
        "{ offers(first: 20) { totalCount edges { node { name category capacity { free } "
        "provider { name } municipality { name } targetGroups { labelDa } legalBases { paragraph } "
        'priceFor(date: "' + today().isoformat() + '") { amount { amount } } } } } }',
        lambda: (
            Offer.select()
            .where(Offer.status == "published")
            .order_by(Offer.name_key)
            .limit(21)
            .run()
        ),
    ),
    "providers(first: 20) + municipality + region": (
        "{ providers(first: 20) { totalCount edges { node { name orgCode "
        "municipality { name } region { name } } } } }",
        lambda: Provider.select().order_by(Provider.name_key).limit(21).run(),
    ),
}


async def _median_ms(action: Callable[[], Awaitable[object]]) -> float:
    for _ in range(WARMUP):
        await action()
    samples = []
    for _ in range(RUNS):
        start = time.perf_counter()
        await action()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


async def main() -> None:
    await prepare_engine()
    try:
        await load_reference_data()
        await seed_demo_providers()
        await load_taxonomies()
        await seed_demo_offers()
        schema = build_schema(get_settings())
        print(f"database: {os.environ['DATABASE_URL'].split(':', 1)[0]}, runs: {RUNS}")
        print(f"{'query':48} {'graphql ms':>11} {'raw ms':>8} {'ratio':>6}")
        for name, (document, raw) in QUERIES.items():

            async def execute(document: str = document) -> object:
                context = Context(
                    principal=Principal.anonymous(),
                    marketplace=MarketplaceLoaders(Principal.anonymous()),
                    agreements=AgreementLoaders(Principal.anonymous()),
                )
                result = await schema.execute(document, context_value=context)
                assert result.errors is None, result.errors
                return result

            graphql_ms = await _median_ms(execute)
            if raw is None:
                print(f"{name:48} {graphql_ms:11.2f} {'-':>8} {'-':>6}")
                continue
            raw_ms = await _median_ms(raw)
            print(f"{name:48} {graphql_ms:11.2f} {raw_ms:8.2f} {graphql_ms / raw_ms:6.1f}")
    finally:
        await release_engine()


if __name__ == "__main__":
    import contextlib
    import io

    with contextlib.redirect_stdout(io.StringIO()):
        asyncio.run(migrate())
    asyncio.run(main())
