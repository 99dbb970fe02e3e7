"""`socialmarked serve --workers N`: several worker processes answer, and SIGTERM ends them
gracefully (exit 0, the requests under way finished)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time

import httpx
import pytest

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_serve_with_two_workers_and_a_graceful_stop() -> None:
    port = _free_port()
    # prometheus-client turns to files on the variable's mere presence: left out altogether
    env = {
        **{k: v for k, v in os.environ.items() if k.lower() != "prometheus_multiproc_dir"},
        "RATE_LIMIT_PER_MINUTE": "0",
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "schema.cli", "serve", "--port", str(port), "--workers", "2"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline and server.poll() is None, "did not start"
            time.sleep(0.3)
        with httpx.Client(base_url=f"http://127.0.0.1:{port}") as http:
            answers = [
                http.post("/graphql", json={"query": "{ regions { code } }"}) for _ in range(20)
            ]
        assert {a.status_code for a in answers} == {200}
        assert all(a.headers["x-request-id"] for a in answers)
    finally:
        server.send_signal(signal.SIGTERM)
        output, _ = server.communicate(timeout=60)
    assert server.returncode == 0, output
    lines = [line for line in output.splitlines() if line.startswith("{")]
    assert any('"logger": "socialmarked.request"' in line for line in lines), output[-2000:]
    finished = [line for line in lines if '"message": "Finished server process' in line]
    assert len(finished) == 2, output[-2000:]  # each worker shut down in order, none restarted


async def test_connections_are_answered_without_waiting_for_acknowledgements() -> None:
    """With several workers uvicorn's listening socket does not name TCP as its protocol, and
    asyncio then leaves Nagle's algorithm on for the connections it accepts: an answer's body
    waited for the client's delayed acknowledgement of its headers (about 40 ms a request on a
    kept-alive connection). The server's protocol turns it off on every connection."""
    import asyncio

    from schema.serving import NoDelay

    class Plain(asyncio.Protocol):
        pass

    class Served(NoDelay, asyncio.Protocol):
        pass

    loop = asyncio.get_running_loop()
    delays = {}
    for protocol in (Plain, Served):
        with socket.socket(socket.AF_INET) as listener:  # as uvicorn makes it for --workers
            listener.bind(("127.0.0.1", 0))
            listener.listen()
            with socket.create_connection(listener.getsockname()):
                accepted, _ = listener.accept()
                transport, _ = await loop.connect_accepted_socket(protocol, accepted)
                delays[protocol.__name__] = accepted.getsockopt(
                    socket.IPPROTO_TCP, socket.TCP_NODELAY
                )
                transport.close()
    assert delays == {"Plain": 0, "Served": 1}
