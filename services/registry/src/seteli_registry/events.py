"""Events the registry publishes. Consumers keep their own copies of what they need."""

from pydantic import BaseModel, ConfigDict

from seteli_common.messaging.envelope import EventPayload


class BillingInfo(BaseModel):
    model_config = ConfigDict(frozen=True)
    iban: str
    bic: str
    reference: str | None = None
    email: str | None = None
    pdf_by_email: bool = True


class TenantCreated(EventPayload):
    event_type = "registry.tenant.created"
    tenant_id: str
    name_fi: str
    name_sv: str
    business_id: str
    languages: list[str]
    payer_iban: str
    payer_bic: str


class SiteInfo(BaseModel):
    model_config = ConfigDict(frozen=True)
    site_id: str
    name: str
    notification_email: str
    billing: BillingInfo | None = None


class ProviderRegistered(EventPayload):
    event_type = "registry.provider.registered"
    provider_id: str
    business_id: str
    name: str
    language: str
    email: str
    sites: list[SiteInfo]
    billing: BillingInfo | None = None


class BillingChanged(EventPayload):
    event_type = "registry.provider.billing_changed"
    provider_id: str
    site_id: str | None = None  # None: the company's billing information
    billing: BillingInfo | None
