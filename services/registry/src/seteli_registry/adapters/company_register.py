"""Company register: PRH/YTJ open data API v3 (CC BY 4.0), and a fake for embedded mode and tests.

Register codes (unverified, confirm with PRH): 1 trade register, 4 tax administration, 5 prepayment
register, 6 VAT register, 7 employer register.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Protocol

import httpx

REGISTER_NAMES = {"1": "trade_register", "4": "tax_administration", "5": "prepayment_register",
                  "6": "vat_register", "7": "employer_register"}


@dataclass(frozen=True)
class CompanyInfo:
    business_id: str
    name: str
    company_form: str = ""
    street_address: str = ""
    postal_code: str = ""
    city: str = ""
    registers: dict[str, bool] = field(default_factory=dict)  # register name -> currently registered
    situations: list[str] = field(default_factory=list)  # restructuring, liquidation, bankruptcy...
    trade_register_status: str = ""
    active: bool = True

    def as_dict(self) -> dict[str, Any]:
        return {"business_id": self.business_id, "name": self.name, "company_form": self.company_form,
                "street_address": self.street_address, "postal_code": self.postal_code, "city": self.city,
                "registers": dict(self.registers), "situations": list(self.situations),
                "trade_register_status": self.trade_register_status, "active": self.active}


class CompanyRegisterUnavailable(Exception):
    pass


class CompanyRegister(Protocol):
    async def fetch(self, business_id: str) -> CompanyInfo | None: ...


class FakeCompanyRegister:
    def __init__(self, companies: dict[str, CompanyInfo] | None = None) -> None:
        self.companies = dict(companies or {})

    def add(self, info: CompanyInfo) -> None:
        self.companies[info.business_id] = info

    async def fetch(self, business_id: str) -> CompanyInfo | None:
        return self.companies.get(business_id)


def _current(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [i for i in items if not i.get("endDate")]


def _describe(item: dict[str, Any], language: str = "1") -> str:
    for d in item.get("descriptions") or []:
        if str(d.get("languageCode")) == language:
            return str(d.get("description", ""))
    return str(item.get("type", ""))


def parse_company(data: dict[str, Any]) -> CompanyInfo:
    """One element of `companies[]` of the v3 answer."""
    names = _current(data.get("names") or [])
    main = next((n for n in names if str(n.get("type")) == "1"), names[0] if names else {})
    forms = _current(data.get("companyForms") or [])
    addresses = data.get("addresses") or []
    visiting = next((a for a in addresses if str(a.get("type")) == "1"), addresses[0] if addresses else {})
    street = " ".join(str(p) for p in (visiting.get("street"), visiting.get("buildingNumber"),
                                       visiting.get("entrance"), visiting.get("apartmentNumber")) if p)
    offices = visiting.get("postOffices") or [{}]
    registers = {REGISTER_NAMES.get(str(e.get("type")), str(e.get("type"))): not e.get("endDate")
                 for e in data.get("registeredEntries") or []}
    return CompanyInfo(
        business_id=str((data.get("businessId") or {}).get("value", data.get("businessId", ""))),
        name=str(main.get("name", "")), company_form=_describe(forms[0]) if forms else "",
        street_address=street, postal_code=str(visiting.get("postCode") or ""),
        city=str(offices[0].get("city") or ""), registers=registers,
        situations=[_describe(s) for s in _current(data.get("companySituations") or [])],
        trade_register_status=str(data.get("tradeRegisterStatus") or ""),
        active=not data.get("endDate") and str(data.get("status", "2")) != "3",
    )


class PrhCompanyRegister:
    """GET {base}/companies?businessId=... The rate limit is shared by all users: answers are cached."""

    def __init__(self, base_url: str, *, cache_seconds: float = 3600.0, timeout: float = 10.0,
                 transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.cache_seconds = cache_seconds
        self.timeout = timeout
        self.transport = transport
        self._cache: dict[str, tuple[float, CompanyInfo | None]] = {}

    async def fetch(self, business_id: str) -> CompanyInfo | None:
        cached = self._cache.get(business_id)
        if cached and time.monotonic() - cached[0] < self.cache_seconds:
            return cached[1]
        try:
            async with httpx.AsyncClient(timeout=self.timeout, transport=self.transport) as client:
                response = await client.get(f"{self.base_url}/companies", params={"businessId": business_id})
        except httpx.HTTPError as exc:
            raise CompanyRegisterUnavailable(str(exc)) from exc
        if response.status_code == 404:
            result = None
        elif response.status_code != 200:
            raise CompanyRegisterUnavailable(f"company register answered {response.status_code}")
        else:
            companies = response.json().get("companies") or []
            result = parse_company(companies[0]) if companies else None
        self._cache[business_id] = (time.monotonic(), result)
        return result
