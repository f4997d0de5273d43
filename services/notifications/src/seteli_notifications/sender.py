"""The background sender: takes queued messages whose time has come, sends them through SMTP
(aiosmtplib) or, in embedded mode, writes them as .eml files, and records every attempt.

One message per transaction, claimed with `FOR UPDATE SKIP LOCKED` on PostgreSQL, so two replicas
never send the same message. A crash after the SMTP server accepted a message and before the commit
sends it again with the same Message-ID, which receiving systems use to drop the repeat.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Awaitable, Callable
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from pathlib import Path
from typing import Any, Final

import aiosmtplib
from seteli_common.clock import Clock
from seteli_common.db import Database
from seteli_common.messaging.outbox import Outbox
from seteli_common.tasks import stop_task
from sqlalchemy.ext.asyncio import AsyncSession

from . import repository as repo
from .config import NotificationsSettings
from .domain import SECRET_LINK_KINDS, after_failed_attempt, identity_code_in, masked, message_id_for, without_links
from .events import ClientDataDisclosed
from .service import IDENTITY_CODE_REFUSAL, role_addresses

log = logging.getLogger("seteli.notifications.sender")
PASSIVE_RECIPIENT = "not sent: the recipient's user account was passivated"
Periodic = Callable[[], Awaitable[object]]


class DeliveryError(Exception):
    def __init__(self, reason: str, *, permanent: bool) -> None:
        super().__init__(reason)
        self.reason = masked(reason)
        self.permanent = permanent


def build_email(row: dict[str, Any], files: list[dict[str, Any]], mail_from: str) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = mail_from
    msg["To"] = row["recipient"]
    msg["Subject"] = row["subject"]
    msg["Date"] = format_datetime(row["created_at"])
    msg["Message-ID"] = row["message_id"]
    msg["Auto-Submitted"] = "auto-generated"
    msg["X-Seteli-Kind"] = row["kind"]
    msg.set_content(row["body_text"])
    msg.add_alternative(row["body_html"], subtype="html")
    for f in files:
        maintype, _, subtype = f["content_type"].partition("/")
        msg.add_attachment(bytes(f["content"]), maintype=maintype, subtype=subtype or "octet-stream",
                           filename=f["filename"])
    # Last: set_content / add_attachment move or drop Content-* headers of the outer message.
    msg["Content-Language"] = row["language"].replace("+", ", ")
    return msg


def _without_secret_links(row: dict[str, Any]) -> dict[str, str]:
    """The stored bodies without their links, for a mail whose link signs its holder in; else nothing to change."""
    if row["kind"] not in SECRET_LINK_KINDS:
        return {}
    return {"body_text": without_links(row["body_text"]), "body_html": without_links(row["body_html"])}


def _writable(row: dict[str, Any], files: list[dict[str, Any]], mail_from: str) -> EmailMessage:
    """The message as mail, or a permanent failure: a value no header can hold (a line break in an address)
    fails this message alone, recorded, instead of stopping every message queued after it. The reason names
    the error's kind only, never the value (an address is personal data)."""
    try:
        return build_email(row, files, mail_from)
    except (ValueError, TypeError, LookupError) as exc:
        raise DeliveryError(f"the message cannot be written as mail ({type(exc).__name__}): a header value "
                            "holds a line break or a character mail cannot carry", permanent=True) from exc


_REFUSED_US: Final = (aiosmtplib.SMTPAuthenticationError, aiosmtplib.SMTPSenderRefused, aiosmtplib.SMTPHeloError,
                      aiosmtplib.SMTPConnectResponseError)


class SmtpDelivery:
    def __init__(self, settings: NotificationsSettings) -> None:
        self.settings = settings

    async def __call__(self, msg: EmailMessage, recipient: str) -> None:
        s = self.settings
        try:
            await aiosmtplib.send(
                msg, sender=parseaddr(s.mail_from)[1], recipients=[recipient], hostname=s.smtp_host,
                port=s.smtp_port, username=s.smtp_username or None, password=s.smtp_password or None,
                start_tls=s.smtp_starttls, timeout=s.smtp_timeout_seconds,
            )
        except aiosmtplib.SMTPRecipientsRefused as exc:
            codes = [r.code for r in exc.recipients]
            reason = "; ".join(f"{r.code} {r.message}" for r in exc.recipients)
            raise DeliveryError(reason, permanent=all(500 <= c < 600 for c in codes)) from exc
        except _REFUSED_US as exc:
            # The relay refused Seteli itself (credentials, sender policy, greeting): nothing about this message or
            # its recipient, so it is tried again, bounded by the retry delays, like any temporary refusal.
            raise DeliveryError(f"{exc.code} {exc.message}", permanent=False) from exc
        except aiosmtplib.SMTPResponseException as exc:
            raise DeliveryError(f"{exc.code} {exc.message}", permanent=500 <= exc.code < 600) from exc
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
            raise DeliveryError(f"{type(exc).__name__}: {exc}", permanent=False) from exc


class FileDelivery:
    """Embedded mode: each message becomes an .eml file that a mail program opens."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    async def __call__(self, msg: EmailMessage, recipient: str) -> None:
        name = f"{msg['X-Seteli-Kind']}-{str(msg['Message-ID']).strip('<>').split('@')[0]}.eml"
        try:
            await asyncio.to_thread(self._write, name, msg.as_bytes())
        except OSError as exc:
            raise DeliveryError(f"cannot write the message file: {exc.strerror}", permanent=False) from exc

    def _write(self, name: str, data: bytes) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        tmp = self.directory / f".{name}.tmp"
        tmp.write_bytes(data)
        os.replace(tmp, self.directory / name)  # atomic: a reader never sees half a message


async def tell_disclosures(outbox: Outbox, session: AsyncSession, row: dict[str, Any], files: list[dict[str, Any]],
                           at: datetime) -> bool:
    """The mail went out: each attachment that names clients (a payment specification) is a disclosure of their
    data to the receiving organisation, told to vouchers for their access log in the transaction that marks the mail
    sent, so once per mail that went out (a crash before the commit sends it again and tells it then)."""
    told = False
    for f in files:
        if not f["discloses"]:
            continue
        await outbox.add(session, ClientDataDisclosed(
            clients=f["discloses"]["clients"], actor="system", actor_name="Seteli", actor_role="system",
            actor_org=row["provider_id"], what=f["discloses"]["what"], why=f["discloses"]["why"], at=at,
        ), tenant_id=row["tenant_id"], causation_id=row["event_id"], consistency_token=False)
        told = True
    return told


class MailSender:
    def __init__(self, db: Database, settings: NotificationsSettings, clock: Clock,
                 periodic: list[Periodic] | None = None, *, outbox: Outbox | None = None,
                 wake_relay: Callable[[], None] | None = None) -> None:
        self.db = db
        self.settings = settings
        self.clock = clock
        self.periodic = periodic or []
        # where a mail that names clients tells their access log (bootstrap passes the service's outbox)
        self.outbox = outbox
        self.wake_relay = wake_relay
        self._told = False
        self.deliver: Callable[[EmailMessage, str], Awaitable[None]] = (
            SmtpDelivery(settings) if settings.smtp_host else FileDelivery(settings.resolved_outbox_dir()))
        self._wake = asyncio.Event()
        self._lock = asyncio.Lock()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._loop(), name="notifications-sender")

    async def stop(self) -> None:
        if self._task is not None:
            await stop_task(self._task)
            self._task = None

    def wake(self) -> None:
        self._wake.set()

    async def _loop(self) -> None:
        while True:
            try:
                await self.flush()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("sender pass failed; will try again")
            try:
                # asyncio.timeout, not wait_for: Python 3.11's wait_for returns the inner result when a
                # wake-up and a cancel arrive together, so stop() waited forever (a hung CI run).
                async with asyncio.timeout(self.settings.send_interval_seconds):
                    await self._wake.wait()
            except TimeoutError:
                pass
            self._wake.clear()

    async def flush(self) -> int:
        """Run the periodic jobs, then send everything that is due. Returns the attempts made."""
        async with self._lock:
            for job in self.periodic:
                await job()
            attempts = 0
            while await self._attempt_one():
                attempts += 1
            if self._told and self.wake_relay is not None:  # committed: the relay sends it now, not at its next poll
                self._told = False
                self.wake_relay()
            return attempts

    async def _attempt_one(self) -> bool:
        async with self.db.system_transaction() as session:  # the sender drains every tenant's messages
            row = await repo.claim_due_message(session, self.clock.now(), skip_locked=self.db.is_postgres)
            if row is None:
                return False
            if await repo.passivated_address(session, row["recipient"]):
                if row["recipient_role"]:
                    await self._to_whoever_fills_the_role(session, row)
                else:
                    await self._not_sent_to_passive_user(session, row)
                return True
            attempt = row["attempts"] + 1
            try:
                if identity_code_in(row["subject"], row["body_text"], row["body_html"]):
                    raise DeliveryError(IDENTITY_CODE_REFUSAL, permanent=True)
                files = await repo.message_attachments(session, row["id"])
                await self.deliver(_writable(row, files, self.settings.mail_from), row["recipient"])
            except DeliveryError as exc:
                now = self.clock.now()
                outcome = after_failed_attempt(attempt, self.settings.send_retry_delays, now,
                                               permanent=exc.permanent)
                # Given up: nobody sends this copy, so a sign-in link in it is kept no more than a sent one's.
                dropped = _without_secret_links(row) if outcome.state == "failed" else {}
                await repo.update_message(session, row["id"], state=outcome.state, attempts=attempt,
                                          next_attempt_at=outcome.next_attempt_at, last_error=exc.reason, **dropped)
                await repo.log_delivery(session, tenant_id=row["tenant_id"], message_pk=row["id"], at=now,
                                        outcome=outcome.log_outcome, attempt=attempt, detail=exc.reason)
                log.warning("message %s attempt %s: %s", row["id"], attempt, outcome.log_outcome)
                return True
            now = self.clock.now()
            if self.outbox is not None and await tell_disclosures(self.outbox, session, row, files, now):
                self._told = True
            await repo.update_message(session, row["id"], state="sent", attempts=attempt, sent_at=now,
                                      next_attempt_at=None, last_error=None, **_without_secret_links(row))
            await repo.log_delivery(session, tenant_id=row["tenant_id"], message_pk=row["id"], at=now,
                                    outcome="sent", attempt=attempt)
            log.info("message %s sent on attempt %s", row["id"], attempt)
            return True

    async def _not_sent_to_passive_user(self, session: AsyncSession, row: dict[str, Any]) -> None:
        """Queued before its recipient was passivated (one who left): not sent, and the log says why."""
        now = self.clock.now()
        await repo.update_message(session, row["id"], state="skipped", next_attempt_at=None,
                                  last_error=PASSIVE_RECIPIENT, **_without_secret_links(row))
        await repo.log_delivery(session, tenant_id=row["tenant_id"], message_pk=row["id"], at=now,
                                outcome="skipped", detail=PASSIVE_RECIPIENT)
        log.info("message %s not sent: its recipient was passivated", row["id"])

    async def _to_whoever_fills_the_role(self, session: AsyncSession, row: dict[str, Any]) -> None:
        """Queued to a person for a role (the company's main user, a tenant admin) who was passivated before it
        went out: not sent to them; a copy goes to whoever the role resolves to now, each under the Message-ID
        the notice has to them, so that one who has it already (another admin's copy, a copy made before) does
        not get it twice. The log of both says where it went."""
        now = self.clock.now()
        forwarded: list[str] = []
        had_it: list[str] = []
        for address in await role_addresses(session, row["recipient_role"], row["tenant_id"], row["provider_id"]):
            message_id = message_id_for(row["notice_key"] or row["event_id"], row["kind"], address,
                                        self.settings.message_id_domain)
            pk = await repo.copy_message(session, row, recipient=address, message_id=message_id, now=now)
            if pk is None:
                had_it.append(address)
                continue
            await repo.log_delivery(session, tenant_id=row["tenant_id"], message_pk=pk, at=now, outcome="queued",
                                    detail=f"instead of message {row['id']}: its recipient was passivated")
            forwarded.append(f"{address} (message {pk})")
        if forwarded:
            reason = f"{PASSIVE_RECIPIENT}; goes instead to {', '.join(forwarded)}"
        elif had_it:
            reason = f"{PASSIVE_RECIPIENT}; {', '.join(had_it)} had it already"
        else:
            reason = f"{PASSIVE_RECIPIENT}; no recipient address"
        await repo.update_message(session, row["id"], state="skipped", next_attempt_at=None, last_error=reason,
                                  **_without_secret_links(row))
        await repo.log_delivery(session, tenant_id=row["tenant_id"], message_pk=row["id"], at=now,
                                outcome="skipped", detail=reason)
        log.info("message %s not sent: its recipient was passivated; %s copies queued", row["id"], len(forwarded))
