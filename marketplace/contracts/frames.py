"""The case handler's frame (handlingsramme): what a purchaser may commit without an approver.

A municipality sets frames, an amount counted per month or to a request's follow-up date, for
one case handler (their login) or every purchaser of the municipality, and names its
approvers. A request whose expected cost (the price in force x the quantity, and the add-ons)
is above its author's frame waits for an approver of the same municipality, who is not its
author, before the provider sees it. Norddjurs' notat of 30 October 2020 (seed 004) names a
frame of 25,000-50,000 DKK; larger cases go to the municipality's visitation committee.

Frames and approvers are kept by the municipality's approvers (the registry administrator
names the first one).
"""

from __future__ import annotations

import datetime
import uuid
from decimal import Decimal
from typing import Any

from marketplace.contracts.models import ApproverView, FrameBasis, FrameSet, FrameView, HoursPer
from marketplace.contracts.tables import ApprovalFrame, Approver
from marketplace.core.clock import utcnow
from marketplace.core.errors import DomainError, ErrorCode
from marketplace.core.identity import Principal, Role
from marketplace.core.money import to_ore
from marketplace.core.pagination import Page, PageRequest, paginate
from marketplace.core.unit_of_work import write_transaction
from marketplace.offers.models import PriceUnit
from marketplace.organisations import service as organisations

# A month counts 30 days; a request without a follow-up date is counted for a year.
DAYS_A_MONTH = 30
MONTHS_WITHOUT_FOLLOW_UP = 12


# --- what a request is expected to cost ---------------------------------------------------------


def _monthly(price_ore: int, unit: str, quantity: Decimal) -> Decimal:
    """A month of one priced thing: ``quantity`` is hours a month for an hourly price, units
    a day, a month or a year otherwise."""
    per_month: dict[str, Decimal] = {
        PriceUnit.PER_DAY.value: Decimal(DAYS_A_MONTH),
        PriceUnit.PER_HOUR.value: Decimal(1),
        PriceUnit.PER_MONTH.value: Decimal(1),
        PriceUnit.PER_YEAR.value: Decimal(1) / 12,
    }
    return price_ore * quantity * per_month[unit]


def monthly_cost(price: dict[str, Any], add_ons: list[dict[str, Any]]) -> int:
    """What a month of the agreed terms costs, in øre: the price (``agreed_price``'s columns)
    and the add-ons (``agreed_add_ons``'), rounded to the øre."""
    quantity = Decimal(price["quantity"]) / 100
    if price.get("hours_per") == HoursPer.WEEK.value:  # hours a week: a month of 30 days
        quantity = quantity * DAYS_A_MONTH / 7
    total = _monthly(price["price_ore"], price["unit"], quantity)
    for add_on in add_ons:
        total += _monthly(int(add_on["price_ore"]), add_on["unit"], Decimal(add_on["quantity"]))
    return int(total.quantize(Decimal(1), rounding="ROUND_HALF_UP"))


def cost_to_follow_up(
    monthly_ore: int, start: datetime.date, follow_up_on: datetime.date | None
) -> int:
    """What the terms cost from ``start`` to the follow-up date (both days counted), or for a
    year when there is none."""
    if follow_up_on is None:
        return monthly_ore * MONTHS_WITHOUT_FOLLOW_UP
    days = (follow_up_on - start).days + 1
    return int((Decimal(monthly_ore) * days / DAYS_A_MONTH).quantize(Decimal(1)))


def counted(frame: FrameView, monthly_ore: int, to_follow_up_ore: int) -> int:
    return monthly_ore if frame.basis is FrameBasis.PER_MONTH else to_follow_up_ore


# --- reading ------------------------------------------------------------------------------------


def _frame(row: dict[str, Any]) -> FrameView:
    return FrameView.model_validate({**row, "subject": row["subject"] or None})


async def frame_for(municipality: str, subject: str) -> FrameView | None:
    """The frame of a purchaser: their own, else the municipality's for every purchaser."""
    rows = (
        await ApprovalFrame.select()
        .where(
            (ApprovalFrame.municipality == municipality)
            & ApprovalFrame.subject.is_in([subject, ""])
        )
        .run()
    )
    own = [r for r in rows if r["subject"] == subject]
    chosen = own or [r for r in rows if r["subject"] == ""]
    return _frame(chosen[0]) if chosen else None


async def is_approver(municipality: str, subject: str) -> bool:
    return bool(
        await Approver.exists()
        .where((Approver.municipality == municipality) & (Approver.subject == subject))
        .run()
    )


def _may_read(principal: Principal, municipality: str) -> None:
    principal.require(Role.PURCHASER, Role.REGISTRY_ADMIN)
    if not principal.is_registry_admin and principal.org_code != municipality:
        raise DomainError(
            ErrorCode.PERMISSION_DENIED,
            "A municipality's frames are its purchasers' own.",
            ["municipality_code"],
        )


async def frames(principal: Principal, municipality: str, page: PageRequest) -> Page[FrameView]:
    """The municipality's frames, by case handler (the one for every purchaser first)."""
    _may_read(principal, municipality)
    found = await paginate(
        ApprovalFrame,
        where=ApprovalFrame.municipality == municipality,
        order_by=[ApprovalFrame.subject, ApprovalFrame.id],
        page=page,
    )
    return found.with_items([_frame(row) for row in found.items])


async def approvers(
    principal: Principal, municipality: str, page: PageRequest
) -> Page[ApproverView]:
    _may_read(principal, municipality)
    found = await paginate(
        Approver,
        where=Approver.municipality == municipality,
        order_by=[Approver.subject, Approver.id],
        page=page,
    )
    return found.with_items([ApproverView.model_validate(row) for row in found.items])


# --- keeping frames and approvers ---------------------------------------------------------------


async def _may_keep(principal: Principal, municipality: str) -> None:
    """Frames and approvers are kept by the municipality's approvers (and the registry
    administrator, who names the first)."""
    principal.require(Role.PURCHASER, Role.REGISTRY_ADMIN)
    await organisations.require_municipality(municipality, ["municipality_code"])
    if principal.is_registry_admin:
        return
    if principal.org_code != municipality:
        raise DomainError(
            ErrorCode.PERMISSION_DENIED,
            "Only the municipality's own approvers keep its frames.",
            ["municipality_code"],
        )
    if not await is_approver(municipality, principal.subject or ""):
        raise DomainError(
            ErrorCode.PERMISSION_DENIED,
            "Only the municipality's approvers keep its frames and approvers.",
            ["municipality_code"],
        )


async def _frame_row(municipality: str, subject: str) -> FrameView | None:
    row = (
        await ApprovalFrame.select()
        .where((ApprovalFrame.municipality == municipality) & (ApprovalFrame.subject == subject))
        .first()
        .run()
    )
    return _frame(row) if row else None


async def set_frame(principal: Principal, command: FrameSet) -> FrameView:
    """Set (or replace) a frame. The municipality needs an approver first: a request above a
    frame must have someone to decide it."""
    municipality, subject = command.municipality_code, command.subject or ""
    async with write_transaction(principal, "approvalFrameSet") as unit:
        await _may_keep(principal, municipality)
        if not await Approver.exists().where(Approver.municipality == municipality).run():
            raise DomainError(
                ErrorCode.INVALID,
                "Name an approver first: a request above the frame needs one.",
                ["municipality_code"],
            )
        existing = await _frame_row(municipality, subject)
        frame_id = existing.id if existing else uuid.uuid4()
        tracked = await unit.track(
            "ApprovalFrame", frame_id, lambda: _frame_row(municipality, subject), new=not existing
        )
        await ApprovalFrame.delete().where(ApprovalFrame.id == frame_id).run()
        await ApprovalFrame.insert(
            ApprovalFrame(
                id=frame_id,
                municipality=municipality,
                subject=subject,
                amount_ore=to_ore(command.amount),
                basis=command.basis.value,
                set_by=principal.subject or "",
                set_at=utcnow(),
            )
        ).run()
    return tracked.result


async def add_approver(principal: Principal, municipality: str, subject: str) -> ApproverView:
    subject = subject.strip()
    if not subject or len(subject) > 100:
        raise DomainError(ErrorCode.INVALID, "Name the approver by their login.", ["subject"])
    async with write_transaction(principal, "approverAdd") as unit:
        await _may_keep(principal, municipality)
        if await is_approver(municipality, subject):
            raise DomainError(
                ErrorCode.DUPLICATE, f"{subject} is an approver already.", ["subject"]
            )
        approver_id = uuid.uuid4()
        await Approver.insert(
            Approver(
                id=approver_id,
                municipality=municipality,
                subject=subject,
                added_by=principal.subject or "",
                added_at=utcnow(),
            )
        ).run()
        made = await unit.track("Approver", approver_id, lambda: _approver(approver_id), new=True)
    return made.result


async def _approver(approver_id: uuid.UUID) -> ApproverView | None:
    row = await Approver.select().where(Approver.id == approver_id).first().run()
    return ApproverView.model_validate(row) if row else None


async def remove_approver(principal: Principal, municipality: str, subject: str) -> ApproverView:
    """Remove an approver; the last one stays while the municipality has frames."""
    async with write_transaction(principal, "approverRemove") as unit:
        await _may_keep(principal, municipality)
        row = (
            await Approver.select()
            .where((Approver.municipality == municipality) & (Approver.subject == subject.strip()))
            .first()
            .run()
        )
        if row is None:
            raise DomainError(ErrorCode.NOT_FOUND, "There is no such approver.", ["subject"])
        others = await Approver.count().where(Approver.municipality == municipality).run()
        framed = (
            await ApprovalFrame.exists().where(ApprovalFrame.municipality == municipality).run()
        )
        if others == 1 and framed:
            raise DomainError(
                ErrorCode.INVALID_STATE,
                "The municipality's frames need an approver: remove them first.",
                ["subject"],
            )
        removed = ApproverView.model_validate(row)
        await unit.track("Approver", removed.id, _none, before=removed)
        await Approver.delete().where(Approver.id == removed.id).run()
    return removed


async def _none() -> None:
    return None
