"""A local OpenID provider for the web's sign-in: discovery, JWKS, an authorization endpoint
that signs in whoever it is told to (and records what it was asked), and a token endpoint
that checks the code, the redirect URI and the PKCE verifier (S256) before it issues an ID
token with the nonce it was given. An HTTP server on loopback, in a thread."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlparse

from joserfc import jwt
from joserfc.jwk import RSAKey

CLIENT_ID = "socialmarked-web"


class LocalIssuer:
    def __init__(self) -> None:
        self.key = RSAKey.generate_key(2048, parameters={"kid": "web-key-1"})
        # who signs in next: the claims the ID token carries
        self.person: dict[str, Any] = {
            "sub": "mette-17",
            "name": "Mette Visitator",
            "org": "851",
            "roles": ["purchaser"],
        }
        self.authorize_requests: list[dict[str, str]] = []
        self.token_requests: list[dict[str, str]] = []
        self.codes: dict[str, dict[str, str]] = {}
        issuer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                url = urlparse(self.path)
                if url.path == "/.well-known/openid-configuration":
                    self._json(issuer.discovery())
                elif url.path == "/jwks":
                    self._json({"keys": [issuer.key.as_dict(private=False)]})
                elif url.path == "/authorize":
                    query = {k: v[0] for k, v in parse_qs(url.query).items()}
                    issuer.authorize_requests.append(query)
                    code = secrets.token_urlsafe(16)
                    issuer.codes[code] = query
                    target = f"{query['redirect_uri']}?{urlencode({'code': code, 'state': query.get('state', '')})}"
                    self.send_response(302)
                    self.send_header("Location", target)
                    self.end_headers()
                else:
                    self.send_error(404)

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                issuer.token_requests.append(form)
                status, body = issuer.exchange(form)
                self._json(body, status)

            def _json(self, body: Any, status: int = 200) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def discovery(self) -> dict[str, str]:
        return {
            "issuer": self.url,
            "authorization_endpoint": f"{self.url}/authorize",
            "token_endpoint": f"{self.url}/token",
            "jwks_uri": f"{self.url}/jwks",
        }

    def exchange(self, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        asked = self.codes.pop(form.get("code", ""), None)
        if asked is None or form.get("grant_type") != "authorization_code":
            return 400, {"error": "invalid_grant"}
        if form.get("redirect_uri") != asked["redirect_uri"] or form.get("client_id") != CLIENT_ID:
            return 400, {"error": "invalid_grant"}
        verifier = form.get("code_verifier", "")
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
        if asked.get("code_challenge_method") != "S256" or challenge.decode().rstrip(
            "="
        ) != asked.get("code_challenge"):
            return 400, {"error": "invalid_grant", "error_description": "PKCE verification failed"}
        now = int(time.time())
        claims = {
            "iss": self.url,
            "aud": CLIENT_ID,
            "iat": now,
            "exp": now + 300,
            "nonce": asked.get("nonce"),
            **self.person,
        }
        token = jwt.encode({"alg": "RS256", "kid": self.key.kid}, claims, self.key)
        return 200, {
            "access_token": "opaque",
            "token_type": "Bearer",
            "expires_in": 300,
            "id_token": token,
        }

    def close(self) -> None:
        self.server.shutdown()
