"""The two registration paths besides self-registration: a request a tenant admin approves after
checking the company register, and the first login through strong company identity (Suomi.fi
e-Identification + e-Authorizations). Never commits."""

from __future__ import annotations

import secrets
import uuid
from datetime import timedelta
from typing import Any

from seteli_common.auth import Role, TokenIssuer
from seteli_common.errors import FieldError, ProblemError, conflict, invalid, invalid_many, not_found, unauthorized
from seteli_common.pseudonym import person_pseudonym
from seteli_common.validators import validate_business_id

from . import repository as repo
from .accounts import use_link
from .adapters.company_register import CompanyInfo, CompanyRegisterUnavailable
from .domain import is_past
from .events import ProviderApproved, RegistrationAnswered, RegistrationDecided, RegistrationMoreRequested
from .providers import relate
from .repository import providers as provider_queries
from .repository import registration as registration_queries
from .service import (
    LoginResult,
    RegistryContext,
    _check,
    _check_password,
    create_user,
    hash_password,
    issue_link,
    publish_registered,
    register_provider,
    start_session,
)


async def company_info(ctx: RegistryContext, business_id: str) -> dict[str, Any] | None:
    try:
        info = await ctx.ports.company_register.fetch(business_id)
    except CompanyRegisterUnavailable:
        return {"unavailable": True}
    return info.as_dict() if info else None


async def submit_request(ctx: RegistryContext, tenant_id: str, data: dict[str, Any]) -> dict[str, Any]:
    if await repo.get_tenant(ctx.session, tenant_id) is None:
        raise not_found("Tenant")
    errors: list[FieldError] = []
    business_id = _check("business_id", validate_business_id, data["business_id"], errors)
    _check_password(data["password"], ctx.policy, "password", errors)
    if data["password"] != data["password_again"]:
        errors.append(FieldError("password_again", "the passwords differ"))
    if errors:
        raise invalid_many(errors)
    existing = await provider_queries.provider_by_business_id(ctx.session, business_id)
    # a self-registration nobody confirmed in time holds the business ID no longer (approving discards it)
    if existing and not (existing["status"] == "unconfirmed" and await registration_queries.stale_registration(
            ctx.session, existing["id"], ctx.clock.now())):
        raise conflict("This company is already registered", field="business_id", code="company_registered")
    # An address that has an account is not refused here: the answer would tell a stranger who has one.
    # The tenant admin, who decides the request, sees the conflict when approving it.
    details = {k: v for k, v in data.items() if k not in ("password", "password_again")}
    row = {"tenant_id": tenant_id, "id": str(uuid.uuid4()), "business_id": business_id,
           "data": {**details, "business_id": business_id, "email": data["email"].lower(),
                    "company_email": (data.get("company_email") or "").lower() or None},
           "password_hash": hash_password(data["password"]), "status": "pending", "created_at": ctx.clock.now(),
           "history": []}
    await registration_queries.insert_registration_request(ctx.session, row)
    return _view(row)


def _view(row: dict[str, Any], company: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"id": row["id"], "tenant_id": row["tenant_id"], "status": row["status"], "reason": row.get("reason"),
            "provider_id": row.get("provider_id"), "data": row["data"], "company_register": company,
            "created_at": row["created_at"], "answered_at": row.get("answered_at"),
            "history": row.get("history") or []}


async def request_or_404(ctx: RegistryContext, tenant_id: str, request_id: str) -> dict[str, Any]:
    row = await registration_queries.registration_request(ctx.session, tenant_id, request_id)
    if row is None:
        raise not_found("Registration request")
    return row


async def view_request(ctx: RegistryContext, tenant_id: str, request_id: str) -> dict[str, Any]:
    """What the admin sees: the request beside the company's data in the company register."""
    row = await request_or_404(ctx, tenant_id, request_id)
    return _view(row, await company_info(ctx, row["business_id"]))


async def decide(ctx: RegistryContext, tenant_id: str, request_id: str, approve: bool, reason: str | None,
                 admin_id: str) -> dict[str, Any]:
    row = await request_or_404(ctx, tenant_id, request_id)
    if row["status"] != "pending":
        raise conflict("The request has already been decided" if row["status"] != "more_requested"
                       else "The request waits for the company's answer", field="status",
                       code="request_decided" if row["status"] != "more_requested" else "request_waits_for_company")
    data = row["data"]
    provider_id = None
    if approve:
        # `email` is the contact person's login, private: the card shows the company's own address, or none
        registered = await register_provider(ctx, {
            "business_id": row["business_id"], "name": data["company_name"], "language": data["language"],
            "email": data.get("company_email") or "", "phone": data.get("phone", ""),
            "street_address": data["street_address"], "postal_code": data["postal_code"], "city": data["city"],
            "main_user": {"email": data["email"], "name": f"{data['first_name']} {data['last_name']}"},
        }, confirmed=True, status="approved", password_hash=row["password_hash"])
        provider_id = registered["id"]
        await ctx.outbox.add(ctx.session, ProviderApproved(provider_id=provider_id), tenant_id=tenant_id)
        await relate(ctx.session, tenant_id, provider_id, "registration", ctx.clock.now())
    elif not reason:
        raise invalid("reason", "a rejection needs a reason", code="reason_required")
    status = "approved" if approve else "rejected"
    await registration_queries.record_registration_decision(ctx.session, tenant_id, request_id, status=status,
                                                            reason=reason, provider_id=provider_id,
                                                            decided_by=admin_id)
    await ctx.outbox.add(ctx.session, RegistrationDecided(
        provider_id=provider_id, decision=status, reason=reason, request_id=request_id, email=data["email"],
        language=data["language"]), tenant_id=tenant_id)
    return _view({**row, "status": status, "reason": reason, "provider_id": provider_id})


# --- Asking the company for more --------------------------------------------------------------------

MESSAGE_MAX = 2000
ANSWER_LINK_DAYS = 30
ANSWER_LINK = "registration_answer"
# What the company may correct in its answer (not the business id, the address its mail goes to, nor the language)
CORRECTABLE = ("company_name", "street_address", "postal_code", "city", "first_name", "last_name", "phone")


def _text(field: str, value: str | None, what: str) -> str:
    text = (value or "").strip()
    if not text:
        raise invalid(field, what, code="value_required")
    if len(text) > MESSAGE_MAX:
        raise invalid(field, f"at most {MESSAGE_MAX} characters", code="text_too_long")
    return text


async def ask_for_more(ctx: RegistryContext, tenant_id: str, request_id: str, message: str | None,
                       admin_id: str) -> dict[str, Any]:
    """The third decision: the request goes back to the company with a message saying what is missing;
    the company is mailed the message and a link to answer. Only a waiting request can be sent back."""
    row = await request_or_404(ctx, tenant_id, request_id)
    if row["status"] != "pending":
        raise conflict("Only a request waiting for a decision can be sent back", field="status",
                       code="request_not_pending")
    text = _text("message", message, "say what is missing")
    admin = await repo.get_user(ctx.session, admin_id)
    now = ctx.clock.now()
    history = [*(row["history"] or []), {"action": "more_requested", "at": now.isoformat(),
                                         "by": admin["name"] if admin else "", "text": text, "changed": []}]
    await registration_queries.ask_registration_more(ctx.session, tenant_id, request_id, history=history)
    await repo.invalidate_links(ctx.session, request_id, ANSWER_LINK, now)
    link, _ = await issue_link(ctx, ANSWER_LINK, request_id, "registration-request/answer",
                               timedelta(days=ANSWER_LINK_DAYS))
    data = row["data"]
    await ctx.outbox.add(ctx.session, RegistrationMoreRequested(
        request_id=request_id, company_name=data["company_name"], email=data["email"], language=data["language"],
        message=text, link=link), tenant_id=tenant_id)
    return _view({**row, "status": "more_requested", "history": history, "answered_at": None})


async def _by_link(ctx: RegistryContext, secret: str, *, consume: bool) -> dict[str, Any]:
    request_id = await use_link(ctx, ANSWER_LINK, secret, consume=consume)
    row = await registration_queries.registration_request_by_id(ctx.session, request_id)
    if row is None:
        raise not_found("Registration request")
    return row


async def request_by_link(ctx: RegistryContext, secret: str) -> dict[str, Any]:
    """What the company sees through its link: its request, its details and what the tenant asked."""
    return _view(await _by_link(ctx, secret, consume=False))


async def answer_request(ctx: RegistryContext, secret: str, reply: str | None,
                         details: dict[str, str | None]) -> dict[str, Any]:
    """The company's answer, with corrections of its details: the request waits for a decision again,
    marked answered; the link is used up (a new question mails a new one)."""
    row = await _by_link(ctx, secret, consume=False)
    if row["status"] != "more_requested":
        raise conflict("The request is not waiting for your answer", field="status", code="request_not_waiting_answer")
    await use_link(ctx, ANSWER_LINK, secret)
    text = _text("reply", reply, "write your answer")
    errors = [FieldError(k, "must not be empty", code="value_required") for k in CORRECTABLE
              if details.get(k) is not None and not str(details[k]).strip()]
    if errors:
        raise invalid_many(errors)
    data = dict(row["data"])
    changed = [k for k in CORRECTABLE if details.get(k) is not None and str(details[k]).strip() != data.get(k)]
    data.update({k: str(details[k]).strip() for k in changed})
    now = ctx.clock.now()
    history = [*(row["history"] or []), {"action": "answered", "at": now.isoformat(),
                                         "by": f"{data['first_name']} {data['last_name']}".strip(), "text": text,
                                         "changed": changed}]
    await registration_queries.answer_registration_request(ctx.session, row["tenant_id"], row["id"], data=data,
                                                           history=history, answered_at=now)
    await ctx.outbox.add(ctx.session, RegistrationAnswered(
        request_id=row["id"], company_name=data["company_name"], business_id=row["business_id"], reply=text,
        changed=changed), tenant_id=row["tenant_id"])
    return _view({**row, "status": "pending", "data": data, "history": history, "answered_at": now})


# --- Strong company identity -----------------------------------------------------------------------

async def _strong(ctx: RegistryContext, state: str, status: str) -> dict[str, Any]:
    row = await registration_queries.strong_login_by_state(ctx.session, state)
    if row is None or row["status"] != status or is_past(row["expires_at"], ctx.clock.now()):
        raise invalid("state", "the identification has expired or is not in this step; start again",
                      code="flow_expired")
    return row


async def strong_start(ctx: RegistryContext, language: str) -> dict[str, Any]:
    state = secrets.token_urlsafe(24)
    await registration_queries.insert_strong_login(ctx.session, {
        "id": str(uuid.uuid4()), "state": state, "status": "started", "organisations": [],
        "expires_at": ctx.clock.now() + timedelta(minutes=15)})
    url = ctx.ports.identity.login_url(state, ctx.settings.strong_login_redirect_uri, language)
    return {"state": state, "redirect_url": url}


async def strong_identified(ctx: RegistryContext, state: str, code: str, language: str,
                            pseudonym_key: bytes) -> dict[str, Any]:
    """The person is identified; their identity code goes straight to the mandates service and is
    dropped (only the mandate session id and the code's keyed pseudonym are kept)."""
    row = await _strong(ctx, state, "started")
    redirect = ctx.settings.strong_login_redirect_uri
    try:
        person = await ctx.ports.identity.complete(code, redirect)
    except Exception as exc:  # noqa: BLE001 - any failure of the identity service is the same to the user
        raise unauthorized("Identification failed") from exc
    session = await ctx.ports.mandates.register(person.identity_code)
    await registration_queries.set_strong_login_identified(
        ctx.session, row["id"], person_name=f"{person.given_name} {person.surname}".strip(),
        person=person_pseudonym(pseudonym_key, person.identity_code),
        organisations=[{"mandate_session": session.session_id}])
    return {"state": state, "redirect_url": ctx.ports.mandates.authorize_url(session, redirect, state, language)}


async def strong_authorized(ctx: RegistryContext, state: str, code: str) -> dict[str, Any]:
    """The companies the person may act for: roles include one of the policy's (TJ, NIMKO)."""
    row = await _strong(ctx, state, "identified")
    session_id = row["organisations"][0]["mandate_session"]
    roles = await ctx.ports.mandates.organisation_roles(session_id, code, ctx.settings.strong_login_redirect_uri)
    allowed = set(ctx.settings.mandate_roles)
    organisations: list[dict[str, Any]] = [{"business_id": o.business_id, "name": o.name} for o in roles
                                           if o.complete and allowed.intersection(o.roles)]
    for organisation in organisations:  # `account`: signed up for it before, so sign in without a new password
        organisation["account"] = await _own_account(ctx, row["person"], organisation["business_id"]) is not None
    await registration_queries.set_strong_login_authorized(ctx.session, row["id"], organisations)
    return {"state": state, "person_name": row["person_name"], "organisations": organisations}


async def _strong_account(ctx: RegistryContext, person: str, business_id: str) -> dict[str, Any] | None:
    """The account this person made for this company with strong identity, if any, whatever its status."""
    provider = await provider_queries.provider_by_business_id(ctx.session, business_id)
    if not person or provider is None:
        return None
    link = await registration_queries.strong_identity(ctx.session, person, provider["id"])
    return await repo.get_user(ctx.session, link["user_id"]) if link else None


async def _own_account(ctx: RegistryContext, person: str, business_id: str) -> dict[str, Any] | None:
    """The active account this person made for this company with strong identity, if any."""
    user = await _strong_account(ctx, person, business_id)
    return user if user is not None and user["status"] == "active" else None


async def strong_login(ctx: RegistryContext, issuer: TokenIssuer, state: str, business_id: str,
                       ttl: int) -> LoginResult:
    """A person who signed up for the company with strong identity signs in the same way again."""
    row = await _strong(ctx, state, "authorized")
    if business_id not in {o["business_id"] for o in row["organisations"]}:
        raise invalid("business_id", "you may not act for this company", code="company_not_mandated")
    user = await _strong_account(ctx, row["person"], business_id)
    if user is None:
        raise invalid("business_id", "you have no account in this company yet: give an email and a password",
                      code="strong_account_missing")
    if user["status"] != "active":  # passivated: cannot log in, in this way either
        raise invalid("business_id", "your account in this company is passive", code="account_passive")
    await registration_queries.finish_strong_login(ctx.session, row["id"])
    return await start_session(ctx, issuer, user, ttl)


async def strong_first_login(ctx: RegistryContext, issuer: TokenIssuer, state: str, business_id: str,
                             email: str, password: str, language: str, ttl: int,
                             company_email: str | None = None) -> LoginResult:
    """The person picks a company and gives an email (their username). A company not yet known is
    created from the company register, approved: strong identity already proved the mandate. Its public
    address is `company_email` when given, else none: the person's own login address stays off the provider
    card (notifications sends the company's notices to her, its main user, until the company gives one)."""
    row = await _strong(ctx, state, "authorized")
    if business_id not in {o["business_id"] for o in row["organisations"]}:
        raise invalid("business_id", "you may not act for this company", code="company_not_mandated")
    if await _strong_account(ctx, row["person"], business_id) is not None:
        # signed up before: no second account (a passivated one is refused there, not made anew)
        return await strong_login(ctx, issuer, state, business_id, ttl)
    provider = await provider_queries.provider_by_business_id(ctx.session, business_id)
    if provider is not None and provider["status"] == "unconfirmed" and await registration_queries.stale_registration(
            ctx.session, provider["id"], ctx.clock.now()):
        # nobody confirmed that self-registration in time: it holds the business ID no longer
        await registration_queries.discard_registration(ctx.session, provider["id"])
        provider = None
    name = row["person_name"] or email
    if provider is None:
        try:
            info: CompanyInfo | None = await ctx.ports.company_register.fetch(business_id)
        except CompanyRegisterUnavailable:
            info = None  # only the name and address come from there: the mandate service named the company
        if info is not None and not info.active:  # ceased or struck off: no company to approve and pay
            reason = "the company register shows this company has ended; it cannot be signed up"
            raise ProblemError(422, "Invalid input", reason, "https://seteli.fi/problems/invalid-input",
                               [FieldError("business_id", reason)], extra={"code": "company_ended"})
        company_name = info.name if info else next(o["name"] for o in row["organisations"]
                                                   if o["business_id"] == business_id)
        registered = await register_provider(ctx, {
            "business_id": business_id, "name": company_name, "language": language, "email": company_email or "",
            "street_address": info.street_address if info else "", "postal_code": info.postal_code if info else "",
            "city": info.city if info else "", "main_user": {"email": email, "name": name, "password": password},
        }, confirmed=True, status="approved")
        await ctx.outbox.add(ctx.session, ProviderApproved(provider_id=registered["id"]), tenant_id=None)
        user = await repo.get_user(ctx.session, registered["main_user_id"])
    else:
        if provider["status"] == "unconfirmed":
            await provider_queries.set_provider_status(ctx.session, provider["id"], "registered")
            await publish_registered(ctx, provider["id"])
        user = await create_user(ctx, email=email, name=name, password=password, role=Role.PROVIDER_ADMIN,
                                 provider_id=provider["id"], language=language)
    assert user is not None
    if row["person"]:
        await registration_queries.insert_strong_identity(ctx.session, {
            "person": row["person"], "provider_id": user["provider_id"], "user_id": user["id"],
            "created_at": ctx.clock.now()})
    await registration_queries.finish_strong_login(ctx.session, row["id"])
    return await start_session(ctx, issuer, user, ttl)
