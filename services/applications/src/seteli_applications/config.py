from pydantic_settings import SettingsConfigDict
from seteli_common.config import ServiceSettings


class ApplicationsSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="APPLICATIONS_", extra="ignore")

    service_name: str = "applications"
    # Signing adapter: "fake" (embedded mode, tests) until the registry's identity adapter is reachable.
    signing: str = "fake"
