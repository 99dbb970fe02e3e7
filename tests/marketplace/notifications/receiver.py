"""A webhook receiver for the tests: an HTTP server on loopback in a thread of its own that
keeps what it is sent and answers what the test tells it (a status per request, or a hold
that keeps the sender waiting)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Received:
    headers: dict[str, str]
    body: str


@dataclass
class Receiver:
    url: str
    received: list[Received] = field(default_factory=list)
    answers: list[int] = field(default_factory=list)  # status per request, then 204
    hold: threading.Event | None = None  # set: requests wait until it is cleared
    arrived: threading.Event = field(default_factory=threading.Event)
    location: str = "https://example.org/elsewhere"

    def ids(self) -> list[str]:
        return [r.headers["webhook-id"] for r in self.received]


@contextmanager
def receiver() -> Iterator[Receiver]:
    box: dict[str, Receiver] = {}
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            state = box["r"]
            body = self.rfile.read(int(self.headers.get("content-length", "0"))).decode()
            with lock:
                state.received.append(
                    Received({k.lower(): v for k, v in self.headers.items()}, body)
                )
                status = state.answers.pop(0) if state.answers else 204
            state.arrived.set()
            while state.hold is not None and state.hold.is_set():
                time.sleep(0.02)
            self.send_response(status)
            if 300 <= status < 400:
                self.send_header("location", state.location)
            self.send_header("content-length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    box["r"] = Receiver(url=f"http://127.0.0.1:{server.server_address[1]}/hook")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield box["r"]
    finally:
        if box["r"].hold is not None:
            box["r"].hold.clear()
        server.shutdown()
        server.server_close()
