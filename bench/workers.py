"""One server worker against two, side by side: the search and contracting benchmarks on
PostgreSQL, run with BENCH_WORKERS=1 (one uvicorn worker pinned to CPU 0, the load on CPU 1)
and BENCH_WORKERS=2 (two workers, nothing pinned), interleaved over BENCH_ROUNDS rounds
(default 2) on this machine.

Search: BENCH_SIZES (default 1000) offers, BENCH_CONCURRENCY (default 4) clients in a closed
loop, BENCH_REQUESTS (default 100) requests per case. Contracting: the benchmark's defaults
(32 clients racing for the free places of 16 offers). Medians over the rounds, and the ratio
of two workers to one (throughput: above 1 is better; latency: below 1 is better).

    python -m bench.workers
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
from typing import Any

from bench.harness import ROOT

ROUNDS = int(os.environ.get("BENCH_ROUNDS", "2"))
SEARCH_ENV = {
    "BENCH_SIZES": os.environ.get("BENCH_SIZES", "1000"),
    "BENCH_CONCURRENCY": os.environ.get("BENCH_CONCURRENCY", "4"),
    "BENCH_REQUESTS": os.environ.get("BENCH_REQUESTS", "100"),
}


def _run(module: str, workers: int, extra: dict[str, str]) -> dict[str, Any]:
    """Run one benchmark module; the figures it wrote (the file its last line names)."""
    env = {**os.environ, **extra, "BENCH_WORKERS": str(workers)}
    out = subprocess.run(
        [sys.executable, "-m", module],
        env=env,
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    written = [line for line in out.splitlines() if line.startswith("written to ")][-1]
    figures: dict[str, Any] = json.loads((ROOT / written.removeprefix("written to ")).read_text())
    return figures


def _search_rows(report: dict[str, Any]) -> dict[str, dict[str, float]]:
    """Per size and case: p50, p95 and requests a second."""
    rows = {}
    for size, both in report["sizes"].items():
        for case, api in both["api"].items():
            rows[f"{int(size):,} {case}"] = {
                "p50": api["p50_ms"],
                "p95": api["p95_ms"],
                "per_s": api["requests_per_s"],
            }
    return rows


def _contracting_row(figures: dict[str, Any]) -> dict[str, dict[str, float]]:
    return {
        "contracting accept": {
            "p50": figures["p50_ms"],
            "p95": figures["p95_ms"],
            "per_s": figures["accepts_per_s"],
            "cpu_ms": figures["server_cpu_ms_per_accept"],
            "overbooked": figures["overbooked_offers"],
        }
    }


def _medians(runs: list[dict[str, dict[str, float]]]) -> dict[str, dict[str, float]]:
    return {
        name: {key: statistics.median(run[name][key] for run in runs) for key in runs[0][name]}
        for name in runs[0]
    }


def main() -> None:
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    print(
        f"workers benchmark: PostgreSQL, 1 and 2 server workers interleaved, {ROUNDS} rounds; "
        f"search {SEARCH_ENV}; load average at start {load}"
    )
    runs: dict[int, list[dict[str, dict[str, float]]]] = {1: [], 2: []}
    for round_no in range(1, ROUNDS + 1):
        for workers in (1, 2):
            rows = _search_rows(_run("bench.search", workers, SEARCH_ENV))
            rows |= _contracting_row(_run("bench.contracting", workers, {}))
            runs[workers].append(rows)
            print(f"round {round_no}, {workers} worker(s): done", flush=True)
    one, two = _medians(runs[1]), _medians(runs[2])
    print(f"medians over {ROUNDS} rounds; load average at the end {os.getloadavg()[0]:.2f}")
    print(
        f"{'case':28} {'1w p50':>7} {'2w p50':>7} {'1w p95':>7} {'2w p95':>7} "
        f"{'1w /s':>6} {'2w /s':>6} {'/s 2w÷1w':>8}"
    )
    for name in one:
        a, b = one[name], two[name]
        print(
            f"{name:28} {a['p50']:7.1f} {b['p50']:7.1f} {a['p95']:7.1f} {b['p95']:7.1f} "
            f"{a['per_s']:6.0f} {b['per_s']:6.0f} {b['per_s'] / a['per_s']:8.2f}"
        )
    a, b = one["contracting accept"], two["contracting accept"]
    print(
        f"contracting: server CPU per acceptance {a['cpu_ms']:.2f} ms (1 worker), "
        f"{b['cpu_ms']:.2f} ms (2 workers); overbooked offers {a['overbooked']:.0f} and "
        f"{b['overbooked']:.0f}"
    )


if __name__ == "__main__":
    main()
