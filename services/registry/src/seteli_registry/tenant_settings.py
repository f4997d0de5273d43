"""The tenant admin's settings of the municipality: the languages it serves in, the payer account
(IBAN and BIC) that its payment material carries, and whether finalised interruptions need its approval
before settlement (004 §4.3.5.2). Other services learn them from `registry.tenant.changed`."""

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
    if data.get("interruptions_need_approval") is not None:
        values["interruptions_need_approval"] = bool(data["interruptions_need_approval"])
    if errors:
        raise invalid_many(errors)  # all of them at once, and nothing changes
    if all(tenant[name] == value for name, value in values.items()):
        return tenant  # the same settings again: no news for anyone
    await repo.update_tenant(ctx.session, tenant_id, values)
    told = {"interruptions_need_approval": bool(tenant.get("interruptions_need_approval")), **values}
    await ctx.outbox.add(ctx.session, TenantChanged(tenant_id=tenant_id, **told), tenant_id=tenant_id)
    return {**tenant, **values}
