"""Operator commands: outbox backlog, dead-letter queues, token signing keys (docs/operations.md).

Wired into the suite CLI by `register(subparsers)`: each command sets `func(args)` (what
`seteli.cli.main` calls; exits with the command's status) and `handler(args) -> int`. Also runs
alone: `python -m seteli.ops backlog`.

    seteli ops backlog [service ...] [--max-age SECONDS]   unsent outbox rows per service (env: <SVC>_*)
    seteli ops dlq list <queue> [--limit N]                 what is parked in <queue>.dlq and why
    seteli ops dlq replay <queue> [--limit N]               move parked messages back to <queue>
    seteli ops signing-key new <path>                       a new registry signing key (JSON, mode 0600)

The broker for `dlq` is `--amqp-url` or SETELI_AMQP_URL. Payloads are never printed: they may hold
personal data; the reason, type, event id and tenant are enough to decide on a replay.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from seteli_common.config import ServiceSettings
from seteli_common.messaging.memory import InMemoryBroker
from seteli_common.messaging.rabbitmq import RabbitTransport
from seteli_common.messaging.transport import QUEUE_HEADER, DeadLetter

from .services import SERVICES, bootstrap
from .services import settings as service_settings

Backlog = tuple[int, float | None]


async def outbox_backlog(service_names: Sequence[str],
                         settings: dict[str, ServiceSettings] | None = None) -> dict[str, Backlog]:
    """Per service: unsent outbox rows and the age in seconds of the oldest (None when empty)."""
    result: dict[str, Backlog] = {}
    for name in service_names:
        svc_settings = (settings or {}).get(name) or service_settings(name)
        # The in-process broker only satisfies the wiring when no broker URL is set: nothing is published.
        runtime = bootstrap(name).build_runtime(svc_settings, broker=InMemoryBroker())
        try:
            result[name] = await runtime.relay.backlog()
        finally:
            await runtime.stop()
    return result


async def dead_letters(amqp_url: str, queue: str, limit: int = 100) -> list[DeadLetter]:
    """Peek at `<queue>.dlq` without removing anything."""
    transport = RabbitTransport(amqp_url)
    try:
        return await transport.dead_letters(queue, limit)
    finally:
        await transport.close()


async def replay_dead_letters(amqp_url: str, queue: str, limit: int = 100) -> int:
    """Move up to `limit` messages from `<queue>.dlq` back to `<queue>`; returns how many moved.
    Consumers deduplicate by event id, so replaying something already processed is harmless."""
    transport = RabbitTransport(amqp_url)
    try:
        return await transport.replay_dead_letters(queue, limit)
    finally:
        await transport.close()


@dataclass(frozen=True)
class DeadLetterSummary:
    event_type: str
    event_id: str
    tenant_id: str
    reason: str
    original_queue: str

    @classmethod
    def of(cls, letter: DeadLetter) -> DeadLetterSummary:
        try:
            body: dict[str, Any] = json.loads(letter.body)
        except ValueError:
            body = {}
        queue = str(letter.headers.get(QUEUE_HEADER, letter.queue.removesuffix(".dlq")))
        return cls(str(body.get("type", "?")), str(body.get("event_id", "?")),
                   str(body.get("tenant_id") or "-"), letter.reason, queue)


def new_signing_key(path: Path) -> str:
    """Write a new Ed25519 signing key where the registry reads it; returns its key id."""
    from seteli_common.auth import SigningKey

    if path.exists():
        raise FileExistsError(f"{path} exists: a rotation writes a new file, then swaps the secret")
    return SigningKey.load_or_create(path).kid


# --- command line -------------------------------------------------------------------------------

def _amqp_url(args: argparse.Namespace) -> str:
    url = args.amqp_url or os.environ.get("SETELI_AMQP_URL", "")
    if not url:
        raise SystemExit("no broker: pass --amqp-url or set SETELI_AMQP_URL")
    return str(url)


def _backlog(args: argparse.Namespace) -> int:
    names = args.services or list(SERVICES)
    unknown = set(names) - set(SERVICES)
    if unknown:
        raise SystemExit(f"unknown service(s): {', '.join(sorted(unknown))}")
    backlog = asyncio.run(outbox_backlog(names))
    late = False
    print(f"{'service':<16}{'unsent':>8}  oldest")
    for name, (count, age) in backlog.items():
        print(f"{name:<16}{count:>8}  {'-' if age is None else f'{age:.0f} s'}")
        late = late or (args.max_age is not None and age is not None and age > args.max_age)
    return 1 if late else 0


def _dlq_list(args: argparse.Namespace) -> int:
    letters = asyncio.run(dead_letters(_amqp_url(args), args.queue, args.limit))
    for letter in letters:
        s = DeadLetterSummary.of(letter)
        print(f"{s.event_type}\t{s.event_id}\ttenant={s.tenant_id}\tqueue={s.original_queue}\treason={s.reason}")
    print(f"{len(letters)} message(s) in {args.queue}.dlq", file=sys.stderr)
    return 0


def _dlq_replay(args: argparse.Namespace) -> int:
    moved = asyncio.run(replay_dead_letters(_amqp_url(args), args.queue, args.limit))
    print(f"replayed {moved} message(s) from {args.queue}.dlq to {args.queue}")
    return 0


def _signing_key(args: argparse.Namespace) -> int:
    kid = new_signing_key(Path(args.path))
    print(f"new signing key {kid} written to {args.path}")
    return 0


def _exiting(handler: Any) -> Any:
    def run(args: argparse.Namespace) -> None:
        status = handler(args)
        if status:
            raise SystemExit(status)
    return run


def register(subparsers: Any) -> None:
    """Add `ops` to the suite CLI's subparsers (from `parser.add_subparsers()`)."""
    ops = subparsers.add_parser("ops", help="operator commands (docs/operations.md)",
                                description="Operator commands: see docs/operations.md.")
    commands = ops.add_subparsers(dest="ops_command", required=True)

    backlog = commands.add_parser("backlog", help="unsent outbox rows per service")
    backlog.add_argument("services", nargs="*", metavar="service",
                         help=f"default: all of {', '.join(SERVICES)}")
    backlog.add_argument("--max-age", type=float, default=None,
                         help="exit 1 when a service's oldest unsent row is older (seconds)")
    backlog.set_defaults(handler=_backlog, func=_exiting(_backlog))

    dlq_parser = commands.add_parser("dlq", help="dead-letter queues")
    dlq = dlq_parser.add_subparsers(dest="dlq_command", required=True)
    for name, handler, text in (("list", _dlq_list, "show what is parked and why (payloads are not shown)"),
                                ("replay", _dlq_replay, "move parked messages back to their queue")):
        sub = dlq.add_parser(name, help=text)
        sub.add_argument("queue", help="the consumer queue, e.g. events.vouchers (not the .dlq)")
        sub.add_argument("--limit", type=int, default=100)
        sub.add_argument("--amqp-url", default=None, help="default: $SETELI_AMQP_URL")
        sub.set_defaults(handler=handler, func=_exiting(handler))

    key = commands.add_parser("signing-key", help="registry token signing keys")
    key_commands = key.add_subparsers(dest="key_command", required=True)
    new = key_commands.add_parser("new", help="write a new key file (for the registry-signing-key Secret)")
    new.add_argument("path")
    new.set_defaults(handler=_signing_key, func=_exiting(_signing_key))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="seteli")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["ops", *(argv if argv is not None else sys.argv[1:])])
    return int(args.handler(args))


if __name__ == "__main__":
    sys.exit(main())
