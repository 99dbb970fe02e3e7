"""Pages from templates: the Jinja environment, its filters, and ``page()``."""

from __future__ import annotations

import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from litestar import MediaType, Request
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.response import Template
from litestar.template.config import TemplateConfig
from litestar.utils.scope.state import ScopeState

from marketplace.offers.taxonomy import LegalBasis
from web import danish, labels
from web.security import principal_of, session_of

HERE = Path(__file__).parent
DANISH_TIME = ZoneInfo("Europe/Copenhagen")
MONTHS = [
    "januar",
    "februar",
    "marts",
    "april",
    "maj",
    "juni",
    "juli",
    "august",
    "september",
    "oktober",
    "november",
    "december",
]


def dkk(ore: int | None) -> str:
    """Øre as Danish kroner: ``1.234,50 kr.``"""
    if ore is None:
        return "–"
    sign = "-" if ore < 0 else ""
    kroner, rest = divmod(abs(int(ore)), 100)
    return f"{sign}{kroner:,}".replace(",", ".") + f",{rest:02d} kr."


def number(value: int | float | Decimal | None, decimals: int = 0) -> str:
    if value is None:
        return "–"
    text = f"{value:,.{decimals}f}"
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


def date(value: datetime.date | None) -> str:
    if value is None:
        return "–"
    return f"{value.day}. {MONTHS[value.month - 1]} {value.year}"


def month_name(value: datetime.date) -> str:
    return f"{MONTHS[value.month - 1]} {value.year}"


def basis(code: str) -> str:
    """A legal basis code (``SEL-107``) as law and paragraph."""
    try:
        return labels.label(LegalBasis(code))
    except ValueError:
        return code


def moment(value: datetime.datetime | None) -> str:
    """A UTC time as Danish local time."""
    if value is None:
        return "–"
    local = value.astimezone(DANISH_TIME)
    return f"{date(local.date())} kl. {local:%H.%M}"


def query(params: dict[str, Any], **changes: Any) -> str:
    """A query string from ``params`` with ``changes`` (None removes a key)."""
    merged = {**params, **changes}
    pairs: list[tuple[str, Any]] = []
    for key, value in merged.items():
        values = value if isinstance(value, list | tuple) else [value]
        pairs.extend((key, v) for v in values if v not in (None, "", False))
    return urlencode(pairs)


def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(HERE / "templates"),
        autoescape=select_autoescape(default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        dkk=dkk,
        number=number,
        date=date,
        moment=moment,
        month_name=month_name,
        basis=basis,
        label=labels.label,
        target_group=labels.target_group_name,
        service_type=labels.service_type_name,
        municipality=labels.municipality_name,
        region=labels.region_name,
        event=labels.event_name,
        organisation=labels.organisation_name,
        danish=danish.phrase,
    )
    env.globals.update(query=query, options=labels.options)
    return env


def template_config() -> TemplateConfig[JinjaTemplateEngine]:
    return TemplateConfig(instance=JinjaTemplateEngine.from_environment(_environment()))


def is_htmx(request: Request[Any, Any, Any]) -> bool:
    """A request htmx made to swap part of the page (not a boosted page load)."""
    return (
        request.headers.get("hx-request") == "true" and request.headers.get("hx-boosted") != "true"
    )


def page(
    request: Request[Any, Any, Any],
    template: str,
    *,
    status_code: int = 200,
    **context: Any,
) -> Template:
    """The page ``template`` with what every page needs: the person signed in, the
    form token, the path."""
    session = session_of(request)
    principal = principal_of(request)
    return Template(
        template_name=template,
        status_code=status_code,
        # said outright: a handler that may also redirect declares no media type of its own
        media_type=MediaType.HTML,
        context={
            "me": principal if principal.is_authenticated else None,
            "my_name": session.name if session is not None else "",
            "csrf": ScopeState.from_scope(request.scope).csrf_token or "",
            "path": request.url.path,
            "unread_notifications": request.state.get("unread_notifications", 0),
            **context,
        },
        headers={"cache-control": "no-store"} if principal.is_authenticated else None,
    )
