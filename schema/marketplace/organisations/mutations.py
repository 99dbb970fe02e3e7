"""Write side of the organisation registry."""

from __future__ import annotations

import strawberry

from marketplace.organisations import service as organisations
from marketplace.organisations.models import ProviderCreate, ProviderUpdate
from schema.errors import UserError
from schema.marketplace.organisations.inputs import ProviderCreateInput, ProviderUpdateInput
from schema.marketplace.organisations.types import Provider
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
