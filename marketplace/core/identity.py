"""Who is asking: organisation codes, roles and the request's Principal.

An organisation is named by its code everywhere: a municipality by its 3-digit municipality
code, a region by its 4-digit region code (1081-1085), a private provider by its 8-digit CVR
number. A municipality or region that runs offers is itself the provider of those offers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from marketplace.core.errors import DomainError, ErrorCode


class Role(StrEnum):
    PROVIDER_ADMIN = "provider_admin"
    PURCHASER = "purchaser"
    STEERING = "steering"
    REGISTRY_ADMIN = "registry_admin"


class OrgKind(StrEnum):
    MUNICIPALITY = "municipality"
    REGION = "region"
    PRIVATE = "private"


_CVR_WEIGHTS = (2, 7, 6, 5, 4, 3, 2, 1)
_MUNICIPALITY_CODE = re.compile(r"^[1-9]\d{2}$")
_REGION_CODE = re.compile(r"^108[1-5]$")
_CVR = re.compile(r"^[1-9]\d{7}$")


def is_valid_cvr(value: str) -> bool:
    """A CVR number is 8 digits, no leading zero, with a weighted modulus-11 check."""
    if not _CVR.match(value):
        return False
    return sum(int(d) * w for d, w in zip(value, _CVR_WEIGHTS, strict=True)) % 11 == 0


def org_kind(code: str) -> OrgKind:
    """Classify an organisation code by its form; raise ``ValueError`` when it has none."""
    if _MUNICIPALITY_CODE.match(code):
        return OrgKind.MUNICIPALITY
    if _REGION_CODE.match(code):
        return OrgKind.REGION
    if len(code) == 8 and code.isdigit():
        if not is_valid_cvr(code):
            raise ValueError(f"{code!r} is not a valid CVR number (modulus-11 check failed)")
        return OrgKind.PRIVATE
    raise ValueError(
        f"{code!r} is not an organisation code: expected a 3-digit municipality code, "
        "a 4-digit region code (1081-1085) or an 8-digit CVR number"
    )


# Which kinds of organisation may hold each role. A provider admin can belong to any
# driftsherre; purchasing is done by municipalities; steering by regions.
ROLE_ORG_KINDS: dict[Role, frozenset[OrgKind]] = {
    Role.PROVIDER_ADMIN: frozenset(OrgKind),
    Role.PURCHASER: frozenset({OrgKind.MUNICIPALITY}),
    Role.STEERING: frozenset({OrgKind.REGION}),
    Role.REGISTRY_ADMIN: frozenset(OrgKind),
}


def check_role_for_org(role: Role, org_code: str) -> None:
    """Raise ``ValueError`` unless ``org_code`` is well formed and may hold ``role``."""
    kind = org_kind(org_code)
    if kind not in ROLE_ORG_KINDS[role]:
        allowed = ", ".join(sorted(k.value for k in ROLE_ORG_KINDS[role]))
        raise ValueError(f"role {role.value} belongs to a {allowed}, not a {kind.value}")


@dataclass(frozen=True, slots=True)
class Principal:
    """The caller as the services see it. Anonymous callers have no org and no role."""

    subject: str | None = None
    org_code: str | None = None
    role: Role | None = None
    # What an integration's token allows ("read", "write"); None for a person's token,
    # which may do what the role may.
    scopes: frozenset[str] | None = None

    def may_write(self) -> bool:
        return self.scopes is None or "write" in self.scopes

    @classmethod
    def anonymous(cls) -> Principal:
        return cls()

    @property
    def is_authenticated(self) -> bool:
        return self.role is not None and self.org_code is not None

    @property
    def is_registry_admin(self) -> bool:
        return self.role is Role.REGISTRY_ADMIN

    def require(self, *roles: Role) -> None:
        """Raise a DomainError unless the caller is signed in with one of ``roles``."""
        if not self.is_authenticated:
            raise DomainError(ErrorCode.UNAUTHENTICATED, "Sign in to do this.")
        if self.role not in roles:
            names = ", ".join(r.value for r in roles)
            raise DomainError(ErrorCode.PERMISSION_DENIED, f"This needs the role {names}.")


# The service itself, for work no person asks for: the calendar's (a request expiring, a
# contract ending) and loading reference and demo data. Its changes are audited in the
# "system" chain.
SYSTEM = Principal(subject="system", org_code="system", role=Role.REGISTRY_ADMIN)


def operator(name: str) -> Principal:
    """Someone running the ``socialmarked`` command on the server (``cli:<login>``): the
    operator's changes are audited in the "system" chain under that name."""
    return Principal(subject=f"cli:{name}"[:200], org_code="system", role=Role.REGISTRY_ADMIN)
