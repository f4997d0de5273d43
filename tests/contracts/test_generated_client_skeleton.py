"""The Python client generated from the suite's combined OpenAPI document runs the walking skeleton (issue 22,
item 2): the steps of `seteli.demo.walking_skeleton` (tenant → provider registration and approval → tenant
service → signed and approved application with a price → client and voucher → booking → service event →
settlement preview and run), each through the generated client's typed function and models, against the
embedded suite over an httpx ASGI transport.

One step goes around the client: the fake identity page (the registry's stand-in for Suomi.fi's login) is an
HTML form outside the API (`include_in_schema=False`), so it has no generated function; plain httpx posts it,
as a person's browser would."""

from __future__ import annotations

import importlib
import importlib.util
import json
import random
import sys
import time
import typing
from collections.abc import AsyncIterator, Iterator
from decimal import Decimal
from http import HTTPStatus
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import parse_qs, urlparse

import httpx
import pytest
from seteli_common.clock import Month, SystemClock, today_in_helsinki
from seteli_common.consistency_client import FollowWrites

from seteli.demo import DEMO_SIGNER_CODE, random_business_id, random_test_identity_code
from seteli.embedded import DEMO_ADMIN_EMAIL, DEMO_ADMIN_PASSWORD, build_suite

ROOT = Path(__file__).resolve().parents[2]
BASE_URL = "http://suite"


def _tool() -> Any:
    spec = importlib.util.spec_from_file_location("openapi_client_tool", ROOT / "tools" / "openapi_client.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """The combined document, with the generated package `seteli_client` importable."""
    where = tmp_path_factory.mktemp("generated-client")
    tool = _tool()
    document_path = where / "openapi.json"
    tool.main([str(document_path), "--client", str(where / "seteli_client")])
    sys.path.insert(0, str(where))
    try:
        yield json.loads(document_path.read_text())
    finally:
        sys.path.remove(str(where))
        for name in [name for name in sys.modules if name == "seteli_client" or name.startswith("seteli_client.")]:
            del sys.modules[name]


class Api:
    """The generated client's functions by the operation's method and path, and clients signed in as a user."""

    def __init__(self, document: dict[str, Any], transport: httpx.AsyncBaseTransport) -> None:
        from openapi_python_client.strings import PythonIdentifier

        self.document = document
        self.transport = transport
        self.package = importlib.import_module("seteli_client")
        self._identifier = PythonIdentifier

    def operation(self, method: str, path: str) -> ModuleType:
        operation_id = self.document["paths"][path][method]["operationId"]
        service = path.split("/")[1]
        return importlib.import_module(f"seteli_client.api.{service}.{self._identifier(operation_id, prefix='')}")

    def anonymous(self) -> Any:
        return self.package.Client(base_url=BASE_URL, httpx_args={"transport": self.transport}, timeout=60)

    def signed_in(self, token: str) -> Any:
        return self.package.AuthenticatedClient(base_url=BASE_URL, token=token,
                                                httpx_args={"transport": self.transport}, timeout=60)

    @staticmethod
    def body(module: ModuleType, data: dict[str, Any]) -> Any:
        """The request's generated model, built from its JSON form."""
        hint = typing.get_type_hints(module.asyncio_detailed)["body"]
        models = [kind for kind in (typing.get_args(hint) or (hint,)) if hasattr(kind, "from_dict")]
        assert models, f"{module.__name__}: no model for the body ({hint})"
        return models[0].from_dict(data)

    async def call(self, client: Any, method: str, path: str, expected: int = 200,
                   body: dict[str, Any] | None = None, **params: Any) -> Any:
        """Call the operation through its generated function, once; returns the parsed (typed) answer. A
        service that has not heard of a write this one follows yet answers not-yet-known, and the transport
        under the client (FollowWrites) waits and asks again: no step retries on its own."""
        module = self.operation(method, path)
        if body is not None:
            params["body"] = self.body(module, body)
        response = await module.asyncio_detailed(client=client, **params)
        if response.status_code != HTTPStatus(expected):
            raise AssertionError(f"{method} {path}: HTTP {response.status_code}: {response.content[:500]!r}")
        assert response.parsed is not None, f"{method} {path}: the client parsed no answer"
        return response.parsed


class User:
    """A signed-in user whose client gets a fresh token before the minute-long one runs out."""

    def __init__(self, api: Api, email: str, password: str) -> None:
        self.api, self.email, self.password = api, email, password
        self._client: Any = None
        self._since = 0.0

    async def client(self) -> Any:
        if self._client is None or time.monotonic() - self._since > 30:
            token = await self.api.call(self.api.anonymous(), "post", "/registry/v1/auth/token",
                                        body={"email": self.email, "password": self.password})
            self._client, self._since = self.api.signed_in(token.access_token), time.monotonic()
        return self._client


def _query(url: str) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(urlparse(url).query).items()}


@pytest.fixture
async def api(generated: dict[str, Any], tmp_path: Path) -> AsyncIterator[Api]:
    suite = build_suite(tmp_path / "suite", with_portal=False)
    async with suite.app.router.lifespan_context(suite.app):
        # One transport under every user's generated client follows the writes (seteli_common.consistency_client):
        # each write's Seteli-Consistency goes along as Seteli-After, and a service that has not heard of it
        # yet answers 409 not-yet-known, on which alone the transport waits, as Retry-After says.
        yield Api(generated, FollowWrites(httpx.ASGITransport(app=suite.app)))


async def test_the_generated_client_runs_the_walking_skeleton(api: Api) -> None:
    rng = random.Random(2016)
    tenant_id = "kouvola"
    month = Month.of(today_in_helsinki(SystemClock())).prev()
    admin = User(api, DEMO_ADMIN_EMAIL, DEMO_ADMIN_PASSWORD)

    # registry: the tenant and its admin
    tenant = await api.call(await admin.client(), "post", "/registry/v1/tenants", 201, body={
        "id": tenant_id, "name_fi": "Kouvolan kaupunki", "name_sv": "Kouvola stad",
        "business_id": random_business_id(rng), "languages": ["fi", "sv"],
        "payer_iban": "FI2112345600000785", "payer_bic": "NDEAFIHH"})
    assert tenant.id == tenant_id
    await api.call(await admin.client(), "post", "/registry/v1/tenants/{tenant_id}/users", 201,
                   tenant_id=tenant_id, body={"email": "paakayttaja@kouvola.fi", "name": "Kaisa Kuntalainen",
                                              "password": "Kouvola-kunta-2016", "role": "tenant_admin"})
    officer = User(api, "paakayttaja@kouvola.fi", "Kouvola-kunta-2016")

    # registry: a provider company asks to register; the tenant admin approves it; billing information
    company_business_id = random_business_id(rng)
    request = await api.call(api.anonymous(), "post", "/registry/v1/tenants/{tenant_id}/registration-requests", 201,
                             tenant_id=tenant_id, body={
        "company_name": "Hoivakoti Päivänsäde Oy", "business_id": company_business_id,
        "street_address": "Kauppalankatu 1", "postal_code": "45100", "city": "Kouvola", "country": "FI",
        "first_name": "Maija", "last_name": "Meikäläinen", "email": "maija@paivansade.fi", "phone": "0401234567",
        "password": "Hoiva-paivansade-2016", "password_again": "Hoiva-paivansade-2016", "language": "fi"})
    decided = await api.call(
        await officer.client(), "post",
        "/registry/v1/tenants/{tenant_id}/registration-requests/{request_id}/decision",
        tenant_id=tenant_id, request_id=request.id, body={"decision": "approved"})
    provider_id = decided.provider_id
    provider = User(api, "maija@paivansade.fi", "Hoiva-paivansade-2016")
    await api.call(await provider.client(), "put", "/registry/v1/providers/{provider_id}/billing",
                   provider_id=provider_id, body={"iban": "FI4950009420028730", "bic": "OKOYFIHH",
                                                  "reference": "1234561", "email": "laskutus@paivansade.fi",
                                                  "pdf_by_email": True})

    # applications: the tenant defines a day-unit service; the provider applies with a price of 150.00 €/day
    service = await api.call(await officer.client(), "post", "/applications/v1/tenants/{tenant_id}/services", 201,
                             tenant_id=tenant_id, body={
        "name_fi": "Ikääntyneiden tehostettu palveluasuminen", "name_sv": "Effektiviserat serviceboende för äldre",
        "kind": "voucher", "auto_recording": True,
        "contents": [{"name_fi": "Hoiva ja huolenpito", "name_sv": "Vård och omsorg", "unit": "day",
                      "client_pays": False}]})
    content_id = service.contents[0].id
    application = await api.call(await provider.client(), "post",
                                 "/applications/v1/tenants/{tenant_id}/applications", 201,
                                 tenant_id=tenant_id, body={"service_id": service.id})  # waits: not-yet-known
    ids = {"tenant_id": tenant_id, "application_id": application.id}
    await api.call(await provider.client(), "post",
                   "/applications/v1/tenants/{tenant_id}/applications/{application_id}/price-lists", 201, **ids,
                   body={"name": "Hinnasto 2016", "start": str(month.first.replace(day=1, month=1)),
                         "producer_part": None, "prices": [{"content_id": content_id, "unit_price": "150.00"}]})
    document = await api.call(await provider.client(), "post",
                              "/applications/v1/tenants/{tenant_id}/applications/{application_id}/signing-document",
                              **ids, body={"accept_rulebook": True})
    started = await api.call(await provider.client(), "post", "/registry/v1/signing/start", body={
        "tenant_id": tenant_id, "application_id": application.id, "digest": document.digest})
    redirect_uri = _query(started.redirect_url).get("redirect_uri") \
        or urlparse(started.redirect_url)._replace(query="").geturl()
    async with httpx.AsyncClient(transport=api.transport, base_url=BASE_URL) as browser:  # not in the API
        identified = await browser.post("/registry/v1/fake-identity", data={
            "state": started.state, "redirect_uri": redirect_uri, "given_name": "Maija", "surname": "Meikäläinen",
            "identity_code": DEMO_SIGNER_CODE, "business_id": company_business_id, "roles": "TJ"})
    assert identified.status_code == 303, identified.text
    step = await api.call(await provider.client(), "post", "/registry/v1/signing/callback",
                          body=_query(identified.headers["location"]))
    signed = await api.call(await provider.client(), "post", "/registry/v1/signing/callback",
                            body=_query(step.redirect_url))
    await api.call(await provider.client(), "post",
                   "/applications/v1/tenants/{tenant_id}/applications/{application_id}/submit", **ids,
                   body={"accept_rulebook": True, "signature_assertion": signed.assertion})
    approved = await api.call(await officer.client(), "post",
                              "/applications/v1/tenants/{tenant_id}/applications/{application_id}/decision", **ids,
                              body={"decision": "approve"})
    assert str(approved.state) == "approved"

    # vouchers: a client gets a voucher worth 140.00 €/day; the provider books it
    client = await api.call(await officer.client(), "post", "/vouchers/v1/tenants/{tenant_id}/clients", 201,
                            tenant_id=tenant_id, body={"first_name": "Aino", "last_name": "Asiakas",
                                                       "identity_code": random_test_identity_code(rng),
                                                       "language": "fi"})
    voucher = await api.call(await officer.client(), "post", "/vouchers/v1/tenants/{tenant_id}/vouchers", 201,
                             tenant_id=tenant_id, body={
        "client_id": client.id, "service_id": service.id, "granted_on": str(month.first),
        "valid_from": str(month.first), "valid_until": str(month.next().last),
        "contents": [{"content_id": content_id, "granted_amount": "31", "period": "month",
                      "voucher_value": "140.00"}]})
    booking = await api.call(await provider.client(), "post", "/vouchers/v1/tenants/{tenant_id}/bookings", 201,
                             tenant_id=tenant_id, body={
        "voucher_number": voucher.number, "voucher_content_id": voucher.contents[0].id, "accept_terms": True,
        "client_number": "A-001"})

    # events: the provider records the month's care at 150.00 €/day, of which the voucher covers 140.00 €
    event = await api.call(await provider.client(), "post", "/events/v1/tenants/{tenant_id}/events", 201,
                           tenant_id=tenant_id, body={
        "booking_id": booking.id, "start": str(month.first), "end": str(month.last), "status": "recorded"})
    days = (month.last - month.first).days + 1
    assert Decimal(str(event.units)) == days
    assert Decimal(str(event.amount_tenant)) == Decimal("140.00") * days

    # settlement: the preview shows the event (settlement waits for it: the entry's token); the run pays
    runs = "/settlement/v1/tenants/{tenant_id}/runs"
    previewed = await api.call(await officer.client(), "post", runs, 200, tenant_id=tenant_id,
                               body={"month": str(month), "dry_run": True})
    settled = await api.call(await officer.client(), "post", runs, 201, tenant_id=tenant_id,
                             body={"month": str(month), "dry_run": False})
    assert Decimal(str(settled.total)) == Decimal(str(previewed.total)) == Decimal("140.00") * days
    assert len(settled.payments) == 1
