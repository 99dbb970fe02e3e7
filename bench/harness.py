"""What the HTTP benchmarks share: a server on loopback pinned to CPU 0, tokens, percentiles
and the benchmark databases."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlparse, urlunparse

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
VAR = ROOT / "var" / "bench"
PG_ADMIN = os.environ.get("BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def pg_url(name: str) -> str:
    return urlunparse(urlparse(PG_ADMIN)._replace(path=f"/{name}"))


async def ensure_pg_database(url: str, *, fresh: bool = False) -> None:
    """Create the database ``url`` names (dropping it first when ``fresh``)."""
    import asyncpg

    name = urlparse(url).path.lstrip("/")
    connection = await asyncpg.connect(PG_ADMIN)
    try:
        if fresh:
            await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if not await connection.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name):
            await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()


def pin_to_load_cpu() -> None:
    """The load runs on CPU 1 when the server has CPU 0 (two cores or more, one worker)."""
    if len(os.sched_getaffinity(0)) >= 2 and int(os.environ.get("BENCH_WORKERS", "1")) == 1:
        os.sched_setaffinity(0, {1})


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


WORKERS = int(os.environ.get("BENCH_WORKERS", "1"))
# uvicorn as `socialmarked serve` runs it (its HTTP protocol with Nagle's algorithm off, where
# the served checkout has it), without the command's production checks; argv: port, workers
_LAUNCH = """
import sys, uvicorn
try:
    from schema.serving import NoDelayHTTP as http
except ImportError:
    http = "auto"
uvicorn.run("schema.app:create_app", factory=True, port=int(sys.argv[1]),
            workers=int(sys.argv[2]), log_level="warning", access_log=False, http=http)
"""


def serve(
    url: str, port: int, root: Path | None = None, **extra_env: str
) -> subprocess.Popen[bytes]:
    """The app under uvicorn with production settings: one worker pinned to CPU 0, or with
    BENCH_WORKERS=n, n workers on every CPU. ``root``: the checkout whose code is served (an
    earlier version, to compare in the same run), with this one's Python; by default
    BENCH_SERVE_ROOT's, else this checkout's."""
    root = root or Path(os.environ.get("BENCH_SERVE_ROOT") or ROOT)
    env = {
        **os.environ,
        **extra_env,
        "DATABASE_URL": url,
        "VAR_DIR": str(VAR),
        "ENVIRONMENT": "production",
        # the benchmarks sign their callers' tokens with the development key (`token` below);
        # `socialmarked serve` refuses to start with this on, the benchmark's uvicorn does not
        "DEV_TOKEN_SIGNING": "true",
        # the web pages' form key (production has no development default)
        "WEB_SECRET": os.environ.get("WEB_SECRET", "bench-web-secret-" + "0" * 32),
        # every request is still counted, but a benchmark's client is never refused
        # (BENCH_RATE_LIMIT=0: not counted at all, to measure what counting costs)
        "RATE_LIMIT_PER_MINUTE": os.environ.get("BENCH_RATE_LIMIT", "100000000"),
    }
    command = [sys.executable, "-c", _LAUNCH, str(port), str(WORKERS)]
    if WORKERS == 1 and (os.cpu_count() or 1) >= 2 and Path("/usr/bin/taskset").exists():
        command = ["taskset", "-c", "0", *command]
    return subprocess.Popen(command, env=env, cwd=root)


def server_cpu_seconds(pid: int) -> float:
    """CPU time (user and system) the server has used so far, its worker processes included
    (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    own = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    children = {
        int(child)
        for task in Path(f"/proc/{pid}/task").iterdir()
        for child in (task / "children").read_text().split()
    }
    return own + sum(server_cpu_seconds(child) for child in children)


async def wait_ready(port: int) -> None:
    import httpx

    async with httpx.AsyncClient() as client:
        for _ in range(900):  # a busy machine starts a server slowly
            try:
                if (await client.get(f"http://127.0.0.1:{port}/ready")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.1)
    raise RuntimeError("the server did not become ready")


def token(org: str, role: str) -> str:
    """A development token signed with the benchmark's key (the server reads the same key)."""
    env = {**os.environ, "VAR_DIR": str(VAR)}
    out = subprocess.run(
        [sys.executable, "-m", "schema.cli", "token", "--org", org, "--role", role],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return out.stdout.strip()
