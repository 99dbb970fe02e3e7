"""Machine clients of the client-credentials grant: registered with an organisation, one role
and scopes; the secret is shown once and kept as a scrypt hash; a client can be revoked, and
its tokens stop working with it.

Scopes: ``read`` (queries and exports, what the role may read; every client has it) and
``write`` (mutations, what the role may change).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from functools import partial
from typing import Any

from marketplace.core.clock import utcnow
from marketplace.core.errors import DomainError, ErrorCode
from marketplace.core.identity import SYSTEM, Principal, Role, check_role_for_org
from marketplace.core.tables import OAuthClient
from marketplace.core.unit_of_work import write_transaction

SCOPES = ("read", "write")
_N, _R, _P = 2**14, 8, 1  # scrypt cost: ~50 ms a check, 16 MiB


@dataclass(frozen=True)
class Client:
    client_id: str
    name: str
    org: str
    role: Role
    scopes: tuple[str, ...]
    revoked: bool


def hash_secret(secret: str, salt: bytes | None = None) -> str:
    salt = salt or secrets.token_bytes(16)
    derived = hashlib.scrypt(secret.encode(), salt=salt, n=_N, r=_R, p=_P, dklen=32)
    encode = base64.urlsafe_b64encode
    return f"scrypt${_N}${_R}${_P}${encode(salt).decode()}${encode(derived).decode()}"


def secret_matches(secret: str, stored: str) -> bool:
    try:
        _, n, r, p, salt, derived = stored.split("$")
        expected = base64.urlsafe_b64decode(derived)
        actual = hashlib.scrypt(
            secret.encode(),
            salt=base64.urlsafe_b64decode(salt),
            n=int(n),
            r=int(r),
            p=int(p),
            dklen=len(expected),
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(actual, expected)


def parse_scopes(text: str) -> tuple[str, ...]:
    scopes = tuple(dict.fromkeys(["read", *text.replace(",", " ").split()]))
    unknown = [s for s in scopes if s not in SCOPES]
    if unknown or not scopes:
        raise DomainError(
            ErrorCode.INVALID,
            f"Scopes are some of {', '.join(SCOPES)}; got {text!r}.",
            ["scopes"],
        )
    return scopes


async def create_client(
    org: str, role: Role, scopes: str, name: str = "", *, actor: Principal = SYSTEM
) -> tuple[Client, str]:
    """Register a client; answers it and its secret (shown this once, never stored). The
    audit trail records the client (never its secret or hash) as ``actor``'s change."""
    try:
        check_role_for_org(role, org)
    except ValueError as error:
        raise DomainError(ErrorCode.INVALID, str(error), ["org"]) from None
    chosen = parse_scopes(scopes)
    client_id, secret = f"smc_{secrets.token_hex(8)}", secrets.token_urlsafe(32)
    async with write_transaction(actor, "clientCreate") as unit:
        await OAuthClient.insert(
            OAuthClient(
                client_id=client_id,
                name=name or f"{role.value} of {org}",
                org=org,
                role=role.value,
                scopes=" ".join(chosen),
                secret_hash=hash_secret(secret),
            )
        ).run()
        made = await unit.track("OAuthClient", client_id, partial(get_client, client_id), new=True)
    return made.result, secret


async def get_client(client_id: str) -> Client | None:
    found = await find_client(client_id)
    return found[0] if found else None


def _client(row: dict[str, Any]) -> Client:
    return Client(
        client_id=row["client_id"],
        name=row["name"],
        org=row["org"],
        role=Role(row["role"]),
        scopes=tuple(row["scopes"].split()),
        revoked=row["revoked_at"] is not None,
    )


async def find_client(client_id: str) -> tuple[Client, str] | None:
    """The client and its secret hash."""
    row = await OAuthClient.select().where(OAuthClient.client_id == client_id).first().run()
    if row is None:
        return None
    return _client(row), row["secret_hash"]


async def is_active(client_id: str) -> bool:
    found = await find_client(client_id)
    return found is not None and not found[0].revoked


async def revoke_client(client_id: str, *, actor: Principal = SYSTEM) -> bool:
    """Revoke a client: no new tokens, and the ones it has are refused. False if unknown."""
    async with write_transaction(actor, "clientRevoke") as unit:
        if await get_client(client_id) is None:
            return False
        await unit.track("OAuthClient", client_id, partial(get_client, client_id))
        await (
            OAuthClient.update({OAuthClient.revoked_at: utcnow()})
            .where((OAuthClient.client_id == client_id) & OAuthClient.revoked_at.is_null())
            .run()
        )
    return True


async def list_clients() -> list[Client]:
    """Every registered client, oldest first (the operator's list; a handful of rows)."""
    rows = await OAuthClient.select().order_by(OAuthClient.created_at).run()
    return [_client(row) for row in rows]
