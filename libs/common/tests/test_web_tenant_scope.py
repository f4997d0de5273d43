"""Before a route looks at anything, the kernel knows whose token it is (`web.principal_first`):
tenant staff naming another tenant in the path get 404 whatever the body, and a caller who belongs to
one tenant works in that tenant's database scope even on a route without `{tenant_id}`."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path

import httpx
import pytest
from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field
from seteli_common.auth import Principal, Role, StaticKeys, current_principal, guard_tenant, require_roles
from seteli_common.config import ServiceSettings
from seteli_common.db import make_metadata
from seteli_common.messaging.memory import InMemoryBroker
from seteli_common.messaging.outbox import add_messaging_tables
from seteli_common.runtime import ServiceRuntime
from seteli_common.testing import running_app
from seteli_common.web import create_app, db_session
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

pytestmark = pytest.mark.integration

metadata = make_metadata()
add_messaging_tables(metadata)
WRITTEN: list[str] = []  # the tenants put_settings wrote for


class NoteIn(BaseModel):
    text: str = Field(min_length=1)
    amount: int = Field(ge=1)


def _router() -> APIRouter:
    router = APIRouter()

    @router.post("/v1/tenants/{tenant_id}/notes", status_code=201)
    async def add_note(tenant_id: str, body: NoteIn,
                       principal: Principal = Depends(require_roles(Role.TENANT_ADMIN))) -> dict[str, str]:
        guard_tenant(principal, tenant_id)
        return {"text": body.text}

    @router.get("/v1/tenants/{tenant_id}/mine")
    async def mine(tenant_id: str, principal: Principal = Depends(current_principal)) -> dict[str, str]:
        guard_tenant(principal, tenant_id)
        return {"tenant": tenant_id}

    @router.get("/v1/scope")
    async def scope(session: AsyncSession = Depends(db_session, scope="function"),
                    principal: Principal = Depends(current_principal)) -> dict[str, str | None]:
        tenant = (await session.execute(text("SELECT current_setting('seteli.tenant_id', true)"))).scalar()
        return {"tenant": tenant or None}

    @router.put("/v1/tenants/{tenant_id}/settings")
    async def put_settings(tenant_id: str, principal: Principal = Depends(require_roles(Role.PLATFORM_ADMIN))
                           ) -> dict[str, str]:
        WRITTEN.append(tenant_id)
        return {"tenant": tenant_id}

    @router.get("/v1/public/tenants/{tenant_id}/info")
    async def public_info(tenant_id: str) -> dict[str, str]:
        return {"tenant": tenant_id}

    return router


@pytest.fixture
async def client(pg_url: str, tmp_path: Path, static_keys: StaticKeys) -> AsyncIterator[httpx.AsyncClient]:
    settings = ServiceSettings(service_name="scope", data_dir=tmp_path, log_json=False, database_url=pg_url)
    runtime = ServiceRuntime(settings=settings, metadata=metadata, migrations=tmp_path, broker=InMemoryBroker(),
                             keys=static_keys)
    app = create_app("scope", lifespan=runtime.lifespan(migrate=False), routers=[_router()], instrument=False)
    runtime.attach(app)
    async with running_app(app) as http:
        yield http


async def test_another_tenants_staff_get_404_before_the_body_or_the_role_is_looked_at(
        client: httpx.AsyncClient, token_for: Callable[..., dict[str, str]]) -> None:
    lahti_admin = token_for(Role.TENANT_ADMIN, tenant_id="lahti")
    lahti_officer = token_for(Role.TENANT_OFFICER, tenant_id="lahti")
    malformed = {"text": "", "amount": 0}
    # their own tenant: the body is checked, and an officer is refused by role
    own = await client.post("/v1/tenants/lahti/notes", headers=lahti_admin, json=malformed)
    assert own.status_code == 422 and {e["field"] for e in own.json()["errors"]} == {"text", "amount"}
    assert (await client.post("/v1/tenants/lahti/notes", headers=lahti_officer,
                              json={"text": "x", "amount": 1})).status_code == 403
    # another tenant: 404 for every body and role, the same answer as for a tenant that does not exist
    for headers in (lahti_admin, lahti_officer):
        for body in (malformed, {"text": "x", "amount": 1}, None):
            answer = await client.post("/v1/tenants/kouvola/notes", headers=headers, json=body)
            assert answer.status_code == 404, answer.text
            assert answer.json()["title"] == (await client.post(
                "/v1/tenants/no-such-tenant/notes", headers=headers, json=body)).json()["title"]
    # a bad token is a 401 before anything else; a public route answers everyone alike
    assert (await client.post("/v1/tenants/kouvola/notes", headers={"Authorization": "Bearer x"},
                              json=malformed)).status_code == 401
    public = await client.get("/v1/public/tenants/kouvola/info", headers=lahti_admin)
    assert public.status_code == 200 and public.json() == {"tenant": "kouvola"}


async def test_a_caller_of_one_tenant_stays_in_its_scope_on_a_route_without_a_tenant(
        client: httpx.AsyncClient, token_for: Callable[..., dict[str, str]]) -> None:
    for role in (Role.TENANT_ADMIN, Role.TENANT_OFFICER, Role.CLIENT):
        answer = await client.get("/v1/scope", headers=token_for(role, tenant_id="lahti"))
        assert answer.json() == {"tenant": "lahti"}, role
    # a provider's users and the platform admin work across tenants by design
    assert (await client.get("/v1/scope", headers=token_for(Role.PROVIDER_USER, provider_id="p-1"))
            ).json() == {"tenant": None}
    assert (await client.get("/v1/scope", headers=token_for(Role.PLATFORM_ADMIN))).json() == {"tenant": None}


async def test_a_tenant_id_no_tenant_can_have_is_not_found_before_anything_is_written(
        client: httpx.AsyncClient, token_for: Callable[..., dict[str, str]]) -> None:
    """Tenant ids are lower-case letters, digits and hyphens (the registry's rule). A platform admin's write
    under another one (schemathesis: "¦ã\u0082Ç") was stored, and its answer then failed with a server error
    (the id cannot travel in a response header): such a tenant is not found (404), and nothing runs."""
    admin = token_for(Role.PLATFORM_ADMIN)
    WRITTEN.clear()
    for tenant in ("kouvola-%C3%A4", "Kouvola", "k", "kouvola_2", "-kouvola", "k" * 64):
        answer = await client.put(f"/v1/tenants/{tenant}/settings", headers=admin)
        assert answer.status_code == 404, (tenant, answer.text)
        assert answer.headers["content-type"] == "application/problem+json"
    assert WRITTEN == []
    assert (await client.put("/v1/tenants/kouvola-2/settings", headers=admin)).status_code == 200
    assert (await client.get("/v1/public/tenants/kouvola%C3%A4/info")).status_code == 404


async def test_a_client_of_another_tenant_gets_404_as_tenant_staff_do(
        client: httpx.AsyncClient, token_for: Callable[..., dict[str, str]]) -> None:
    """A resident's token names the one tenant they signed in to: another tenant's paths answer them as a
    tenant that does not exist, even where a client of that tenant has the same client id."""
    lahti_client = token_for(Role.CLIENT, tenant_id="lahti", client_id="c-1")
    no_tenant = token_for(Role.CLIENT, client_id="c-1")  # the registry never issues one: nothing is its own
    unknown = (await client.get("/v1/tenants/no-such-tenant/mine", headers=token_for(
        Role.TENANT_ADMIN, tenant_id="lahti"))).json()
    assert (await client.get("/v1/tenants/lahti/mine", headers=lahti_client)).status_code == 200
    for headers in (lahti_client, no_tenant):
        answer = await client.get("/v1/tenants/kouvola/mine", headers=headers)
        assert answer.status_code == 404 and answer.json()["title"] == unknown["title"], answer.text
        # before the body or the role: a 422 or 403 would tell that the route is there for someone
        assert (await client.post("/v1/tenants/kouvola/notes", headers=headers,
                                  json={"text": "", "amount": 0})).status_code == 404
    assert (await client.post("/v1/tenants/lahti/notes", headers=lahti_client,
                              json={"text": "x", "amount": 1})).status_code == 403  # own tenant: the role says no
    # a company's users and the platform admin work across tenants (the repositories filter a company's own)
    for role, ids in ((Role.PROVIDER_USER, {"provider_id": "p-1"}), (Role.PLATFORM_ADMIN, {})):
        assert (await client.get("/v1/tenants/kouvola/mine", headers=token_for(role, **ids))).status_code == 200
