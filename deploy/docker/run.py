"""Entry point of one service's container image: `serve`, `declare`, `migrate`, `health` or `check`.

The suite CLI (`seteli serve <service>`) lives in the root package, which depends on all six services;
a service image carries only its own package and libs/common, so it runs this small script instead.
It does the same wiring as the CLI: settings from the environment -> `bootstrap.build_runtime()` ->
`bootstrap.build_app(runtime)` -> uvicorn. The service comes from `SETELI_SERVICE` (set in the image)
or the first argument.

    python /app/run.py serve [service]    # HTTP on <SVC>_HTTP_HOST:<SVC>_HTTP_PORT (0.0.0.0:8000)
    python /app/run.py declare [service]  # its queues and bindings on <SVC>_BROKER_URL, then exit
    python /app/run.py migrate [service]  # alembic upgrade head on <SVC>_DATABASE_URL, then exit
    python /app/run.py health [service]   # exit 0 when GET /health/live answers 200 (image HEALTHCHECK)
    python /app/run.py check [service]    # exit 0 when the database and the broker answer (worker probes)
"""

from __future__ import annotations

import argparse
import importlib
import inspect
import os
import sys
import urllib.request
from pathlib import Path
from typing import Any


def settings_class(service: str) -> type[Any]:
    from seteli_common.config import ServiceSettings

    module = importlib.import_module(f"seteli_{service}.config")
    for _, value in inspect.getmembers(module, inspect.isclass):
        own = value.__module__ == module.__name__
        if own and issubclass(value, ServiceSettings) and value is not ServiceSettings:
            return value
    raise SystemExit(f"seteli_{service}.config defines no ServiceSettings subclass")


def migrations_dir(service: str) -> Path:
    package = importlib.import_module(f"seteli_{service}")
    return Path(package.__file__ or "").parent / "migrations"


def migrate(service: str) -> int:
    # Without build_runtime on purpose: migrating needs neither the broker nor the registry's signing key.
    from seteli_common.migrations import upgrade

    settings = settings_class(service)()
    if not settings.database_url:
        print(f"{service.upper()}_DATABASE_URL is not set", file=sys.stderr)
        return 2
    upgrade(migrations_dir(service), settings.database_url)
    print(f"{service}: database at head")
    return 0


def declare(service: str) -> int:
    # Not build_runtime: it wants what only the service's pods have (the registry's signing key, the external
    # systems' secrets). The queues and bindings come from the settings and the subscriptions alone.
    import asyncio

    from seteli_common.messaging.transport import PublishFailed
    from seteli_common.runtime import declare_queues

    settings = settings_class(service)()
    if not settings.broker_url:
        print(f"{service}: {service.upper()}_BROKER_URL is not set, so there is no broker to declare queues on "
              "(embedded mode: the in-process bus needs none)")
        return 0
    specs = importlib.import_module(f"seteli_{service}.bootstrap").topology(settings)
    try:
        asyncio.run(declare_queues(settings, specs))
    except PublishFailed as exc:  # the Job fails and is retried (backoffLimit); no migration runs meanwhile
        print(f"{service}: {exc}", file=sys.stderr)
        return 1
    print(f"{service}: queues declared ({', '.join(spec.name for spec in specs)})")
    return 0


def serve(service: str) -> int:
    import uvicorn

    bootstrap = importlib.import_module(f"seteli_{service}.bootstrap")
    from seteli_common.config import NotConfigured

    settings = settings_class(service)()
    try:
        runtime = bootstrap.build_runtime(settings)
    except NotConfigured as exc:  # no fake stands in for a missing endpoint: say which and stop
        print(exc, file=sys.stderr)
        return 2
    app = bootstrap.build_app(runtime)
    # The app's lifespan also runs `alembic upgrade head` at start: a no-op once the migration Job has run.
    uvicorn.run(app, host=settings.http_host, port=settings.http_port, log_config=None,
                loop="uvloop", http="httptools", proxy_headers=True, forwarded_allow_ips="*",
                timeout_graceful_shutdown=20)
    return 0


def health(service: str) -> int:
    port = settings_class(service)().http_port
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/health/live", timeout=3) as response:
            return 0 if response.status == 200 else 1
    except OSError:
        return 1


def check(service: str) -> int:
    """For processes without HTTP (the settlement worker): can we reach what we need?"""
    import asyncio

    from seteli_common.db import Database
    from seteli_common.messaging.rabbitmq import RabbitTransport

    settings = settings_class(service)()

    async def probe() -> bool:
        db = Database(settings.database_url)
        try:
            if not await db.ping():
                return False
        finally:
            await db.dispose()
        if settings.broker_url:
            transport = RabbitTransport(settings.broker_url, settings.exchange, connect_timeout=3.0)
            try:
                await transport.start()
                return await transport.is_connected()
            except Exception:
                return False
            finally:
                await transport.close()
        return True

    return 0 if asyncio.run(probe()) else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="run.py", description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["serve", "declare", "migrate", "health", "check"])
    parser.add_argument("service", nargs="?", default=os.environ.get("SETELI_SERVICE", ""))
    args = parser.parse_args(argv)
    if not args.service:
        parser.error("no service: pass one or set SETELI_SERVICE")
    command = {"serve": serve, "declare": declare, "migrate": migrate, "health": health,
               "check": check}[args.command]
    return command(args.service)


if __name__ == "__main__":
    sys.exit(main())
