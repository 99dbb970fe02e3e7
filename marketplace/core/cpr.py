"""CPR numbers: checked by form and date, stored only as a keyed hash and a masked form.

A CPR number is ``DDMMYY-SSSS``. Numbers without the modulus-11 check have been issued since
2007, so only the date and the century digit are checked. The service never keeps the number
itself: the HMAC (key from settings) lets a municipality find a citizen's contracts again, and
the masked form (``010190-****``) shows the two parties whom a contract is for. Neither the
number nor anything derived from it but these two ever reaches a log or an error message.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from marketplace.core.errors import DomainError, ErrorCode
from marketplace.core.secrets import load_or_create
from marketplace.core.settings import Settings, get_settings

# ASCII digits only: \d would also take other scripts' digits ("٠١٠١٩٠-١٢٣٤"), which int()
# reads as a date, so one citizen could be kept under two hashes and two masked forms.
_FORM = re.compile(r"^(\d{2})(\d{2})(\d{2})-?(\d{4})$", re.ASCII)


@dataclass(frozen=True, slots=True)
class CitizenId:
    """What is kept of a CPR number."""

    hash: str
    masked: str

    def __repr__(self) -> str:
        return f"CitizenId(masked={self.masked!r})"


def _century(year: int, seventh: int) -> int:
    """The century by the 7th digit and the two-digit year (CPR-kontoret's table)."""
    if seventh <= 3:
        return 1900
    if seventh in (4, 9):
        return 2000 if year <= 36 else 1900
    return 2000 if year <= 57 else 1800  # 5-8


def birth_date(cpr: str) -> datetime.date:
    """The birth date a CPR number states; DomainError INVALID_CPR when it has none."""
    match = _FORM.match(cpr.strip())
    if match is None:
        raise DomainError(ErrorCode.INVALID_CPR, "A CPR number has the form DDMMYY-SSSS.")
    day, month, year = int(match[1]), int(match[2]), int(match[3])
    try:
        return datetime.date(_century(year, int(match[4][0])) + year, month, day)
    except ValueError:
        raise DomainError(
            ErrorCode.INVALID_CPR, "The CPR number does not start with a real date."
        ) from None


def _normalised(cpr: str) -> str:
    return cpr.strip().replace("-", "")


@lru_cache(maxsize=4)
def _development_key(path: Path) -> bytes:
    return load_or_create(path, lambda: secrets.token_hex(32)).encode()


def _key(settings: Settings) -> bytes:
    if settings.cpr_hmac_key is not None:
        return settings.cpr_hmac_key.get_secret_value().encode()
    if settings.is_production:
        raise RuntimeError("CPR_HMAC_KEY must be set in production.")
    return _development_key(settings.cpr_key_path)


def citizen_id(cpr: str, settings: Settings | None = None) -> CitizenId:
    """Validate a CPR number and keep only its keyed hash and masked form."""
    birth_date(cpr)
    digits = _normalised(cpr)
    digest = hmac.new(_key(settings or get_settings()), digits.encode(), hashlib.sha256)
    return CitizenId(hash=digest.hexdigest(), masked=f"{digits[:6]}-****")


# A CPR number anywhere in a text: ten digits, with or without the dash, not inside a longer
# number. Used to keep them out of error messages and logs whatever the client sent.
_IN_TEXT = re.compile(r"(?<!\d)\d{6}-?\d{4}(?!\d)")


def redact(text: str) -> str:
    """``text`` with anything shaped like a CPR number replaced."""
    return _IN_TEXT.sub("[CPR removed]", text)


def holds_cpr(text: str) -> bool:
    """Whether ``text`` holds a CPR number: ten digits shaped as ``redact`` finds them (with
    or without the dash) that start with a real birth date. Free text a service keeps (a
    follow-up's notes) is refused when it does: the citizen is named by the case reference."""
    for match in _IN_TEXT.finditer(text):
        try:
            birth_date(match.group())
        except DomainError:
            continue
        return True
    return False


# Inputs whose names say they are not free text: identifiers, cursors, keys, codes and the
# CPR field itself (which is meant to hold one, and is kept only hashed and masked).
_NOT_FREE_TEXT = re.compile(
    r"(^|_)(id|ids|cpr|cvr|key|code|codes|after|before|month|email|phone|website|url)$"
    r"|(Id|Ids|ID|Key|Code|Codes)$",
)


def is_free_text_field(name: str) -> bool:
    return _NOT_FREE_TEXT.search(name) is None


def cpr_in_text(values: Any, path: tuple[str, ...] = ()) -> list[str] | None:
    """The path to the first free-text value in ``values`` (nested mappings and lists, as a
    command's or a form's data) that holds a CPR-shaped number with a real birth date;
    ``None`` when none does."""
    if isinstance(values, str):
        return list(path) if holds_cpr(values) else None
    if isinstance(values, dict):
        for name, value in values.items():
            if isinstance(name, str) and not is_free_text_field(name):
                continue
            found = cpr_in_text(value, (*path, str(name)))
            if found is not None:
                return found
    elif isinstance(values, list | tuple):
        for index, value in enumerate(values):
            found = cpr_in_text(value, (*path, str(index)))
            if found is not None:
                return found
    return None


def refuse_cpr_in_text(values: Any, prefix: tuple[str, ...] = ()) -> None:
    """DomainError ``PERSONAL_DATA_IN_TEXT`` naming the field when a free-text input holds a
    CPR number: the citizen is named by the case reference, and free text is kept and shown
    as it is written. Every face calls this before it hands the input to a service."""
    found = cpr_in_text(values, prefix)
    if found is None:
        return
    raise DomainError(ErrorCode.PERSONAL_DATA_IN_TEXT, CPR_IN_TEXT, found)


CPR_IN_TEXT = (
    "This text holds what looks like a CPR number (DDMMYY-SSSS, or ten digits starting with "
    "a date). Leave it out: name the citizen by the case reference, and give a CPR number "
    "only in the cpr field."
)
