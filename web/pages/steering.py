"""The regional steering group's desk: the region's social agreements (process milestones,
the councils' approvals against the deadline, the rules with their versions and what changed,
special conditions), the central announcements with the region's reports (drafted and
submitted here), and the links to the supply picture (``web.pages.supply``).

A steering group works on its own region; another region's agreement or report answers 403."""

from __future__ import annotations

import datetime
import itertools
import uuid
from collections.abc import Awaitable, Callable, Sequence
from functools import partial
from typing import Any, TypeVar

from litestar import Request, get, post
from litestar.exceptions import NotFoundException, PermissionDeniedException
from litestar.params import FromPath
from litestar.response import Redirect, Template
from pydantic import ValidationError

from agreements.announcements import service as announcements
from agreements.announcements.models import (
    AnnouncementStatus,
    AnnouncementView,
    Assessment,
    ReportCreate,
    ReportFields,
    ReportView,
)
from agreements.frameworks import service as frameworks
from agreements.frameworks.models import (
    AgreementRevise,
    AgreementRules,
    AgreementView,
    AgreementWithdraw,
    CouncilDecisionRecord,
    Decision,
    RuleSetInput,
    RuleSetView,
)
from agreements.frameworks.revisions import revise_agreement, withdraw_agreement
from marketplace.core.clock import today
from marketplace.core.errors import DomainError
from marketplace.core.identity import Principal, Role
from marketplace.core.pagination import Page, PageRequest
from marketplace.offers.models import OfferStatus
from marketplace.offers.tables import Offer
from web.forms import FormInvalid, command, error_context, form_errors, invalid, values
from web.labels import organisation_name
from web.paging import or_first_page
from web.render import page
from web.security import principal_of, requires

STEERING = requires(Role.STEERING)
PER_PAGE = 50
AGREEMENT_STATUS = {
    "draft": "Udkast",
    "in_consultation": "I høring",
    "sent_for_approval": "Sendt til godkendelse",
    "in_force": "Gældende",
    "expired": "Udløbet",
    "withdrawn": "Trukket tilbage",
}
ANNOUNCEMENT_STATUS = {
    AnnouncementStatus.OPEN: "Åben: regionerne afrapporterer",
    AnnouncementStatus.REPORTS_RECEIVED: "Afrapporteringer modtaget",
    AnnouncementStatus.ASSESSED_SUFFICIENT: "Vurderet tilstrækkelig",
    AnnouncementStatus.RENEWED_CONSIDERATION: "Fornyet overvejelse",
    AnnouncementStatus.OPERATING_ORDER: "Driftspålæg",
}
ASSESSMENTS = {
    Assessment.SUFFICIENT: "Tilstrækkeligt udbud",
    Assessment.PARTLY: "Delvist tilstrækkeligt",
    Assessment.INSUFFICIENT: "Utilstrækkeligt udbud",
}


def _region(request: Request[Any, Any, Any]) -> str:
    code = principal_of(request).org_code
    assert code is not None  # a steering group's organisation is its region
    return code


def _names() -> dict[str, Any]:
    return {
        "agreement_status": AGREEMENT_STATUS,
        "announcement_status": ANNOUNCEMENT_STATUS,
        "assessments": ASSESSMENTS,
    }


@get("/styregruppe", name="steering", guards=[STEERING])
async def desk(request: Request[Any, Any, Any]) -> Template:
    principal = principal_of(request)
    region = _region(request)
    agreements = await or_first_page(
        newest_first(partial(frameworks.list_agreements, principal, region_code=region)),
        request.query_params.get("aftaler_efter"),
    )
    announced = await or_first_page(
        newest_first(partial(announcements.list_announcements, principal)),
        request.query_params.get("efter"),
    )
    reports = await reports_of(principal, region, announced.items)
    return page(
        request,
        "steering/desk.html",
        region=region,
        agreements=agreements.items,
        agreements_next=agreements.next_after,
        announcements=announced.items,
        announcements_next=announced.next_after,
        reports=reports,
        day=today(),
        **_names(),
    )


T = TypeVar("T")


def newest_first(
    read: Callable[..., Awaitable[Page[T]]], size: int | None = None
) -> Callable[[str | None], Awaitable[Page[T]]]:
    """A list ``read`` (``read(page, newest_first=True)``) as a reader of the page after a
    cursor, newest first, ``size`` (else ``PER_PAGE``) at a time, not counted."""

    def after(cursor: str | None) -> Awaitable[Page[T]]:
        return read(PageRequest(size or PER_PAGE, cursor, count=False), newest_first=True)

    return after


async def reports_of(
    principal: Principal, region: str, shown: Sequence[AnnouncementView]
) -> dict[uuid.UUID, ReportView]:
    """The region's reports on the announcements ``shown`` (one each at most)."""
    ids = [a.id for a in shown]
    found = await announcements.list_reports(
        principal,
        PageRequest(max(len(ids), 1), None, count=False),
        region_code=region,
        announcement_ids=ids,
    )
    return {r.announcement_id: r for r in found.items}


async def own_agreement(request: Request[Any, Any, Any], agreement_id: uuid.UUID) -> AgreementView:
    agreement = await frameworks.get_agreement(principal_of(request), agreement_id)
    if agreement is None:
        raise NotFoundException()
    if agreement.region_code != _region(request):
        raise PermissionDeniedException()
    return agreement


def rule_changes(
    versions: list[RuleSetView],
) -> dict[datetime.date, list[tuple[str, str, str]]]:
    """For each rule set after the first (by the day it takes effect), the rules that differ
    from the set before it: (rule, before, after), named by their path in the rules
    (``occupancy.min_percent``)."""
    changes: dict[datetime.date, list[tuple[str, str, str]]] = {}
    for before, after in itertools.pairwise(versions):
        old = flat(before.rules.model_dump(mode="json"))
        new = flat(after.rules.model_dump(mode="json"))
        changes[after.valid_from] = [
            (key, old.get(key, "–"), new.get(key, "–"))
            for key in sorted(set(old) | set(new))
            if old.get(key) != new.get(key)
        ]
    return changes


def flat(data: Any, prefix: str = "") -> dict[str, str]:
    if isinstance(data, dict):
        found: dict[str, str] = {}
        for key, value in data.items():
            found |= flat(value, f"{prefix}{key}.")
        return found
    if isinstance(data, list):
        return {prefix.rstrip("."): "; ".join(str(flat(v) or v) for v in data) or "–"}
    return {prefix.rstrip("."): "–" if data is None else str(data)}


def approval_rows(agreement: AgreementView, status: Any) -> list[dict[str, Any]]:
    """One row per party: its counting decision (a later one of the same council replaces an
    earlier; a substantive revision asks again), the body and day, and the days late (a
    missing decision is late from the day after the deadline)."""
    latest = {d.party: d for d in status.decisions if d.counts} if status else {}
    deadline = agreement.approval_deadline
    rows = []
    for party in agreement.parties:
        decision = latest.get(party)
        late = decision.days_late if decision else None
        if decision is None and deadline is not None and today() > deadline:
            late = (today() - deadline).days
        rows.append({"party": party, "decision": decision, "late": late})
    return rows


# The rules a steering group changes from its desk, and where they sit in the rules.
RULE_FIELDS = {
    "occupancy_min_percent": ("occupancy", "min_percent"),
    "occupancy_max_percent": ("occupancy", "max_percent"),
    "overhead_cap_percent": (None, "overhead_cap_percent"),
    "budget_regulation_percent": (None, "budget_regulation_percent"),
    "allowed_budget_deviation_percent": (None, "allowed_budget_deviation_percent"),
    "carry_over_percent": (None, "carry_over_percent"),
}


def _rules_with(current: AgreementRules | None, data: dict[str, Any]) -> AgreementRules | None:
    """The current rules with the form's changes (None when the form changes none)."""
    given = {k: data[k] for k in RULE_FIELDS if data.get(k) not in (None, "")}
    if not given:
        return None
    if current is None:
        raise FormInvalid({}, ["Aftalen har ingen regler at ændre: de sættes gennem API'et."])
    rules = current.model_dump(mode="json")
    for field, value in given.items():
        group, name = RULE_FIELDS[field]
        if group is None:
            rules[name] = value
        else:
            rules[group] = {**(rules.get(group) or {}), name: value}
    try:
        return AgreementRules.model_validate(rules)
    except ValidationError as error:
        failed = invalid(error)
        by_rule = {".".join(p for p in where if p): form for form, where in RULE_FIELDS.items()}
        fields = {by_rule.get(path, path): text for path, text in failed.fields.items()}
        raise FormInvalid(fields, failed.general) from None


async def _agreement_page(
    request: Request[Any, Any, Any],
    agreement: AgreementView,
    *,
    failed: FormInvalid | None = None,
    shown: dict[str, Any] | None = None,
) -> Template:
    principal = principal_of(request)
    status = await frameworks.approval_status(principal, agreement.id)
    versions = await frameworks.rule_sets(agreement.id)  # in force order
    rows = approval_rows(agreement, status)
    return page(
        request,
        "steering/agreement.html",
        status_code=400 if failed else 200,
        agreement=agreement,
        approval=status,
        approvals=rows,
        counts={
            "approved": sum(
                1 for r in rows if r["decision"] and r["decision"].decision is Decision.APPROVED
            ),
            "rejected": sum(
                1 for r in rows if r["decision"] and r["decision"].decision is Decision.REJECTED
            ),
            "missing": sum(1 for r in rows if r["decision"] is None),
            "late": sum(1 for r in rows if r["late"]),
        },
        versions=versions,
        changes=rule_changes(versions),
        history=status.decisions if status else [],
        rule_fields=_rule_values(versions[-1].rules if versions else None),
        settled=agreement.status.value in ("in_force", "expired", "withdrawn"),
        milestones=sorted(agreement.milestones, key=lambda m: m.starts_on),
        parties=[(p, organisation_name(p)) for p in agreement.parties],
        decisions=[
            (d.value, "Godkendt" if d is Decision.APPROVED else "Forkastet") for d in Decision
        ],
        values=shown or {"decided_on": today().isoformat(), "body": "Kommunalbestyrelsen"},
        **error_context(failed),
        day=today(),
        saved=request.query_params.get("gemt") == "1",
        **_names(),
    )


@get("/styregruppe/aftaler/{agreement_id:uuid}", name="steering_agreement", guards=[STEERING])
async def agreement_detail(
    request: Request[Any, Any, Any], agreement_id: FromPath[uuid.UUID]
) -> Template:
    return await _agreement_page(request, await own_agreement(request, agreement_id))


@post(
    "/styregruppe/aftaler/{agreement_id:uuid}/beslutning",
    name="steering_decision",
    guards=[STEERING],
)
async def decision_record(
    request: Request[Any, Any, Any], agreement_id: FromPath[uuid.UUID]
) -> Any:
    agreement = await own_agreement(request, agreement_id)
    shown = values(await request.form())
    try:
        await frameworks.record_decision(
            principal_of(request), agreement_id, command(CouncilDecisionRecord, shown)
        )
    except (FormInvalid, DomainError) as error:
        failed = form_errors(error)
        return await _agreement_page(request, agreement, failed=failed, shown=shown)
    return Redirect(f"/styregruppe/aftaler/{agreement_id}?gemt=1", status_code=303)


def _rule_values(rules: AgreementRules | None) -> dict[str, Any]:
    if rules is None:
        return {}
    band = rules.occupancy
    found = {
        "occupancy_min_percent": band.min_percent if band else None,
        "occupancy_max_percent": band.max_percent if band else None,
        "overhead_cap_percent": rules.overhead_cap_percent,
        "budget_regulation_percent": rules.budget_regulation_percent,
        "allowed_budget_deviation_percent": rules.allowed_budget_deviation_percent,
        "carry_over_percent": rules.carry_over_percent,
    }
    # shown the Danish way, as the form reads them back
    return {k: str(v).replace(".", ",") for k, v in found.items() if v is not None}


async def _latest_rules(agreement_id: uuid.UUID) -> AgreementRules | None:
    versions = await frameworks.rule_sets(agreement_id)
    return versions[-1].rules if versions else None


async def _change(request: Request[Any, Any, Any], agreement_id: uuid.UUID, act: Any) -> Any:
    """Run ``act(agreement, data)`` with the form's values; back to the agreement's page,
    with the errors when it is refused."""
    agreement = await own_agreement(request, agreement_id)
    data = values(await request.form(), amounts=list(RULE_FIELDS))
    try:
        await act(agreement, data)
    except (FormInvalid, DomainError) as error:
        failed = form_errors(error)
        return await _agreement_page(request, agreement, failed=failed, shown=data)
    return Redirect(f"/styregruppe/aftaler/{agreement_id}?gemt=1", status_code=303)


@post(
    "/styregruppe/aftaler/{agreement_id:uuid}/revision", name="steering_revise", guards=[STEERING]
)
async def agreement_revise(
    request: Request[Any, Any, Any], agreement_id: FromPath[uuid.UUID]
) -> Any:
    async def act(agreement: AgreementView, data: dict[str, Any]) -> None:
        changes: dict[str, Any] = {
            k: data[k] for k in ("reason", "approval_deadline", "vision") if k in data
        }
        rules = _rules_with(await _latest_rules(agreement.id), data)
        if rules is not None:
            changes["rules"] = rules
        await revise_agreement(
            principal_of(request), agreement.id, command(AgreementRevise, changes)
        )

    return await _change(request, agreement_id, act)


@post(
    "/styregruppe/aftaler/{agreement_id:uuid}/traek-tilbage",
    name="steering_withdraw",
    guards=[STEERING],
)
async def agreement_withdraw(
    request: Request[Any, Any, Any], agreement_id: FromPath[uuid.UUID]
) -> Any:
    async def act(agreement: AgreementView, data: dict[str, Any]) -> None:
        await withdraw_agreement(
            principal_of(request),
            agreement.id,
            command(AgreementWithdraw, {"reason": data.get("reason", "")}),
        )

    return await _change(request, agreement_id, act)


@post("/styregruppe/aftaler/{agreement_id:uuid}/regler", name="steering_rules", guards=[STEERING])
async def agreement_rules(
    request: Request[Any, Any, Any], agreement_id: FromPath[uuid.UUID]
) -> Any:
    async def act(agreement: AgreementView, data: dict[str, Any]) -> None:
        rules = _rules_with(await _latest_rules(agreement.id), data)
        if rules is None:
            raise FormInvalid({}, ["Ret mindst én regel."])
        await frameworks.set_rules(
            principal_of(request),
            agreement.id,
            command(RuleSetInput, {"valid_from": data.get("valid_from"), "rules": rules}),
        )

    return await _change(request, agreement_id, act)


REPORT_OFFERS_MOST = 500  # offers to choose from in a report's form


def _offers_sql(
    region: str, target_groups: list[str], named: list[uuid.UUID]
) -> tuple[str, list[Any]]:
    """The region's published offers for any of the target groups, and the offers named
    (whatever their group), by name: one statement, id and name only."""
    chosen = []
    args: list[Any] = [OfferStatus.PUBLISHED.value, region]
    if target_groups:
        chosen.append(
            "o.id IN (SELECT t.offer FROM offer_target_group t WHERE t.target_group IN ("
            + ", ".join("{}" for _ in target_groups)
            + "))"
        )
        args += target_groups
    first = ""  # the named offers first, so the limit never leaves one out
    if named:
        ids = "o.id IN (" + ", ".join("{}" for _ in named) + ")"
        chosen.append(ids)
        first = f"CASE WHEN {ids} THEN 0 ELSE 1 END, "
        args += named
    return (
        "SELECT o.id AS id, o.name AS name FROM offer o "
        "JOIN municipality m ON m.code = o.municipality "
        "WHERE o.status = {} AND m.region = {} AND (" + " OR ".join(chosen) + ") "
        f"ORDER BY {first}o.name_key, o.id LIMIT {{}}",
        [*args, *named, REPORT_OFFERS_MOST + len(named)],
    )


async def region_offers(
    request: Request[Any, Any, Any], target_groups: list[str], named: list[uuid.UUID]
) -> list[tuple[str, str]]:
    """The region's published offers that cover any of the announcement's target groups, to
    name in a report (at most ``REPORT_OFFERS_MOST``), and the offers the report names."""
    if not target_groups and not named:
        return []
    sql, args = _offers_sql(_region(request), target_groups, named)
    rows = await Offer.raw(sql, *args).run()
    return sorted(((str(row["id"]), row["name"]) for row in rows), key=lambda o: o[1].casefold())


async def report_of(
    request: Request[Any, Any, Any], announcement_id: uuid.UUID
) -> ReportView | None:
    found = await announcements.list_reports(
        principal_of(request),
        PageRequest(1, None),
        announcement_id=announcement_id,
        region_code=_region(request),
    )
    return found.items[0] if found.items else None


async def _announcement_page(
    request: Request[Any, Any, Any],
    announcement_id: uuid.UUID,
    *,
    failed: FormInvalid | None = None,
    shown: dict[str, Any] | None = None,
) -> Template:
    principal = principal_of(request)
    found = (await announcements.announcements_by_id(principal, [announcement_id])).get(
        announcement_id
    )
    if found is None:
        raise NotFoundException()
    report = await report_of(request, announcement_id)
    if shown is None:
        shown = (
            report.model_dump(mode="json", include=set(ReportFields.model_fields)) if report else {}
        )
    return page(
        request,
        "steering/announcement.html",
        status_code=400 if failed else 200,
        announcement=found,
        report=report,
        region_offers=await region_offers(
            request, list(found.target_groups), report.offer_ids if report else []
        ),
        assessment_choices=[(a.value, text) for a, text in ASSESSMENTS.items()],
        values=shown,
        **error_context(failed),
        **_names(),
    )


@get(
    "/styregruppe/meldinger/{announcement_id:uuid}", name="steering_announcement", guards=[STEERING]
)
async def announcement_detail(
    request: Request[Any, Any, Any], announcement_id: FromPath[uuid.UUID]
) -> Template:
    return await _announcement_page(request, announcement_id)


@post(
    "/styregruppe/meldinger/{announcement_id:uuid}/rapport",
    name="steering_report_save",
    guards=[STEERING],
)
async def report_save(request: Request[Any, Any, Any], announcement_id: FromPath[uuid.UUID]) -> Any:
    principal = principal_of(request)
    form = await request.form()
    shown = values(form, lists=["offer_ids"])
    shown.setdefault("offer_ids", [])
    submit = shown.pop("indsend", None) is not None
    shown.pop("gem", None)
    try:
        report = await report_of(request, announcement_id)
        if report is None:
            report = await announcements.create_report(
                principal,
                announcement_id,
                command(ReportCreate, {**shown, "region_code": _region(request)}),
            )
        else:
            report = await announcements.update_report(
                principal, report.id, command(ReportFields, shown)
            )
        if submit:
            await announcements.submit_report(principal, report.id)
    except (FormInvalid, DomainError) as error:
        failed = form_errors(error)
        return await _announcement_page(request, announcement_id, failed=failed, shown=shown)
    return Redirect(f"/styregruppe/meldinger/{announcement_id}?gemt=1", status_code=303)


ROUTES = [
    desk,
    agreement_detail,
    decision_record,
    agreement_revise,
    agreement_withdraw,
    agreement_rules,
    announcement_detail,
    report_save,
]
