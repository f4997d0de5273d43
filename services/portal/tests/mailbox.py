"""The embedded suite's mail: each message is an .eml file in the notifications service's outbox
folder. Tests follow the links in them like the recipient would."""

from __future__ import annotations

import asyncio
import re
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

from seteli.embedded import Suite


def _folder(suite: Suite) -> Path:
    return Path(suite.runtimes["notifications"].settings.resolved_outbox_dir())


def _text(msg: EmailMessage) -> str:
    parts = [p for p in msg.walk() if p.get_content_type() in ("text/plain", "text/html")]
    return "\n".join(str(p.get_content()) for p in parts)


def messages_to(suite: Suite, recipient: str) -> list[str]:
    found = []
    files = list(_folder(suite).glob("*.eml")) if _folder(suite).exists() else []
    for path in sorted(files, key=lambda p: p.stat().st_mtime_ns):  # oldest first
        msg = message_from_bytes(path.read_bytes(), policy=policy.default)
        assert isinstance(msg, EmailMessage)
        if recipient.lower() in str(msg["To"]).lower():
            found.append(_text(msg))
    return found


async def link_in_mail(suite: Suite, recipient: str, path: str, timeout: float = 30) -> str:
    """The portal-relative link (`/reset-password?token=…`) in the newest mail to `recipient` (the mail's link
    is absolute, to the portal's public address, which may have a path such as `/portal`)."""
    pattern = re.compile(rf"https?://[^\s\"]*?(/{re.escape(path.strip('/'))}\?token=[A-Za-z0-9_\-]+)")
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while loop.time() < deadline:
        links = [m.group(1) for text in messages_to(suite, recipient) for m in pattern.finditer(text)]
        if links:
            return links[-1]
        await asyncio.sleep(0.2)
    raise AssertionError(f"no {path} link mailed to {recipient} within {timeout:.0f}s")
