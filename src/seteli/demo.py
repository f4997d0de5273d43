"""The walking skeleton, driven over HTTP: tenant → service with a price → voucher → booking →
service event → settlement run → email to the provider. Used by `seteli demo` and by `seteli up` to
create demo data, and (over real processes) by tests/integration."""

from __future__ import annotations

import asyncio
import random
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import httpx
from seteli_common.clock import Month, SystemClock, today_in_helsinki
from seteli_common.consistency_client import FollowWrites

HETU_CHECK = "0123456789ABCDEFHJKLMNPRSTUVWXY"
DEMO_SIGNER_CODE = "010170-999R"  # the signer at the fake identity: a test code (individual number 900-999)


def random_business_id(rng: random.Random) -> str:
    while True:
        digits = f"{rng.randrange(1_000_000, 9_999_999):07d}"
        remainder = sum(int(d) * w for d, w in zip(digits, (7, 9, 10, 5, 8, 4, 2), strict=True)) % 11
        if remainder != 1:
            return f"{digits}-{0 if remainder == 0 else 11 - remainder}"


def random_test_identity_code(rng: random.Random) -> str:
    """A temporary/test identity code (individual number 900-999): never a real person."""
    born = date(rng.randrange(1930, 1960), rng.randrange(1, 13), rng.randrange(1, 29))
    individual = rng.randrange(900, 1000)
    number = int(f"{born:%d%m%y}{individual:03d}")
    return f"{born:%d%m%y}-{individual:03d}{HETU_CHECK[number % 31]}"


class DemoFailed(RuntimeError):
    pass


@dataclass
class DemoResult:
    tenant_id: str
    month: str
    steps: list[tuple[str, str]] = field(default_factory=list)
    payment_amount: Decimal | None = None
    email_subject: str | None = None
    email_to: str | None = None
    tenant_admin_email: str = ""
    tenant_admin_password: str = ""
    provider_user_email: str = ""
    provider_user_password: str = ""
    provider_business_id: str = ""
    client_name: str = ""
    client_identity_code: str = ""  # a test code (individual number 900-999): the resident's sign-in

    def add(self, step: str, detail: str) -> None:
        self.steps.append((step, detail))


def _ok(response: httpx.Response, step: str, expected: int = 200) -> Any:
    if response.status_code != expected:
        raise DemoFailed(f"{step}: HTTP {response.status_code}: {response.text[:500]}")
    return response.json()


async def _eventually(step: str, probe: Callable[[], Awaitable[Any]], timeout: float = 30.0) -> Any:
    """Poll until a fact has travelled over the bus, only where no consistency token names it (a mail
    notifications writes, a catalog entry); the probe looks for that one fact. Everything a write's token
    names is followed instead (`following`)."""
    deadline = asyncio.get_running_loop().time() + timeout
    last: Any = None
    while asyncio.get_running_loop().time() < deadline:
        last = await probe()
        if last:
            return last
        await asyncio.sleep(0.2)
    raise DemoFailed(f"{step}: not reached within {timeout:.0f}s")


FOLLOW_BUDGET_SECONDS = 30.0  # how long a call waits for a write it follows (a slow, loaded machine included)


def following(client: httpx.AsyncClient) -> httpx.AsyncClient:
    """The client itself when it follows its writes already (`seteli_common.consistency_client.FollowWrites`),
    else a client over the same transport that does: it sends the consistency tokens of its writes along
    (`Seteli-After`) and waits only where a service answers 409 not-yet-known, as told; any other answer is
    the answer (no retrying on a 4xx). Not closed here: the transport stays the caller's."""
    transport = client._transport
    if isinstance(transport, FollowWrites):
        return client
    return httpx.AsyncClient(transport=FollowWrites(_Borrowed(transport), budget_seconds=FOLLOW_BUDGET_SECONDS),
                             base_url=client.base_url, timeout=client.timeout, headers=client.headers)


class _Borrowed(httpx.AsyncBaseTransport):
    """The caller's transport, left open for the caller to close."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        return None


async def _login(client: httpx.AsyncClient, base: dict[str, str], email: str, password: str) -> dict[str, str]:
    """Headers with a bearer token that stay fresh: access tokens live a minute, so a background task
    swaps in a new one every 30 s (httpx reads the dict when each request is sent)."""

    async def token() -> str:
        body = _ok(await client.post(f"{base['registry']}/v1/auth/token",
                                     json={"email": email, "password": password}), f"login {email}")
        return f"Bearer {body['access_token']}"

    headers = {"authorization": await token()}

    async def keep_fresh() -> None:
        while True:
            await asyncio.sleep(30)
            if client.is_closed:
                return  # its caller is done with it (a test's seed logs in and closes the client later)
            headers["authorization"] = await token()

    _refreshers.add(asyncio.create_task(keep_fresh()))
    return headers


_refreshers: set[asyncio.Task[None]] = set()


def _stop_refreshing() -> None:
    for task in _refreshers:
        task.cancel()
    _refreshers.clear()


def _query(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlparse(url).query).items()}


async def sign_application(client: httpx.AsyncClient, base: dict[str, str], provider_user: dict[str, str],
                           tenant_id: str, app_url: str, business_id: str) -> str:
    """Sign the application as the portal does, with the registry's fake identity standing in for
    Suomi.fi: a test person who is the company's managing director (TJ). Returns the assertion."""
    document = _ok(await client.post(f"{app_url}/signing-document", headers=provider_user,
                                     json={"accept_rulebook": True}), "document to sign")
    started = _ok(await client.post(f"{base['registry']}/v1/signing/start", headers=provider_user, json={
        "tenant_id": tenant_id, "application_id": document["application_id"], "digest": document["digest"]}),
        "start signing")
    login = urlparse(started["redirect_url"])
    # to the fake page itself (embedded), or straight back to the callback with `fake_identity=1`
    redirect_uri = _query(started["redirect_url"]).get("redirect_uri") or login._replace(query="").geturl()
    identified = await client.post(f"{base['registry']}/v1/fake-identity", data={
        "state": started["state"], "redirect_uri": redirect_uri, "given_name": "Maija", "surname": "Meikäläinen",
        "identity_code": DEMO_SIGNER_CODE, "business_id": business_id, "roles": "TJ"})
    if identified.status_code != 303:
        raise DemoFailed(f"fake identification: HTTP {identified.status_code}: {identified.text[:500]}")
    step = _ok(await client.post(f"{base['registry']}/v1/signing/callback", headers=provider_user,
                                 json=_query(identified.headers["location"])), "identified")
    signed = _ok(await client.post(f"{base['registry']}/v1/signing/callback", headers=provider_user,
                                   json=_query(step["redirect_url"])), "mandate checked")
    return str(signed["assertion"])


async def walking_skeleton(client: httpx.AsyncClient, base: dict[str, str], **kwargs: Any) -> DemoResult:
    """`base` maps a service name to its base URL (embedded: http://host:port/<service>). Each step follows
    the writes before it (`following`): a service that has not heard of one yet answers not-yet-known and the
    call waits; a client that follows its writes already keeps the tokens (e.g. the run's news to events)."""
    try:
        return await _walking_skeleton(following(client), base, **kwargs)
    finally:
        _stop_refreshing()


async def _walking_skeleton(
    client: httpx.AsyncClient,
    base: dict[str, str],
    *,
    admin_email: str,
    admin_password: str,
    tenant_id: str | None = None,
    month: Month | None = None,
    seed: int | None = None,
) -> DemoResult:
    """`base` maps a service name to its base URL (embedded: http://host:port/<service>)."""
    rng = random.Random(seed)
    tag = f"{rng.randrange(16**6):06x}"
    tenant_id = tenant_id or f"demo-{tag}"
    month = month or Month.of(today_in_helsinki(SystemClock())).prev()
    result = DemoResult(tenant_id, str(month))
    admin = await _login(client, base, admin_email, admin_password)

    # 1. registry: the tenant and its admin
    tenant = {"id": tenant_id, "name_fi": f"Demokunta {tag}", "name_sv": f"Demokommun {tag}",
              "business_id": random_business_id(rng), "languages": ["fi", "sv"],
              "payer_iban": "FI2112345600000785", "payer_bic": "NDEAFIHH"}
    _ok(await client.post(f"{base['registry']}/v1/tenants", json=tenant, headers=admin), "create tenant", 201)
    tenant_admin_email = f"paakayttaja-{tag}@demokunta.fi"
    _ok(await client.post(f"{base['registry']}/v1/tenants/{tenant_id}/users", headers=admin, json={
        "email": tenant_admin_email, "name": "Demo pääkäyttäjä", "password": "Demo-kunta-2026",
        "role": "tenant_admin"}), "create tenant admin", 201)
    officer = await _login(client, base, tenant_admin_email, "Demo-kunta-2026")
    result.tenant_admin_email, result.tenant_admin_password = tenant_admin_email, "Demo-kunta-2026"
    result.add("registry", f"tenant {tenant_id} created")

    # 2. registry: a provider company asks to register; the tenant admin checks and approves it
    provider_email = f"hoiva-{tag}@hoivakoti.fi"
    main_user = f"paakayttaja-{tag}@hoivakoti.fi"
    company_business_id = random_business_id(rng)
    request = _ok(await client.post(f"{base['registry']}/v1/tenants/{tenant_id}/registration-requests", json={
        "company_name": f"Hoivakoti Päivänsäde {tag} Oy", "business_id": company_business_id,
        "street_address": "Kauppalankatu 1", "postal_code": "45100", "city": "Kouvola", "country": "FI",
        "first_name": "Maija", "last_name": "Meikäläinen", "email": main_user, "phone": "0401234567",
        "password": "Hoiva-demo-2026", "password_again": "Hoiva-demo-2026", "language": "fi",
        "company_email": f"info-{tag}@hoivakoti.fi",  # the card's and the notices' address: Maija's stays private
    }), "registration request", 201)
    decided = _ok(await client.post(
        f"{base['registry']}/v1/tenants/{tenant_id}/registration-requests/{request['id']}/decision",
        headers=officer, json={"decision": "approved"}), "approve registration")
    provider_id = decided["provider_id"]
    provider_user = await _login(client, base, main_user, "Hoiva-demo-2026")
    result.provider_user_email, result.provider_user_password = main_user, "Hoiva-demo-2026"
    result.provider_business_id = company_business_id
    _ok(await client.put(f"{base['registry']}/v1/providers/{provider_id}/billing", headers=provider_user, json={
        "iban": "FI4950009420028730", "bic": "OKOYFIHH", "reference": "1234561", "email": provider_email,
        "pdf_by_email": True}), "billing information")
    result.add("registry", f"provider {provider_id[:8]}… registered, approved by the tenant, billing given")

    # 3. applications: the tenant defines a day-unit service; the provider applies with a price
    service = _ok(await client.post(f"{base['applications']}/v1/tenants/{tenant_id}/services", headers=officer, json={
        "name_fi": "Ikääntyneiden tehostettu palveluasuminen",
        "name_sv": "Effektiviserat serviceboende för äldre",
        "kind": "voucher", "auto_recording": True,
        "contents": [{"name_fi": "Hoiva ja huolenpito", "name_sv": "Vård och omsorg", "unit": "day",
                      "client_pays": False}],
    }), "define service", 201)
    content_id = service["contents"][0]["id"]
    # applications waits for the registry's news of the company (not-yet-known, provider_not_known_yet)
    application = _ok(await client.post(f"{base['applications']}/v1/tenants/{tenant_id}/applications",
                                        json={"service_id": service["id"]}, headers=provider_user),
                      "create application", 201)
    app_url = f"{base['applications']}/v1/tenants/{tenant_id}/applications/{application['id']}"
    _ok(await client.post(f"{app_url}/price-lists", headers=provider_user, json={
        "name": "Hinnasto 2016", "start": str(month.first.replace(day=1, month=1)),
        "producer_part": None, "prices": [{"content_id": content_id, "unit_price": "150.00"}],
    }), "price list", 201)
    assertion = await sign_application(client, base, provider_user, tenant_id, app_url, company_business_id)
    _ok(await client.post(f"{app_url}/submit", headers=provider_user,
                          json={"accept_rulebook": True, "signature_assertion": assertion}), "submit")
    _ok(await client.post(f"{app_url}/decision", headers=officer, json={"decision": "approve"}), "approve")
    result.add("applications", "service defined; application with price 150.00 €/day signed (fake strong "
                               "identity, managing director) and approved")

    # 4. vouchers: a client gets a voucher worth 140.00 €/day; the provider books it
    rng_code = random_test_identity_code(rng)
    client_row = _ok(await client.post(f"{base['vouchers']}/v1/tenants/{tenant_id}/clients", headers=officer, json={
        "first_name": "Aino", "last_name": "Asiakas", "identity_code": rng_code, "language": "fi",
    }), "register client", 201)
    result.client_name, result.client_identity_code = "Aino Asiakas", rng_code
    voucher = _ok(await client.post(f"{base['vouchers']}/v1/tenants/{tenant_id}/vouchers", headers=officer, json={
        "client_id": client_row["id"], "service_id": service["id"], "granted_on": str(month.first),
        "valid_from": str(month.first), "valid_until": str(month.next().last),
        "contents": [{"content_id": content_id, "granted_amount": "31", "period": "month",
                      "voucher_value": "140.00"}],
    }), "grant voucher", 201)
    result.add("vouchers", f"voucher {voucher['number']} granted")

    booking = _ok(await client.post(f"{base['vouchers']}/v1/tenants/{tenant_id}/bookings", headers=provider_user,
                                    json={"voucher_number": voucher["number"],
                                          "voucher_content_id": voucher["contents"][0]["id"],
                                          "accept_terms": True, "client_number": "A-001"}), "book", 201)
    result.add("vouchers", "booked by the provider")

    # 5. events: the provider records the month's care (31 or fewer days at 150.00 €, voucher 140.00 €)
    event = _ok(await client.post(f"{base['events']}/v1/tenants/{tenant_id}/events", headers=provider_user, json={
        "booking_id": booking["id"], "start": str(month.first), "end": str(month.last), "status": "recorded"}),
        "record event", 201)
    result.add("events", f"{event['units']} days recorded: tenant pays {event['amount_tenant']} €, "
                         f"client pays {event['amount_co_payment']} €")

    # 6. settlement: the month's run pays the provider (it follows the recorded care: settlement waits for it)
    settled = _ok(await client.post(f"{base['settlement']}/v1/tenants/{tenant_id}/runs", headers=officer,
                                    json={"month": str(month), "dry_run": False}), "settlement run", 201)
    result.payment_amount = Decimal(str(settled["total"]))
    result.add("settlement", f"run {month}: {settled['total']} € to {len(settled['payments'])} payee(s)")

    # 7. notifications: the provider is told by email. No token names that mail (notifications writes it on
    # settlement's news of the payment and answers no one): wait for that one fact, the message to the
    # provider's billing address; any refusal is an answer, not a reason to wait.
    async def mail() -> Any:
        items = _ok(await client.get(f"{base['notifications']}/v1/tenants/{tenant_id}/messages", headers=officer),
                    "messages")["items"]
        return [m for m in items if m.get("recipient") == provider_email]

    messages = await _eventually("provider emailed", mail)
    result.email_to = messages[0]["recipient"]
    result.email_subject = messages[0]["subject"]
    result.add("notifications", f"email to {result.email_to}: {result.email_subject}")
    return result


ASKED_COMPANY = "Kotipalvelu Kysymys Oy"  # sent back with a question, the company has not answered yet
ANSWERED_COMPANY = "Hoivapalvelu Vastaus Oy"  # sent back and answered: waiting for the admin's decision again


def _link_token(mail_dir: Path, recipient: str, path: str) -> str | None:
    """The token of the newest link to `path` in the mail (.eml files) to `recipient`, if any yet."""
    found: list[tuple[int, str]] = []
    for eml in mail_dir.glob("*.eml") if mail_dir.exists() else []:
        msg = message_from_bytes(eml.read_bytes(), policy=policy.default)
        if not isinstance(msg, EmailMessage) or recipient.lower() not in str(msg["To"]).lower():
            continue
        text = "\n".join(str(part.get_content()) for part in msg.walk() if part.get_content_type() == "text/plain")
        found += [(eml.stat().st_mtime_ns, m.group(1)) for m in
                  re.finditer(rf"/{re.escape(path)}\?token=([A-Za-z0-9_\-]+)", text)]
    return max(found)[1] if found else None


async def registration_questions(client: httpx.AsyncClient, base: dict[str, str], tenant_id: str,
                                 officer: dict[str, str], mail_dir: Path) -> list[str]:
    """Tenant admin journey 3's third decision, ready to try: two companies ask to register; the admin sends
    both back with a question (`more-info`); one answers from the link in its mail, so its request waits in
    the queue again, marked answered, with the question and answer in its history."""
    rng = random.Random(1919)
    requests = f"{base['registry']}/v1/tenants/{tenant_id}/registration-requests"
    for company, email, question in (
            (ASKED_COMPANY, "kysymys@kotipalvelukysymys.fi", "Liittäkää kaupparekisteriote ja vastuuvakuutustodistus."),
            (ANSWERED_COMPANY, "vastaus@hoivapalveluvastaus.fi", "Mikä on toimipaikkanne puhelinnumero?")):
        request = _ok(await client.post(requests, json={
            "company_name": company, "business_id": random_business_id(rng), "street_address": "Valtakatu 5",
            "postal_code": "45100", "city": "Kouvola", "country": "FI", "first_name": "Kaisa", "last_name": "Kysyjä",
            "email": email, "phone": "0401231234", "password": "Demo-yritys-2026",
            "password_again": "Demo-yritys-2026", "language": "fi"}), f"registration request {company}", 201)
        _ok(await client.post(f"{requests}/{request['id']}/more-info", headers=officer, json={"message": question}),
            f"ask {company} for more")
        if company == ANSWERED_COMPANY:
            # no token names the mail file notifications writes on the registry's news: wait for that one file
            async def mailed(email: str = email) -> str | None:
                return await asyncio.to_thread(_link_token, mail_dir, email, "registration-request/answer")

            token = await _eventually(f"{company} mailed its answer link", mailed)
            _ok(await client.post(f"{base['registry']}/v1/registration-requests/by-link/answer", json={
                "token": token, "reply": "Puhelinnumero on 05 123 4567, korjasin sen myös tietoihin.",
                "phone": "051234567"}), f"{company} answers")
    return [f"registration request of {ASKED_COMPANY}: sent back with a question, waiting for the company",
            f"registration request of {ANSWERED_COMPANY}: sent back and answered, waiting for the admin's decision"]


def print_result(result: DemoResult) -> None:
    print(f"\nSeteli walking skeleton — tenant {result.tenant_id}, month {result.month}\n")
    for step, detail in result.steps:
        print(f"  {step:<14} {detail}")
    print(f"\n  PAYMENT COMPUTED: {result.payment_amount} € — provider emailed ({result.email_subject})\n")
