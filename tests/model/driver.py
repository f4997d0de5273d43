"""Drives a generated history through the real services' HTTP APIs (the embedded suite: all six services
in one process, SQLite, the in-process bus) with a clock set month by month, and reads back what the
tenant paid: every run's payments (payee and amount from the run, account from the payment file),
carry-overs, which events went to manual approval, which credits were accepted, the co-payments.

It follows `generator.schedule`, the same order the reference model walks. Nothing here computes money.
"""

from __future__ import annotations

import asyncio
import itertools
import random
import tempfile
from collections import defaultdict
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import replace
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import httpx
from generator import Event, History, Interruption, Provider, Voucher, schedule
from reference import Outcome
from seteli_common.clock import HELSINKI, FixedClock

from seteli.demo import random_business_id, random_test_identity_code, sign_application
from seteli.embedded import DEMO_ADMIN_EMAIL, DEMO_ADMIN_PASSWORD, build_suite
from seteli.services import SERVICES

PASSWORD = "Malli-testi-2026"
KOUVOLA_RULE = {
    "valid_from": "2000-01-01",
    "reasons": {r: {"bands": [{"from_day": 0, "to_day": 10, "percentage": 100},
                              {"from_day": 11, "to_day": None, "percentage": 0}],
                    "return_day_percentage": 100} for r in ("hospital", "holiday", "other")},
}
_counter = itertools.count(1)


class DriveFailed(RuntimeError):
    pass


def iban_for(number: int) -> str:
    """A valid Finnish IBAN (mod 97) from a small number: each payee gets its own account."""
    bban = f"{123456:06d}{number:08d}"
    check = 98 - int(bban + "151800") % 97  # "FI" = 15 18, then "00"
    return f"FI{check:02d}{bban}"


def at_helsinki(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=HELSINKI)


class Driver:
    def __init__(self, history: History, client: httpx.AsyncClient, clock: FixedClock, suite: Any,
                 rabbit: Any = None) -> None:
        self.rabbit = rabbit  # an aio_pika channel when the services talk over RabbitMQ
        self.h = history
        self.c = client
        self.clock = clock
        self.suite = suite
        self.tag = f"m{history.seed}x{next(_counter)}"
        # one view per tenant; `current` says which tenant the next calls are about
        self.tenant_ids = [f"model-{self.tag}", f"model-{self.tag}-b"][:history.tenants]
        self.current = 0
        self.officers: list[dict[str, str]] = [{} for _ in self.tenant_ids]
        self.service_ofs: list[dict[str, str]] = [{} for _ in self.tenant_ids]  # content key -> service id
        self.content_idss: list[dict[str, str]] = [{} for _ in self.tenant_ids]
        self.admin: dict[str, str] = {}
        self.provider_headers: dict[str, dict[str, str]] = {}
        self.provider_ids: dict[str, str] = {}
        self.business_ids: dict[str, str] = {}
        self.site_ids: dict[str, str] = {}  # site key -> id
        self.application_ids: dict[str, str] = {}
        self.iban_owner: dict[str, str] = {}  # IBAN -> payee label
        self.client_ids: dict[str, str] = {}
        self.bookings: dict[str, str] = {}  # voucher key -> booking id
        self.event_ids: dict[str, str] = {}
        self.interruption_ids: dict[str, str] = {}
        self.outcome = Outcome()
        self.seen_runs: set[str] = set()
        self.drafts: dict[tuple[str, int], list[dict[str, Any]]] = {}  # (voucher key, month) -> the job's drafts
        self.skipped: set[str] = set()  # manual events of a month the content was drafted for
        self.recorders: dict[str, tuple[str, str]] = {}  # voucher key -> (recorder, performer) of its latest event

    @property
    def tenant(self) -> str:
        return self.tenant_ids[self.current]

    @property
    def officer(self) -> dict[str, str]:
        return self.officers[self.current]

    @property
    def service_of(self) -> dict[str, str]:
        return self.service_ofs[self.current]

    @property
    def content_ids(self) -> dict[str, str]:
        return self.content_idss[self.current]

    # --- HTTP helpers -------------------------------------------------------------------------------------

    async def call(self, method: str, url: str, headers: Mapping[str, str], body: Any = None,
                   expected: tuple[int, ...] = (200, 201), retry: bool = False) -> httpx.Response:
        """One call; with `retry`, repeat a 4xx for a while (another service may not have caught up)."""
        for attempt in range(100 if retry else 1):
            response = await self.c.request(method, url, headers=dict(headers), json=body)
            if response.status_code in expected or not retry or response.status_code >= 500:
                break
            await self.quiesce()
            await asyncio.sleep(0.05 * min(attempt + 1, 10))
        if response.status_code not in expected:
            raise DriveFailed(f"{method} {url}: HTTP {response.status_code}: {response.text[:800]}")
        return response

    async def login(self, email: str) -> dict[str, str]:
        password = DEMO_ADMIN_PASSWORD if email == DEMO_ADMIN_EMAIL else PASSWORD
        body = (await self.call("POST", "/registry/v1/auth/token", {}, {"email": email, "password": password})).json()
        return {"authorization": f"Bearer {body['access_token']}"}

    async def rabbit_backlog(self) -> dict[str, int]:
        """Messages waiting in the services' queues and their retry queues (RabbitMQ), per queue. The
        notifications service's are left out: it pays nothing, and its mail retries may go on."""
        waiting: dict[str, int] = {}
        for name, runtime in self.suite.runtimes.items():
            if name == "notifications":
                continue
            for sub in runtime.subscriptions:
                spec = runtime.consumers.spec(sub)
                names = [spec.name, *(f"{spec.name}.retry.{int(d * 1000)}ms" for d in spec.retry_delays)]
                for queue_name in names:
                    queue = await self.rabbit.declare_queue(queue_name, passive=True)
                    count = int(queue.declaration_result.message_count or 0)
                    if count:
                        waiting[queue_name] = count
        return waiting

    async def quiesce(self) -> None:
        """Wait until every outbox is sent and the bus has delivered everything (twice in a row)."""
        if self.rabbit is not None:
            quiet = 0
            busy: dict[str, int] = {}
            for _ in range(1200):
                busy = await self.rabbit_backlog()
                for name, runtime in self.suite.runtimes.items():
                    runtime.relay.wake()
                    unsent = (await runtime.relay.backlog())[0]
                    if unsent:
                        busy[f"{name} outbox"] = unsent
                quiet = 0 if busy else quiet + 1
                if quiet >= 8:  # a message being handled is in no queue: quiet for a while
                    return
                await asyncio.sleep(0.1)
            raise DriveFailed(f"the services did not settle down: {busy}")
        quiet = 0
        for _ in range(2000):
            backlog = 0
            for runtime in self.suite.runtimes.values():
                runtime.relay.wake()
                backlog += (await runtime.relay.backlog())[0]
            if backlog == 0:
                try:
                    await self.suite.broker.drain(timeout=5)
                except TimeoutError:
                    continue
                quiet += 1
                if quiet >= 2:
                    return
            else:
                quiet = 0
            await asyncio.sleep(0.01)
        raise DriveFailed("the services did not settle down")

    def set_day(self, day: date, hour: int = 10) -> None:
        self.clock.set(at_helsinki(day, hour))

    # --- set-up: tenant, providers, sites, service, applications, vouchers, bookings --------------------------

    async def setup(self) -> None:
        h = self.h
        self.set_day(h.first - timedelta(days=40))
        self.admin = await self.login(DEMO_ADMIN_EMAIL)
        rng = random.Random(self.tag)
        for tenant in range(len(self.tenant_ids)):
            self.current = tenant
            await self._tenant(rng)
        self.current = 0
        for number, prov in enumerate(h.providers):
            await self._provider(rng, number, prov)
        for tenant in range(len(self.tenant_ids)):  # the providers apply to every tenant's services
            self.current = tenant
            for prov in h.providers:
                for service_id in sorted(set(self.service_of.values())):
                    await self._application(prov, service_id)
        self.set_day(h.first)  # a booking needs a price list valid today
        for v in h.vouchers:
            self.current = v.tenant
            await self._voucher(v)
        self.current = 0
        await self.quiesce()
        await self._scheduled_changes()

    async def _scheduled_changes(self) -> None:
        """The tenant admin (of the first tenant) ends a content from a later day, and schedules a content to
        be paid by the client from a later day (both after the vouchers were granted)."""
        self.current = 0
        names = {"care": ("Hoiva / vrk", "Vård / dygn", "day"), "help": ("Kotiapu / h", "Hemhjälp / h", "hour")}
        if self.h.content_end is not None:
            key, day = self.h.content_end
            await self.call("POST", f"/applications/v1/tenants/{self.tenant}/services/{self.service_of[key]}/contents/"
                                    f"{self.content_ids[key]}/end", self.officer, {"ends_from": str(day)})
        if self.h.pays_change is not None:
            key, day = self.h.pays_change
            name_fi, name_sv, unit = names[key]
            await self.call("PATCH", f"/applications/v1/tenants/{self.tenant}/services/{self.service_of[key]}",
                            self.officer, {"effective_from": str(day), "contents": [
                                {"id": self.content_ids[key], "name_fi": name_fi, "name_sv": name_sv, "unit": unit,
                                 "client_pays": True}]})
        await self.quiesce()

    async def daily_jobs(self) -> None:
        """What the daily job does on the day the clock is set to: scheduled service changes take effect (only
        histories that schedule one)."""
        if self.h.content_end is None and self.h.pays_change is None:
            return
        from seteli_applications.jobs import apply_due_changes_everywhere

        await apply_due_changes_everywhere(self.suite.runtimes["applications"])

    async def _tenant(self, rng: Any) -> None:
        for _ in range(5):  # one runner keeps every history's tenants: a random business ID may be taken
            made = await self.c.post("/registry/v1/tenants", headers=self.admin, json={
                "id": self.tenant, "name_fi": f"Mallikunta {self.tag}", "name_sv": f"Modellkommun {self.tag}",
                "business_id": random_business_id(rng), "languages": ["fi", "sv"],
                "payer_iban": iban_for(9_000_000 + self.current), "payer_bic": "NDEAFIHH"})
            if made.status_code != 409:
                break
        if made.status_code != 201:
            raise DriveFailed(f"POST /registry/v1/tenants: HTTP {made.status_code}: {made.text[:800]}")
        officer_email = f"paakayttaja-{self.tag}-{self.current}@mallikunta.fi"
        await self.call("POST", f"/registry/v1/tenants/{self.tenant}/users", self.admin, {
            "email": officer_email, "name": "Mallin pääkäyttäjä", "password": PASSWORD, "role": "tenant_admin"})
        self.officers[self.current] = await self.login(officer_email)
        if self.current in self.h.approving:  # finalised interruptions wait for the officer (issue 19)
            await self.call("PUT", f"/registry/v1/tenants/{self.tenant}/settings", self.officer, {
                "languages": ["fi", "sv"], "payer_iban": iban_for(9_000_000 + self.current), "payer_bic": "NDEAFIHH",
                "interruptions_need_approval": True})
        service = (await self.call("POST", f"/applications/v1/tenants/{self.tenant}/services", self.officer, {
            "name_fi": "Tehostettu palveluasuminen ja kotiapu", "name_sv": "Serviceboende och hemhjälp",
            "kind": "voucher", "auto_recording": self.h.auto_recording and self.current == 0,
            "interruption_rule": KOUVOLA_RULE,
            "contents": [{"name_fi": "Hoiva / vrk", "name_sv": "Vård / dygn", "unit": "day", "client_pays": False},
                         {"name_fi": "Kotiapu / h", "name_sv": "Hemhjälp / h", "unit": "hour", "client_pays": False},
                         *([{"name_fi": "Ateriat / vrk", "name_sv": "Måltider / dygn", "unit": "day",
                             "client_pays": True}] if any(c.client_pays for c in self.h.contents) else [])],
        }, retry=True)).json()
        self.content_ids.update({"care": service["contents"][0]["id"], "help": service["contents"][1]["id"]})
        if len(service["contents"]) > 2:
            self.content_ids["meals"] = service["contents"][2]["id"]
            self.service_of["meals"] = service["id"]
        self.service_of.update({"care": service["id"], "help": service["id"]})
        if any(c.purchased for c in self.h.contents):
            bought = (await self.call("POST", f"/applications/v1/tenants/{self.tenant}/services", self.officer, {
                "name_fi": "Tehostettu palveluasuminen, ostopalvelu", "name_sv": "Serviceboende, köpt tjänst",
                "kind": "purchased", "auto_recording": False, "interruption_rule": KOUVOLA_RULE,
                "contents": [{"name_fi": "Hoiva / vrk", "name_sv": "Vård / dygn", "unit": "day",
                              "client_pays": False}]}, retry=True)).json()
            self.content_ids["bought"] = bought["contents"][0]["id"]
            self.service_of["bought"] = bought["id"]

    async def _provider(self, rng: Any, number: int, prov: Provider) -> None:
        main_user = f"paakayttaja-{prov.key}-{self.tag}@hoiva.fi"
        business_id = random_business_id(rng)
        request = (await self.call("POST", f"/registry/v1/tenants/{self.tenant}/registration-requests", {}, {
            "company_name": f"Hoiva {prov.key} {self.tag} Oy", "business_id": business_id,
            "street_address": "Kauppalankatu 1", "postal_code": "45100", "city": "Kouvola", "country": "FI",
            "first_name": "Maija", "last_name": "Meikäläinen", "email": main_user, "phone": "0401234567",
            "password": PASSWORD, "password_again": PASSWORD, "language": "fi"})).json()
        decided = (await self.call(
            "POST", f"/registry/v1/tenants/{self.tenant}/registration-requests/{request['id']}/decision",
            self.officer, {"decision": "approved"})).json()
        provider_id = decided["provider_id"]
        self.provider_ids[prov.key] = provider_id
        self.business_ids[prov.key] = business_id
        self.provider_headers[prov.key] = await self.login(main_user)
        self.iban_owner[iban_for(number * 100)] = prov.key
        for s_number, site in enumerate(prov.sites, start=1):
            created = (await self.call("POST", f"/registry/v1/providers/{provider_id}/sites",
                                       self.provider_headers[prov.key],
                                       {"name": f"Toimipaikka {site.key}", "provider_code": site.key,
                                        "notification_email": f"{site.key}-{self.tag}@hoiva.fi"})).json()
            self.site_ids[site.key] = created["id"]
            if site.own_billing:
                iban = iban_for(number * 100 + s_number)
                self.iban_owner[iban] = f"{prov.key}/{site.key}"
                await self.call("PUT", f"/registry/v1/providers/{provider_id}/sites/{created['id']}/billing",
                                self.provider_headers[prov.key], {
                                    "iban": iban, "bic": "OKOYFIHH", "reference": "1234561",
                                    "email": f"laskut-{site.key}-{self.tag}@hoiva.fi", "pdf_by_email": False})
        if prov.billing_from == 0:
            await self.give_billing(prov)

    async def give_billing(self, prov: Provider) -> None:
        number = [p.key for p in self.h.providers].index(prov.key)
        await self.call("PUT", f"/registry/v1/providers/{self.provider_ids[prov.key]}/billing",
                        self.provider_headers[prov.key], {
                            "iban": iban_for(number * 100), "bic": "OKOYFIHH", "reference": "1234561",
                            "email": f"laskut-{prov.key}-{self.tag}@hoiva.fi", "pdf_by_email": False})

    def part(self, site_key: str | None) -> str | None:
        return None if site_key is None else f"site:{self.site_ids[site_key]}"

    async def _application(self, prov: Provider, service_id: str) -> None:
        headers = self.provider_headers[prov.key]
        app = (await self.call("POST", f"/applications/v1/tenants/{self.tenant}/applications", headers,
                               {"service_id": service_id}, retry=True)).json()
        app_url = f"/applications/v1/tenants/{self.tenant}/applications/{app['id']}"
        if prov.sites:
            await self.call("PUT", f"{app_url}/steps/sites", headers,
                            {"ids": [self.site_ids[s.key] for s in prov.sites]}, retry=True)
        for pl in self.h.price_lists:
            mine = {c: p for c, p in pl.prices.items() if self.service_of[c] == service_id}
            if pl.provider != prov.key or not mine:
                continue
            await self.call("POST", f"{app_url}/price-lists", headers, {
                "name": f"Hinnasto {pl.part or 'yritys'} {pl.start}", "start": str(pl.start),
                "producer_part": self.part(pl.part),
                "prices": [{"content_id": self.content_ids[c], "unit_price": f"{p:.2f}"} for c, p in mine.items()],
            }, retry=True)
        assertion = await sign_application(self.c, {n: f"/{n}" for n in SERVICES}, headers, self.tenant,
                                           app_url, self.business_ids[prov.key])
        await self.call("POST", f"{app_url}/submit", headers, {"accept_rulebook": True,
                                                               "signature_assertion": assertion})
        await self.call("POST", f"{app_url}/decision", self.officer, {"decision": "approve"})
        self.application_ids[f"{prov.key}/{service_id}"] = app["id"]

    async def _voucher(self, v: Any) -> None:
        if v.client not in self.client_ids:
            rng = random.Random(f"{self.tag}-{v.client}")
            client = (await self.call("POST", f"/vouchers/v1/tenants/{self.tenant}/clients", self.officer, {
                "first_name": "Aino", "last_name": f"Asiakas {v.client}",
                "identity_code": random_test_identity_code(rng), "language": "fi"}, retry=True)).json()
            self.client_ids[v.client] = client["id"]
        grant: dict[str, Any] = {"content_id": self.content_ids[v.content], "granted_amount": str(v.amount),
                                 "period": v.period}
        if v.value is not None:
            grant["voucher_value"] = f"{v.value:.2f}"
        voucher = (await self.call("POST", f"/vouchers/v1/tenants/{self.tenant}/vouchers", self.officer, {
            "client_id": self.client_ids[v.client], "service_id": self.service_of[v.content],
            "granted_on": str(self.h.first - timedelta(days=40)),
            "valid_from": str(v.valid_from), "valid_until": str(v.valid_until), "contents": [grant],
        }, retry=True)).json()
        if self.h.content(v.content).purchased:  # the tenant books the named provider (ostopalvelu)
            booking = (await self.call("POST", f"/vouchers/v1/tenants/{self.tenant}/purchases", self.officer, {
                "voucher_id": voucher["id"], "voucher_content_id": voucher["contents"][0]["id"],
                "provider_id": self.provider_ids[v.provider], "producer_part": self.part(v.part)},
                retry=True)).json()
            self.bookings[v.key] = booking["id"]
            return
        booking = (await self.call("POST", f"/vouchers/v1/tenants/{self.tenant}/bookings",
                                   self.provider_headers[v.provider], {
                                       "voucher_number": voucher["number"],
                                       "voucher_content_id": voucher["contents"][0]["id"],
                                       "producer_part": self.part(v.part), "accept_terms": True,
                                       "client_number": f"{v.client}-{v.key}"}, retry=True)).json()
        self.bookings[v.key] = booking["id"]

    # --- the schedule -----------------------------------------------------------------------------------

    async def run_schedule(self) -> Outcome:
        current: tuple[int, str] | None = None
        for kind, index, item in schedule(self.h):
            if isinstance(item, Event | Interruption):
                self.current = self.h.voucher(item.voucher).tenant
            elif isinstance(item, Voucher):
                self.current = item.tenant
            elif isinstance(item, int):
                self.current = item
            else:
                self.current = 0
            after_run = ("run", "rerun", "credit", "approve_interruption_late")
            phase = ("run" if kind in after_run else "early" if kind == "early_run" else "auto"
                     if kind == "auto_record" else "third" if kind == "stay_before_drafts" else "care")
            if current != (index, phase):
                next_month = self.h.month_first(index + 1)
                if phase == "early":
                    self.set_day(self.h.month_first(index) + timedelta(days=19))
                elif phase == "third":  # a stay entered before the month job
                    self.set_day(self.h.month_first(index) + timedelta(days=2))
                elif phase == "auto":  # the month job runs on the 4th
                    self.set_day(self.h.month_first(index) + timedelta(days=3))
                else:
                    self.set_day(next_month if phase == "care" else next_month + timedelta(days=4))
                current = (index, phase)
                await self.daily_jobs()
                await self.quiesce()
            if kind == "billing":
                assert isinstance(item, Provider)
                await self.give_billing(item)
            elif kind in ("start_interruption", "stay_before_drafts"):
                assert isinstance(item, Interruption)
                await self.start_interruption(item, index)
            elif kind == "end_interruption":
                assert isinstance(item, Interruption)
                await self.end_interruption(item)
            elif kind == "record":
                assert isinstance(item, Event)
                if (item.voucher, index) in self.drafts and self.h.drafted_event(item, index):
                    self.skipped.add(item.key)  # the content's month (up to the draft's cut) is its draft
                    continue
                await self.record(item)
            elif kind == "auto_record":
                await self.auto_record(index)
            elif kind == "confirm_drafts":
                await self.confirm_drafts(index)
            elif kind == "end_booking":
                assert isinstance(item, Voucher)
                new = self.h.successor(item.key)
                assert new is not None
                await self.call("POST", f"/vouchers/v1/tenants/{self.tenant}/bookings/{self.bookings[item.key]}/end",
                                self.provider_headers[item.provider], {
                                    "ended_on": str(new.valid_from - timedelta(days=1)),
                                    "reason": "client_changed_provider"})
                await self.quiesce()
            elif kind in ("run", "rerun"):
                await self.settle(index)
            elif kind == "credit":
                assert isinstance(item, Event)
                if item.key not in self.skipped:
                    await self.credit(item)
            elif kind == "early_run":
                month = self.h.month_first(index)
                response = await self.c.post(f"/settlement/v1/tenants/{self.tenant}/runs", headers=self.officer,
                                             json={"month": f"{month:%Y-%m}", "dry_run": False})
                self.outcome.early_runs[index] = response.status_code == 201
                await self.quiesce()
            elif kind == "death":
                for client, died in self.h.deaths:
                    self.current = self.h.tenant_of_client(client)
                    if self.h.month_index(died) == index:
                        await self.call("POST", f"/vouchers/v1/tenants/{self.tenant}/clients/"
                                                f"{self.client_ids[client]}/death", self.officer,
                                        {"date_of_death": str(died)})
                await self.quiesce()
            elif kind == "correction":
                assert isinstance(item, Event)
                if item.key in self.skipped:
                    continue
                await self.record(replace(item, key=f"{item.key}-again", credit=False, corrected=False))
            elif kind == "decide_interruption":
                assert isinstance(item, Interruption)
                await self.decide_interruption(item, item.decision)
            elif kind == "approve_interruption_late":
                assert isinstance(item, Interruption)
                await self.decide_interruption(item, "approve")
            elif kind == "approval_setting":
                assert isinstance(item, int)
                on = next(value for t, m, value in self.h.approval_changes if (t, m) == (item, index))
                await self.call("PUT", f"/registry/v1/tenants/{self.tenant}/settings", self.officer, {
                    "languages": ["fi", "sv"], "payer_iban": iban_for(9_000_000 + self.current),
                    "payer_bic": "NDEAFIHH", "interruptions_need_approval": on})
                await self.quiesce()
        await self.quiesce()
        await self.co_payments()
        return self.outcome

    async def auto_record(self, month: int) -> None:
        """The events service's month job on the 4th (as its scheduler runs it), for the first tenant; then what
        it drafted, read back as the provider sees it."""
        from seteli_events.service import month_jobs

        self.current = 0
        first = self.h.month_first(month)
        await month_jobs.auto_record(self.suite.runtimes["events"], first + timedelta(days=3), self.tenant)
        await self.quiesce()
        last = self.h.month_first(month + 1) - timedelta(days=1)
        voucher_of = {b: k for k, b in self.bookings.items()}
        sites = {f"site:{sid}": key for key, sid in self.site_ids.items()}
        for prov in self.h.providers:
            listed = (await self.call("GET", f"/events/v1/tenants/{self.tenant}/events?status=draft&from={first}"
                                             f"&to={last}&limit=500", self.provider_headers[prov.key])).json()
            for d in listed["items"]:
                if d["provider_id"] != self.provider_ids[prov.key] or d["start"] < str(first):
                    continue
                key = voucher_of.get(d["booking_id"], d["booking_id"])
                self.drafts.setdefault((key, month), []).append(d)
                same = self.recorders.get(key) == (d["recorder"], d["performer"])
                self.outcome.drafts.add((month, key, d["start"], d["end"],
                                         sites.get(d["producer_part"] or "", "company"), same))
        for pieces in self.drafts.values():
            pieces.sort(key=lambda d: d["start"])

    async def confirm_drafts(self, month: int) -> None:
        """The provider confirms the month's drafts on the 1st of the next month: all at once (per provider), or
        client by client, correcting a draft's end first or leaving it unconfirmed as the history says."""
        self.current = 0
        last = self.h.month_first(month + 1) - timedelta(days=1)
        confirmed: list[tuple[str, str, list[dict[str, Any]]]] = []  # (provider key, voucher key, its drafts)
        cut_later: list[tuple[Mapping[str, str], list[dict[str, Any]], date]] = []
        for (key, m), pieces in sorted(self.drafts.items()):
            if m != month:
                continue
            v = self.h.voucher(key)
            headers = self.provider_headers[v.provider]
            # a stay's departure or the new voucher's first day: the draft ends the day before; cut first, or (as the
            # history says) after confirming, the recorded event then shortened or deleted
            cut = self.h.draft_cut(key, month)
            if cut is not None and not self.h.cut_after_confirm:
                await self._cut(headers, pieces, cut)
            elif cut is not None:
                cut_later.append((headers, pieces, cut))
            decision, earlier = ("confirm", 0) if self.h.confirm_all else self.h.draft_decision(key, month)
            if decision == "leave":
                continue
            for n, d in enumerate(pieces):
                end = date.fromisoformat(d["end"])
                if decision == "correct" and n == len(pieces) - 1 and end < last:
                    new_end = max(date.fromisoformat(d["start"]), end - timedelta(days=earlier))
                    for _ in range(5):  # (a 500 "database is locked" on SQLite: again, as in `_confirm`)
                        await self.quiesce()
                        fixed = await self.c.patch(f"/events/v1/tenants/{self.tenant}/events/{d['id']}",
                                                   headers=headers, json={"end": str(new_end)})
                        if fixed.status_code < 500:
                            break
                    if fixed.status_code != 200:
                        self.outcome.refused[f"correction of {key}'s draft"] = f"HTTP {fixed.status_code}: " \
                                                                             f"{fixed.text[:300]}"
                    else:
                        d["end"] = str(new_end)
            confirmed.append((v.provider, key, pieces))
            if not self.h.confirm_all and pieces:
                await self._confirm(headers, {"event_ids": [d["id"] for d in pieces]})
        if self.h.confirm_all:
            for prov in sorted({prov for prov, _, pieces in confirmed if pieces}):
                await self._confirm(self.provider_headers[prov], {"service_id": self.service_of["care"]})
        for owner, pieces, cut in cut_later:
            await self._cut(owner, pieces, cut)
        await self.quiesce()
        for prov, key, pieces in confirmed:  # every draft meant to be confirmed is recorded now
            for n, d in enumerate(pieces):
                self.event_ids[f"{key}a{month}n{n}"] = d["id"]
                got = (await self.call("GET", f"/events/v1/tenants/{self.tenant}/events/{d['id']}",
                                       self.provider_headers[prov], expected=(200, 404, 409), retry=False))
                if got.status_code != 200 or got.json()["status"] != "recorded":
                    self.outcome.refused[f"draft {d['id']} confirmed"] = f"HTTP {got.status_code}: {got.text[:200]}"

    async def _cut(self, headers: Mapping[str, str], pieces: list[dict[str, Any]], cut: date) -> None:
        """The content's drafts (or the events confirmed from them) up to the day before `cut` (`pieces` in place)."""
        for d in list(pieces):
            if date.fromisoformat(d["start"]) >= cut:
                await self._change_draft(headers, d, None)
                pieces.remove(d)
            elif date.fromisoformat(d["end"]) >= cut:
                await self._change_draft(headers, d, cut - timedelta(days=1))

    async def _change_draft(self, headers: Mapping[str, str], draft: dict[str, Any], end: date | None) -> None:
        """The provider shortens a draft (or the event confirmed from it) to end on `end`, or deletes it (None)."""
        url = f"/events/v1/tenants/{self.tenant}/events/{draft['id']}"
        for _ in range(5):  # (a 500 "database is locked" on SQLite: again, as in `_confirm`)
            await self.quiesce()
            answer = await (self.c.delete(url, headers=dict(headers)) if end is None else
                            self.c.patch(url, headers=dict(headers), json={"end": str(end)}))
            if answer.status_code < 500:
                break
        if answer.status_code not in (200, 204):
            self.outcome.refused[f"cut of draft {draft['start']}"] = f"HTTP {answer.status_code}: {answer.text[:300]}"
        elif end is not None:
            draft["end"] = str(end)

    async def _confirm(self, headers: Mapping[str, str], body: dict[str, Any]) -> None:
        for _ in range(5):
            # SQLite: another write in the events service (its background work) may hold the database a moment
            # ("database is locked", 500): again
            await self.quiesce()
            answer = await self.c.post(f"/events/v1/tenants/{self.tenant}/events/confirm", headers=dict(headers),
                                       json=body)
            if answer.status_code < 500:
                break
        if answer.status_code != 200 or answer.json()["failed"]:
            self.outcome.refused[f"confirmation {body}"] = f"HTTP {answer.status_code}: {answer.text[:300]}"

    async def start_interruption(self, i: Interruption, index: int) -> None:
        v = self.h.voucher(i.voucher)
        body: dict[str, Any] = {"booking_id": self.bookings[v.key], "start": str(i.start), "reason": i.reason}
        if i.part is not None:  # named by the provider ("" the company)
            body["producer_part"] = "" if i.part == "" else self.part(i.part)
        ends_now = self.h.month_index(i.end) == index and not i.never_ended
        if ends_now:
            body["end"] = str(i.wrong_end or i.end)
        url = f"/events/v1/tenants/{self.tenant}/interruptions"
        for _ in range(100):
            created = await self.c.post(url, headers=self.provider_headers[v.provider], json=body)
            # the booking may not have reached the events service yet: wait; any other refusal is an answer
            if created.status_code != 422 or '"booking_id"' not in created.text:
                break
            await self.quiesce()
            await asyncio.sleep(0.1)
        if created.status_code != 201:
            self.outcome.refused[i.key] = f"HTTP {created.status_code}: {created.text[:300]}"
            return
        self.interruption_ids[i.key] = created.json()["id"]
        if ends_now and i.wrong_end is not None:
            await self.fix_interruption(i)
        if ends_now:
            await self.note_waiting(i)

    async def note_waiting(self, i: Interruption) -> None:
        """Whether the finalised interruption waits for the tenant's approval, as the services say."""
        v = self.h.voucher(i.voucher)
        listed = (await self.call("GET", f"/events/v1/tenants/{self.tenant}/interruptions?booking_id="
                                         f"{self.bookings[v.key]}&limit=500", self.officer)).json()["items"]
        if any(x["id"] == self.interruption_ids[i.key] and x.get("approval") == "pending" for x in listed):
            self.outcome.interruptions_waiting.add(i.key)

    async def decide_interruption(self, i: Interruption, decision: str) -> None:
        if i.key not in self.interruption_ids or i.key in self.outcome.refused:  # refused when entered or ended
            return
        response = await self.c.post(
            f"/events/v1/tenants/{self.tenant}/interruptions/{self.interruption_ids[i.key]}/decision",
            headers=self.officer,
            json={"decision": decision, "reason": "" if decision == "approve" else "Paluupäivä on väärin"})
        if response.status_code != 200:
            self.outcome.refused[f"decision on {i.key}"] = f"HTTP {response.status_code}: {response.text[:300]}"

    async def fix_interruption(self, i: Interruption) -> None:
        """The provider corrects the return day at once (PATCH, until it is settled); failing that, deleting
        and entering the interruption again; if neither is accepted the correction is refused."""
        v = self.h.voucher(i.voucher)
        headers = self.provider_headers[v.provider]
        url = f"/events/v1/tenants/{self.tenant}/interruptions/{self.interruption_ids[i.key]}"
        await self.quiesce()
        again = await self.c.patch(url, headers=headers, json={"end": str(i.end)})
        if again.status_code == 200:
            return
        deleted = await self.c.delete(url, headers=headers)
        if deleted.status_code == 204:
            await self.quiesce()
            created = await self.c.post(f"/events/v1/tenants/{self.tenant}/interruptions", headers=headers, json={
                "booking_id": self.bookings[v.key], "start": str(i.start), "end": str(i.end), "reason": i.reason,
                **({} if i.part is None else {"producer_part": "" if i.part == "" else self.part(i.part)})})
            if created.status_code == 201:
                self.interruption_ids[i.key] = created.json()["id"]
                return
        self.outcome.refused[f"{i.key}-fix"] = f"HTTP {again.status_code}: {again.text[:200]}"

    async def end_interruption(self, i: Interruption) -> None:
        v = self.h.voucher(i.voucher)
        if i.key not in self.interruption_ids:  # refused when entered
            return
        ended = await self.call("POST", f"/events/v1/tenants/{self.tenant}/interruptions/"
                                        f"{self.interruption_ids[i.key]}/end",
                                self.provider_headers[v.provider], {"end": str(i.wrong_end or i.end)},
                                expected=(200, 201, 422), retry=True)
        if ended.status_code == 422:  # e.g. a return day after the content's last day: the draft stays open
            self.outcome.refused[i.key] = f"HTTP 422: {ended.text[:300]}"
            return
        if i.wrong_end is not None:
            await self.fix_interruption(i)
        await self.note_waiting(i)

    async def record(self, e: Event) -> None:
        v = self.h.voucher(e.voucher)
        body: dict[str, Any] = {"booking_id": self.bookings[v.key], "start": str(e.start), "end": str(e.end),
                                "status": "recorded"}
        if e.start_time is not None and e.end_time is not None:
            body |= {"start_time": e.start_time.strftime("%H:%M"), "end_time": e.end_time.strftime("%H:%M")}
        for _ in range(100):
            response = await self.c.post(f"/events/v1/tenants/{self.tenant}/events", json=body,
                                         headers=self.provider_headers[v.provider])
            # the booking may not have reached the events service yet (eventual consistency): wait
            if response.status_code != 422 or '"booking_id"' not in response.text:
                break
            await self.quiesce()
            await asyncio.sleep(0.1)
        if response.status_code != 201:
            self.outcome.refused[e.key] = f"HTTP {response.status_code}: {response.text[:300]}"
            return
        event = response.json()
        self.event_ids[e.key] = event["id"]
        self.recorders[v.key] = (event["recorder"], event["performer"])
        if event["approval"] == "awaiting_approval":
            self.outcome.over_limit.add(e.key)
            await self.quiesce()
            await self.call("POST", f"/events/v1/tenants/{self.tenant}/events/{event['id']}/decision", self.officer,
                            {"decision": e.decision, "reason": "" if e.decision == "approve" else "Yli myönnetyn"})

    async def settle(self, index: int) -> None:
        await self.quiesce()
        month = self.h.month_first(index)
        response = await self.c.post(f"/settlement/v1/tenants/{self.tenant}/runs", headers=self.officer,
                                     json={"month": f"{month:%Y-%m}", "dry_run": False})
        if response.status_code >= 500:
            # Seen on SQLite: the request's inline worker and the background worker both pay one job; the
            # second payment insert fails (unique payee per run) and the request answers 500, while the
            # run itself completes once. Find the run and read it like any other.
            listed = (await self.call("GET", f"/settlement/v1/tenants/{self.tenant}/runs?limit=500",
                                      self.officer)).json()["items"]
            new = [r for r in listed if r["month"] == f"{month:%Y-%m}" and r["id"] not in self.seen_runs]
            if len(new) != 1:
                raise DriveFailed(f"run of {month:%Y-%m}: HTTP {response.status_code}: {response.text[:300]}")
            run = (await self.call("GET", f"/settlement/v1/tenants/{self.tenant}/runs/{new[0]['id']}",
                                   self.officer)).json()
        elif response.status_code == 201:
            run = response.json()
        else:
            raise DriveFailed(f"run of {month:%Y-%m}: HTTP {response.status_code}: {response.text[:300]}")
        self.seen_runs.add(run["id"])
        for _ in range(600):  # a background worker may have claimed a job of the run: wait for it
            if run["state"] == "completed":
                break
            await asyncio.sleep(0.1)
            run = (await self.call("GET", f"/settlement/v1/tenants/{self.tenant}/runs/{run['id']}",
                                   self.officer)).json()
        else:
            raise DriveFailed(f"run of {month:%Y-%m} is {run['state']}")
        providers = {pid: key for key, pid in self.provider_ids.items()}
        sites = {sid: key for key, sid in self.site_ids.items()}

        prefix = f"t{self.current}:" if self.h.tenants > 1 else ""

        def label(row: Mapping[str, Any]) -> str:
            prov = prefix + providers.get(row["provider_id"], row["provider_id"])
            return prov if not row.get("site_id") else f"{prov}/{sites.get(row['site_id'], row['site_id'])}"

        accounts: dict[str, list[tuple[str, str]]] = defaultdict(list)  # amount -> [(name, owner)]
        paid = [p for p in run["payments"] if Decimal(p["amount"]) > 0]
        if paid:
            xml = (await self.call("GET", f"/settlement/v1/tenants/{self.tenant}/runs/{run['id']}/payment-file",
                                   self.officer)).text
            for tx in ElementTree.fromstring(xml).iter():
                if not tx.tag.endswith("CdtTrfTxInf"):
                    continue
                iban = next(x.text for x in tx.iter() if x.tag.endswith("IBAN"))
                amount = next(x.text for x in tx.iter() if x.tag.endswith("InstdAmt"))
                name = next(x.text for x in tx.iter() if x.tag.endswith("Nm"))
                owner = prefix + self.iban_owner.get(iban or "", iban or "")
                accounts[f"{Decimal(amount or '0'):.2f}"].append((name or "", owner))
        payments = []
        for p in paid:
            amount = f"{Decimal(p['amount']):.2f}"
            matches = [owner for name, owner in accounts[amount] if name == p["payee_name"][:len(name)]]
            owner = matches[0] if matches else "(not in the payment file)"
            if matches:
                accounts[amount].remove(next(x for x in accounts[amount] if x[1] == owner))
            payments.append((label(p), owner, amount))
        carried = [(label(c), f"{Decimal(c['amount']):.2f}") for c in run["carried_over"] if Decimal(c["amount"]) != 0]
        self.outcome.runs.append((index, sorted(payments), sorted(carried)))
        await self.quiesce()

    async def credit(self, e: Event) -> None:
        event_id = self.event_ids.get(e.key)
        if event_id is None:
            self.outcome.credits_accepted[e.key] = False
            return
        for _ in range(15 if self.rabbit is not None else 1):
            # over RabbitMQ the run's "settled" may still be on its way to the events service
            response = await self.c.post(f"/events/v1/tenants/{self.tenant}/credits", headers=self.officer,
                                         json={"event_id": event_id, "reason": "Virheellinen kirjaus"})
            if response.status_code != 409:
                break
            await self.quiesce()
            await asyncio.sleep(0.2)
        self.outcome.credits_accepted[e.key] = response.status_code == 201
        # 409: not paid (yet) or credited already; 404: the event lay wholly after a validity that ended
        # later (a death recorded after it), so it was removed and there is nothing to credit
        if response.status_code not in (201, 404, 409):
            self.outcome.refused[f"credit of {e.key}"] = f"HTTP {response.status_code}: {response.text[:300]}"

    async def co_payments(self) -> None:
        totals: dict[str, Decimal] = defaultdict(lambda: Decimal("0.00"))
        last = self.h.month_first(self.h.months + 1) - timedelta(days=1)
        pairs = sorted({(v.tenant, v.client, s) for v in self.h.vouchers for s in self.service_ofs[v.tenant].values()})
        for tenant, client, service_id in pairs:
            self.current = tenant
            content_keys = {cid: key for key, cid in self.content_ids.items()}
            url = (f"/events/v1/tenants/{self.tenant}/co-payments?service_id={service_id}"
                   f"&from={self.h.first - timedelta(days=40)}&to={last}&client_id={self.client_ids[client]}")
            body = (await self.call("GET", url, self.officer)).json()
            for line in body.get("lines", []):
                key = f"{client}/{content_keys.get(line.get('content_id'), line.get('content_id'))}"
                totals[key] += Decimal(str(line.get("amount_co_payment", line.get("client_share", "0"))))
        self.outcome.co_payments = {k: f"{t:.2f}" for k, t in sorted(totals.items()) if True}


class Runner:
    """One embedded suite that drives history after history, each as its own tenant (the clock is
    set back to each history's months)."""

    def __init__(self, client: httpx.AsyncClient, clock: FixedClock, suite: Any, rabbit: Any = None) -> None:
        self.client, self.clock, self.suite, self.rabbit = client, clock, suite, rabbit

    async def drive(self, history: History) -> Outcome:
        driver = Driver(history, self.client, self.clock, self.suite, self.rabbit)
        await driver.setup()
        return await driver.run_schedule()


@asynccontextmanager
async def embedded_suite(database_urls: Mapping[str, str] | None = None,
                         amqp_url: str | None = None) -> AsyncIterator[Runner]:
    """The six services in this process (so the clock can be set), each on SQLite and the in-process bus,
    or, given `database_urls` (per service) and `amqp_url`, each on its own PostgreSQL database (as its
    row-level-security role) talking over RabbitMQ."""
    settings: dict[str, dict[str, Any]] = {name: {} for name in SERVICES}
    settings["registry"]["access_token_ttl_seconds"] = 3600
    # The model's months pass in minutes and its users sign in as its clock moves on: a password older than 30
    # days of that clock would ask for a new one (tested in registry's own tests), which is not what the model checks.
    settings["registry"]["password_max_age_days"] = 0
    for name, url in (database_urls or {}).items():
        settings[name]["database_url"] = url
    if amqp_url:
        for name in SERVICES:
            settings[name]["broker_url"] = amqp_url
    with tempfile.TemporaryDirectory(prefix="seteli-model-") as tmp:
        clock = FixedClock(at_helsinki(date(2020, 1, 1)))
        suite = build_suite(Path(tmp), clock=clock, with_portal=False, service_settings=settings)
        async with suite.app.router.lifespan_context(suite.app):
            transport = httpx.ASGITransport(app=suite.app, raise_app_exceptions=False)  # a 500 is an answer
            async with httpx.AsyncClient(transport=transport, base_url="http://suite", timeout=120) as client:
                if amqp_url:
                    import aio_pika

                    connection = await aio_pika.connect_robust(amqp_url)
                    async with connection:
                        channel = await connection.channel()
                        yield Runner(client, clock, suite, channel)
                else:
                    yield Runner(client, clock, suite)


async def drive(history: History) -> Outcome:
    """Run one history through a fresh embedded suite and return what the services did."""
    async with embedded_suite() as runner:
        return await runner.drive(history)
