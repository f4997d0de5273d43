"""The daily digest: for a provider that asked for it, notices of pending actions are held and, once a
day from `digest_hour` (Helsinki time), collected into one message instead of one mail per item."""

from __future__ import annotations

import logging
import uuid

from seteli_common.clock import HELSINKI, Clock
from seteli_common.db import Database
from seteli_common.messaging.envelope import Envelope
from seteli_common.messaging.outbox import Outbox
from sqlalchemy.ext.asyncio import AsyncSession

from . import repository as repo
from . import service
from .config import NotificationsSettings
from .domain import language_of
from .service import NotificationsContext, Outgoing
from .templates import Renderer

log = logging.getLogger("seteli.notifications.digest")
_DIGEST_NS = uuid.UUID("a3e5c1f0-8d2b-4c47-b6de-2f9a0e4c7b13")


class DigestJob:
    def __init__(self, db: Database, outbox: Outbox, renderer: Renderer, clock: Clock,
                 settings: NotificationsSettings) -> None:
        self.db = db
        self.outbox = outbox
        self.renderer = renderer
        self.clock = clock
        self.settings = settings

    async def run_if_due(self) -> int:
        """Compose today's digests when the hour has come; returns how many were composed."""
        local = self.clock.now().astimezone(HELSINKI)
        if local.hour < self.settings.digest_hour:
            return 0
        # A provider's digest gathers its messages from every tenant: system scope.
        async with self.db.system_transaction() as session:
            provider_ids = await repo.providers_with_held_messages(session)
        composed = 0
        for provider_id in provider_ids:
            async with self.db.system_transaction() as session:
                composed += await self._compose(session, provider_id, local.date().isoformat())
        return composed

    async def _compose(self, session: AsyncSession, provider_id: str, day: str) -> int:
        # One digest per provider and day: its id is derived from both, so a second pass the same day
        # finds it and leaves newer items for tomorrow's digest.
        envelope = Envelope(event_id=uuid.uuid5(_DIGEST_NS, f"{provider_id}:{day}"),
                            type="notifications.digest.composed", payload={})
        held = await repo.held_messages(session, provider_id)
        provider = await repo.get_provider(session, provider_id)
        if not held or provider is None:
            return 0
        ctx = NotificationsContext(session, self.outbox, self.clock, renderer=self.renderer,
                                   message_id_domain=self.settings.message_id_domain)
        items = [{"subject": m["subject"], "kind": m["kind"]} for m in held]
        pk = await service.enqueue(ctx, envelope, Outgoing(
            "daily_digest", provider["email"], [language_of(provider["language"])],
            {"provider_name": provider["name"], "items": items}, None, provider_id))
        if pk is None:
            return 0
        await repo.update_message(session, pk, digest_of=[m["id"] for m in held])
        now = self.clock.now()
        for m in held:
            await repo.update_message(session, m["id"], state="digested")
            await repo.log_delivery(session, tenant_id=m["tenant_id"], message_pk=m["id"], at=now,
                                    outcome="digested", detail=f"sent in daily digest message {pk}")
        log.info("daily digest %s composed of %s notices", pk, len(held))
        return 1
