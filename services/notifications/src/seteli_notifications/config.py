from pathlib import Path

from pydantic_settings import SettingsConfigDict
from seteli_common.config import ServiceSettings


class NotificationsSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="NOTIFICATIONS_", extra="ignore")

    service_name: str = "notifications"
    # SMTP relay, required unless NOTIFICATIONS_ADAPTERS=fake: then an empty host writes .eml files into `outbox_dir`.
    smtp_host: str = ""
    smtp_port: int = 25
    smtp_username: str = ""
    smtp_password: str = ""
    smtp_starttls: bool = False
    smtp_timeout_seconds: float = 15.0
    mail_from: str = "Seteli <noreply@seteli.fi>"
    # Where the portal is, for links in mail (the same address as REGISTRY_PUBLIC_BASE_URL).
    public_base_url: str = "http://localhost:8080"
    # Right-hand side of every Message-ID we generate.
    message_id_domain: str = "seteli.fi"
    # Embedded mode: where .eml files go; empty = <data_dir>/mail.
    outbox_dir: Path | None = None
    # Waits between attempts after a temporary failure; when used up the message is failed.
    send_retry_delays: list[float] = [30.0, 120.0, 600.0, 1800.0, 7200.0]
    # The sender is woken after every commit that queues mail; it also polls at this interval.
    send_interval_seconds: float = 5.0
    # Daily digest of pending actions, composed at this hour (Europe/Helsinki) for providers that ask.
    digest_hour: int = 7

    def resolved_outbox_dir(self) -> Path:
        return self.outbox_dir or (self.data_dir / "mail")
