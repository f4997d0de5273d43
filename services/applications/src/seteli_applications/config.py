from pydantic_settings import SettingsConfigDict
from seteli_common.config import ServiceSettings


class ApplicationsSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="APPLICATIONS_", extra="ignore")

    service_name: str = "applications"
    # A signature assertion of the registry is accepted this long after it was made (and only once).
    signature_max_age_seconds: int = 600
