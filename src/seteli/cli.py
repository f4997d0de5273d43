"""`seteli`: the front door for both ways to run the suite.

  seteli up [--port 8000]          all six services in one process (embedded: SQLite + in-process bus)
  seteli serve <service>           one service as its own process, configured by environment
  seteli migrate [<service> ...]   declare the services' queues, then apply their database migrations
                                   (default: all)
  seteli demo [--url URL]          drive the walking skeleton over HTTP and print the result
  seteli ops ...                   outbox backlog, dead-letter queues (see docs/operations.md)
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import socket
import sys
import tempfile
from datetime import date
from pathlib import Path

import httpx
import uvicorn
import uvloop
from seteli_common.config import NotConfigured

from .services import SERVICES, bootstrap, migrations_dir, settings

DEFAULT_DATA_DIR = Path(os.environ.get("SETELI_DATA_DIR", ".data"))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def cmd_up(args: argparse.Namespace) -> None:
    # Start-up makes a great many long-lived objects (six apps' modules, routes and models): the cyclic
    # garbage collector went over them some 500 times, a sixth of the start-up's CPU. Off until every
    # service has started, then on as usual.
    gc.disable()
    from .embedded import DEMO_ADMIN_EMAIL, DEMO_ADMIN_PASSWORD, build_suite

    base = f"http://{args.host}:{args.port}"
    suite = build_suite(args.data_dir.resolve(), seed_demo=not args.no_demo_data, portal_url=f"{base}/portal",
                        today=args.today, on_started=gc.enable)
    print("Seteli is starting in embedded mode (SQLite files in "
          f"{args.data_dir.resolve()}, in-process bus, email as files in {args.data_dir.resolve() / 'mail'}).")
    print(f"  portal         {base}/portal/   (fi/sv; sign in with the demo users below)")
    for name in SERVICES:
        print(f"  {name:<14} {base}/{name}/docs")
    print(f"  platform admin: {DEMO_ADMIN_EMAIL} / {DEMO_ADMIN_PASSWORD}")
    print(f"  demo data and its users: {args.data_dir.resolve() / 'demo-data.txt'} (created on first start)")
    print(f"  try: seteli demo --url {base}")
    uvicorn.run(suite.app, host=args.host, port=args.port, log_level="warning", loop="uvloop", http="httptools")


def cmd_serve(args: argparse.Namespace) -> None:
    module = bootstrap(args.service)
    service_settings = settings(args.service)
    if not service_settings.broker_url or not service_settings.database_url:
        prefix = args.service.upper()
        raise SystemExit(f"distributed mode needs {prefix}_DATABASE_URL and {prefix}_BROKER_URL "
                         "(use `seteli up` for the embedded mode)")
    try:
        runtime = module.build_runtime(service_settings)
    except NotConfigured as exc:  # no fake stands in for a missing endpoint: say which and stop
        raise SystemExit(str(exc)) from None
    app = module.build_app(runtime)
    host = args.host or service_settings.http_host
    port = args.port or service_settings.http_port
    if not service_settings.metrics_port:
        uvicorn.run(app, host=host, port=port, log_level="warning", loop="uvloop", http="httptools")
        return
    # /metrics on its own port, which only the monitoring namespace may reach (deploy/k8s NetworkPolicy)
    from seteli_common.metrics import metrics_app

    # Served together on one uvloop loop (uvloop.run below), each with the httptools parser.
    servers = [uvicorn.Server(uvicorn.Config(app, host=host, port=port, log_level="warning", http="httptools")),
               uvicorn.Server(uvicorn.Config(metrics_app(runtime), host=host, port=service_settings.metrics_port,
                                             log_level="warning", lifespan="off", http="httptools"))]

    async def serve_both() -> None:
        await asyncio.gather(*(server.serve() for server in servers))

    uvloop.run(serve_both())


def cmd_migrate(args: argparse.Namespace) -> None:
    from seteli_common.migrations import upgrade  # alembic: only for this command
    from seteli_common.runtime import declare_queues

    configured = {}
    for name in args.services or SERVICES:
        bootstrap(name)  # refuses an unknown service name
        configured[name] = settings(name, data_dir=args.data_dir)
    # Every service's queues first, as the deploy does (docs/operations.md, "Deploy"): a migration may write
    # events that running pods relay at once, and they must reach the queues of every service's new version.
    for name, service_settings in configured.items():
        if service_settings.broker_url:
            asyncio.run(declare_queues(service_settings, bootstrap(name).topology(service_settings)))
            print(f"{name}: queues declared")
    for name, service_settings in configured.items():
        upgrade(migrations_dir(name), service_settings.resolved_database_url())
        print(f"{name}: migrated")


async def _demo(args: argparse.Namespace) -> int:
    from .demo import DemoFailed, print_result, walking_skeleton
    from .embedded import DEMO_ADMIN_EMAIL, DEMO_ADMIN_PASSWORD, build_suite

    if args.url:
        base = {name: f"{args.url.rstrip('/')}/{name}" for name in SERVICES}
        async with httpx.AsyncClient(timeout=30) as client:
            try:
                result = await walking_skeleton(client, base, admin_email=args.admin_email or DEMO_ADMIN_EMAIL,
                                                admin_password=args.admin_password or DEMO_ADMIN_PASSWORD)
            except DemoFailed as exc:
                print(f"demo failed: {exc}", file=sys.stderr)
                return 1
        print_result(result)
        return 0
    # No running suite given: start an embedded one on a free port in a temporary folder.
    with tempfile.TemporaryDirectory(prefix="seteli-demo-") as tmp:
        suite = build_suite(Path(tmp))
        port = _free_port()
        server = uvicorn.Server(uvicorn.Config(suite.app, host="127.0.0.1", port=port, log_level="warning",
                                                   http="httptools"))
        task = asyncio.create_task(server.serve())
        while not server.started:
            if task.done():
                task.result()
            await asyncio.sleep(0.05)
        try:
            args.url = f"http://127.0.0.1:{port}"
            return await _demo(args)
        finally:
            server.should_exit = True
            await task


def cmd_demo(args: argparse.Namespace) -> None:
    raise SystemExit(asyncio.run(_demo(args)))


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="seteli", description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    sub = p.add_subparsers(dest="command", required=True)

    up = sub.add_parser("up", help="run all services in one process (embedded mode)")
    up.add_argument("--host", default="127.0.0.1")
    up.add_argument("--port", type=int, default=8000)
    up.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR)
    up.add_argument("--no-demo-data", action="store_true", help="do not create the demo tenant on first start")
    up.add_argument("--today", type=date.fromisoformat, default=None, metavar="YYYY-MM-DD",
                    help="training and replays: the suite's today (time of day runs on); restart with a later\n"
                         "date to move on, the data stays. Distributed mode: each service's <PREFIX>_TODAY.")
    up.set_defaults(func=cmd_up)

    serve = sub.add_parser("serve", help="run one service (distributed mode, configured by environment)")
    serve.add_argument("service", choices=SERVICES)
    serve.add_argument("--host", default=None)
    serve.add_argument("--port", type=int, default=None)
    serve.set_defaults(func=cmd_serve)

    migrate = sub.add_parser("migrate", help="apply database migrations")
    migrate.add_argument("services", nargs="*", default=[], help=f"any of: {', '.join(SERVICES)}")
    migrate.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR)
    migrate.set_defaults(func=cmd_migrate)

    demo = sub.add_parser("demo", help="drive the walking skeleton over HTTP and print the result")
    demo.add_argument("--url", default="", help="a running suite (embedded); default: start a temporary one")
    demo.add_argument("--admin-email", default="")
    demo.add_argument("--admin-password", default="")
    demo.set_defaults(func=cmd_demo)

    try:
        from . import ops
    except ImportError:
        ops = None  # type: ignore[assignment]
    if ops is not None and hasattr(ops, "register"):
        ops.register(sub)
    return p


def main(argv: list[str] | None = None) -> None:
    args = parser().parse_args(argv)
    args.func(args)


if __name__ == "__main__":
    main()
