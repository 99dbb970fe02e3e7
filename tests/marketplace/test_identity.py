import pytest

from marketplace.core.errors import DomainError, ErrorCode
from marketplace.core.identity import (
    OrgKind,
    Principal,
    Role,
    check_role_for_org,
    is_valid_cvr,
    org_kind,
)


@pytest.mark.parametrize("cvr", ["29189420", "39014726", "40036172"])
def test_cvr_numbers_with_a_valid_check_digit_are_accepted(cvr: str) -> None:
    assert is_valid_cvr(cvr)


@pytest.mark.parametrize(
    "cvr",
    ["29189421", "09189420", "2918942", "291894200", "2918942a", "", "12345678"],
)
def test_malformed_cvr_numbers_are_refused(cvr: str) -> None:
    assert not is_valid_cvr(cvr)


@pytest.mark.parametrize(
    ("code", "kind"),
    [("851", OrgKind.MUNICIPALITY), ("1081", OrgKind.REGION), ("29189420", OrgKind.PRIVATE)],
)
def test_an_organisation_code_tells_its_kind(code: str, kind: OrgKind) -> None:
    assert org_kind(code) is kind


@pytest.mark.parametrize("code", ["85", "1080", "1086", "29189421", "abc", "085"])
def test_codes_of_no_organisation_are_refused(code: str) -> None:
    with pytest.raises(ValueError, match="not"):
        org_kind(code)


def test_purchasing_belongs_to_municipalities_and_steering_to_regions() -> None:
    check_role_for_org(Role.PURCHASER, "851")
    check_role_for_org(Role.STEERING, "1081")
    check_role_for_org(Role.PROVIDER_ADMIN, "29189420")
    with pytest.raises(ValueError, match="municipality"):
        check_role_for_org(Role.PURCHASER, "1081")
    with pytest.raises(ValueError, match="region"):
        check_role_for_org(Role.STEERING, "851")


def test_an_anonymous_caller_must_sign_in_and_a_wrong_role_is_denied() -> None:
    with pytest.raises(DomainError) as anonymous:
        Principal.anonymous().require(Role.REGISTRY_ADMIN)
    assert anonymous.value.code is ErrorCode.UNAUTHENTICATED
    purchaser = Principal(subject="x", org_code="851", role=Role.PURCHASER)
    with pytest.raises(DomainError) as denied:
        purchaser.require(Role.REGISTRY_ADMIN)
    assert denied.value.code is ErrorCode.PERMISSION_DENIED
