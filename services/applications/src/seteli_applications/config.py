from pydantic_settings import SettingsConfigDict
from seteli_common.config import ServiceSettings


class ApplicationsSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="APPLICATIONS_", extra="ignore")

    service_name: str = "applications"
    # A signature assertion of the registry is accepted this long after it was made (and only once).
    signature_max_age_seconds: int = 600
    # How often the due-changes job looks for scheduled service changes whose date has come (0: never).
    due_changes_interval_seconds: float = 3600.0
