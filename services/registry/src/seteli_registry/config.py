from pathlib import Path

from pydantic_settings import SettingsConfigDict
from seteli_common.config import ServiceSettings


class RegistrySettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="REGISTRY_", extra="ignore")

    service_name: str = "registry"
    # The Ed25519 key that signs every token; production mounts it from a secret.
    signing_key_path: Path = Path(".data/registry-signing-key.json")
    # Short: other services only verify signatures, so a passivated or locked user's access token must
    # die on its own within a minute; the refresh token (revoked at once) keeps real sessions going.
    access_token_ttl_seconds: int = 60
    refresh_token_ttl_seconds: int = 8 * 3600
    # First platform admin, created at start if missing (set both in production via secrets).
    bootstrap_admin_email: str = ""
    bootstrap_admin_password: str = ""
    # Password policy (a platform setting): the seed's rules (004 §1.1, §3.3), which domain.md requires: a digit,
    # an upper- and a lower-case letter, and a new password every 30 days (0: no expiry).
    password_min_length: int = 8
    password_require_character_classes: bool = True
    password_max_age_days: int | None = 30
    # argon2id cost; empty = the library's defaults. Lowered only in tests.
    argon2_time_cost: int | None = None
    argon2_memory_kib: int | None = None
    # Links sent by email point at the portal.
    public_base_url: str = "http://localhost:8080"
    confirmation_link_hours: int = 24
    password_reset_link_minutes: int = 60
    # Attachments: a folder blob store (embedded mode); production may plug in an S3-compatible store.
    attachment_dir: Path | None = None  # default: <data_dir>/attachments
    attachment_max_bytes: int = 10 * 1024 * 1024
    # External systems: all required unless REGISTRY_ADAPTERS=fake (embedded mode, tests, dev), which lets the
    # built-in fakes stand in for any left empty; without it a missing one stops the start (bootstrap.py).
    prh_base_url: str = ""  # e.g. https://avoindata.prh.fi/opendata-ytj-api/v3
    mandates_base_url: str = ""
    mandates_client_id: str = ""
    mandates_api_key: str = ""
    mandates_oauth_password: str = ""
    identity_base_url: str = ""  # Suomi.fi e-Identification OIDC issuer
    identity_client_id: str = ""
    identity_client_secret: str = ""
    strong_login_redirect_uri: str = "http://localhost:8080/strong-login/callback"
    # Signing an application (signing.py): where Suomi.fi sends the person back (the portal's callback),
    # how long a signing may take and how long the signature assertion lives (applications uses it at once).
    signing_redirect_uri: str = "http://localhost:8080/provider/signing/callback"
    signing_session_minutes: int = 15
    signing_assertion_ttl_seconds: int = 300
    # Key of the person pseudonym (seteli_common.pseudonym, HMAC of the identity code), shared with vouchers
    # (VOUCHERS_PERSON_PSEUDONYM_KEY). Empty: signing derives one from the token key, and resident sign-in
    # is off (vouchers cannot derive the same key, so no client would be recognised).
    person_pseudonym_key: str = ""
    # Resident (client) sign-in with strong identity (resident.py): the portal's callback, how long it may take.
    resident_redirect_uri: str = "http://localhost:8080/resident/callback"
    resident_sign_in_minutes: int = 15
    # A resident's access token: no refresh token (there is no account to revoke), so it lives long enough to
    # read a page and write feedback, then the resident identifies again.
    resident_token_ttl_seconds: int = 15 * 60
    # The fake identity's test page (fake_identity_page.py, only without identity_base_url): the URL the
    # browser is sent to; empty = straight back to the redirect URI (tests complete the login by code).
    fake_identity_page_url: str = ""
    # Roles in the company register of mandates that let a person act for a company (configurable policy).
    mandate_roles: list[str] = ["TJ", "NIMKO"]
