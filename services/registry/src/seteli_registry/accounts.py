"""Account use cases: confirmation links, refresh and logout, password change and reset, unlock,
passivation, provider users and service teams. Never commits."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from seteli_common.auth import Principal, Role, TokenIssuer
from seteli_common.errors import conflict, forbidden, invalid, not_found, unauthorized

from . import repository as repo
from .domain import after_failed_login, is_locked, is_past, link_hash, password_expired
from .events import PasswordResetRequested, UserActivated, UserPassivated, UserRoleChanged
from .providers import works_with
from .repository import providers as provider_queries
from .service import (
    LOGIN_FAILED,
    LoginResult,
    RegistryContext,
    create_user,
    end_sessions,
    hash_password,
    issue_link,
    password_problem,
    publish_registered,
    publish_user_created,
    stand_in_hash,
    start_session,
    user_or_404,
    verify_password,
)


async def use_link(ctx: RegistryContext, purpose: str, secret: str, *, consume: bool = True) -> str:
    """The subject of a valid link; a used, unknown or expired link is refused naming the field."""
    row = await repo.link_by_hash(ctx.session, link_hash(secret), purpose)
    now = ctx.clock.now()
    if row is None or row["used_at"] is not None:
        raise invalid("token", "the link is not valid or has already been used")
    if row["expires_at"] is not None and is_past(row["expires_at"], now):
        raise invalid("token", "the link has expired")
    if consume:
        await repo.mark_link_used(ctx.session, row["token_hash"], now)
    return str(row["subject_id"])


async def confirm_registration(ctx: RegistryContext, secret: str) -> dict[str, Any]:
    user = user_or_404(await repo.get_user(ctx.session, await use_link(ctx, "confirm", secret)))
    await repo.update_user(ctx.session, user["id"], status="active")
    await provider_queries.confirm_provider(ctx.session, user["provider_id"])
    await publish_registered(ctx, user["provider_id"])
    await publish_user_created(ctx, {**user, "status": "active"})
    return {"user_id": user["id"], "provider_id": user["provider_id"], "status": "confirmed"}


async def refresh(ctx: RegistryContext, issuer: TokenIssuer, secret: str, ttl_seconds: int) -> LoginResult:
    """Rotate the refresh token; a revoked or expired session, or a user no longer allowed in, ends here."""
    now = ctx.clock.now()
    row = await repo.user_session_by_refresh_hash(ctx.session, link_hash(secret))
    if row is None or row["revoked_at"] is not None or is_past(row["expires_at"], now):
        raise unauthorized("Session ended; log in again")
    user = await repo.get_user(ctx.session, row["user_id"])
    await repo.revoke_user_session(ctx.session, row["id"], now)
    ctx.revoked_sessions.add(row["id"])
    if user is None or user["status"] != "active" or is_locked(user["locked_until"], now):
        raise unauthorized("Session ended; log in again")
    if user["must_change_password"] or password_expired(user["password_changed_at"], ctx.policy, now):
        # refreshing does not carry a session past the password's expiry: the next login asks for a new one
        raise unauthorized("Session ended; log in again")
    return await start_session(ctx, issuer, user, ttl_seconds)


async def logout(ctx: RegistryContext, principal: Principal | None, refresh_secret: str | None = None) -> None:
    """End the session named by the refresh token and/or the bearer's session id. An unknown or already
    ended refresh token changes nothing (and answers the same, revealing nothing)."""
    ended: set[str] = set()
    user_id = principal.subject if principal is not None else None
    if refresh_secret:
        row = await repo.user_session_by_refresh_hash(ctx.session, link_hash(refresh_secret))
        if row is not None and row["revoked_at"] is None:  # an old (rotated) refresh token ends nothing more
            ended.add(str(row["id"]))
            user_id = str(row["user_id"])
    if principal is not None and principal.session_id:
        ended.add(principal.session_id)
    now = ctx.clock.now()
    for session_id in sorted(ended):
        await repo.revoke_user_session(ctx.session, session_id, now)
    await end_sessions(ctx, user_id, ended, "logout")


async def _set_password(ctx: RegistryContext, user: dict[str, Any], new_password: str, field_name: str) -> None:
    problem = password_problem(new_password, ctx.policy, field_name)
    if problem:
        raise problem
    if verify_password(user["password_hash"], new_password):
        raise invalid(field_name, "the new password must differ from the old one", code="password_unchanged")
    now = ctx.clock.now()
    await repo.update_user(ctx.session, user["id"], password_hash=hash_password(new_password),
                           must_change_password=False, password_changed_at=now, failed_logins=0,
                           locked_until=None)
    await end_sessions(ctx, user["id"], await repo.revoke_user_sessions(ctx.session, user["id"], now),
                       "password_changed")
    # a reset link mailed earlier (or asked for by someone else) must not set the password again
    await repo.invalidate_links(ctx.session, user["id"], "reset", now)


async def change_password(ctx: RegistryContext, email: str, current: str, new: str) -> str | None:
    """Also the first-login change of an initial password (no token needed: the old password proves it).

    Returns the failure to answer with 401; a wrong current password counts towards the lock-out like a
    failed login, so the caller commits before answering (this is no way around the lock)."""
    now = ctx.clock.now()
    user = await repo.user_by_email(ctx.session, email)
    password_ok = verify_password(user["password_hash"] if user else stand_in_hash(), current)  # same time
    if user is None or user["status"] != "active":
        return LOGIN_FAILED
    if is_locked(user["locked_until"], now):
        await repo.log_login(ctx.session, {"at": now, "user_id": user["id"], "outcome": "failure",
                                           "detail": "locked"})
        return LOGIN_FAILED
    if not password_ok:
        failed, locked_until = after_failed_login(user["failed_logins"], now, user["locked_until"])
        await repo.update_user(ctx.session, user["id"], failed_logins=failed, locked_until=locked_until)
        if locked_until:
            await end_sessions(ctx, user["id"], await repo.revoke_user_sessions(ctx.session, user["id"], now),
                               "locked")
        await repo.log_login(ctx.session, {"at": now, "user_id": user["id"],
                                           "outcome": "locked" if locked_until else "failure",
                                           "detail": "password change"})
        return LOGIN_FAILED
    await _set_password(ctx, user, new, "new_password")
    await repo.log_login(ctx.session, {"at": now, "user_id": user["id"], "outcome": "password_changed",
                                       "detail": ""})
    return None


RESET_MAILS_PER_HOUR = 3


async def request_password_reset(ctx: RegistryContext, email: str) -> None:
    """Always the same answer to the caller, so that the endpoint does not reveal who has an account."""
    user = await repo.user_by_email(ctx.session, email)
    if user is None or user["status"] != "active":
        return
    # Nobody's mailbox is filled with reset mails by a stranger: a few an hour per account, then silence
    # (the same answer to the caller either way).
    since = ctx.clock.now() - timedelta(hours=1)
    if await repo.login_outcomes_since(ctx.session, user["id"], "reset_requested", since) >= RESET_MAILS_PER_HOUR:
        return
    link, expires_at = await issue_link(ctx, "reset", user["id"], "reset-password",
                                        timedelta(minutes=ctx.settings.password_reset_link_minutes))
    assert expires_at is not None
    await ctx.outbox.add(ctx.session, PasswordResetRequested(
        email=user["email"], language=user["language"], link=link, expires_at=expires_at),
        tenant_id=user["tenant_id"])
    await repo.log_login(ctx.session, {"at": ctx.clock.now(), "user_id": user["id"],
                                       "outcome": "reset_requested", "detail": ""})


async def complete_password_reset(ctx: RegistryContext, secret: str, new_password: str) -> None:
    problem = password_problem(new_password, ctx.policy, "new_password")
    if problem:  # checked first so that a weak password does not burn the single-use link
        raise problem
    user = user_or_404(await repo.get_user(ctx.session, await use_link(ctx, "reset", secret)))
    if user["status"] != "active":  # passivated since the link was mailed: nobody's password to set
        raise invalid("token", "the link is not valid or has already been used")
    await _set_password(ctx, user, new_password, "new_password")
    await repo.log_login(ctx.session, {"at": ctx.clock.now(), "user_id": user["id"], "outcome": "reset",
                                       "detail": ""})


async def _may_manage(ctx: RegistryContext, principal: Principal, user: dict[str, Any]) -> bool:
    if principal.role == Role.PLATFORM_ADMIN:
        return True
    if principal.role == Role.PROVIDER_ADMIN:
        return user["provider_id"] is not None and user["provider_id"] == principal.provider_id
    if principal.role == Role.TENANT_ADMIN and principal.tenant_id is not None:
        # a tenant admin helps the tenant's own staff and the users of the companies the tenant works
        # with (who serve many tenants); any other user is not the tenant's to know of
        if user["tenant_id"] == principal.tenant_id:
            return True
        return user["provider_id"] is not None and await works_with(ctx.session, principal.tenant_id,
                                                                    user["provider_id"])
    return False


async def unlock(ctx: RegistryContext, principal: Principal, user_id: str) -> dict[str, Any]:
    user = await repo.get_user(ctx.session, user_id)
    if user is None or not await _may_manage(ctx, principal, user):
        raise not_found("User")
    await repo.update_user(ctx.session, user_id, failed_logins=0, locked_until=None)
    await repo.log_login(ctx.session, {"at": ctx.clock.now(), "user_id": user_id, "outcome": "unlocked",
                                       "detail": f"by {principal.subject}"})
    return {**user, "failed_logins": 0, "locked_until": None}


async def create_provider_user(ctx: RegistryContext, provider_id: str, data: dict[str, Any]) -> dict[str, Any]:
    if await provider_queries.get_provider(ctx.session, provider_id) is None:
        raise not_found("Provider")
    teams = [f"{t['tenant_id']}:{t['service_id']}" for t in data.get("teams", [])]
    return await create_user(ctx, email=data["email"], name=data["name"], password=data["password"],
                             role=Role(data["role"]), provider_id=provider_id, language=data["language"],
                             must_change_password=True, teams=teams)


async def _provider_user(ctx: RegistryContext, provider_id: str, user_id: str) -> dict[str, Any]:
    user = await repo.user_of_provider(ctx.session, provider_id, user_id)
    if user is None:
        raise not_found("User")
    return user


async def _tenant_user(ctx: RegistryContext, tenant_id: str, user_id: str) -> dict[str, Any]:
    user = await repo.user_of_tenant(ctx.session, tenant_id, user_id)
    if user is None:
        raise not_found("User")
    return user


async def passivate_tenant_user(ctx: RegistryContext, principal: Principal, tenant_id: str, user_id: str
                                ) -> dict[str, Any]:
    """A tenant admin passivates a member of the tenant's staff (who left): signed out everywhere at once."""
    return await _passivate(ctx, principal, await _tenant_user(ctx, tenant_id, user_id))


async def set_tenant_role(ctx: RegistryContext, principal: Principal, tenant_id: str, user_id: str,
                          role: Role) -> dict[str, Any]:
    """Give or take the tenant admin's role. The user's sessions end, so the new role holds at once; an
    admin never demotes themself (the tenant keeps someone who can manage it)."""
    user = await _tenant_user(ctx, tenant_id, user_id)
    if role not in (Role.TENANT_ADMIN, Role.TENANT_OFFICER):
        raise invalid("role", "a tenant user is tenant_admin or tenant_officer", code="role_unknown")
    if user_id == principal.subject and role != Role(user["role"]):
        raise conflict("You cannot change your own role", field="role", code="own_role")
    if user["role"] != role.value:
        now = ctx.clock.now()
        await repo.update_user(ctx.session, user_id, role=role.value)
        await end_sessions(ctx, user_id, await repo.revoke_user_sessions(ctx.session, user_id, now), "role changed")
        await repo.log_login(ctx.session, {"at": now, "user_id": user_id, "outcome": "role_changed",
                                           "detail": f"{user['role']} -> {role.value} by {principal.subject}"})
        await ctx.outbox.add(ctx.session, UserRoleChanged(
            user_id=user_id, email=user["email"], role=role.value, tenant_id=tenant_id, language=user["language"]),
            tenant_id=tenant_id)
    return {**user, "role": role.value}


async def passivate(ctx: RegistryContext, principal: Principal, provider_id: str, user_id: str) -> dict[str, Any]:
    return await _passivate(ctx, principal, await _provider_user(ctx, provider_id, user_id))


async def _passivate(ctx: RegistryContext, principal: Principal, user: dict[str, Any]) -> dict[str, Any]:
    user_id = user["id"]
    if user_id == principal.subject:
        raise conflict("You cannot passivate yourself", field="user_id", code="own_account")
    if user["status"] != "passive":
        now = ctx.clock.now()
        await repo.update_user(ctx.session, user_id, status="passive")
        await end_sessions(ctx, user_id, await repo.revoke_user_sessions(ctx.session, user_id, now), "passivated")
        await repo.invalidate_links(ctx.session, user_id, "reset", now)  # a reset link already mailed dies too
        await repo.log_login(ctx.session, {"at": now, "user_id": user_id, "outcome": "passivated",
                                           "detail": f"by {principal.subject}"})
        await ctx.outbox.add(ctx.session, UserPassivated(user_id=user_id), tenant_id=None)
    return {**user, "status": "passive"}


async def activate_tenant_user(ctx: RegistryContext, principal: Principal, tenant_id: str, user_id: str
                               ) -> dict[str, Any]:
    """A tenant admin activates a passivated member of the tenant's staff again."""
    return await _activate(ctx, principal, await _tenant_user(ctx, tenant_id, user_id))


async def activate(ctx: RegistryContext, principal: Principal, provider_id: str, user_id: str) -> dict[str, Any]:
    return await _activate(ctx, principal, await _provider_user(ctx, provider_id, user_id))


async def _activate(ctx: RegistryContext, principal: Principal, user: dict[str, Any]) -> dict[str, Any]:
    """The account as it was (role, teams, password; the sessions and reset links stay ended): the person signs
    in with the password they had, or asks for a new one."""
    if user["status"] == "passive":
        user_id = user["id"]
        await repo.update_user(ctx.session, user_id, status="active")
        await repo.log_login(ctx.session, {"at": ctx.clock.now(), "user_id": user_id, "outcome": "activated",
                                           "detail": f"by {principal.subject}"})
        await ctx.outbox.add(ctx.session, UserActivated(
            user_id=user_id, email=user["email"], role=user["role"], tenant_id=user.get("tenant_id"),
            provider_id=user.get("provider_id"), language=user["language"]), tenant_id=user.get("tenant_id"))
    return {**user, "status": "active"}


async def set_teams(ctx: RegistryContext, provider_id: str, user_id: str, teams: list[dict[str, str]]
                    ) -> dict[str, Any]:
    """Service teams per (tenant, service); they reach the token at the next login or refresh."""
    user = await _provider_user(ctx, provider_id, user_id)
    values = sorted({f"{t['tenant_id']}:{t['service_id']}" for t in teams})
    await repo.update_user(ctx.session, user_id, teams=values)
    return {**user, "teams": values}


def require_provider_admin(principal: Principal, provider_id: str) -> None:
    if principal.role == Role.PLATFORM_ADMIN:
        return
    if principal.role != Role.PROVIDER_ADMIN or principal.provider_id != provider_id:
        raise forbidden("Only the company's main user may do this")



