"""Registry use cases. No HTTP, no AMQP; never commits (the caller's unit of work does)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerifyMismatchError
from sqlalchemy.ext.asyncio import AsyncSession

from seteli_common.auth import Principal, Role, TokenIssuer
from seteli_common.clock import Clock
from seteli_common.errors import FieldError, conflict, invalid_many, not_found
from seteli_common.messaging.outbox import Outbox
from seteli_common.validators import ValidationFailed, validate_bic, validate_business_id, validate_iban

from . import repository as repo
from .domain import PasswordPolicy, after_failed_login, is_locked
from .events import BillingInfo, ProviderRegistered, SiteInfo, TenantCreated

hasher = PasswordHasher()


@dataclass
class RegistryContext:
    session: AsyncSession
    outbox: Outbox
    clock: Clock
    policy: PasswordPolicy


def _check(field: str, fn: Any, value: str, errors: list[FieldError]) -> str:
    try:
        return str(fn(value))
    except ValidationFailed as exc:
        errors.append(FieldError(field, exc.reason))
        return value


def _check_password(password: str, policy: PasswordPolicy, field: str, errors: list[FieldError]) -> None:
    for problem in policy.problems(password):
        errors.append(FieldError(field, f"password {problem}"))


async def create_tenant(ctx: RegistryContext, data: dict[str, Any]) -> dict[str, Any]:
    errors: list[FieldError] = []
    business_id = _check("business_id", validate_business_id, data["business_id"], errors)
    iban = _check("payer_iban", validate_iban, data["payer_iban"], errors)
    bic = _check("payer_bic", validate_bic, data["payer_bic"], errors)
    if errors:
        raise invalid_many(errors)
    if await repo.tenant_exists_with(ctx.session, data["id"], business_id):
        raise conflict("A tenant with this id or business ID already exists")
    row = {
        "id": data["id"], "name_fi": data["name_fi"], "name_sv": data["name_sv"], "business_id": business_id,
        "languages": data["languages"], "payer_iban": iban, "payer_bic": bic, "created_at": ctx.clock.now(),
    }
    await repo.insert_tenant(ctx.session, row)
    await ctx.outbox.add(ctx.session, TenantCreated(
        tenant_id=row["id"], name_fi=row["name_fi"], name_sv=row["name_sv"], business_id=business_id,
        languages=row["languages"], payer_iban=iban, payer_bic=bic,
    ), tenant_id=row["id"])
    return row


async def create_user(ctx: RegistryContext, *, email: str, name: str, password: str, role: Role,
                      tenant_id: str | None = None, provider_id: str | None = None, language: str = "fi",
                      must_change_password: bool = False, teams: list[str] | None = None) -> dict[str, Any]:
    errors: list[FieldError] = []
    _check_password(password, ctx.policy, "password", errors)
    if errors:
        raise invalid_many(errors)
    if await repo.user_by_email(ctx.session, email):
        raise conflict("A user with this email already exists", field="email")
    row = {
        "id": str(uuid.uuid4()), "email": email.lower(), "name": name, "password_hash": hasher.hash(password),
        "role": role.value, "tenant_id": tenant_id, "provider_id": provider_id, "language": language,
        "status": "active", "failed_logins": 0, "must_change_password": must_change_password,
        "teams": teams or [], "created_at": ctx.clock.now(),
    }
    await repo.insert_user(ctx.session, row)
    return row


def _billing(data: dict[str, Any] | None, prefix: str, errors: list[FieldError]) -> dict[str, Any] | None:
    if not data:
        return None
    return {
        "iban": _check(f"{prefix}.iban", validate_iban, data["iban"], errors),
        "bic": _check(f"{prefix}.bic", validate_bic, data["bic"], errors),
        "reference": data.get("reference"),
        "email": data.get("email"),
        "pdf_by_email": data.get("pdf_by_email", True),
    }


async def register_provider(ctx: RegistryContext, data: dict[str, Any]) -> dict[str, Any]:
    """Self-registration of a company: the company, its first site and its main user at once."""
    errors: list[FieldError] = []
    business_id = _check("business_id", validate_business_id, data["business_id"], errors)
    billing = _billing(data.get("billing"), "billing", errors)
    _check_password(data["main_user"]["password"], ctx.policy, "main_user.password", errors)
    if errors:
        raise invalid_many(errors)
    if await repo.provider_by_business_id(ctx.session, business_id):
        raise conflict("This company is already registered", field="business_id")
    now = ctx.clock.now()
    provider_id = str(uuid.uuid4())
    provider = {
        "id": provider_id, "business_id": business_id, "name": data["name"], "language": data["language"],
        "email": data["email"].lower(), "street_address": data.get("street_address", ""),
        "postal_code": data.get("postal_code", ""), "city": data.get("city", ""),
        "hide_address": data.get("hide_address", False), "status": "registered", "billing": billing,
        "created_at": now,
    }
    await repo.insert_provider(ctx.session, provider)
    site_data = data.get("site") or {}
    site = {
        "id": str(uuid.uuid4()), "provider_id": provider_id, "name": site_data.get("name") or data["name"],
        "provider_code": site_data.get("provider_code", ""),
        "notification_email": (site_data.get("notification_email") or data["email"]).lower(),
        "billing": None, "created_at": now,
    }
    await repo.insert_site(ctx.session, site)
    main = data["main_user"]
    user = await create_user(ctx, email=main["email"], name=main["name"], password=main["password"],
                             role=Role.PROVIDER_ADMIN, provider_id=provider_id, language=data["language"])
    await ctx.outbox.add(ctx.session, ProviderRegistered(
        provider_id=provider_id, business_id=business_id, name=provider["name"], language=provider["language"],
        email=provider["email"],
        sites=[SiteInfo(site_id=site["id"], name=site["name"], notification_email=site["notification_email"])],
        billing=BillingInfo(**billing) if billing else None,
    ), tenant_id=None)
    return {**provider, "sites": [site], "main_user_id": user["id"]}


async def provider_view(ctx: RegistryContext, provider_id: str) -> dict[str, Any]:
    provider = await repo.get_provider(ctx.session, provider_id)
    if provider is None:
        raise not_found("Provider")
    return {**provider, "sites": await repo.provider_sites(ctx.session, provider_id)}


@dataclass
class LoginResult:
    token: str | None
    failure: str | None = None
    principal: Principal | None = None


async def login(ctx: RegistryContext, issuer: TokenIssuer, email: str, password: str,
                ttl_seconds: int) -> LoginResult:
    """Check the password; failures are counted and logged in the same transaction, which the caller
    commits even though the answer is 401 (otherwise the lock-out could be bypassed)."""
    now: datetime = ctx.clock.now()
    user = await repo.user_by_email(ctx.session, email)
    if user is None:
        await repo.log_login(ctx.session, {"at": now, "user_id": None, "outcome": "failure", "detail": "unknown"})
        return LoginResult(None, "Wrong email or password")
    if user["status"] != "active":
        await repo.log_login(ctx.session, {"at": now, "user_id": user["id"], "outcome": "failure",
                                           "detail": "passive"})
        return LoginResult(None, "Wrong email or password")
    if is_locked(user["locked_until"], now):
        await repo.log_login(ctx.session, {"at": now, "user_id": user["id"], "outcome": "failure",
                                           "detail": "locked"})
        return LoginResult(None, "Account is locked; try later or ask your main user to unlock it")
    try:
        hasher.verify(user["password_hash"], password)
    except (VerifyMismatchError, InvalidHashError):
        failed, locked_until = after_failed_login(user["failed_logins"], now)
        await repo.update_user(ctx.session, user["id"], failed_logins=failed, locked_until=locked_until)
        outcome = "locked" if locked_until else "failure"
        await repo.log_login(ctx.session, {"at": now, "user_id": user["id"], "outcome": outcome, "detail": ""})
        return LoginResult(None, "Wrong email or password")
    await repo.update_user(ctx.session, user["id"], failed_logins=0, locked_until=None)
    await repo.log_login(ctx.session, {"at": now, "user_id": user["id"], "outcome": "success", "detail": ""})
    principal = Principal(
        subject=user["id"], role=Role(user["role"]), tenant_id=user["tenant_id"], provider_id=user["provider_id"],
        teams=frozenset(user["teams"] or []), name=user["name"], language=user["language"],
    )
    return LoginResult(issuer.issue(principal, ttl_seconds), principal=principal)


async def ensure_platform_admin(ctx: RegistryContext, email: str, password: str) -> None:
    if email and password and await repo.user_by_email(ctx.session, email) is None:
        await create_user(ctx, email=email, name="Platform admin", password=password, role=Role.PLATFORM_ADMIN)
