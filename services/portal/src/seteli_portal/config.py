"""Portal settings (env prefix PORTAL_). The portal has no database: it only calls the services' APIs."""

from __future__ import annotations

from datetime import date

from pydantic import model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from seteli_common.config import AdapterMode, refuse_today_in_production

DEV_SESSION_SECRET = "dev-only-change-me"  # well known: accepted only with PORTAL_ADAPTERS=fake
SERVICE_NAMES = ("registry", "applications", "vouchers", "events", "settlement", "notifications")


class PortalSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PORTAL_", extra="ignore", env_file=None)

    # Base URL of each service's API, e.g. {"registry": "http://registry:8000"}; PORTAL_SERVICE_URLS as JSON.
    service_urls: dict[str, str] = {}
    # Encrypts and authenticates the session cookie; set a long random value in production. The
    # development default (or none) stops the start unless PORTAL_ADAPTERS=fake (development only).
    session_secret: str = DEV_SESSION_SECRET
    adapters: AdapterMode = "real"
    # Training and replays: the "today" the pages start from (as the services' TODAY); refused in production.
    today: date | None = None
    # True behind TLS (production). Embedded mode over plain http://127.0.0.1 sets it False.
    cookie_secure: bool = True
    cookie_name: str = "seteli_session"
    session_max_age_seconds: int = 8 * 3600
    # The tenant shown to the public and preselected for providers (a provider works for many tenants).
    default_tenant: str = ""
    default_language: str = "fi"
    api_timeout_seconds: float = 30.0

    @model_validator(mode="after")
    def _today_only_outside_production(self) -> PortalSettings:
        refuse_today_in_production(self.today, self.adapters)
        return self
