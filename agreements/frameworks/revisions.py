"""An agreement that recovers: the steering group revises an agreement not yet in force (a
new revision; the councils' approvals start again when it changes in substance, see
``agreements.frameworks.approvals``) or withdraws it, after which another agreement may be
made for its period."""

from __future__ import annotations

import uuid
from functools import partial
from typing import Any

from agreements.frameworks import service
from agreements.frameworks.models import (
    AgreementRevise,
    AgreementStatus,
    AgreementView,
    AgreementWithdraw,
    FocusAreaInput,
    RuleSetInput,
)
from agreements.frameworks.rows import AgreementRow
from agreements.frameworks.tables import Agreement
from marketplace.core.clock import today, utcnow
from marketplace.core.errors import DomainError, ErrorCode
from marketplace.core.identity import Principal
from marketplace.core.unit_of_work import write_transaction

# What a revision changes in substance: the councils decide on these, so a change to any of
# them asks every council again. Name, steering group, deadline, documents and milestones
# are editorial.
SUBSTANTIVE = ("valid_from", "valid_to", "vision", "focus_areas", "rules")
_SETTLED = (
    AgreementStatus.IN_FORCE,
    AgreementStatus.EXPIRED,
    AgreementStatus.WITHDRAWN,
)


def _open(agreement: AgreementRow, verb: str) -> AgreementStatus:
    """The agreement's status; it must not be made or withdrawn."""
    current = AgreementStatus(
        service.agreement_status(agreement.status, agreement.valid_to, today())
    )
    if current in _SETTLED:
        raise DomainError(
            ErrorCode.INVALID_STATE,
            f"An agreement {current.value} is not {verb}; make a new agreement for a later "
            "period instead.",
            ["id"],
        )
    return current


async def _changed(agreement: AgreementRow, command: AgreementRevise) -> list[str]:
    """The substantive fields the revision changes."""
    view = await service.get_agreement(service.SYSTEM, agreement.id)
    assert view is not None
    stored: dict[str, Any] = {
        "valid_from": agreement.valid_from,
        "valid_to": agreement.valid_to,
        "vision": agreement.vision,
        "focus_areas": [FocusAreaInput(**f.model_dump()) for f in view.focus_areas],
    }
    rules = await service.rules_on(agreement, agreement.valid_from)
    stored["rules"] = None if rules is None else rules.rules
    given = command.model_fields_set
    return [
        name
        for name in SUBSTANTIVE
        if name in given
        and getattr(command, name) is not None
        and getattr(command, name) != stored[name]
    ]


async def revise_agreement(
    principal: Principal, agreement_id: uuid.UUID, command: AgreementRevise
) -> AgreementView:
    """A new revision of an agreement not yet in force. A substantive one (see
    ``SUBSTANTIVE``) starts the councils' approvals again; the decisions made before stay in
    the history."""
    async with write_transaction(principal, "agreementRevise") as unit:
        agreement = await service.managed(principal, agreement_id)
        current = _open(agreement, "revised")
        revised = await unit.track(
            "Agreement", agreement_id, partial(service.get_agreement, principal, agreement_id)
        )
        changed = await _changed(agreement, command)
        values = await service.field_values(agreement, current, command)
        revision = agreement.revision + 1
        values[Agreement.revision] = revision
        if changed:
            values[Agreement.approvals_from] = revision
        values[Agreement.updated_at] = utcnow()
        await Agreement.update(values).where(Agreement.id == agreement_id).run()
        await service.write_lists(agreement_id, command)
        if command.rules is not None and "rules" in changed:
            start = values.get(Agreement.valid_from, agreement.valid_from)
            await service.insert_rule_set(
                principal, agreement_id, RuleSetInput(valid_from=start, rules=command.rules)
            )
        kind = (
            f"substantive ({', '.join(changed)}): approvals start again" if changed else "editorial"
        )
        await service.record_event(
            agreement_id, principal, "revised", f"revision {revision}, {kind}: {command.reason}"
        )
    return revised.result


async def withdraw_agreement(
    principal: Principal, agreement_id: uuid.UUID, command: AgreementWithdraw
) -> AgreementView:
    """The steering group takes back an agreement not yet in force (after a rejection, say);
    its period is free for another agreement. Its decisions and history stay."""
    async with write_transaction(principal, "agreementWithdraw") as unit:
        agreement = await service.managed(principal, agreement_id)
        current = _open(agreement, "withdrawn")
        withdrawn = await unit.track(
            "Agreement", agreement_id, partial(service.get_agreement, principal, agreement_id)
        )
        await (
            Agreement.update(
                {Agreement.status: AgreementStatus.WITHDRAWN.value, Agreement.updated_at: utcnow()}
            )
            .where(Agreement.id == agreement_id)
            .run()
        )
        await service.record_event(
            agreement_id,
            principal,
            "status",
            f"{current.value} -> withdrawn: {command.reason}",
        )
    return withdrawn.result
