"""Signing in and out: the development sign-in (refused in production), sessions kept in the
database with idle and absolute expiry, a new token at every sign-in, the cookies' flags,
and the OpenID Connect authorization code flow with PKCE against a local issuer."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from urllib.parse import parse_qs, urlparse

import pytest
from pydantic import SecretStr

from marketplace.core.clock import utcnow
from marketplace.core.settings import get_settings
from marketplace.core.tables import WebSession
from tests.conftest import serve
from tests.web.conftest import csrf_of, sign_in_over_http
from tests.web.issuer import CLIENT_ID, LocalIssuer

COOKIE = "socialmarked"


async def test_the_development_sign_in_makes_a_session_and_sign_out_ends_it(web) -> None:
    signed = await sign_in_over_http(web, "851", "purchaser", name="Mette")
    assert signed.status_code == 303
    token = web.cookies[COOKIE]
    [row] = await WebSession.select().run()
    assert (row["org_code"], row["role"], row["name"]) == ("851", "purchaser", "Mette")
    assert token not in str(row), "the table keeps the token's hash, not the token"
    home = await web.get("/")
    assert "Mette" in home.text and "Aalborg Kommune" in home.text
    assert home.headers["cache-control"] == "no-store"

    out = await web.post("/log-ud", data={"_csrf_token": csrf_of(home.text)})
    assert out.status_code == 303
    assert await WebSession.count() == 0
    web.cookies.set(COOKIE, token)  # the old cookie is worth nothing now
    after = await web.get("/anmodninger")
    assert after.status_code == 303 and after.headers["location"].startswith("/log-ind")


async def test_a_role_that_does_not_fit_the_organisation_is_refused_with_a_field_error(web) -> None:
    response = await sign_in_over_http(web, "1081", "purchaser")
    assert response.status_code == 400
    assert "Rollen passer ikke til organisationen" in response.text
    assert 'aria-invalid="true"' in response.text
    assert await WebSession.count() == 0


async def test_a_new_sign_in_gets_a_new_token_and_ends_the_session_before_it(web) -> None:
    await sign_in_over_http(web, "851", "purchaser")
    first = web.cookies[COOKIE]
    await sign_in_over_http(web, "751", "purchaser")
    second = web.cookies[COOKIE]
    assert first != second
    [row] = await WebSession.select().run()
    assert row["org_code"] == "751"


@pytest.mark.parametrize(
    ("column", "age"),
    [
        ("seen_at", datetime.timedelta(minutes=31)),  # idle longer than 30 minutes
        ("created_at", datetime.timedelta(hours=10, minutes=1)),  # signed in over 10 hours ago
    ],
)
async def test_a_session_expires_when_idle_or_too_old(web, column: str, age) -> None:
    await sign_in_over_http(web, "851", "purchaser")
    assert (await web.get("/anmodninger")).status_code == 200
    await WebSession.update({getattr(WebSession, column): utcnow() - age}, force=True).run()
    expired = await web.get("/anmodninger")
    assert expired.status_code == 303
    assert expired.headers["location"] == "/log-ind?naeste=%2Fanmodninger"


async def test_reading_pages_does_not_write_the_session_on_every_request(web, statements) -> None:
    await sign_in_over_http(web, "851", "purchaser")
    statements.clear()
    for _ in range(3):
        assert (await web.get("/anmodninger")).status_code == 200
    assert not [
        s for s in statements if "web_session" in s and s.lstrip().upper().startswith("UPDATE")
    ]


async def test_the_cookies_are_http_only_and_same_site(web) -> None:
    page = await web.get("/log-ind")
    csrf_cookie = page.headers["set-cookie"]
    assert "HttpOnly" in csrf_cookie and "SameSite=lax" in csrf_cookie
    signed = await web.post(
        "/log-ind/udvikling",
        data={"_csrf_token": csrf_of(page.text), "organisation": "851", "role": "purchaser"},
    )
    session_cookie = signed.headers["set-cookie"]
    assert session_cookie.startswith(f"{COOKIE}=")
    assert (
        "HttpOnly" in session_cookie
        and "SameSite=lax" in session_cookie
        and "Path=/" in session_cookie
    )


def _production(**extra):
    return get_settings().model_copy(
        update={"environment": "production", "web_secret": SecretStr("s" * 40), **extra}
    )


async def test_in_production_the_cookies_are_secure_and_the_development_sign_in_is_refused() -> (
    None
):
    async with serve(_production()) as web:
        page = await web.get("/log-ind")
        assert page.status_code == 200
        assert "Udviklingslogin" not in page.text
        assert page.headers["set-cookie"].startswith("__Host-csrftoken=")
        assert "Secure" in page.headers["set-cookie"]
        # a Secure cookie is not sent over plain HTTP: the test sends it as a browser on
        # HTTPS would, so the form passes its CSRF check and meets the route itself
        token = page.headers["set-cookie"].split(";")[0].split("=", 1)[1]
        refused = await web.post(
            "/log-ind/udvikling",
            data={"_csrf_token": token, "organisation": "851", "role": "purchaser"},
            headers={"cookie": f"__Host-csrftoken={token}"},
        )
    assert refused.status_code == 404
    assert await WebSession.count() == 0


@pytest.fixture
def issuer() -> Iterator[LocalIssuer]:
    running = LocalIssuer()
    yield running
    running.close()


def _oidc(issuer: LocalIssuer):
    return get_settings().model_copy(
        update={"oidc_issuer": issuer.url, "oidc_client_id": CLIENT_ID}
    )


async def test_signing_in_at_the_issuer_with_pkce_makes_a_session(issuer: LocalIssuer) -> None:
    async with serve(_oidc(issuer)) as web:
        start = await web.get("/log-ind/oidc?naeste=/kontrakter")
        assert start.status_code == 303
        to_issuer = urlparse(start.headers["location"])
        asked = {k: v[0] for k, v in parse_qs(to_issuer.query).items()}
        assert to_issuer.path == "/authorize"
        assert asked["code_challenge_method"] == "S256" and len(asked["code_challenge"]) == 43
        assert asked["client_id"] == CLIENT_ID and asked["state"] and asked["nonce"]
        assert asked["redirect_uri"] == "http://testserver/log-ind/retur"
        [pending] = await WebSession.select().output(load_json=True).run()
        assert pending["role"] is None and "verifier" in pending["login"]

        import httpx

        async with httpx.AsyncClient() as browser_at_issuer:
            back = await browser_at_issuer.get(start.headers["location"])
        returned = urlparse(back.headers["location"])
        finished = await web.get(f"{returned.path}?{returned.query}")
        assert finished.status_code == 303 and finished.headers["location"] == "/kontrakter"
        [row] = await WebSession.select().output(load_json=True).run()
        assert (row["subject"], row["org_code"], row["role"], row["name"]) == (
            "oidc:mette-17",
            "851",
            "purchaser",
            "Mette Visitator",
        )
        assert row["login"] is None
        assert (await web.get("/kontrakter")).status_code == 200
    [exchange] = issuer.token_requests
    assert exchange["code_verifier"] and exchange["grant_type"] == "authorization_code"


async def test_a_return_with_another_state_signs_nobody_in(issuer: LocalIssuer) -> None:
    async with serve(_oidc(issuer)) as web:
        start = await web.get("/log-ind/oidc")
        import httpx

        async with httpx.AsyncClient() as browser_at_issuer:
            back = await browser_at_issuer.get(start.headers["location"])
        code = parse_qs(urlparse(back.headers["location"]).query)["code"][0]
        forged = await web.get(f"/log-ind/retur?code={code}&state=forged")
        assert forged.status_code == 400
        assert "Login mislykkedes" in forged.text
        assert (await web.get("/kontrakter")).status_code == 303
    assert issuer.token_requests == []  # the code was never exchanged


async def test_an_identity_whose_role_does_not_fit_its_organisation_is_refused(
    issuer: LocalIssuer,
) -> None:
    issuer.person = {**issuer.person, "org": "1081"}  # a region cannot purchase
    async with serve(_oidc(issuer)) as web:
        start = await web.get("/log-ind/oidc")
        import httpx

        async with httpx.AsyncClient() as browser_at_issuer:
            back = await browser_at_issuer.get(start.headers["location"])
        returned = urlparse(back.headers["location"])
        refused = await web.get(f"{returned.path}?{returned.query}")
    assert refused.status_code == 400
    rows = await WebSession.select(WebSession.role).run()
    assert all(row["role"] is None for row in rows)
