"""The real adapter clients against local fake HTTP servers (uvicorn on 127.0.0.1), content sniffing
of attachments, and the catalog search in embedded mode (SQLite)."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from seteli_common.clock import FixedClock
from seteli_common.messaging.memory import InMemoryBroker
from seteli_common.testing import bearer, running_app
from seteli_registry.adapters.blobstore import FolderBlobStore, sniff_content_type
from seteli_registry.adapters.company_register import CompanyRegisterUnavailable, PrhCompanyRegister
from seteli_registry.adapters.identity import SuomiFiIdentity
from seteli_registry.adapters.mandates import SIGNATURE_HEADER, MandatesFailed, SuomiFiMandates
from seteli_registry.bootstrap import build_app, build_runtime
from seteli_registry.config import RegistrySettings

from .conftest import ADMIN, PROVIDER


@asynccontextmanager
async def serve(app: FastAPI) -> AsyncIterator[str]:
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="off"))
    task = asyncio.create_task(server.serve())
    for _ in range(1000):
        if server.started:
            break
        await asyncio.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


PRH_ANSWER = {"totalResults": 1, "companies": [{
    "businessId": {"value": "7019376-8", "registrationDate": "2001-01-01", "source": "3"},
    "names": [{"name": "Vanha Nimi Oy", "type": "1", "registrationDate": "2001-01-01", "endDate": "2010-01-01"},
              {"name": "Hoivakoti Päivänsäde Oy", "type": "1", "registrationDate": "2010-01-01", "endDate": None},
              {"name": "Päivänsäde", "type": "3", "endDate": None}],
    "companyForms": [{"type": "16", "descriptions": [{"languageCode": "1", "description": "Osakeyhtiö"}],
                      "endDate": None}],
    "companySituations": [],
    "registeredEntries": [{"type": "1", "registrationDate": "2001-01-01", "endDate": None},
                          {"type": "6", "registrationDate": "2001-01-01", "endDate": "2012-12-31"}],
    "addresses": [{"type": 1, "street": "Kauppalankatu", "buildingNumber": "1", "postCode": "45100",
                   "postOffices": [{"city": "KOUVOLA", "languageCode": "1"}]}],
    "tradeRegisterStatus": "1", "status": "2", "endDate": None}]}


async def test_prh_client_reads_v3_answers_and_caches_them() -> None:
    calls: list[str] = []
    app = FastAPI()

    @app.get("/opendata-ytj-api/v3/companies")
    async def companies(businessId: str) -> Any:  # noqa: N803 - the API's parameter name
        calls.append(businessId)
        return PRH_ANSWER if businessId == "7019376-8" else {"totalResults": 0, "companies": []}

    async with serve(app) as base:
        register = PrhCompanyRegister(f"{base}/opendata-ytj-api/v3")
        info = await register.fetch("7019376-8")
        assert info is not None
        assert (info.name, info.company_form, info.street_address, info.postal_code, info.city) == (
            "Hoivakoti Päivänsäde Oy", "Osakeyhtiö", "Kauppalankatu 1", "45100", "KOUVOLA")
        assert info.registers == {"trade_register": True, "vat_register": False} and info.active
        await register.fetch("7019376-8")
        assert await register.fetch("2077474-0") is None
        assert calls == ["7019376-8", "2077474-0"]  # the second look-up came from the cache
    with pytest.raises(CompanyRegisterUnavailable):
        await PrhCompanyRegister(base, timeout=1).fetch("0116297-6")  # the server is gone


def _mandates_server(api_key: str, seen: dict[str, Any]) -> FastAPI:
    app = FastAPI()

    @app.middleware("http")
    async def check_signature(request: Request, call_next: Any) -> Any:
        header = request.headers.get(SIGNATURE_HEADER, "")
        client_id, timestamp, given = (header.split(" ") + ["", "", ""])[:3]
        path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        expected = base64.b64encode(hmac.new(api_key.encode(), f"{path} {timestamp}".encode(),
                                             hashlib.sha256).digest()).decode()
        moment = datetime.fromisoformat(timestamp.replace("Z", "+00:00")) if timestamp else None
        if client_id != "seteli" or not hmac.compare_digest(given, expected) or moment is None or \
                abs(datetime.now(UTC) - moment) > timedelta(minutes=5):
            return JSONResponse({"error": "bad signature"}, status_code=401)
        seen.setdefault("paths", []).append(request.url.path)
        return await call_next(request)

    @app.get("/service/ypa/user/register/seteli/{hetu}")
    async def register(hetu: str, requestId: str) -> Any:  # noqa: N803
        seen["hetu"] = hetu
        return {"sessionId": "sess-1", "userId": "user-1"}

    @app.post("/oauth/token")
    async def token(request: Request, code: str, grant_type: str, redirect_uri: str) -> Any:
        expected = "Basic " + base64.b64encode(b"seteli:oauth-secret").decode()
        if request.headers.get("authorization") != expected or code != "auth-code":
            return JSONResponse({"error": "invalid_grant"}, status_code=400)
        return {"access_token": "at-1", "token_type": "bearer", "expires_in": 600}

    @app.get("/service/ypa/api/organizationRoles/{session_id}")
    async def roles(session_id: str, request: Request) -> Any:
        assert request.headers.get("authorization") == "Bearer at-1"
        return [{"name": "Hoivakoti Päivänsäde Oy", "identifier": "7019376-8", "complete": True, "roles": ["TJ"]},
                {"name": "Muu Oy", "identifier": "2077474-0", "complete": True, "roles": ["PJ"]}]

    @app.get("/service/ypa/user/unregister/{session_id}")
    async def unregister(session_id: str) -> Any:
        seen["unregistered"] = session_id
        return {}

    return app


async def test_mandates_client_signs_every_call_and_reads_roles() -> None:
    seen: dict[str, Any] = {}
    async with serve(_mandates_server("api-key", seen)) as base:
        client = SuomiFiMandates(base, "seteli", "api-key", "oauth-secret")
        session = await client.register("010180-9026")
        assert session.session_id == "sess-1" and seen["hetu"] == "010180-9026"
        url = client.authorize_url(session, "https://seteli.fi/cb", "state-1", "sv")
        assert url.startswith(f"{base}/oauth/authorize?") and "user=user-1" in url and "lang=sv" in url
        roles = await client.organisation_roles("sess-1", "auth-code", "https://seteli.fi/cb")
        assert [(r.business_id, r.roles) for r in roles] == [("7019376-8", ["TJ"]), ("2077474-0", ["PJ"])]
        assert seen["unregistered"] == "sess-1"
        wrong_key = SuomiFiMandates(base, "seteli", "not-the-key", "oauth-secret")
        with pytest.raises(MandatesFailed) as failure:
            await wrong_key.register("010180-9026")
        assert "010180-9026" not in str(failure.value)  # the error does not carry the identity code


async def test_identity_client_completes_the_code_flow() -> None:
    app = FastAPI()

    @app.post("/oauth/token")
    async def token(request: Request) -> Any:
        form = await request.form()
        assert form["grant_type"] == "authorization_code" and form["code"] == "c-1"
        return {"access_token": "idp-token", "token_type": "bearer"}

    @app.get("/oauth/userinfo")
    async def userinfo(request: Request) -> Any:
        assert request.headers["authorization"] == "Bearer idp-token"
        return {"urn:oid:1.2.246.21": "010180-9026", "urn:oid:2.5.4.42": "Aino", "urn:oid:2.5.4.4": "Aurinko"}

    async with serve(app) as base:
        identity = SuomiFiIdentity(base, "seteli", "secret")
        assert identity.login_url("s-1", "https://seteli.fi/cb", "fi").startswith(f"{base}/oauth/authorize?")
        person = await identity.complete("c-1", "https://seteli.fi/cb")
    assert (person.identity_code, person.given_name, person.surname) == ("010180-9026", "Aino", "Aurinko")
    assert "010180" not in repr(person)


async def test_content_is_sniffed_by_magic_bytes_and_blobs_stay_in_their_folder(tmp_path: Path) -> None:
    assert sniff_content_type(b"%PDF-1.7 ...") == "application/pdf"
    assert sniff_content_type(b"\xff\xd8\xff\xe0 jpeg") == "image/jpeg"
    assert sniff_content_type(b"RIFF\x00\x00\x00\x00WEBPVP8 ") == "image/webp"
    assert sniff_content_type(b"<html>%PDF-</html>") is None
    store = FolderBlobStore(tmp_path)
    await store.put("p1/a1", b"data")
    assert await store.get("p1/a1") == b"data"
    with pytest.raises(ValueError):
        await store.put("../escape", b"x")
    await store.delete("p1/a1")
    assert not (tmp_path / "p1" / "a1").exists()


async def test_embedded_mode_search_on_sqlite(tmp_path: Path, clock: FixedClock) -> None:
    settings = RegistrySettings(database_url="", data_dir=tmp_path, signing_key_path=tmp_path / "key.json",
                                bootstrap_admin_email=ADMIN["email"], bootstrap_admin_password=ADMIN["password"],
                                log_json=False, argon2_time_cost=1, argon2_memory_kib=1024, adapters="fake")
    app = build_app(build_runtime(settings, broker=InMemoryBroker(), clock=clock))
    async with running_app(app) as client:
        token = (await client.post("/v1/auth/token", json=ADMIN)).json()["access_token"]
        admin = bearer(token)
        provider_id = (await client.post("/v1/providers", json=PROVIDER, headers=admin)).json()["id"]
        assert (await client.post(f"/v1/providers/{provider_id}/approve", headers=admin)).status_code == 200
        patched = await client.patch(f"/v1/providers/{provider_id}", headers=admin,
                                     json={"description": "Kotihoidon palvelut", "needs": ["kotihoito"]})
        assert patched.status_code == 200, patched.text
        found = (await client.get("/v1/catalog/providers", params={"q": "kotihoito", "need": "kotihoito"})).json()
        assert [p["id"] for p in found["items"]] == [provider_id]
        assert (await client.get("/v1/catalog/providers", params={"q": "siivous"})).json()["total"] == 0
