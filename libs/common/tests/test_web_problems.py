"""The kernel's answers to bad input that used to reach the database as 500s, and the problem responses
every operation documents (issue #10, item 13: what schemathesis found)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, Query
from pydantic import BaseModel
from seteli_common.errors import PROBLEM_JSON
from seteli_common.web import create_app
from sqlalchemy import Column, Integer, MetaData, String, Table, insert, select
from sqlalchemy.ext.asyncio import create_async_engine

metadata = MetaData()
notes = Table("notes", metadata, Column("n", Integer, primary_key=True), Column("text", String(200)))


class NoteIn(BaseModel):
    text: str
    tags: list[str] = []


def build(database_url: str) -> tuple[FastAPI, Any]:
    engine = create_async_engine(database_url)
    app = create_app("probe", instrument=False)

    @app.get("/notes")
    async def list_notes(offset: int = Query(0, ge=0)) -> dict[str, Any]:
        async with engine.connect() as conn:
            rows = (await conn.execute(select(notes).where(notes.c.n >= offset))).all()
        return {"items": [r.text for r in rows]}

    @app.post("/notes", status_code=201)
    async def add_note(body: NoteIn) -> dict[str, str]:
        async with engine.begin() as conn:
            await conn.execute(insert(notes).values(text=body.text))
        return {"text": body.text}

    return app, engine


@pytest.fixture
async def client(pg_url: str) -> AsyncIterator[tuple[httpx.AsyncClient, Any]]:
    app, engine = build(pg_url)
    async with engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app, raise_app_exceptions=False),
                                 base_url="http://probe") as http:
        yield http, engine
    await engine.dispose()


async def _count(engine: Any) -> int:
    async with engine.connect() as conn:
        return len((await conn.execute(select(notes))).all())


async def test_a_nul_character_in_a_json_string_is_invalid_input_and_stores_nothing(
        client: tuple[httpx.AsyncClient, Any]) -> None:
    http, engine = client
    response = await http.post("/notes", json={"text": "ok", "tags": ["a", "b\x00c"]})
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM_JSON
    assert response.json()["errors"] == [{"field": "tags.1", "reason": "must not contain the NUL character (U+0000)"}]
    assert await _count(engine) == 0
    assert (await http.post("/notes", json={"text": "a \\u0000 written out is fine"})).status_code == 201


async def test_a_nul_character_in_the_query_or_path_is_invalid_input(client: tuple[httpx.AsyncClient, Any]) -> None:
    http, _ = client
    query = await http.get("/notes", params={"offset": "1", "q": "x\x00"})
    assert query.status_code == 422
    assert query.json()["errors"][0]["field"] == "query.q"
    assert (await http.get("/notes%00")).status_code == 422


async def test_an_integer_beyond_the_column_type_is_invalid_input_naming_the_parameter(
        client: tuple[httpx.AsyncClient, Any]) -> None:
    http, _ = client
    response = await http.get("/notes", params={"offset": str(2**40)})
    assert response.status_code == 422, response.text
    assert response.json()["errors"] == [{"field": "query.offset", "reason": "value out of int32 range"}]
    assert (await http.get("/notes", params={"offset": "0"})).status_code == 200


async def test_a_text_longer_than_its_column_is_invalid_input_naming_the_field(
        client: tuple[httpx.AsyncClient, Any]) -> None:
    """The safety net for a field a model left unbounded: PostgreSQL's refusal is bad input, not a server error;
    the field is the body's string longer than the column, and nothing is stored."""
    http, engine = client
    response = await http.post("/notes", json={"text": "x" * 201, "tags": ["a"]})
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == PROBLEM_JSON
    assert response.json()["errors"] == [{"field": "text", "reason": "at most 200 characters"}]
    assert await _count(engine) == 0
    assert (await http.post("/notes", json={"text": "x" * 200})).status_code == 201


def test_every_operation_documents_the_problem_responses() -> None:
    app, _ = build("postgresql+asyncpg://unused@127.0.0.1/unused")
    spec = app.openapi()
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            for status in ("400", "401", "403", "404", "409", "422"):
                content = operation["responses"][status]["content"]
                assert content == {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}}, \
                    (method, path, status)
    assert "HTTPValidationError" not in spec["components"]["schemas"]
    assert "503" in spec["paths"]["/health/ready"]["get"]["responses"]


async def test_a_download_named_with_any_characters_is_served_with_its_exact_name() -> None:
    """Found by the long schemathesis run: a tenant id with non-Latin-1 characters in a CSV report's file name
    was a 500 (HTTP headers are Latin-1)."""
    from urllib.parse import unquote

    from fastapi import FastAPI, Response
    from seteli_common.testing import running_app
    from seteli_common.web import content_disposition

    name = "raportti-Åbo-𝐓ä \"x\".csv"
    app = FastAPI()

    @app.get("/report")
    async def report() -> Response:
        return Response("a;b\r\n", media_type="text/csv", headers={"Content-Disposition": content_disposition(name)})

    async with running_app(app) as http:
        answer = await http.get("/report")
    assert answer.status_code == 200
    header = answer.headers["content-disposition"]
    assert header.startswith('attachment; filename="raportti-_bo-____x_.csv"')
    assert unquote(header.split("filename*=UTF-8''", 1)[1]) == name


async def test_a_body_over_the_limit_is_refused_with_413_and_the_route_never_runs() -> None:
    seen: list[int] = []

    def build() -> FastAPI:
        app = create_app("limit", instrument=False, max_request_bytes=1000)

        @app.post("/things")
        async def things(body: dict[str, str]) -> dict[str, int]:
            seen.append(len(body["text"]))
            return {"length": len(body["text"])}

        return app

    transport = httpx.ASGITransport(app=build())
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        fits = await client.post("/things", json={"text": "a" * 900})
        declared = await client.post("/things", json={"text": "a" * 2000})

        async def chunks() -> AsyncIterator[bytes]:  # no Content-Length: the body is counted as it streams
            yield b'{"text": "'
            for _ in range(5):
                yield b"a" * 400
            yield b'"}'

        streamed = await client.post("/things", content=chunks(), headers={"content-type": "application/json"})
    assert fits.status_code == 200 and fits.json() == {"length": 900}
    for refused in (declared, streamed):
        assert refused.status_code == 413, refused.text
        assert refused.headers["content-type"] == "application/problem+json"
        assert refused.json()["errors"] == [{"field": "body", "reason": "at most 1000 bytes"}]
    assert seen == [900]
