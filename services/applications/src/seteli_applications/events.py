"""Events the applications service publishes. Consumers keep their own copies of what they need."""

from pydantic import BaseModel, ConfigDict
from seteli_common.messaging.envelope import EventPayload


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True)


class ContentInfo(_Frozen):
    content_id: str
    name_fi: str
    name_sv: str
    unit: str
    client_pays: bool
    ended_from: str | None = None  # an ISO date: the content is ended from that day on (nothing after it)


class RulebookInfo(_Frozen):
    version_id: str
    version: int
    effective_from: str


class ScheduledServiceVersion(_Frozen):
    """The service as it will be from `effective_from` (ISO date), after a change scheduled for that day."""

    effective_from: str
    name_fi: str
    name_sv: str
    auto_recording: bool
    contents: list[ContentInfo]
    calendar: dict[str, int]
    required_attachments: dict[str, list[dict[str, str]]] | None = None


class ServiceDefined(EventPayload):
    """Published on creation and on every change of a service, and again on the date a scheduled change takes
    effect; consumers upsert by service_id. The fields are the service of today; `scheduled` the versions
    from later dates (a consumer that values by day keeps them; one that keeps the present waits for the
    republication on the date)."""

    event_type = "applications.service.defined"
    service_id: str
    name_fi: str
    name_sv: str
    kind: str
    auto_recording: bool
    contents: list[ContentInfo]
    # {valid_from?, reasons: {hospital|holiday|other: {bands: [{from_day, to_day, percentage}],
    #  return_day_percentage}}}
    interruption_rule: dict[str, object] | None  # the version in force when published
    # every version, by valid_from (optional: consumers of the single rule ignore it)
    interruption_rules: list[dict[str, object]] | None = None
    calendar: dict[str, int]
    required_attachments: dict[str, list[dict[str, str]]] | None = None
    rulebook: RulebookInfo | None = None
    scheduled: list[ScheduledServiceVersion] = []


class ServiceChange(_Frozen):
    """One change of a service (`domain.service_changes`): `kind` is names, content_added, content_renamed,
    content_payer, content_ended (from effective_from), attachment_required, interruption_rule, calendar,
    auto_recording or rulebook; the other fields are those the kind needs."""

    kind: str
    content_id: str | None = None  # the content of a content_* kind
    name_fi: str | None = None
    name_sv: str | None = None
    old_name_fi: str | None = None
    old_name_sv: str | None = None
    client_pays: bool | None = None
    level: str | None = None
    effective_from: str | None = None
    version: int | None = None
    enabled: bool | None = None
    provider_deadline_day: int | None = None
    approval_deadline_day: int | None = None
    transfer_day: int | None = None


class ServiceChanged(EventPayload):
    """A service changed after it was defined: the providers with an approved application in it are told
    what changed (the notifications service mails them)."""

    event_type = "applications.service.changed"
    service_id: str
    name_fi: str
    name_sv: str
    provider_ids: list[str]
    changes: list[ServiceChange]
    effective_from: str | None = None  # ISO date: a change scheduled for that day (None: in effect at once)
    cancelled: bool = False  # the scheduled change of effective_from was withdrawn


class ApplicationSubmitted(EventPayload):
    event_type = "applications.application.submitted"
    application_id: str
    service_id: str
    provider_id: str
    amends_id: str | None = None
    rulebook_version: int | None = None


class ApplicationApproved(EventPayload):
    """site_ids: every site approved for the service so far (a change republishes the full list)."""

    event_type = "applications.application.approved"
    application_id: str
    service_id: str
    provider_id: str
    site_ids: list[str]
    change_id: str | None = None  # set when an approved change of the application caused this


class ApplicationRejected(EventPayload):
    event_type = "applications.application.rejected"
    application_id: str
    service_id: str
    provider_id: str
    reason: str
    amends_id: str | None = None


class ApplicationReturned(EventPayload):
    event_type = "applications.application.returned"
    application_id: str
    service_id: str
    provider_id: str
    reason: str
    missing: list[str]
    amends_id: str | None = None


class PriceInfo(_Frozen):
    content_id: str
    unit_price: str  # decimal string, e.g. "150.00"


class PriceListApproved(EventPayload):
    event_type = "applications.pricelist.approved"
    price_list_id: str
    service_id: str
    provider_id: str
    producer_part: str | None  # None = company level
    name: str
    start: str  # ISO date; valid until the day before the next list of the same producer part starts
    prices: list[PriceInfo]
    additional_info: str = ""


class PriceListInfoChanged(EventPayload):
    """The free-text additional information of an approved list changed (no approval needed); a list
    still pending carries its text in its `pricelist.approved`. Apply only if newer than what you have."""

    event_type = "applications.pricelist.info_changed"
    price_list_id: str
    service_id: str
    provider_id: str
    additional_info: str
    changed_at: str  # ISO date-time: a later change wins, whatever order the events arrive in
