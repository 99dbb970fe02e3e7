"""Write side of the organisation registry."""

from __future__ import annotations

import uuid

import strawberry

from marketplace.core.errors import DomainError, ErrorCode, parse
from marketplace.organisations import service as organisations
from marketplace.organisations.models import ProviderCreate, ProviderUpdate
from schema.context import Info
from schema.errors import UserError, attempt, input_data
from schema.marketplace.inputs import ProviderCreateInput, ProviderUpdateInput
from schema.marketplace.types import Provider
from schema.relay import decode_global_id


@strawberry.type
class ProviderCreatePayload:
    provider: Provider | None
    errors: list[UserError]


@strawberry.type
class ProviderUpdatePayload:
    provider: Provider | None
    errors: list[UserError]


def _provider_id(value: strawberry.ID) -> uuid.UUID:
    global_id = decode_global_id(value, field=("input", "id"))
    try:
        if global_id.type_name != "Provider":
            raise ValueError("not a provider")
        return uuid.UUID(global_id.node_id)
    except ValueError:
        raise DomainError(
            ErrorCode.NOT_FOUND, "There is no such provider.", ["input", "id"]
        ) from None


@strawberry.type
class MarketplaceMutation:
    @strawberry.mutation(description="Register a provider. Registry administrators only.")
    async def provider_create(
        self, info: Info, input: ProviderCreateInput
    ) -> ProviderCreatePayload:
        async def run() -> Provider:
            command = parse(ProviderCreate, input_data(input), ["input"])
            view = await organisations.create_provider(info.context.principal, command)
            return Provider.from_view(view)

        provider, errors = await attempt(info, run)
        return ProviderCreatePayload(provider=provider, errors=errors)

    @strawberry.mutation(
        description="Change a provider's details: its own provider admin, or the registry admin."
    )
    async def provider_update(
        self, info: Info, input: ProviderUpdateInput
    ) -> ProviderUpdatePayload:
        async def run() -> Provider:
            provider_id = _provider_id(input.id)
            data = input_data(input)
            data.pop("id")
            command = parse(ProviderUpdate, data, ["input"])
            view = await organisations.update_provider(info.context.principal, provider_id, command)
            return Provider.from_view(view)

        provider, errors = await attempt(info, run)
        return ProviderUpdatePayload(provider=provider, errors=errors)
