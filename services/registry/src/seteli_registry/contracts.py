"""The payloads this service reads from other services' events: only the fields used here (unknown
fields are ignored). tests/contracts checks each model against the producer's payload model."""

from __future__ import annotations

from typing import Any

from seteli_common.messaging.consumer import Inbound


class ScheduledVersionIn(Inbound):
    effective_from: str  # an ISO date
    contents: list[dict[str, Any]] = []


class ServiceDefinedIn(Inbound):
    service_id: str
    name_fi: str | None = None
    name_sv: str | None = None
    kind: str | None = None
    contents: list[dict[str, Any]] | None = None  # kept whole in the catalog
    scheduled: list[ScheduledVersionIn] = []  # the service from later dates: a content's end from a later day


class ApplicationSubmittedIn(Inbound):
    provider_id: str


class ApplicationApprovedIn(Inbound):
    application_id: str
    service_id: str
    provider_id: str
    site_ids: list[str] | None = None


class PriceIn(Inbound):
    content_id: str
    unit_price: str


class PriceListApprovedIn(Inbound):
    price_list_id: str
    service_id: str
    provider_id: str
    producer_part: str | None = None
    name: str | None = None
    start: str  # an ISO date
    prices: list[PriceIn] | None = None
    additional_info: str | None = None


class PriceListInfoChangedIn(Inbound):
    price_list_id: str
    additional_info: str | None = None
    changed_at: str


class ClientRegisteredIn(Inbound):
    client_id: str
    person: str  # the person pseudonym


class ClientDiedIn(Inbound):
    client_id: str
