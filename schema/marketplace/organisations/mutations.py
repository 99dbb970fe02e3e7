"""Write side of the organisation registry."""

from __future__ import annotations

import strawberry

from marketplace.organisations import service as organisations
from marketplace.organisations.models import ProviderCreate, ProviderUpdate
from schema.context import Info
from schema.errors import UserError
from schema.marketplace.organisations.inputs import ProviderCreateInput, ProviderUpdateInput
from schema.marketplace.organisations.types import Provider
from schema.mutation import mutate


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
    @strawberry.mutation(description="Register a provider. Registry administrators only.")
    async def provider_create(
        self, info: Info, input: ProviderCreateInput
    ) -> ProviderCreatePayload:
        return await mutate(
            info,
            ProviderCreatePayload,
            input,
            lambda who, given: organisations.create_provider(who, given.command(ProviderCreate)),
        )

    @strawberry.mutation(
        description="Change a provider's details: its own provider admin, or the registry admin."
    )
    async def provider_update(
        self, info: Info, input: ProviderUpdateInput
    ) -> ProviderUpdatePayload:
        return await mutate(
            info,
            ProviderUpdatePayload,
            input,
            lambda who, given: organisations.update_provider(
                who, given.id("id", "Provider", "provider"), given.command(ProviderUpdate)
            ),
        )
