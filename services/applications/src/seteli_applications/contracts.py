"""The payloads this service reads from other services' events: only the fields used here (unknown
fields are ignored). tests/contracts checks each model against the producer's payload model."""

from __future__ import annotations

from datetime import date, datetime

from seteli_common.messaging.consumer import Inbound


class TenantCreatedIn(Inbound):
    tenant_id: str
    name_fi: str
    name_sv: str


class SiteIn(Inbound):
    site_id: str
    name: str
    notification_email: str


class ProviderRenamedIn(Inbound):
    provider_id: str
    name: str


class ProviderRegisteredIn(Inbound):
    provider_id: str
    business_id: str
    name: str
    email: str
    language: str = "fi"
    sites: list[SiteIn] = []


class SiteAddedIn(Inbound):
    provider_id: str
    site_id: str
    name: str
    notification_email: str


class SubcontractorIn(Inbound):
    """registry.subcontractor.added / removed."""

    provider_id: str
    subcontractor_id: str
    name: str
    removed_at: datetime | None = None
    changed_at: datetime


class UnitsChangedIn(Inbound):
    """registry.provider.units_changed: the company's whole list of units (a unit's name is its id)."""

    provider_id: str
    units: list[str]
    changed_at: datetime


class AreasChangedIn(Inbound):
    """registry.provider.areas_changed: the company's whole list of operating areas (an area's name is its id)."""

    provider_id: str
    areas: list[str]
    changed_at: datetime


class EmployeeIn(Inbound):
    """registry.employee.added, .changed and .removed."""

    provider_id: str
    employee_id: str
    removed_at: datetime | None = None


class AttachmentAddedIn(Inbound):
    attachment_id: str
    provider_id: str
    level: str
    owner_id: str
    type: str
    valid_from: date | None = None
    valid_until: date | None = None


class AttachmentRemovedIn(Inbound):
    """Its other fields make the mark of a removal heard before the addition (only the id matters then)."""

    attachment_id: str
    provider_id: str = ""
    level: str = ""
    owner_id: str = ""
    type: str = ""
