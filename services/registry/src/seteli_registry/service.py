"""Registry use cases: tenants, users, self-registration and login. No HTTP, no AMQP; never commits
(the caller's unit of work does). Further use cases live in accounts.py, providers.py,
registration.py, attachments.py and catalog.py."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerifyMismatchError
from seteli_common.auth import Principal, Role, TokenIssuer
from seteli_common.context import ServiceContext
from seteli_common.errors import FieldError, ProblemError, conflict, invalid_many, not_found
from seteli_common.validators import (
    ValidationFailed,
    contains_identity_code,
    validate_bic,
    validate_business_id,
    validate_creditor_reference,
    validate_iban,
)
from sqlalchemy.ext.asyncio import AsyncSession

from . import repository as repo
from .adapters import Adapters
from .config import RegistrySettings
from .domain import (
    PasswordPolicy,
    RevokedSessions,
    after_failed_login,
    is_locked,
    link_hash,
    new_secret,
    password_expired,
)
from .events import (
    BillingInfo,
    ConfirmationRequested,
    ProviderRegistered,
    SessionRevoked,
    SiteInfo,
    TenantCreated,
    UserCreated,
)
from .repository import providers as provider_queries
from .repository import registration as registration_queries

_hasher = [PasswordHasher()]  # argon2id with the library's (RFC 9106) defaults


def configure_hasher(time_cost: int | None, memory_cost_kib: int | None) -> None:
    """Cheaper parameters for tests only; existing hashes stay verifiable (parameters live in the hash)."""
    if time_cost or memory_cost_kib:
        default = PasswordHasher()
        _hasher[0] = PasswordHasher(time_cost=time_cost or default.time_cost,
                                    memory_cost=memory_cost_kib or default.memory_cost)


def hash_password(password: str) -> str:
    return _hasher[0].hash(password)


@dataclass(kw_only=True)
class RegistryContext(ServiceContext):
    policy: PasswordPolicy
    settings: RegistrySettings = field(default_factory=RegistrySettings)
    adapters: Adapters | None = None
    revoked_sessions: RevokedSessions = field(default_factory=lambda: RevokedSessions(3600))

    @property
    def ports(self) -> Adapters:
        assert self.adapters is not None, "adapters are wired in bootstrap"
        return self.adapters


def make_context(runtime: Any, session: AsyncSession) -> RegistryContext:
    extras = runtime.extras
    return RegistryContext(session, runtime.outbox, runtime.clock, policy=extras["password_policy"],
                           settings=runtime.settings, adapters=extras.get("adapters"),
                           revoked_sessions=extras["revoked_sessions"])


async def end_sessions(ctx: RegistryContext, user_id: str | None, session_ids: Iterable[str], reason: str) -> None:
    """Sessions just revoked in `user_sessions`: refused at once here, and in every other service as soon
    as it hears `registry.session.revoked` (published with this transaction, through the outbox)."""
    ids = sorted(set(session_ids))
    if not ids:
        return
    ctx.revoked_sessions.update(ids)
    now = ctx.clock.now()
    until = now + timedelta(seconds=ctx.settings.access_token_ttl_seconds + 60)  # the tokens have expired by then
    await ctx.outbox.add(ctx.session, SessionRevoked(user_id=user_id, session_ids=ids, reason=reason,
                                                     revoked_at=now, until=until), tenant_id=None)


def _check(field_name: str, fn: Any, value: str, errors: list[FieldError]) -> str:
    try:
        return str(fn(value))
    except ValidationFailed as exc:
        errors.append(FieldError(field_name, exc.reason))
        return value


def _check_password(password: str, policy: PasswordPolicy, field_name: str, errors: list[FieldError]) -> None:
    for problem in policy.problems(password):
        errors.append(FieldError(field_name, f"password {problem}"))


async def create_tenant(ctx: RegistryContext, data: dict[str, Any]) -> dict[str, Any]:
    errors: list[FieldError] = []
    business_id = _check("business_id", validate_business_id, data["business_id"], errors)
    iban = _check("payer_iban", validate_iban, data["payer_iban"], errors)
    bic = _check("payer_bic", validate_bic, data["payer_bic"], errors)
    if errors:
        raise invalid_many(errors)
    if await repo.tenant_exists_with(ctx.session, data["id"], business_id):
        raise conflict("A tenant with this id or business ID already exists", code="tenant_exists")
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
                      must_change_password: bool = False, teams: list[str] | None = None,
                      status: str = "active", password_hash: str | None = None,
                      publish: bool = True) -> dict[str, Any]:
    errors: list[FieldError] = []
    if password_hash is None:
        _check_password(password, ctx.policy, "password", errors)
    if errors:
        raise invalid_many(errors)
    if await repo.user_by_email(ctx.session, email):
        raise conflict("A user with this email already exists", field="email", code="email_taken")
    now = ctx.clock.now()
    row = {
        "id": str(uuid.uuid4()), "email": email.lower(), "name": name,
        "password_hash": password_hash or hash_password(password), "role": role.value, "tenant_id": tenant_id,
        "provider_id": provider_id, "language": language, "status": status, "failed_logins": 0,
        "must_change_password": must_change_password, "password_changed_at": now, "teams": teams or [],
        "created_at": now,
    }
    await repo.insert_user(ctx.session, row)
    if publish and status == "active":
        await publish_user_created(ctx, row)
    return row


async def publish_user_created(ctx: RegistryContext, user: dict[str, Any]) -> None:
    await ctx.outbox.add(ctx.session, UserCreated(
        user_id=user["id"], email=user["email"], role=user["role"], tenant_id=user["tenant_id"],
        provider_id=user["provider_id"], language=user["language"]), tenant_id=user["tenant_id"])


def _creditor_reference(value: str) -> str:
    reference = validate_creditor_reference(value)[0]
    # The payment file refuses a reference with an identity code's shape anywhere in it (Data Protection Act
    # §29): accepted here, the payee would be carried over unpaid in every run.
    if contains_identity_code(reference, anywhere=True):
        raise ValidationFailed("reference", "must not contain a personal identity code")
    return reference


def billing_of(data: dict[str, Any] | None, prefix: str, errors: list[FieldError]) -> dict[str, Any] | None:
    """Billing information checked by the rules the payment file applies (the kernel's validators):
    what is accepted here can always be paid."""
    if not data:
        return None
    reference = data.get("reference") or None
    return {
        "iban": _check(f"{prefix}.iban", validate_iban, data["iban"], errors),
        "bic": _check(f"{prefix}.bic", validate_bic, data["bic"], errors),
        "reference": None if reference is None else _check(f"{prefix}.reference", _creditor_reference,
                                                           reference, errors),
        "email": data.get("email"),
        "pdf_by_email": data.get("pdf_by_email", True),
    }


async def issue_link(ctx: RegistryContext, purpose: str, subject_id: str, path: str,
                     valid_for: timedelta | None) -> tuple[str, datetime | None]:
    secret = new_secret()
    now = ctx.clock.now()
    expires_at = now + valid_for if valid_for is not None else None
    await repo.insert_link(ctx.session, {"token_hash": link_hash(secret), "purpose": purpose,
                                         "subject_id": subject_id, "expires_at": expires_at, "created_at": now})
    return f"{ctx.settings.public_base_url.rstrip('/')}/{path}?token={secret}", expires_at


async def register_provider(ctx: RegistryContext, data: dict[str, Any], *, confirmed: bool = False,
                            status: str = "registered", password_hash: str | None = None) -> dict[str, Any]:
    """Self-registration of a company: the company, its first site and its main user at once.

    Unless `confirmed` (a platform admin or an approved request registers it), the main user must first
    confirm the emailed link (valid `confirmation_link_hours`); only then is the company published."""
    errors: list[FieldError] = []
    business_id = _check("business_id", validate_business_id, data["business_id"], errors)
    billing = billing_of(data.get("billing"), "billing", errors)
    if password_hash is None:
        _check_password(data["main_user"]["password"], ctx.policy, "main_user.password", errors)
    if errors:
        raise invalid_many(errors)
    existing = await provider_queries.provider_by_business_id(ctx.session, business_id)
    if existing and existing["status"] == "unconfirmed" and await registration_queries.stale_registration(
            ctx.session, existing["id"], ctx.clock.now()):
        # Nobody confirmed within the link's validity (a mistyped email?): the company may register anew.
        await registration_queries.discard_registration(ctx.session, existing["id"])
        existing = None
    if existing:
        raise conflict("This company is already registered", field="business_id", code="company_registered")
    now = ctx.clock.now()
    provider_id = str(uuid.uuid4())
    main = data["main_user"]
    holder = await repo.user_by_email(ctx.session, main["email"])
    if holder is not None and holder["status"] == "unconfirmed" and await _stale_company(ctx, holder["provider_id"]):
        # The address's only "account" is a registration nobody confirmed in time (another company's): it
        # cannot sign in or reset, so it holds the address no longer. That registration goes, as above.
        await registration_queries.discard_registration(ctx.session, holder["provider_id"])
        holder = None
    if not confirmed and password_hash is None and holder is not None:
        # Self-registration with an address that already has an account: the same answer as a new
        # registration (and the same work: the password is hashed), but nothing is stored or sent, so the
        # answer tells a stranger nothing about who has an account. The owner signs in or resets instead.
        hash_password(main["password"])
        return _unstored_registration(provider_id, business_id, data, billing, now)
    provider = {
        "id": provider_id, "business_id": business_id, "kind": "company", "name": data["name"],
        "language": data["language"], "email": data["email"].lower(), "phone": data.get("phone") or "",
        "street_address": data.get("street_address", ""), "postal_code": data.get("postal_code", ""),
        "city": data.get("city", ""), "hide_address": data.get("hide_address", False),
        "status": status if confirmed else "unconfirmed", "billing": billing, "created_at": now,
        "operating_areas": [], "units": [],
    }
    await provider_queries.insert_provider(ctx.session, provider)
    site_data = data.get("site") or {}
    site = {
        "id": str(uuid.uuid4()), "provider_id": provider_id, "name": site_data.get("name") or data["name"],
        "provider_code": site_data.get("provider_code", ""),
        "notification_email": (site_data.get("notification_email") or data["email"]).lower(),
        "billing": None, "created_at": now,
    }
    await provider_queries.insert_site(ctx.session, site)
    user = await create_user(ctx, email=main["email"], name=main["name"], password=main.get("password", ""),
                             role=Role.PROVIDER_ADMIN, provider_id=provider_id, language=data["language"],
                             status="active" if confirmed else "unconfirmed", password_hash=password_hash)
    result = {**provider, "sites": [site], "main_user_id": user["id"]}
    if confirmed:
        await publish_registered(ctx, provider_id)
    else:
        link, expires_at = await issue_link(ctx, "confirm", user["id"], "confirm-registration",
                                            timedelta(hours=ctx.settings.confirmation_link_hours))
        assert expires_at is not None
        await ctx.outbox.add(ctx.session, ConfirmationRequested(
            user_id=user["id"], email=user["email"], language=user["language"], link=link,
            expires_at=expires_at), tenant_id=None)
    return result


async def _stale_company(ctx: RegistryContext, provider_id: str | None) -> bool:
    """A self-registered company still unconfirmed whose every confirmation link has expired unused."""
    provider = await provider_queries.get_provider(ctx.session, provider_id) if provider_id else None
    return (provider is not None and provider["status"] == "unconfirmed"
            and await registration_queries.stale_registration(ctx.session, provider["id"], ctx.clock.now()))


def _unstored_registration(provider_id: str, business_id: str, data: dict[str, Any],
                           billing: dict[str, Any] | None, now: datetime) -> dict[str, Any]:
    site_data = data.get("site") or {}
    site = {"id": str(uuid.uuid4()), "provider_id": provider_id, "name": site_data.get("name") or data["name"],
            "provider_code": site_data.get("provider_code", ""),
            "notification_email": (site_data.get("notification_email") or data["email"]).lower(),
            "billing": None, "created_at": now}
    return {"id": provider_id, "business_id": business_id, "kind": "company", "name": data["name"],
            "language": data["language"], "email": data["email"].lower(), "phone": data.get("phone") or "",
            "street_address": data.get("street_address", ""), "postal_code": data.get("postal_code", ""),
            "city": data.get("city", ""), "hide_address": data.get("hide_address", False), "status": "unconfirmed",
            "billing": billing, "created_at": now, "operating_areas": [], "units": [], "sites": [site],
            "main_user_id": str(uuid.uuid4())}


async def publish_registered(ctx: RegistryContext, provider_id: str) -> None:
    provider = await provider_queries.get_provider(ctx.session, provider_id)
    assert provider is not None
    site_rows = await provider_queries.sites_of_provider(ctx.session, provider_id)
    billing = provider["billing"]
    await ctx.outbox.add(ctx.session, ProviderRegistered(
        provider_id=provider_id, business_id=provider["business_id"] or "", name=provider["name"],
        language=provider["language"], email=provider["email"],
        sites=[SiteInfo(site_id=s["id"], name=s["name"], notification_email=s["notification_email"],
                        billing=BillingInfo(**s["billing"]) if s["billing"] else None) for s in site_rows],
        billing=BillingInfo(**billing) if billing else None,
    ), tenant_id=None)


async def provider_view(ctx: RegistryContext, provider_id: str, *, with_billing: bool = True) -> dict[str, Any]:
    """The company as its own users see it; ``with_billing=False`` leaves out the accounts (company's and
    sites'), for the staff of a tenant that does not work with the company."""
    provider = await provider_queries.get_provider(ctx.session, provider_id)
    if provider is None:
        raise not_found("Provider")
    tags = (await provider_queries.provider_tag_map(ctx.session, [provider_id]))[provider_id]
    sites = await provider_queries.sites_of_provider(ctx.session, provider_id)
    if not with_billing:
        provider = {**provider, "billing": None}
        sites = [{**site, "billing": None} for site in sites]
    return {**provider, "sites": sites, "needs": tags.get("need", []), "support_types": tags.get("support", []),
            "service_languages": tags.get("language", [])}


@dataclass
class LoginResult:
    token: str | None
    failure: str | None = None
    principal: Principal | None = None
    refresh_token: str | None = None
    password_change_required: bool = False
    reason: str | None = None  # machine-readable, beside the failure's text (docs/problems.md)


def _log(user_id: str | None, outcome: str, detail: str, now: datetime) -> dict[str, Any]:
    return {"at": now, "user_id": user_id, "outcome": outcome, "detail": detail}


# One answer for every failure (no account, wrong password, locked, passive), so that neither the message
# nor the time it takes tells an outsider which addresses have accounts or which are locked.
LOGIN_FAILED = ("Wrong email or password. After 5 wrong tries the account is locked for 30 minutes; "
                "your main user or the municipality can unlock it sooner")


async def login(ctx: RegistryContext, issuer: TokenIssuer, email: str, password: str,
                ttl_seconds: int) -> LoginResult:
    """Check the password; failures are counted and logged in the same transaction, which the caller
    commits even though the answer is 401 (otherwise the lock-out could be bypassed)."""
    now: datetime = ctx.clock.now()
    user = await repo.user_by_email(ctx.session, email)
    # The password is checked (against a stand-in hash when there is no account) before anything else,
    # so an unknown address costs the same time as a known one.
    password_ok = verify_password(user["password_hash"] if user else stand_in_hash(), password)
    if user is None:
        await repo.log_login(ctx.session, _log(None, "failure", "unknown", now))
        return LoginResult(None, LOGIN_FAILED)
    if user["status"] != "active":
        await repo.log_login(ctx.session, _log(user["id"], "failure", user["status"], now))
        if user["status"] == "unconfirmed" and password_ok:  # only the owner, who knows the password, learns it
            return LoginResult(None, "Confirm your email address first with the link we sent",
                               reason="email_not_confirmed")
        return LoginResult(None, LOGIN_FAILED)
    if is_locked(user["locked_until"], now):
        await repo.log_login(ctx.session, _log(user["id"], "failure", "locked", now))
        return LoginResult(None, LOGIN_FAILED)
    if not password_ok:
        failed, locked_until = after_failed_login(user["failed_logins"], now, user["locked_until"])
        await repo.update_user(ctx.session, user["id"], failed_logins=failed, locked_until=locked_until)
        if locked_until:  # a locked account's sessions end too
            await end_sessions(ctx, user["id"], await repo.revoke_user_sessions(ctx.session, user["id"], now), "locked")
        await repo.log_login(ctx.session, _log(user["id"], "locked" if locked_until else "failure", "", now))
        return LoginResult(None, LOGIN_FAILED)
    await repo.update_user(ctx.session, user["id"], failed_logins=0, locked_until=None)
    if user["must_change_password"] or password_expired(user["password_changed_at"], ctx.policy, now):
        await repo.log_login(ctx.session, _log(user["id"], "failure", "password change required", now))
        return LoginResult(None, "Change your password before logging in", password_change_required=True)
    await repo.log_login(ctx.session, _log(user["id"], "success", "", now))
    return await start_session(ctx, issuer, user, ttl_seconds)


_stand_in: dict[int, str] = {}


def stand_in_hash() -> str:
    """A hash of a random password with the current hasher's parameters (so verifying it costs the same)."""
    hasher = _hasher[0]
    if id(hasher) not in _stand_in:
        _stand_in[id(hasher)] = hasher.hash(new_secret())
    return _stand_in[id(hasher)]


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher[0].verify(password_hash, password)
    except (VerifyMismatchError, InvalidHashError):
        return False


def principal_of(user: dict[str, Any], session_id: str | None = None) -> Principal:
    return Principal(subject=user["id"], role=Role(user["role"]), tenant_id=user["tenant_id"],
                     provider_id=user["provider_id"], teams=frozenset(user["teams"] or []), name=user["name"],
                     language=user["language"], session_id=session_id)


async def start_session(ctx: RegistryContext, issuer: TokenIssuer, user: dict[str, Any],
                        ttl_seconds: int) -> LoginResult:
    now = ctx.clock.now()
    session_id, refresh = str(uuid.uuid4()), new_secret()
    await repo.insert_user_session(ctx.session, {
        "id": session_id, "user_id": user["id"], "token_hash": link_hash(refresh), "created_at": now,
        "expires_at": now + timedelta(seconds=ctx.settings.refresh_token_ttl_seconds)})
    principal = principal_of(user, session_id)
    return LoginResult(issuer.issue(principal, ttl_seconds), principal=principal, refresh_token=refresh)


async def ensure_platform_admin(ctx: RegistryContext, email: str, password: str) -> None:
    if email and password and await repo.user_by_email(ctx.session, email) is None:
        await create_user(ctx, email=email, name="Platform admin", password=password, role=Role.PLATFORM_ADMIN)


def user_or_404(user: dict[str, Any] | None) -> dict[str, Any]:
    if user is None:
        raise not_found("User")
    return user


def password_problem(password: str, policy: PasswordPolicy, field_name: str) -> ProblemError | None:
    errors: list[FieldError] = []
    _check_password(password, policy, field_name, errors)
    return invalid_many(errors) if errors else None



