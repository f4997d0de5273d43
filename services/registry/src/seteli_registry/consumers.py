"""Handlers of other services' events. The registry consumes none yet."""

from seteli_common.messaging.consumer import Subscription


def subscriptions() -> list[Subscription]:
    return []
