"""Settings, read from the environment (and an optional ``.env`` file)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

Environment = Literal["development", "test", "production"]


class Settings(BaseSettings):
    """Every setting the service reads, with its default.

    The README's settings table lists the same names; keep them in step.
    """

    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    environment: Environment = "development"
    database_url: str = Field(
        default="sqlite:///var/socialmarked.sqlite3",
        description="sqlite:///relative/or/absolute/path or postgresql://user@host:port/db",
    )
    database_pool_size: int = Field(
        default=10, ge=1, le=200, description="Connections per process to PostgreSQL (at most)."
    )
    database_pool_timeout_seconds: float = Field(
        default=5.0,
        gt=0,
        description="How long a request waits for a database connection (or for PostgreSQL to "
        "accept one) before it is answered 503 with Retry-After.",
    )
    sqlite_write_queue: bool = Field(
        default=True,
        description="On SQLite, the write transactions of one process wait their turn in the "
        "order they came, instead of each polling the database's lock.",
    )
    sqlite_synchronous: Literal["normal", "full"] = Field(
        default="normal",
        description="On SQLite (WAL mode), `normal` syncs the log at checkpoints, not at every "
        "commit: a power cut may lose the last commits but never corrupts the database; `full` "
        "syncs every commit.",
    )
    retry_after_seconds: int = Field(
        default=5, ge=1, le=3600, description="The Retry-After of a 503 (database unavailable)."
    )
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    var_dir: Path = Path("var")
    jwt_issuer: str = "urn:socialmarked:dev"
    jwt_audience: str = "socialmarked"
    dev_token_ttl_seconds: int = Field(default=12 * 3600, gt=0)
    dev_token_signing: bool | None = Field(
        default=None,
        description="Accept and mint tokens signed with the development key under VAR_DIR "
        "(`socialmarked token`); unset: on outside production. Must be off in production.",
    )
    token_max_lifetime_seconds: int = Field(
        default=24 * 3600,
        ge=60,
        le=7 * 24 * 3600,
        description="Longest lifetime (exp - iat, and exp - now) of an access token accepted, "
        "whoever signed it.",
    )
    service_signing_keys: SecretStr | None = Field(
        default=None,
        description="The service's own signing keys (client-credentials tokens) as a JWKS "
        "document of private EC P-256 keys, each with a kid; the first signs, all verify.",
    )
    service_signing_keys_file: Path | None = Field(
        default=None, description="A file holding that JWKS document instead."
    )
    oidc_issuer: str | None = Field(
        default=None, description="An external OpenID Connect issuer whose tokens are accepted."
    )
    oidc_audience: str | None = Field(default=None, description="The `aud` its tokens carry.")
    oidc_org_claim: str = Field(default="org", description="The claim with the organisation code.")
    oidc_role_claim: str = Field(default="roles", description="The claim with the one role.")
    oidc_jwks_ttl_seconds: int = Field(default=3600, gt=0)
    oidc_jwks_min_refresh_seconds: int = Field(
        default=60, ge=0, description="Least time between key refreshes for an unknown key id."
    )
    oauth_token_ttl_seconds: int = Field(
        default=3600, gt=0, le=86400, description="Lifetime of client-credentials tokens."
    )
    acute_response_hours: int = Field(
        default=24,
        ge=1,
        le=168,
        description="Hours a provider has to answer an acute request where no agreement says.",
    )
    tick_interval_seconds: int = Field(
        default=600,
        ge=0,
        description="How often the server does the calendar's work (expiring requests, ending "
        "contracts ...); 0 leaves it to `socialmarked tick`.",
    )
    remind_request_days: int = Field(
        default=2,
        ge=0,
        le=60,
        description="Days before a request's answer is due that the "
        "one who must answer is reminded.",
    )
    remind_follow_up_days: int = Field(
        default=7,
        ge=0,
        le=90,
        description="Days before a follow-up date that both parties are reminded.",
    )
    remind_contract_end_days: int = Field(
        default=30,
        ge=0,
        le=365,
        description="Days before a contract's last day that both parties are reminded.",
    )
    remind_deadline_days: list[int] = Field(
        default=[14, 3],
        max_length=5,
        description="Lead times (days) before a council approval deadline or a report deadline "
        "at which those who must act are reminded, each once (JSON list, e.g. [14, 3]).",
    )
    webhook_secret_grace_hours: float = Field(
        default=24,
        ge=0,
        le=24 * 14,
        description="After a webhook secret is rotated, deliveries are signed with the old "
        "secret too for this long (a second signature), then with the new one only.",
    )
    webhook_allow_http: bool | None = Field(
        default=None,
        description="Accept webhook endpoints on plain http; unset: only in development (and "
        "the tests' environment). Production also refuses private and loopback addresses.",
    )
    webhook_timeout_seconds: float = Field(
        default=10.0, gt=0, le=60, description="How long a webhook receiver has to answer."
    )
    webhook_concurrency: int = Field(
        default=4,
        ge=1,
        le=64,
        description="Webhook requests a worker has under way at once "
        "(measured: more gains nothing against a quick receiver, httpx's pool slows down).",
    )
    webhook_backoff_seconds: int = Field(
        default=30,
        ge=1,
        description="Wait after a webhook delivery's first failure; doubled "
        "after each further one (at most 6 hours).",
    )
    webhook_retry_hours: int = Field(
        default=24, ge=1, le=72, description="How long a webhook delivery is retried."
    )
    delivery_lease_seconds: int = Field(
        default=60,
        ge=5,
        description="How long a worker holds a delivery it is sending; one "
        "that dies mid-delivery leaves it to be sent again after this (on PostgreSQL: a "
        "worker without a heartbeat this long counts as dead and its jobs run again).",
    )
    delivery_poll_seconds: float = Field(
        default=0.5,
        gt=0,
        le=60,
        description="How often a worker looks for deliveries due (on PostgreSQL besides "
        "being woken by LISTEN/NOTIFY).",
    )
    delivery_in_server: bool | None = Field(
        default=None,
        description="The server sends the deliveries itself; unset: on SQLite (on PostgreSQL "
        "`socialmarked worker` does).",
    )
    smtp_host: str | None = Field(
        default=None,
        description="SMTP server the notifications' e-mail leaves by; unset: no e-mail is sent.",
    )
    smtp_port: int = Field(default=587, ge=1, le=65535)
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_starttls: bool = Field(default=True, description="Upgrade the connection (STARTTLS).")
    smtp_tls: bool = Field(default=False, description="Connect with TLS from the start (465).")
    smtp_timeout_seconds: float = Field(default=15.0, gt=0, le=120)
    mail_from: str = Field(
        default="Socialmarked <noreply@socialmarked.invalid>",
        description="The sender of the notifications' e-mail.",
    )
    public_url: str = Field(
        default="http://127.0.0.1:8000",
        description="The web application's address, for the links in e-mail.",
    )
    graphql_max_depth: int = Field(default=12, gt=0)
    graphql_max_aliases: int = Field(default=15, gt=0)
    graphql_max_tokens: int = Field(default=4000, gt=0)
    graphql_max_cost: int = Field(
        default=10_000,
        gt=0,
        description="Budget of a GraphQL operation: every field costs 1, and a paginated "
        "field multiplies what it selects by its page size.",
    )
    graphql_max_operations: int = Field(default=3, gt=0, description="Operations per document.")
    graphql_max_directives: int = Field(default=10, ge=0, description="Directives per document.")
    graphql_max_field_repeats: int = Field(
        default=3, gt=0, description="Times one field may be selected in one selection set."
    )
    request_timeout_seconds: float = Field(
        default=15.0, gt=0, description="A GraphQL operation or export running longer stops."
    )
    rate_limit_per_minute: int = Field(
        default=600,
        ge=0,
        description="Requests a client (token subject, or address when anonymous) may make "
        "in a minute; 0 turns the limit off. Counted in the database.",
    )
    metrics_token: SecretStr | None = Field(
        default=None,
        description="Bearer secret that opens /metrics; unset: /metrics is open outside "
        "production and closed (404) in production.",
    )
    cors_allow_origins: list[str] = Field(
        default=[], description="Browser origins allowed to call the API (CORS)."
    )
    cpr_hmac_key: SecretStr | None = Field(
        default=None,
        description=(
            "Key of the keyed hash that stands for a CPR number. Required in production; "
            "in development one is made under VAR_DIR on first use."
        ),
    )
    web_secret: SecretStr | None = Field(
        default=None,
        description="Key that signs the web forms' CSRF tokens. Required in production; in "
        "development one is made under VAR_DIR on first use.",
    )
    web_session_idle_minutes: int = Field(
        default=30, ge=5, le=24 * 60, description="A web session ends after this long unused."
    )
    web_session_max_hours: int = Field(
        default=10, ge=1, le=7 * 24, description="A web session ends this long after sign-in."
    )
    web_cookie_secure: bool | None = Field(
        default=None,
        description="Send the web cookies over HTTPS only; unset: only in production.",
    )
    oidc_client_id: str | None = Field(
        default=None, description="The web application's client id at the OIDC issuer."
    )
    oidc_client_secret: SecretStr | None = Field(
        default=None, description="Its secret, if the issuer gave one (PKCE is always used)."
    )
    oidc_redirect_uri: str | None = Field(
        default=None,
        description="Where the issuer sends the browser back; unset: /log-ind/retur on the "
        "address the browser used.",
    )
    oidc_scope: str = Field(default="openid profile", description="Scopes asked at sign-in.")
    placement_request_expiry_days: int = Field(default=14, ge=1, le=365)
    # Until the regions' agreements supply them: example notice periods per offer category.
    default_notice_days: dict[str, int] = Field(
        default={"residential": 90, "day": 30, "outpatient": 30},
        description="Example notice periods (days) per offer category.",
    )
    default_bill_first_day: bool = True
    default_bill_last_day: bool = True
    default_payment_term_days: int = Field(
        default=30,
        ge=14,
        le=30,
        description="Days a buyer has to pay an invoice where no agreement says (14-30: public "
        "authorities may not agree to more than 30).",
    )

    @field_validator("database_url")
    @classmethod
    def _known_scheme(cls, value: str) -> str:
        if not value.startswith(("sqlite://", "postgresql://", "postgres://")):
            raise ValueError("DATABASE_URL must start with sqlite:// or postgresql://")
        return value

    @property
    def webhooks_over_http(self) -> bool:
        if self.webhook_allow_http is not None:
            return self.webhook_allow_http
        return self.environment in ("development", "test")

    @property
    def is_production(self) -> bool:
        return self.environment == "production"

    @property
    def dev_tokens_enabled(self) -> bool:
        return not self.is_production if self.dev_token_signing is None else self.dev_token_signing

    @property
    def signing_key_path(self) -> Path:
        return self.var_dir / "dev-signing-key.json"

    @property
    def web_secret_path(self) -> Path:
        return self.var_dir / "dev-web-secret"

    @property
    def secure_cookies(self) -> bool:
        return self.is_production if self.web_cookie_secure is None else self.web_cookie_secure

    @property
    def web_sign_in_with_oidc(self) -> bool:
        return bool(self.oidc_issuer and self.oidc_client_id)

    @property
    def cpr_key_path(self) -> Path:
        return self.var_dir / "dev-cpr-key"

    @field_validator("default_notice_days")
    @classmethod
    def _notice_per_category(cls, value: dict[str, int]) -> dict[str, int]:
        missing = {"residential", "day", "outpatient"} - set(value)
        if missing or any(days < 0 for days in value.values()):
            raise ValueError("give a notice period of 0 days or more for every category")
        return value


@lru_cache
def get_settings() -> Settings:
    return Settings()


MIN_CPR_KEY_BYTES = 32


def production_problems(settings: Settings) -> list[str]:
    """What keeps the service from starting in production, each naming the setting to fix;
    empty outside production."""
    if not settings.is_production:
        return []
    problems = []
    key = settings.cpr_hmac_key
    if key is None or len(key.get_secret_value().encode()) < MIN_CPR_KEY_BYTES:
        problems.append(
            f"CPR_HMAC_KEY must be set to a secret of at least {MIN_CPR_KEY_BYTES} bytes in "
            "production (e.g. the output of `openssl rand -hex 32`)."
        )
    if settings.dev_token_signing:
        problems.append(
            "DEV_TOKEN_SIGNING must be off in production: tokens signed with the development "
            "key are refused there."
        )
    problems += _oidc_problems(settings)
    if settings.service_signing_keys is None and settings.service_signing_keys_file is None:
        problems.append(
            "SERVICE_SIGNING_KEYS or SERVICE_SIGNING_KEYS_FILE must be set in production "
            "(the keys of the client-credentials tokens)."
        )
    return problems


def _oidc_problems(settings: Settings) -> list[str]:
    """People sign in through the OpenID Connect issuer in production: its settings must be
    whole."""
    problems = []
    if not settings.oidc_issuer:
        problems.append("OIDC_ISSUER must be set in production (the identity provider's URL).")
    elif not settings.oidc_issuer.startswith("https://"):
        problems.append("OIDC_ISSUER must be an https:// URL in production.")
    if not settings.oidc_audience:
        problems.append("OIDC_AUDIENCE must be set in production (the `aud` of its tokens).")
    if settings.web_secret is not None and not settings.oidc_client_id:
        problems.append(
            "OIDC_CLIENT_ID must be set in production when WEB_SECRET serves the web pages "
            "(their sign-in)."
        )
    return problems
