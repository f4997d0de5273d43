"""The Idempotency-Key header, read the same way (name and length limit) by every service."""

from __future__ import annotations

import httpx
from fastapi import FastAPI
from seteli_common.idempotency import IDEMPOTENCY_KEY_MAX_LENGTH, IdempotencyKey

app = FastAPI()


@app.post("/things")
async def make(idempotency_key: IdempotencyKey = None) -> dict[str, str | None]:
    return {"key": idempotency_key}


async def _post(headers: dict[str, str]) -> httpx.Response:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        return await client.post("/things", headers=headers)


async def test_the_header_is_optional_and_read_by_its_name_in_any_case() -> None:
    assert (await _post({})).json() == {"key": None}
    assert (await _post({"Idempotency-Key": "k-1"})).json() == {"key": "k-1"}
    assert (await _post({"idempotency-key": "k-2"})).json() == {"key": "k-2"}


async def test_one_length_limit() -> None:
    assert IDEMPOTENCY_KEY_MAX_LENGTH == 100
    assert (await _post({"Idempotency-Key": "k" * 100})).status_code == 200
    assert (await _post({"Idempotency-Key": "k" * 101})).status_code == 422


def test_the_openapi_document_names_the_header() -> None:
    [parameter] = app.openapi()["paths"]["/things"]["post"]["parameters"]
    assert parameter["name"] == "Idempotency-Key" and parameter["in"] == "header"
    assert parameter["schema"]["anyOf"][0]["maxLength"] == 100
