"""Signing in and out of the web application.

In production a person signs in at the configured OpenID Connect issuer (``web.oidc``). In
development and test a sign-in page lets anyone pick an organisation and a role: it is
refused in production.
"""

from __future__ import annotations

import logging
from typing import Annotated, Any

from litestar import Request, get, post
from litestar.datastructures import Cookie
from litestar.enums import RequestEncodingType
from litestar.exceptions import NotFoundException
from litestar.params import Body
from litestar.response import Redirect, Template

from marketplace.core.identity import Principal, Role, check_role_for_org, org_kind
from marketplace.core.pagination import PageRequest
from marketplace.core.settings import Settings
from marketplace.organisations import service as organisations
from marketplace.organisations.models import OwnerType, ProviderFilter
from marketplace.organisations.reference import municipality_records, region_records
from web import sessions
from web.labels import label
from web.oidc import OidcSignIn, SignInFailed
from web.render import page
from web.security import session_of

logger = logging.getLogger("socialmarked.web")
FormData = Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)]
SIGN_IN_ROLES = (Role.PURCHASER, Role.PROVIDER_ADMIN, Role.STEERING)


def local_path(target: str | None, default: str = "/") -> str:
    """``target`` if it is a path on this site (never another site: no open redirect)."""
    if target and target.startswith("/") and not target.startswith(("//", "/\\")):
        return target
    return default


def settings_of(request: Request[Any, Any, Any]) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def _session_cookie(settings: Settings, token: str | None) -> Cookie:
    return Cookie(
        key=sessions.cookie_name(settings),
        value=token or "",
        path="/",
        httponly=True,
        secure=settings.secure_cookies,
        samesite="lax",
        max_age=None if token else 0,
    )


def _cookie_token(request: Request[Any, Any, Any]) -> str | None:
    return request.cookies.get(sessions.cookie_name(settings_of(request)))


async def _organisations() -> dict[str, list[tuple[str, str]]]:
    providers = await organisations.list_providers(
        ProviderFilter(owner_type=OwnerType.PRIVATE), PageRequest(first=100)
    )
    return {
        "Kommuner": [(m.code, f"{m.name} ({m.code})") for m in municipality_records()],
        "Regioner": [(code, f"{name} ({code})") for code, name in sorted(region_records().items())],
        "Private tilbudsudbydere": [
            (p.org_code, f"{p.name} ({p.org_code})") for p in providers.items
        ],
    }


async def _sign_in_page(
    request: Request[Any, Any, Any],
    *,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    status_code: int = 200,
) -> Template:
    settings = settings_of(request)
    return page(
        request,
        "sign_in.html",
        status_code=status_code,
        next=local_path(request.query_params.get("naeste") or (values or {}).get("naeste")),
        with_oidc=settings.web_sign_in_with_oidc,
        development=not settings.is_production,
        organisations=await _organisations() if not settings.is_production else {},
        roles=[(role.value, label(role)) for role in SIGN_IN_ROLES],
        errors=errors or {},
        values=values or {},
    )


@get("/log-ind", name="sign_in")
async def sign_in_page(request: Request[Any, Any, Any]) -> Template:
    return await _sign_in_page(request)


@post("/log-ind/udvikling", name="sign_in_development")
async def sign_in_development(request: Request[Any, Any, Any], data: FormData) -> Any:
    """Sign in as any organisation and role (development and test only)."""
    settings = settings_of(request)
    if settings.is_production:
        raise NotFoundException()
    errors = _development_errors(data)
    if errors:
        return await _sign_in_page(request, errors=errors, values=data, status_code=400)
    role, org = Role(data["role"]), data["organisation"]
    name = data.get("name", "").strip() or "Udvikler"
    subject = data.get("subject", "").strip() or f"dev:{org}:{role.value}"
    principal = Principal(subject=subject[:200], org_code=org, role=role)
    token = await sessions.sign_in(principal, name, replacing=_cookie_token(request))
    return Redirect(
        local_path(data.get("naeste")), status_code=303, cookies=[_session_cookie(settings, token)]
    )


def _development_errors(data: dict[str, str]) -> dict[str, str]:
    errors: dict[str, str] = {}
    org, role = data.get("organisation", ""), data.get("role", "")
    if role not in {r.value for r in SIGN_IN_ROLES}:
        errors["role"] = "Vælg en rolle."
    try:
        org_kind(org)
    except ValueError:
        errors["organisation"] = "Vælg en organisation."
    if not errors:
        try:
            check_role_for_org(Role(role), org)
        except ValueError:
            errors["role"] = (
                "Rollen passer ikke til organisationen: indkøb hører til en kommune, styregruppen til en region."
            )
    return errors


def _oidc(request: Request[Any, Any, Any]) -> OidcSignIn:
    found: OidcSignIn | None = request.app.state.get("web_oidc")
    if found is None:
        raise NotFoundException()
    return found


def _redirect_uri(request: Request[Any, Any, Any]) -> str:
    configured = settings_of(request).oidc_redirect_uri
    return configured or str(request.url_for("sign_in_return"))


@get("/log-ind/oidc", name="sign_in_oidc")
async def sign_in_oidc(request: Request[Any, Any, Any]) -> Any:
    """Send the browser to the identity provider, keeping the state, nonce and PKCE
    verifier in a session of their own."""
    oidc = _oidc(request)
    try:
        url, kept = await oidc.start(_redirect_uri(request))
    except (SignInFailed, OSError, ValueError) as error:
        logger.warning("The identity provider cannot be reached: %s", error)
        return await _failed(request)
    kept["next"] = local_path(request.query_params.get("naeste"))
    token = await sessions.begin_login(kept, replacing=_cookie_token(request))
    return Redirect(url, status_code=303, cookies=[_session_cookie(settings_of(request), token)])


@get("/log-ind/retur", name="sign_in_return")
async def sign_in_return(request: Request[Any, Any, Any]) -> Any:
    oidc = _oidc(request)
    session = session_of(request)
    kept = session.login if session is not None and session.login else None
    if kept is None:
        return await _failed(request)
    try:
        principal, name = await oidc.finish(
            kept, request.query_params.get("code", ""), request.query_params.get("state", "")
        )
    except SignInFailed as error:
        logger.warning("A sign-in was refused: %s", error)
        return await _failed(request)
    token = await sessions.sign_in(principal, name, replacing=_cookie_token(request))
    return Redirect(
        local_path(kept.get("next")),
        status_code=303,
        cookies=[_session_cookie(settings_of(request), token)],
    )


async def _failed(request: Request[Any, Any, Any]) -> Template:
    return page(request, "sign_in_failed.html", status_code=400)


@post("/log-ud", name="sign_out")
async def sign_out(request: Request[Any, Any, Any]) -> Redirect:
    token = _cookie_token(request)
    if token:
        await sessions.end(token)
    return Redirect("/", status_code=303, cookies=[_session_cookie(settings_of(request), None)])


ROUTES = [sign_in_page, sign_in_development, sign_in_oidc, sign_in_return, sign_out]
