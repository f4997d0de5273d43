"""Per-request plumbing shared by every page: session, language, CSRF, the user's token (refreshed
before it expires), rendering and redirects that respect the mount prefix (e.g. /portal)."""

from __future__ import annotations

import re
import time
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape
from seteli_common.catalog_facets import NEEDS, SERVICE_LANGUAGES, SUPPORT_TYPES
from starlette.datastructures import FormData

from .apiclient import Api, ApiError, remember_tokens
from .catalog import CATALOG
from .config import PortalSettings
from .i18n import LANGUAGES, Translator, date_fmt, datetime_fmt, money_fmt, month_fmt, units_fmt
from .session import csrf_ok, new_csrf, token_claims

TEMPLATES = Path(__file__).parent / "templates"
LIST_MOST = 500  # the most items the services' list APIs give in one call
REGISTRY_MOST = 200  # the registry's and vouchers' lists give fewer

# (substring of an API's English reason, catalog key), first match wins
REASONS = (
    ("passwords differ", "error.password_again"), ("password is too common", "error.password_common"),
    ("password must be at least", "error.password"), ("password must contain", "error.password_classes"),
    ("the link", "error.link"), ("already registered", "error.already_registered"),
    ("user with this email already exists", "error.email_taken"),
    ("identity code", "error.identity_code"), ("iban", "error.iban"), ("bic", "error.bic"),
    ("business id", "error.business_id"), ("cannot be in the future", "error.future"),
    ("must be positive", "error.positive"), ("must not be negative", "error.not_negative"),
    ("must not be before valid_from", "error.end_before_start"),
    ("must not be before from", "error.month_range"),  # a report's month range (settlement)
    ("you have no voucher booked with this provider", "resident.no_booking_with_provider"),
    ("email", "error.email"), ("field required", "error.required"), ("missing", "error.required"),
    ("month", "error.month"), ("date", "error.date"), ("amount", "error.amount"), ("decimal", "error.amount"),
    ("control characters", "error.control_characters"), ("should have at most", "error.too_long"),
    ("counted whole", "error.whole_units"), ("granted whole", "error.whole_units"),
    ("phone", "error.phone"), ("string should match", "error.format"), ("too short", "error.too_short"),
    ("outside", "error.outside"), ("validity", "error.outside"),
)

# a reason none of REASONS recognises, by the field it is about ("check digit does not match")
FIELD_REASONS = {"business_id": "error.business_id", "identity_code": "error.identity_code", "iban": "error.iban",
                 "bic": "error.bic", "postal_code": "error.format", "phone": "error.phone",
                 "reference": "error.reference"}

STAFF = ("tenant_admin", "tenant_officer")
PROVIDER = ("provider_admin", "provider_user")

# A refusal's machine code (problem+json `reason` or `code`) -> its catalog key: "problem.<code>", or
# "refusal.<code>" for the booking refusals. tests/contracts/test_refusal_texts.py checks that every code a
# service raises has one, in Finnish and Swedish.
REFUSAL_PREFIXES = ("problem.", "refusal.")
_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_ISO_MONTH = re.compile(r"\d{4}-\d{2}")


def refusal_key(code: str) -> str | None:
    """The catalog key of a refusal's code, if the portal has a text for it."""
    return next((k for k in (p + code for p in REFUSAL_PREFIXES) if code and k in CATALOG), None)


def _shown(value: Any) -> str:
    """A problem's member as a sentence shows it: a day as 15.3.2016, a month as 3/2016."""
    text = str(value)
    if _ISO_DAY.fullmatch(text):
        return date_fmt(text)
    if _ISO_MONTH.fullmatch(text):
        return month_fmt(text)
    return text


def web_link(url: Any) -> str | None:
    """A link given by a user or another service, for an href: only http(s), so a stored `javascript:` or
    `data:` address never becomes a link a resident clicks."""
    text = str(url or "").strip()
    return text if text.lower().startswith(("https://", "http://")) else None


def credit_split(credit: Mapping[str, Any]) -> tuple[Decimal, Decimal] | None:
    """(deducted, still carried) of a credit a run carried over in part, both as positive sums: set-offs took the
    rest from another payee's payment of the provider. None when all of it was carried (or settlement did not say)."""
    left = credit.get("carried_amount")
    if left is None or Decimal(str(left)) == Decimal(str(credit["amount"])):
        return None
    return abs(Decimal(str(credit["amount"])) - Decimal(str(left))), abs(Decimal(str(left)))


def make_env() -> Environment:
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]),
                      trim_blocks=True, lstrip_blocks=True)
    env.filters["money"] = money_fmt
    env.filters["units"] = units_fmt
    env.filters["date"] = date_fmt
    env.filters["month"] = month_fmt
    env.filters["datetime"] = datetime_fmt
    env.filters["web_link"] = web_link
    env.globals["credit_split"] = credit_split
    # what the catalog's filters and the company's search information offer: the platform's one list
    env.globals["facets"] = {"needs": NEEDS, "support_types": SUPPORT_TYPES, "languages": SERVICE_LANGUAGES}
    return env


class LoginRequired(Exception):
    pass


class Forbidden(Exception):
    pass


class BadCsrf(Exception):
    pass


def seg(value: object) -> str:
    """One API path segment: every value put into an API path goes through this, so a form value or an id
    from the portal's own URL can't add segments ("../"), a query or a fragment to the API call."""
    quoted = quote(str(value), safe="")
    # "." and ".." alone are dot segments the HTTP client resolves (a step up the API path): encoded, a value
    return quoted.replace(".", "%2E") if quoted in (".", "..") else quoted


class Page:
    """What a handler needs: `page = Page(request)`; then `await page.call(...)`, `page.render(...)`."""

    def __init__(self, request: Request) -> None:
        self.request = request
        self.settings: PortalSettings = request.app.state.settings
        self.api: Api = request.app.state.api
        self.env: Environment = request.app.state.env
        self.session: dict[str, Any] = request.state.session
        if "csrf" not in self.session:
            self.session["csrf"] = new_csrf()
        self.lang = self._language()
        self.t = Translator(self.lang)
        self.base = request.scope.get("root_path", "").rstrip("/")
        full = request.url.path
        self.here = full[len(self.base):] if self.base and full.startswith(self.base) else full
        self.problems: list[ApiError] = []  # the APIs' refusals in this request, for localising their text

    # --- per-source throttles (throttle.py) -------------------------------------------------------
    @property
    def source(self) -> str:
        """The browser's address (X-Forwarded-For from the trusted ingress, else the peer)."""
        return self.request.client.host if self.request.client else "unknown"

    def throttle(self, action: str) -> None:
        """Refuses (429) when this browser's address has used up its attempts at ``action``."""
        self.request.app.state.throttle.check(action, self.source)

    def attempted(self, action: str) -> None:
        self.request.app.state.throttle.record(action, self.source)

    def _language(self) -> str:
        lang = self.session.get("lang")
        if lang in LANGUAGES:
            return str(lang)
        header = self.request.headers.get("accept-language", "").lower()
        if header.startswith("sv"):
            return "sv"
        return self.settings.default_language if self.settings.default_language in LANGUAGES else "fi"

    # --- who is signed in -------------------------------------------------------------------------
    @property
    def claims(self) -> dict[str, Any]:
        token = self.session.get("token")
        return token_claims(token) if token else {}

    @property
    def role(self) -> str:
        return str(self.claims.get("role", ""))

    @property
    def signed_in(self) -> bool:
        return bool(self.session.get("token"))

    @property
    def tenant_id(self) -> str:
        return str(self.claims.get("tenant") or self.session.get("tenant") or self.settings.default_tenant)

    @property
    def provider_id(self) -> str:
        return str(self.claims.get("provider", ""))

    def require(self, *roles: str) -> None:
        if not self.signed_in:
            raise LoginRequired()
        if roles and self.role not in roles:
            raise Forbidden()

    def sign_in(self, body: dict[str, Any]) -> None:
        self.session["token"] = body["access_token"]
        self.session["refresh"] = body.get("refresh_token")
        claims = token_claims(body["access_token"])
        if "lang" not in self.session and claims.get("lang") in LANGUAGES:
            self.session["lang"] = claims["lang"]  # the user's preferred language by default
        self.session["csrf"] = new_csrf()  # a new session after login: no fixation

    def sign_out(self) -> None:
        lang = self.session.get("lang")
        self.session.clear()
        self.session["csrf"] = new_csrf()
        if lang:
            self.session["lang"] = lang

    async def token(self) -> str:
        token = self.session.get("token")
        if not token:
            raise LoginRequired()
        if float(token_claims(token).get("exp", 0)) - time.time() < 30:
            refresh = self.session.get("refresh")
            response = await self.api.raw("POST", "registry", "/v1/auth/refresh",
                                          json={"refresh_token": refresh}) if refresh else None
            if response is None or response.status_code != 200:
                self.sign_out()
                raise LoginRequired()
            body = response.json()
            self.session["token"] = body["access_token"]
            self.session["refresh"] = body.get("refresh_token") or refresh
            token = body["access_token"]
        return str(token)

    # --- reads after writes (seteli_common.consistency) ---------------------------------------------
    def _remember(self, answered: str) -> None:
        """A write answered its consistency tokens: the next calls (this request's and the next
        requests') send them along, so a service that has not heard of the write yet says so."""
        self.session["after"] = remember_tokens(self.session.get("after"), answered)

    def _consistency(self) -> dict[str, Any]:
        return {"after": self.session.get("after") or None, "remember": self._remember}

    async def call(self, method: str, service: str, path: str, *, anonymous: bool = False, **kwargs: Any) -> Any:
        token = None if anonymous else await self.token()
        try:
            return await self.api.call(method, service, path, token=token, **self._consistency(), **kwargs)
        except ApiError as exc:
            self.problems.append(exc)
            if exc.status == 401 and not anonymous:
                self.sign_out()
                raise LoginRequired() from exc
            raise

    async def every(self, service: str, path: str, params: dict[str, Any] | list[tuple[str, Any]] | None = None,
                    *, most: int | None = None, anonymous: bool = False) -> list[dict[str, Any]]:
        """Every item of a list API, page after page of the most it gives at once (500; the registry's and
        vouchers' 200; `most` where a list gives fewer): for a whole list a page needs (a form's choices, names
        to look up), where one page would silently leave the rest out."""
        pairs = list(params.items()) if isinstance(params, dict) else list(params or [])
        limit = min(most or LIST_MOST, REGISTRY_MOST if service in ("registry", "vouchers") else LIST_MOST, LIST_MOST)
        items: list[dict[str, Any]] = []
        while True:
            body = await self.call("GET", service, path, anonymous=anonymous,
                                   params=[*pairs, ("limit", limit), ("offset", len(items))])
            items += body["items"]
            if not body["items"] or len(items) >= int(body["total"]):
                return items

    async def raw(self, method: str, service: str, path: str, **kwargs: Any) -> Any:
        return await self.api.raw(method, service, path, token=await self.token(), **self._consistency(), **kwargs)

    def tpath(self, path: str) -> str:
        """An API path under the current tenant."""
        return f"/v1/tenants/{seg(self.tenant_id)}{path}"

    # --- forms -------------------------------------------------------------------------------------
    async def form(self) -> FormData:
        form = await self.request.form()
        if not csrf_ok(self.session, str(form.get("csrf", ""))):
            raise BadCsrf()
        return form

    def flash(self, key: str, **kwargs: Any) -> None:
        self.session.setdefault("flash", []).append(self.t(key, **kwargs))

    # --- responses ---------------------------------------------------------------------------------
    def url(self, path: str) -> str:
        return f"{self.base}{path}"

    def redirect(self, path: str) -> RedirectResponse:
        return RedirectResponse(self.url(path), status_code=303)

    def problem_message(self, exc: ApiError) -> str:
        """A form-level API refusal in the user's language: by its machine code, then its problem type,
        else a generic message with the code so that support can still tell what happened."""
        code = exc.code or exc.slug or str(exc.status)
        key = refusal_key(exc.code)
        if key:  # its members (a day, a month) fill the text's placeholders, as the reader writes them
            return self.t(key, **{k: _shown(v) for k, v in exc.extra.items() if isinstance(v, str)})
        if exc.slug and f"problem.type.{exc.slug}" in CATALOG:
            return self.t(f"problem.type.{exc.slug}")
        return self.t("problem.generic", code=code)

    def refusal(self, exc: ApiError) -> str | None:
        """The refusal's own sentence when the portal knows its code, else None."""
        return self.problem_message(exc) if refusal_key(exc.code) else None

    def _form_message(self, reason: str) -> str:
        # Routes pass `exc.detail` (English) as the form message: swap it for the localised one.
        for exc in self.problems:
            if reason and reason in (exc.detail, exc.title, f"{exc.title} {exc.detail}".strip()):
                return self.problem_message(exc)
        return reason

    def localize(self, errors: dict[str, str]) -> dict[str, str]:
        """The APIs explain field errors in English; show them in the user's language. A reason we do not
        recognise is kept after a translated lead, so no information is lost."""
        own = {text for pair in CATALOG.values() for text in pair}
        result: dict[str, str] = {}
        for name, reason in errors.items():
            if name == "form":
                result[name] = reason if reason in own else self._form_message(reason)
                continue
            if reason in own:
                result[name] = reason
                continue
            # a refusal with a known code that names this field: its own sentence, by the field
            coded = next((e for e in self.problems if refusal_key(e.code) and reason in e.fields.values()), None)
            if coded is not None:
                result[name] = self.problem_message(coded)
                continue
            # a field's own error naming its rule (one of several refused at once): that rule's sentence
            rule = next((key for e in self.problems for f, r in e.fields.items()
                         if r == reason and (key := refusal_key(e.field_codes.get(f, "")))), None)
            if rule is not None:
                result[name] = self.t(rule)
                continue
            lowered = reason.lower()
            key = next((k for pattern, k in REASONS if pattern in lowered), None) or \
                FIELD_REASONS.get(name.rsplit(".", 1)[-1])
            refusal = next((e for e in self.problems if reason == e.detail and e.slug != "invalid-input"), None)
            if key:
                result[name] = self.t(key)
            elif refusal is not None:  # e.g. a conflict naming its field: the refusal's own message
                result[name] = self.problem_message(refusal)
            else:
                result[name] = self.t("error.invalid", reason=reason)
        return result

    def render(self, template: str, status: int = 200, **context: Any) -> HTMLResponse:
        flashes = self.session.pop("flash", [])
        context["errors"] = self.localize(context.get("errors") or {})
        html = self.env.get_template(template).render(
            t=self.t, lang=self.lang, url=self.url, csrf=self.session["csrf"], page=self,
            role=self.role, signed_in=self.signed_in, user_name=self.claims.get("name", ""),
            flashes=flashes, path=self.here, errors=context.pop("errors", {}), **context)
        return HTMLResponse(html, status_code=status)


def download(response: Any, filename: str, media_type: str) -> Response:
    """The file under its own name: an ASCII `filename` for old clients (headers are Latin-1) and the
    exact name, e.g. "tilinpäätös 2025.pdf", in RFC 6266 `filename*`."""
    ascii_name = re.sub(r"[^A-Za-z0-9._-]+", "_", filename)[:100] or "download"
    exact = quote(filename[:200], safe="")
    return Response(response.content, media_type=media_type, headers={
        "content-disposition": f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{exact}"})
