"""Bulk-import benchmark: a 1,000-row .xlsx (1,000 offers, one price level each) imported
into an empty provider, in process (file parsing, checks, offers, price lists, search
documents, audit), as a dry run and for real. Prints offers per second and writes
bench/results/imports.json.

SQLite in var/bench/imports.db (made afresh), and PostgreSQL (`socialmarked_bench_imports` on
BENCH_POSTGRES_URL, made afresh) when reachable. Run: `.venv/bin/python -m bench.imports`.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from decimal import Decimal
from typing import Any

from bench.harness import RESULTS, ROOT, VAR, ensure_pg_database, pg_url

ROWS = int(os.environ.get("BENCH_IMPORT_ROWS", "1000"))
CVR = "25313704"


def _rows(count: int) -> list[dict[str, Any]]:
    from marketplace.offers.taxonomy import target_group_records

    groups = [r.code for r in target_group_records()]
    return [
        {
            "offer": f"Botilbud nr. {i:05d}",
            "description": "Længerevarende botilbud med døgndækket socialpædagogisk støtte.",
            "category": "residential",
            "age_segment": "adults",
            "min_age": 18,
            "max_age": 67,
            "legal_bases": "SEL-108, SEL-104",
            "service_types": "ophold, socialpaedagogisk_stoette",
            "target_groups": f"{groups[i % len(groups)]}",
            "primary_target_group": groups[i % len(groups)],
            "methods": "KRAP, Low Arousal",
            "municipality_code": "615",
            "street_address": f"Engvej {i + 1}",
            "postal_code": "8700",
            "city": "Horsens",
            "approval_status": "approved",
            "approved_places": 12,
            "approved_on": "2024-03-01",
            "capacity_places": 12,
            "occupied_places": i % 12,
            "year": _year(),
            "unit": "per_day",
            "base_price": Decimal("2450.50") + i,
            "vat_included": False,
            "overhead_percent": Decimal(6),
            "budgeted_occupancy_percent": Decimal(95),
            "price_level": "Niveau 1",
            "covers": "Døgndækning med vågen nattevagt",
            "price": Decimal("2450.50") + i,
            "add_ons": "Ekstra 1:1-støtte; per_hour; 425.00; Individuel støtte efter aftale",
        }
        for i in range(count)
    ]


def _year() -> int:
    from marketplace.core.clock import today

    return today().year


async def _run() -> dict[str, Any]:
    from marketplace.core.db import migrate, prepare_engine, release_engine
    from marketplace.core.identity import Principal, Role
    from marketplace.offers import bulk
    from marketplace.offers.service import load_taxonomies
    from marketplace.organisations import service as organisations
    from marketplace.organisations.models import ProviderCreate
    from marketplace.organisations.reference import load_reference_data
    from schema.composition import compose
    from schema.rest.exchange import spreadsheet

    compose()
    await prepare_engine()
    try:
        await migrate()
        await load_reference_data()
        await load_taxonomies()
        admin = Principal(subject="bench", org_code="1084", role=Role.REGISTRY_ADMIN)
        provider = await organisations.create_provider(
            admin,
            ProviderCreate.model_validate(
                {
                    "owner_type": "private",
                    "org_code": CVR,
                    "name": "Benchmark Bosteder ApS",
                    "street_address": "Engvej 1",
                    "postal_code": "8700",
                    "city": "Horsens",
                    "municipality_code": "615",
                }
            ),
        )
        owner = Principal(subject="bench:owner", org_code=CVR, role=Role.PROVIDER_ADMIN)
        body = spreadsheet.catalogue_xlsx(_rows(ROWS), "bench")
        figures: dict[str, Any] = {"rows": ROWS, "file_bytes": len(body)}
        for dry_run in (True, False):
            started = time.perf_counter()
            table = spreadsheet.read_table(body)
            result = await bulk.import_offers(owner, provider.id, table, dry_run=dry_run)
            seconds = time.perf_counter() - started
            kind = "dry_run" if dry_run else "import"
            figures[kind] = {
                "seconds": round(seconds, 2),
                "offers_per_second": round(result.offers / seconds, 1),
            }
        return figures
    finally:
        await release_engine()


def _child(url: str) -> dict[str, Any]:
    """One backend in a process of its own (the settings and engine are per process)."""
    env = {**os.environ, "DATABASE_URL": url, "TICK_INTERVAL_SECONDS": "0"}
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "import asyncio, json, bench.imports as b; print(json.dumps(asyncio.run(b._run())))",
        ],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    figures: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return figures


def main() -> None:
    VAR.mkdir(parents=True, exist_ok=True)
    db = VAR / "imports.db"
    db.unlink(missing_ok=True)
    results = {"sqlite": _child(f"sqlite:///{db}")}
    try:
        url = pg_url("socialmarked_bench_imports")
        asyncio.run(ensure_pg_database(url, fresh=True))
        results["postgres"] = _child(url)
    except OSError as error:
        print(f"PostgreSQL skipped: {error}")
    for backend, figures in results.items():
        print(
            f"{backend}: {figures['rows']} rows ({figures['file_bytes']:,} bytes): "
            f"dry run {figures['dry_run']['offers_per_second']} offers/s "
            f"({figures['dry_run']['seconds']} s), import "
            f"{figures['import']['offers_per_second']} offers/s ({figures['import']['seconds']} s)"
        )
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "imports.json").write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
