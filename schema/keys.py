"""The service's keys for the access tokens it signs itself (client-credentials tokens of
integrations, and in development the tokens of ``socialmarked token``).

In production the keys come from ``SERVICE_SIGNING_KEYS`` (a JWKS document with the private
keys) or ``SERVICE_SIGNING_KEYS_FILE`` (a file holding one). Every key has a key id (``kid``);
the first key signs, and every key verifies. Rotation: put a new key first and keep the old
one after it until the tokens it signed have expired (``OAUTH_TOKEN_TTL_SECONDS``), then
remove it. The public halves are published at ``/.well-known/jwks.json``.

Outside production, without those settings, the development key under ``VAR_DIR`` (made on
first use) signs and verifies. In production the development key is never read.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from joserfc.errors import JoseError
from joserfc.jwk import ECKey, KeySet

from marketplace.core.secrets import load_or_create
from marketplace.core.settings import Settings

ALGORITHM = "ES256"


class SigningKeysInvalid(ValueError):
    """The configured keys cannot be used; the message names the setting."""


def load_or_create_signing_key(path: Path) -> ECKey:
    """Read the development signing key, creating it (mode 0600) the first time."""

    def make() -> str:
        key = ECKey.generate_key("P-256", auto_kid=True)
        return json.dumps(key.as_dict(private=True))

    return ECKey.import_key(json.loads(load_or_create(path, make)))


@dataclass(frozen=True)
class SigningKeys:
    signing: ECKey  # the first key: signs new tokens
    verifying: KeySet  # every key's public half
    from_settings: bool  # False: the development key

    def public_jwks(self) -> dict[str, Any]:
        return {
            "keys": [
                dict(key.as_dict(private=False), alg=ALGORITHM, use="sig")
                for key in self.verifying.keys
            ]
        }


def _configured_text(settings: Settings) -> tuple[str, str] | None:
    if settings.service_signing_keys is not None:
        return "SERVICE_SIGNING_KEYS", settings.service_signing_keys.get_secret_value()
    if settings.service_signing_keys_file is not None:
        path = settings.service_signing_keys_file
        try:
            return "SERVICE_SIGNING_KEYS_FILE", path.read_text(encoding="utf-8")
        except OSError as error:
            raise SigningKeysInvalid(
                f"SERVICE_SIGNING_KEYS_FILE: cannot read {path} ({error.strerror})."
            ) from None
    return None


def _parse(name: str, text: str) -> list[ECKey]:
    try:
        document = json.loads(text)
        entries = document["keys"] if isinstance(document, dict) else None
        if not isinstance(entries, list) or not entries:
            raise SigningKeysInvalid(f'{name} must be a JWKS document: {{"keys": [...]}}.')
        keys = [ECKey.import_key(entry) for entry in entries]
    except (ValueError, KeyError, TypeError, JoseError) as error:
        if isinstance(error, SigningKeysInvalid):
            raise
        raise SigningKeysInvalid(
            f"{name} must hold EC P-256 private keys as a JWKS document ({type(error).__name__})."
        ) from None
    kids = [key.kid for key in keys]
    if any(not kid for kid in kids) or len(set(kids)) != len(kids):
        raise SigningKeysInvalid(f"{name}: every key needs a key id (kid) of its own.")
    if any(key.as_dict().get("crv") != "P-256" or not key.is_private for key in keys):
        raise SigningKeysInvalid(f"{name}: every key must be a private EC P-256 key (ES256).")
    return keys


def signing_keys(settings: Settings) -> SigningKeys:
    """The service's keys as the settings give them (see the module's note); read once when
    the app is made (``app.state.signing_keys``)."""
    configured = _configured_text(settings)
    if configured is not None:
        keys = _parse(*configured)
        public: list[Any] = [ECKey.import_key(key.as_dict(private=False)) for key in keys]
        return SigningKeys(signing=keys[0], verifying=KeySet(list(public)), from_settings=True)
    if settings.is_production:
        # Only where the start-up check was not made (an app built in a test): a key of the
        # process alone; the development key is never read in production.
        key = ECKey.generate_key("P-256", auto_kid=True)
        public_key = ECKey.import_key(key.as_dict(private=False))
        return SigningKeys(signing=key, verifying=KeySet([public_key]), from_settings=False)
    key = load_or_create_signing_key(settings.signing_key_path)
    public_key = ECKey.import_key(key.as_dict(private=False))
    return SigningKeys(signing=key, verifying=KeySet([public_key]), from_settings=False)
