from pydantic_settings import SettingsConfigDict
from seteli_common.config import ServiceSettings


class VouchersSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="VOUCHERS_", extra="ignore")

    service_name: str = "vouchers"
    # Voucher look-up by number and verification code (anyone holding both): brute force is throttled.
    lookup_window_seconds: int = 900
    lookup_max_failures_per_number: int = 5
    lookup_max_attempts_per_source: int = 30
    # A provider entering unknown voucher numbers (by-number view, booking) is throttled the same way.
    provider_max_unknown_numbers: int = 20
    # A provider sees a client with an event with it in this many years (or with a valid booking).
    client_visibility_years: int = 3
    # Vouchers past their validity are closed (with an event) by a periodic job; 0 turns the job off
    # (then POST /v1/tenants/{tenant}/vouchers/close-expired does it).
    expiry_interval_seconds: float = 3600.0
    # Key of the person pseudonym (seteli_common.pseudonym), the same as the registry's
    # REGISTRY_PERSON_PSEUDONYM_KEY: a registered client is announced with it so that the resident can sign
    # in with strong identity. Empty = no announcement (resident sign-in then does not know the client).
    person_pseudonym_key: str = ""
