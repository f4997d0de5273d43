"""Settings shared by every service; each service subclasses with its own env prefix (e.g. VOUCHERS_)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from .clock import Clock, ShiftedClock, SystemClock

DEFAULT_DATA_DIR = Path(".data")
AdapterMode = Literal["real", "fake"]


class NotConfigured(RuntimeError):
    """A service refuses to start: it would otherwise fall back to a fake or a development default."""


def require_configured(service: str, env_prefix: str, missing: Iterable[str]) -> None:
    """Refuse to start, naming every missing setting, unless nothing is missing (fail closed)."""
    names = [f"{env_prefix}_{name.upper()}" for name in missing]
    if names:
        raise NotConfigured(
            f"{service} refuses to start: {', '.join(names)} not set and {env_prefix}_ADAPTERS is not 'fake'. "
            f"Configure the real endpoints and secrets, or set {env_prefix}_ADAPTERS=fake to use the built-in "
            "fakes (embedded mode, tests and the dev overlay only: never in production)."
        )


def refuse_today_in_production(today: date | None, adapters: AdapterMode) -> None:
    if today is not None and adapters == "real":
        raise ValueError("a settable date (TODAY) is for training and replays only: it is refused with real "
                         "adapters (production); set ADAPTERS=fake or remove TODAY")


def clock_for(today: date | None) -> Clock:
    return SystemClock() if today is None else ShiftedClock(today)


class ServiceSettings(BaseSettings):
    """What every service needs. `database_url`/`broker_url` decide embedded vs distributed mode.

    - database_url: `postgresql+asyncpg://...` in production, `sqlite+aiosqlite:///path` embedded.
    - broker_url: `amqp://...` for RabbitMQ; empty means the in-process bus (embedded mode only).
    """

    model_config = SettingsConfigDict(extra="ignore", env_file=None)

    service_name: str = "service"
    database_url: str = ""
    # PostgreSQL: the role every connection switches to (`<service>_app`, made by the migrations), bound
    # by row-level security; empty = act as the URL's user (docs/architecture.md, "Tenant isolation").
    database_role: str = ""
    # PostgreSQL: connections of a process's pool (and as many more under a burst), plus up to two for its
    # outbox relay; size them so that every process of every service fits under the server's max_connections.
    database_pool_size: int = Field(default=10, ge=1, le=200)
    # Overload (issue 21): how long an HTTP request waits for a pooled connection before it is answered 503 with
    # Retry-After. A unit of work holds its connection for milliseconds (tens under load), so a pool that frees
    # none in 2 s is not passing a burst: the queue ahead is longer than the process serves, and a later answer
    # (SQLAlchemy's 30 s, past the portal's and most clients' patience) helps nobody. Consumers and jobs wait on.
    database_connection_wait_seconds: float = Field(default=2.0, gt=0, le=30)
    # Requests in progress in one process beyond which one more is answered 503 at once (health probes and
    # /metrics always answered): with 2 x database_pool_size connections busy, the rest wait for one; 64 keeps
    # every connection fed through a burst (~0.5 s of queue at the ~130 req/s a process serves here), while
    # more would only wait to be shed by the connection wait, costing CPU the served requests need.
    max_requests_in_flight: int = Field(default=64, ge=1)
    broker_url: str = ""
    exchange: str = "seteli.events"
    # Where to fetch the registry's public signing keys; empty in embedded mode (keys shared in-process).
    jwks_url: str = ""
    token_audience: str = "seteli"
    token_issuer: str = "seteli-registry"
    http_host: str = "0.0.0.0"
    http_port: int = 8000
    # Distributed mode: /metrics on this port only (a NetworkPolicy lets only the monitoring namespace reach
    # it), not on the API port. 0 = /metrics on the API port (embedded mode and tests).
    metrics_port: int = 0
    otlp_endpoint: str = ""
    log_json: bool = True
    log_level: str = "INFO"
    # Outbox relay and consumers.
    relay_interval_seconds: float = 0.2  # first pause after a failed publish
    # Commits that write outbox rows wake the relay at once; this poll only finds what no wake-up announced.
    relay_idle_seconds: float = 5.0
    relay_batch_size: int = 200
    publish_timeout_seconds: float = 5.0
    consumer_prefetch: int = 32
    delivery_limit: int = 5
    retry_delays_seconds: list[float] = [1.0, 5.0, 30.0]
    data_dir: Path = DEFAULT_DATA_DIR
    # External systems (Suomi.fi identification and mandates, the company register, liability, e-mail):
    # `real` (the default) needs every endpoint configured and refuses to start without one; `fake` uses
    # the built-in fakes. Only the embedded suite, the tests and the dev setups say `fake`.
    adapters: AdapterMode = "real"
    # Training and replays: the suite's "today" (e.g. 2025-03-04); the time of day runs on. Restart with a
    # later date to move on (the data stays). Refused with real adapters, i.e. in production.
    today: date | None = None

    @model_validator(mode="after")
    def _today_only_outside_production(self) -> ServiceSettings:
        refuse_today_in_production(self.today, self.adapters)
        return self

    def clock(self) -> Clock:
        """The clock the service runs on: the real one, or the settable date's."""
        return clock_for(self.today)

    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        self.data_dir.mkdir(parents=True, exist_ok=True)
        return f"sqlite+aiosqlite:///{(self.data_dir / f'{self.service_name}.sqlite').resolve()}"
