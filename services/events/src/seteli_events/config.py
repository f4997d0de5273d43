from pydantic_settings import SettingsConfigDict
from seteli_common.config import ServiceSettings


class EventsSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="EVENTS_", extra="ignore")

    service_name: str = "events"
    # Auto-recording runs on this day of the month (tenant's time zone, Europe/Helsinki).
    auto_record_day: int = 4
    # Seconds between checks of the in-process auto-recording scheduler; 0 disables it.
    auto_record_check_seconds: float = 3600.0
