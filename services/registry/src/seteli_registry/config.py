from pathlib import Path

from pydantic_settings import SettingsConfigDict

from seteli_common.config import ServiceSettings


class RegistrySettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="REGISTRY_", extra="ignore")

    service_name: str = "registry"
    # The Ed25519 key that signs every token; production mounts it from a secret.
    signing_key_path: Path = Path(".data/registry-signing-key.json")
    access_token_ttl_seconds: int = 300
    # First platform admin, created at start if missing (set both in production via secrets).
    bootstrap_admin_email: str = ""
    bootstrap_admin_password: str = ""
