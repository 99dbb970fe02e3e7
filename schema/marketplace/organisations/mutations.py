"""Write side of the organisation registry."""

from __future__ import annotations

import strawberry

from marketplace.organisations import identifiers
from marketplace.organisations import service as organisations
from marketplace.organisations.models import ProviderCreate, ProviderUpdate
from schema.errors import UserError
from schema.marketplace.organisations.inputs import (
    OrganisationSettingsUpdateInput,
    ProviderCreateInput,
    ProviderUpdateInput,
)
from schema.marketplace.organisations.types import OrganisationSettings, Provider
from schema.mutation import mutation


@strawberry.type
class ProviderCreatePayload:
    provider: Provider | None
    errors: list[UserError]


@strawberry.type
class ProviderUpdatePayload:
    provider: Provider | None
    errors: list[UserError]


@strawberry.type
class OrganisationSettingsUpdatePayload:
    settings: OrganisationSettings | None
    errors: list[UserError]


@strawberry.type
class OrganisationMutation:
    provider_create = mutation(
        ProviderCreatePayload,
        ProviderCreateInput,
        lambda who, given: organisations.create_provider(who, given.command(ProviderCreate)),
        description="Register a provider. Registry administrators only.",
    )
    provider_update = mutation(
        ProviderUpdatePayload,
        ProviderUpdateInput,
        lambda who, given: organisations.update_provider(
            who, given.id("id", "Provider", "provider"), given.command(ProviderUpdate)
        ),
        description="Change a provider's details: its own provider admin, or the registry admin.",
    )
    organisation_settings_update = mutation(
        OrganisationSettingsUpdatePayload,
        OrganisationSettingsUpdateInput,
        lambda who, given: identifiers.update_party_identifiers(
            who, given.text("org_code"), given.data
        ),
        description="Set an organisation's CVR number and EAN/GLN location number, which its "
        "PEPPOL invoices carry: its own users, or the registry admin. INVALID_CVR or INVALID "
        "naming the field when a number fails its check; nothing is changed then.",
    )
