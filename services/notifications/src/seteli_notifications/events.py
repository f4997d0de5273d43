"""Events notifications publishes: a disclosure of clients' data by mail, for their access log. Otherwise it only
consumes; its results are mail and the delivery log."""

from datetime import datetime

from pydantic import BaseModel
from seteli_common.messaging.envelope import EventPayload


class ClientRef(BaseModel):
    provider_id: str
    client_ref: str  # as settlement's ledger knows the client: the provider's client number or an internal reference


class ClientDataDisclosed(EventPayload):
    """A mail that names clients went out (a payment specification PDF to the provider who asked for it by email):
    vouchers, which keeps the clients' access log (Client Data Act 703/2023 §11), writes one row per client. Told by
    the sender in the transaction that marks the mail sent: once per mail that went out, at the time it went."""

    event_type = "notifications.client_data.disclosed"
    clients: list[ClientRef]
    actor: str  # "system": no person sent it
    actor_name: str | None = None
    actor_role: str
    actor_org: str | None  # the organisation that received it (the provider)
    what: str  # e.g. "payment.specification.emailed"
    why: str
    at: datetime
