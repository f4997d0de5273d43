"""Subscriptions: `directory` keeps the read models (recipients, languages, and the pending work the daily
digest lists); `mail` turns facts into messages; `recorded-events` picks over-limit events out of the busy
stream of recorded events. All are idempotent through the inbox, and mail also through the stable Message-ID."""

from __future__ import annotations

from dataclasses import dataclass

from seteli_common.clock import Clock
from seteli_common.messaging.consumer import MessageContext, Subscription

from . import readmodels, triggers, triggers_operations, triggers_registry
from .service import NotificationsContext
from .templates import Renderer


@dataclass
class MailDeps:
    renderer: Renderer
    clock: Clock
    message_id_domain: str
    public_base_url: str = ""

    def context(self, ctx: MessageContext) -> NotificationsContext:
        return NotificationsContext(ctx.session, ctx.outbox, self.clock, renderer=self.renderer,
                                    message_id_domain=self.message_id_domain,
                                    public_base_url=self.public_base_url)


def subscriptions(deps: MailDeps) -> list[Subscription]:
    directory = Subscription("directory")
    readmodels.subscribe(directory)
    readmodels.subscribe_pending_work(directory)
    mail = Subscription("mail")
    for module in (triggers, triggers_registry, triggers_operations):
        module.subscribe(mail, deps.context)
    recorded = Subscription("recorded-events")
    triggers_operations.subscribe_recorded(recorded, deps.context)
    return [directory, mail, recorded]
