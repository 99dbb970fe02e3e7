"""Tables of the shared kernel."""

from __future__ import annotations

from piccolo.columns import JSON, UUID, BigInt, Integer, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table


class IdempotencyKey(Table, tablename="idempotency_key"):
    """A client's key for a mutation that must not happen twice, claimed in the mutation's own
    transaction: ``scope`` names the caller and the operation, ``fingerprint`` the payload,
    ``result`` the object the first call made."""

    id = UUID(primary_key=True)
    scope = Varchar(length=120)
    key = Varchar(length=200)
    fingerprint = Varchar(length=64)
    result = UUID(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow(), index=True)


class RateLimitWindow(Table, tablename="rate_limit_window"):
    """Requests a client made in one minute. Kept in the database, so every instance of the
    service counts against the same limit."""

    client = Varchar(length=120)
    window_start = Timestamptz()
    hits = Integer(default=0)


class AuditRecord(Table, tablename="audit_record"):
    """One change made through the API: who (subject, organisation, role), when, which
    operation on which object, and digests of the object before and after. Append-only
    (triggers refuse UPDATE and DELETE) and hash-chained per organisation: ``hash`` covers
    the record and the ``prev_hash`` of the organisation's record before it."""

    org = Varchar(length=16, index=True)
    seq = BigInt()
    at = Timestamptz(index=True)
    subject = Varchar(length=200)
    role = Varchar(length=32)
    operation = Varchar(length=64)
    object_type = Varchar(length=64, index=True)
    object_id = Varchar(length=64, index=True)
    before_digest = Varchar(length=64, null=True, default=None)
    after_digest = Varchar(length=64, null=True, default=None)
    prev_hash = Varchar(length=64)
    hash = Varchar(length=64)


class AuditChain(Table, tablename="audit_chain"):
    """The head of an organisation's audit chain, locked while a record is appended."""

    org = Varchar(length=16, primary_key=True)
    seq = BigInt(default=0)
    head = Varchar(length=64, default="")


class OAuthClient(Table, tablename="oauth_client"):
    """A machine client (a municipal case system, a provider's system) that gets access
    tokens with the client-credentials grant. Only a hash of its secret is kept."""

    client_id = Varchar(length=64, primary_key=True)
    name = Varchar(length=200)
    org = Varchar(length=16)
    role = Varchar(length=32)
    scopes = Varchar(length=200)  # space-separated
    secret_hash = Varchar(length=200)
    created_at = Timestamptz(default=TimestamptzNow())
    revoked_at = Timestamptz(null=True, default=None)


class WebSession(Table, tablename="web_session"):
    """A person's session in the web application. The cookie holds a random token; the row
    keeps only its SHA-256, so the table cannot be used to sign in. A row without a role is a
    sign-in under way (``login``: the OpenID Connect state, nonce and PKCE verifier)."""

    token_hash = Varchar(length=64, unique=True)
    subject = Varchar(length=200, null=True, default=None)
    org_code = Varchar(length=16, null=True, default=None)
    role = Varchar(length=20, null=True, default=None)
    name = Varchar(length=200, default="")
    created_at = Timestamptz(index=True)
    seen_at = Timestamptz()
    login = JSON(null=True, default=None)
