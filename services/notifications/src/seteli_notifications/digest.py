"""The daily digest: for a provider that asked for it, once a day from `digest_hour` (Helsinki time), one
message lists what the provider must do, as its home page does, and the notices of pending actions held
meanwhile (instead of one mail per item). What needs doing comes from read models fed by events, never from
a call to another service: events' daily summary of each tenant's pending work (`pending_work`: drafts to
confirm by the deadline, events awaiting approval, interruptions without an end, feedback awaiting a reply,
correction requests open or answered), the attachments running out (`provider_attachments`, from
`registry.attachment.*`) and the bookings made since the last digest (`new_bookings`, from
`vouchers.booking.made`). Nothing pending and nothing held: no digest."""

from __future__ import annotations

import logging
import uuid
from datetime import date, timedelta
from typing import Any

from seteli_common.clock import HELSINKI, Clock
from seteli_common.db import Database
from seteli_common.messaging.envelope import Envelope
from seteli_common.messaging.outbox import Outbox
from sqlalchemy.ext.asyncio import AsyncSession

from . import repository as repo
from . import service
from .config import NotificationsSettings
from .domain import EXPIRY_WARNING_DAYS, NEW_BOOKING_DAYS, language_of, pending_lines
from .service import NotificationsContext, Outgoing
from .templates import Renderer

log = logging.getLogger("seteli.notifications.digest")
_DIGEST_NS = uuid.UUID("a3e5c1f0-8d2b-4c47-b6de-2f9a0e4c7b13")
# events summarises each morning; yesterday's summary still counts when today's has not come yet
SUMMARY_MAX_AGE_DAYS = 1
RELEASED = "the provider no longer takes the daily digest: sent at once"


class DigestJob:
    def __init__(self, db: Database, outbox: Outbox, renderer: Renderer, clock: Clock,
                 settings: NotificationsSettings) -> None:
        self.db = db
        self.outbox = outbox
        self.renderer = renderer
        self.clock = clock
        self.settings = settings

    async def run_if_due(self) -> int:
        """Send the held notices of providers that turned the digest off (every sending round), then compose
        today's digests when the hour has come; returns how many were composed."""
        await self.release_held()
        local = self.clock.now().astimezone(HELSINKI)
        if local.hour < self.settings.digest_hour:
            return 0
        today = local.date()
        # A provider's digest gathers its messages and pending work from every tenant: system scope.
        async with self.db.system_transaction() as session:
            await repo.forget_new_bookings(session, made_before=today - timedelta(days=NEW_BOOKING_DAYS))
            provider_ids = sorted(set(await repo.providers_with_held_messages(session)) | set(
                await repo.digest_providers_with_pending_work(
                    session, work_since=today - timedelta(days=SUMMARY_MAX_AGE_DAYS),
                    expiring_until=today + timedelta(days=EXPIRY_WARNING_DAYS),
                    bookings_since=today - timedelta(days=NEW_BOOKING_DAYS))))
        composed = 0
        for provider_id in provider_ids:
            async with self.db.system_transaction() as session:
                composed += await self._compose(session, provider_id, today)
        return composed

    async def release_held(self) -> int:
        """A notice held for the digest of a provider that turned it off since would wait for a digest that
        never comes (or is no longer wanted): it goes out in this sending round instead, as if never held."""
        async with self.db.system_transaction() as session:  # held notices of every tenant
            now = self.clock.now()
            released = await repo.release_held_messages(session, now)
            for m in released:
                await repo.log_delivery(session, tenant_id=m["tenant_id"], message_pk=m["id"], at=now,
                                        outcome="queued", detail=RELEASED)
        if released:
            log.info("%s held notices queued: their providers no longer take the daily digest", len(released))
        return len(released)

    async def _pending(self, session: AsyncSession, provider_id: str, today: date, lang: str) -> list[str]:
        work = await repo.pending_work_of(session, provider_id, today - timedelta(days=SUMMARY_MAX_AGE_DAYS))
        bookings = await repo.new_bookings_by_tenant(session, provider_id, today - timedelta(days=NEW_BOOKING_DAYS))
        by_tenant: dict[str, dict[str, Any]] = {w["tenant_id"]: dict(w) for w in work}
        for tenant_id, count in bookings.items():
            if tenant_id not in by_tenant:
                names = await service.tenant_context(session, tenant_id)
                by_tenant[tenant_id] = {"tenant_id": tenant_id, **names}
            by_tenant[tenant_id]["bookings"] = count
        attachments = await repo.attachments_running_out(session, provider_id,
                                                         today + timedelta(days=EXPIRY_WARNING_DAYS))
        return pending_lines([by_tenant[t] for t in sorted(by_tenant)], attachments, today, lang)

    async def _compose(self, session: AsyncSession, provider_id: str, today: date) -> int:
        # One digest per provider and day: its id is derived from both, so a second pass the same day
        # finds it and leaves newer items for tomorrow's digest.
        envelope = Envelope(event_id=uuid.uuid5(_DIGEST_NS, f"{provider_id}:{today.isoformat()}"),
                            type="notifications.digest.composed", payload={})
        provider = await repo.get_provider(session, provider_id)
        if provider is None:
            return 0
        lang = language_of(provider["language"])
        held = await repo.held_messages(session, provider_id)
        pending = await self._pending(session, provider_id, today, lang) if provider["daily_digest"] else []
        if not held and not pending:
            return 0
        ctx = NotificationsContext(session, self.outbox, self.clock, renderer=self.renderer,
                                   message_id_domain=self.settings.message_id_domain)
        items = [{"subject": m["subject"], "kind": m["kind"]} for m in held]
        pk = await service.enqueue(ctx, envelope, Outgoing(
            "daily_digest", provider["email"], [lang],
            {"provider_name": provider["name"], "items": items, "pending": pending,
             "count": len(items) + len(pending)}, None, provider_id,
            recipient_role=service.company_role(provider, provider["email"])))
        if pk is None:
            return 0
        await repo.update_message(session, pk, digest_of=[m["id"] for m in held])
        await repo.forget_new_bookings(session, provider_id=provider_id)  # listed once
        now = self.clock.now()
        for m in held:
            await repo.update_message(session, m["id"], state="digested")
            await repo.log_delivery(session, tenant_id=m["tenant_id"], message_pk=m["id"], at=now,
                                    outcome="digested", detail=f"sent in daily digest message {pk}")
        log.info("daily digest %s composed of %s notices and %s pending actions", pk, len(held), len(pending))
        return 1
