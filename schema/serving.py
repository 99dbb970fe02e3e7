"""The HTTP protocol the server runs under uvicorn: uvicorn's own, with Nagle's algorithm off
on every connection.

With ``--workers`` uvicorn makes the listening socket itself, without naming TCP as its
protocol (``socket.socket(family)``), and asyncio then leaves ``TCP_NODELAY`` off on the
connections it accepts (it sets it only on sockets whose protocol is TCP by name). An answer
is written in two parts (headers, then body): with Nagle's algorithm on, the body waits for
the client to acknowledge the headers, and a client delays that acknowledgement for up to
40 ms, so every request on a kept-alive connection took some 40 ms longer with several
workers than with one (measured by ``bench.workers``)."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from typing import Any

from uvicorn.protocols.http.auto import AutoHTTPProtocol


def no_delay(transport: asyncio.BaseTransport) -> None:
    """Turn Nagle's algorithm off on a TCP connection (nothing on other sockets)."""
    sock: Any = transport.get_extra_info("socket")
    if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


class NoDelay:
    """A protocol whose connections have Nagle's algorithm off."""

    def connection_made(self, transport: Any) -> None:
        no_delay(transport)
        super().connection_made(transport)  # type: ignore[misc]


class NoDelayHTTP(NoDelay, AutoHTTPProtocol):  # type: ignore[misc,valid-type]
    """uvicorn's HTTP protocol (h11, or httptools where installed), Nagle off."""
