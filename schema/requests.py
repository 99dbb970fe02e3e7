"""Every HTTP request: its id, its one structured log line, its metrics, and the answer when
something escapes every handler.

``RequestObserver`` wraps the whole application (outside Litestar's routing, so also a 404
gets its id). A caller's well-formed ``X-Request-ID`` is kept, any other is replaced; the id
is in every answer's headers and in every log record made while the request runs (the
``RequestIdFilter``). At the end one JSON line says what was asked (the GraphQL operation's
name or the route's template, never the document, the variables or the query string), the
status and the duration.
"""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from litestar.types import ASGIApp, Message, Receive, Scope, Send

from marketplace.core.cpr import redact

REQUEST_ID_HEADER = "x-request-id"
_WELL_FORMED_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{7,127}$", re.ASCII)

request_logger = logging.getLogger("socialmarked.request")


@dataclass
class RequestInfo:
    """What is known of the request being answered."""

    id: str
    method: str = ""
    route: str | None = None
    operation: str | None = None  # the GraphQL operation's name, as the client gave it
    operation_label: str | None = None  # its type and first root field (bounded: for metrics)
    status: int = 0
    failure_logged: bool = False
    database_unavailable: bool = False


_CURRENT: ContextVar[RequestInfo | None] = ContextVar("socialmarked_request", default=None)


def current_request() -> RequestInfo | None:
    return _CURRENT.get()


def request_id_of(header: str | None) -> str:
    """The caller's id when it is well-formed (8-128 letters, digits and ``._:-``), else a
    new one: an id goes into logs, so nothing else of the caller's text does."""
    if header and _WELL_FORMED_ID.match(header):
        return header
    return uuid.uuid4().hex


_STANDARD_RECORD_KEYS = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {
    "message",
    "asctime",
}
_base_record_factory = logging.getLogRecordFactory()


def _record_with_request_id(*args: Any, **kwargs: Any) -> logging.LogRecord:
    """Every log record made while a request runs carries its id (``-`` outside one)."""
    record = _base_record_factory(*args, **kwargs)
    info = _CURRENT.get()
    record.request_id = info.id if info else "-"
    return record


if getattr(_base_record_factory, "__name__", "") != _record_with_request_id.__name__:
    logging.setLogRecordFactory(_record_with_request_id)


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time, level, logger, message, request id and the extra
    fields given to the call; no CPR number in a message or a traceback."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"),
            "level": record.levelname,
            "logger": record.name,
            "message": redact(record.getMessage()),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD_RECORD_KEYS and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["traceback"] = redact(self.formatException(record.exc_info))
        return json.dumps(entry, default=str, ensure_ascii=False)


def route_of(scope: Scope) -> str:
    """The route's template (``/exports/billing.csv``, ``/tilbud/{offer_id}``), not the path
    with its values; ``(unrouted)`` when no route matched."""
    template = scope.get("path_template")
    return str(template) if template else "(unrouted)"


Observe = Callable[[RequestInfo, float], None]


class RequestObserver:
    """The outermost ASGI layer: request id, ``Cache-Control: no-store`` where the handler
    set no caching of its own (API answers and pages hold personal data; static files are
    left alone), the log line and the metrics; and an answer for what escaped everything."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        observe: Observe | None = None,
        last_resort: Callable[[BaseException, Scope], tuple[int, list[tuple[bytes, bytes]], bytes]],
    ) -> None:
        self.app = app
        self.observe = observe
        self.last_resort = last_resort

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        raw_id = headers.get(REQUEST_ID_HEADER.encode())
        info = RequestInfo(
            id=request_id_of(raw_id.decode("latin-1") if raw_id else None),
            method=str(scope.get("method", "")),
        )
        token = _CURRENT.set(info)
        started = time.perf_counter()
        path = str(scope.get("path", ""))

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                info.status = int(message["status"])
                message["headers"] = _answer_headers(list(message.get("headers", [])), info, path)
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        except Exception as error:  # escaped every handler: still an answer, and a log line
            if info.status:
                raise
            status, extra, body = self.last_resort(error, scope)
            start: Any = {"type": "http.response.start", "status": status, "headers": extra}
            await send_with_headers(start)
            end: Any = {"type": "http.response.body", "body": body}
            await send(end)
        finally:
            duration = time.perf_counter() - started
            info.route = info.route or route_of(scope)
            _log_request(info, duration)
            if self.observe is not None:
                self.observe(info, duration)
            _CURRENT.reset(token)


def _answer_headers(
    headers: list[tuple[bytes, bytes]], info: RequestInfo, path: str
) -> list[tuple[bytes, bytes]]:
    present = {name.lower() for name, _ in headers}
    extra = [(REQUEST_ID_HEADER.encode(), info.id.encode())]
    if b"cache-control" not in present and not path.startswith("/static/"):
        extra.append((b"cache-control", b"no-store"))
    kept = [(n, v) for n, v in headers if n.lower() != REQUEST_ID_HEADER.encode()]
    return [*kept, *extra]


def _log_request(info: RequestInfo, duration: float) -> None:
    request_logger.info(
        "%s %s %s",
        info.method,
        info.operation or info.route,
        info.status,
        extra={
            "method": info.method,
            "route": info.route,
            "operation": info.operation,
            "status": info.status,
            "duration_ms": round(duration * 1000, 2),
        },
    )


def logging_config(level: str = "INFO") -> dict[str, Any]:
    """Logging as ``socialmarked serve`` sets it up (and hands to uvicorn): JSON lines on
    standard error from every logger, uvicorn's included; its access log is off, as the
    service writes its own line for every request."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": JsonFormatter}},
        "handlers": {
            "stderr": {
                "class": "logging.StreamHandler",
                "formatter": "json",
                "stream": "ext://sys.stderr",
            }
        },
        "root": {"handlers": ["stderr"], "level": level},
        "loggers": {
            "uvicorn": {"handlers": [], "propagate": True},
            "uvicorn.error": {"handlers": [], "propagate": True},
            "uvicorn.access": {"handlers": [], "propagate": False, "level": "WARNING"},
            "piccolo": {"level": "WARNING"},
        },
    }
