"""Calls to the services' public HTTP APIs with the signed-in user's token. Problem+json errors become
`ApiError` with the field errors keyed by the form field they belong to."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
from seteli_common.consistency import AFTER_HEADER, CONSISTENCY_HEADER
from seteli_common.consistency_client import is_not_yet_known, remember_tokens, retry_after_seconds

__all__ = ["Api", "ApiError", "ServiceBusy", "remember_tokens"]

# Reads after writes (seteli_common.consistency): how long one call waits, in all, on `not-yet-known`.
NOT_YET_KNOWN_BUDGET_SECONDS = 10.0


def _not_yet_known(response: httpx.Response) -> bool:
    return response.status_code == 409 and is_not_yet_known(
        409, response.headers.get("content-type", ""), response.content)


@dataclass
class ApiError(Exception):
    status: int
    title: str = ""
    detail: str = ""
    fields: dict[str, str] = field(default_factory=dict)
    code: str = ""  # a machine-readable reason some services add (e.g. "voucher_closed")
    type: str = ""  # the problem type URI, e.g. "https://seteli.fi/problems/conflict"
    extra: dict[str, Any] = field(default_factory=dict)  # the problem's other members (e.g. application_id)
    field_codes: dict[str, str] = field(default_factory=dict)  # a field's error -> the rule it names, if any
    retry_after: str = ""  # the service's Retry-After (a 503: too busy now)

    @classmethod
    def from_response(cls, response: httpx.Response) -> ApiError:
        try:
            body = response.json()
        except ValueError:
            body = {}
        if not isinstance(body, dict):
            body = {}
        fields: dict[str, str] = {}
        field_codes: dict[str, str] = {}
        for error in body.get("errors") or []:
            name = str(error.get("field", "")).split(".")
            # "prices.0.unit_price" -> "prices.0.unit_price"; "body.iban" -> "iban"
            key = ".".join(p for p in name if p not in ("body", "query"))
            fields.setdefault(key or "form", str(error.get("reason", "")))
            if isinstance(error.get("code"), str) and error["code"]:
                field_codes.setdefault(key or "form", error["code"])
        if body.get("field") and body.get("field") not in fields:
            fields[str(body["field"])] = str(body.get("detail", ""))
        code = body.get("reason") or body.get("code") or ""
        extra = {k: v for k, v in body.items() if k not in ("type", "title", "status", "detail", "instance", "errors")}
        return cls(response.status_code, str(body.get("title", "")), str(body.get("detail", "")), fields,
                   code if isinstance(code, str) else "", str(body.get("type", "") or ""), extra, field_codes,
                   response.headers.get("retry-after", ""))

    @property
    def slug(self) -> str:
        """The last part of the problem type ("conflict"), or "" for about:blank."""
        return self.type.rstrip("/").rsplit("/", 1)[-1] if self.type.startswith("http") else ""

    def for_form(self, known: tuple[str, ...] | list[str], fallback: str = "") -> dict[str, str]:
        """The errors keyed by this form's input names: "billing.iban" belongs to the input "iban".
        An error no input shows goes to the form-level message, so nothing is silently dropped."""
        errors: dict[str, str] = {}
        other: list[str] = []
        for key, reason in self.fields.items():
            parts = key.split(".")
            match = next((".".join(parts[i:]) for i in range(len(parts)) if ".".join(parts[i:]) in known), None)
            if match:
                errors.setdefault(match, reason)
            else:
                other.append(f"{key}: {reason}" if key != "form" else reason)
        if other or not errors:
            errors["form"] = "; ".join(other) or self.detail or self.title or fallback
        return errors

    def __str__(self) -> str:
        return f"HTTP {self.status}: {self.title} {self.detail}".strip()


@dataclass
class ServiceBusy(Exception):
    """A service answered 503: too busy now, nothing done (seteli_common.errors.shed; Retry-After says when to
    try again). Not an `ApiError`: it is no refusal of what the person sent, so no page shows it as a form's
    error; the portal's busy page says so (bootstrap)."""

    service: str
    retry_after: str = ""


class Api:
    """One shared httpx client; `transport` lets embedded mode call the sibling apps in-process."""

    def __init__(self, service_urls: dict[str, str], transport: httpx.AsyncBaseTransport | None = None,
                 timeout: float = 30.0) -> None:
        self.service_urls = {k: v.rstrip("/") for k, v in service_urls.items()}
        self._transport = transport
        self._timeout = timeout
        self._client: httpx.AsyncClient | None = None

    @property
    def client(self) -> httpx.AsyncClient:
        # Created lazily: a mounted sub-application's lifespan may never run.
        if self._client is None:
            self._client = httpx.AsyncClient(transport=self._transport, timeout=self._timeout)
        return self._client

    async def close(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    def url(self, service: str, path: str) -> str:
        return f"{self.service_urls[service]}{path}"

    async def raw(self, method: str, service: str, path: str, *, token: str | None = None,
                  after: str | None = None, remember: Callable[[str], None] | None = None,
                  **kwargs: Any) -> httpx.Response:
        """One call. `after`: the consistency tokens of the caller's recent writes (`Seteli-After`); a
        service that answers 409 `not-yet-known` (one of those writes has not reached it yet) is asked
        again after its `Retry-After`, for at most `NOT_YET_KNOWN_BUDGET_SECONDS`. `remember` receives
        the tokens a write answers (`Seteli-Consistency`), to send along on the next calls."""
        headers = dict(kwargs.pop("headers", {}) or {})
        if token:
            headers["authorization"] = f"Bearer {token}"
        if after:
            headers[AFTER_HEADER] = after
        params = kwargs.pop("params", None)
        if params:  # a mapping, or (name, value) pairs where a name repeats (?id=a&id=b)
            pairs = params.items() if isinstance(params, dict) else params
            params = [(k, v) for k, v in pairs if v not in (None, "")]
        deadline = time.monotonic() + NOT_YET_KNOWN_BUDGET_SECONDS
        while True:
            response = await self.client.request(method, self.url(service, path), headers=headers, params=params,
                                                 **kwargs)
            if not after or not _not_yet_known(response):
                break
            pause = retry_after_seconds(response.headers.get("retry-after"))
            if time.monotonic() + pause > deadline:
                break  # the caller shows the problem: the write has still not arrived
            await asyncio.sleep(pause)
        answered = response.headers.get(CONSISTENCY_HEADER)
        if answered and remember is not None and response.status_code < 300:
            remember(answered)
        return response

    async def call(self, method: str, service: str, path: str, *, token: str | None = None,
                   **kwargs: Any) -> Any:
        response = await self.raw(method, service, path, token=token, **kwargs)
        if response.status_code == 503:
            raise ServiceBusy(service, response.headers.get("retry-after", ""))
        if response.status_code >= 400:
            raise ApiError.from_response(response)
        if response.status_code == 204 or not response.content:
            return None
        return response.json()
