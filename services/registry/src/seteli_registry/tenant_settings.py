"""The tenant admin's settings of the municipality: the languages it serves in, and the payer account
(IBAN and BIC) that its payment material carries. Other services learn them from `registry.tenant.changed`."""

from __future__ import annotations

from typing import Any

from seteli_common.errors import FieldError, invalid_many, not_found
from seteli_common.validators import ValidationFailed, validate_bic, validate_iban

from . import repository as repo
from .events import TenantChanged
from .service import RegistryContext


async def change_settings(ctx: RegistryContext, tenant_id: str, data: dict[str, Any]) -> dict[str, Any]:
    tenant = await repo.get_tenant(ctx.session, tenant_id)
    if tenant is None:
        raise not_found("Tenant")
    errors: list[FieldError] = []
    values: dict[str, Any] = {"languages": [lang for lang in ("fi", "sv") if lang in data["languages"]]}
    for name, validate in (("payer_iban", validate_iban), ("payer_bic", validate_bic)):
        try:
            values[name] = str(validate(data[name]))
        except ValidationFailed as exc:
            errors.append(FieldError(name, exc.reason))
    if errors:
        raise invalid_many(errors)  # all of them at once, and nothing changes
    if all(tenant[name] == value for name, value in values.items()):
        return tenant  # the same settings again: no news for anyone
    await repo.update_tenant(ctx.session, tenant_id, values)
    await ctx.outbox.add(ctx.session, TenantChanged(tenant_id=tenant_id, **values), tenant_id=tenant_id)
    return {**tenant, **values}
