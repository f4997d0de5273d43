"""Mail goes to an SMTP relay unless the fakes were chosen: no silent .eml files in production."""

from __future__ import annotations

from pathlib import Path

import pytest
from seteli_common.config import NotConfigured
from seteli_common.messaging.memory import InMemoryBroker
from seteli_notifications.bootstrap import build_runtime
from seteli_notifications.config import NotificationsSettings
from seteli_notifications.sender import FileDelivery, SmtpDelivery


def test_without_an_smtp_host_or_the_fakes_notifications_refuses_to_start(tmp_path: Path) -> None:
    with pytest.raises(NotConfigured, match="NOTIFICATIONS_SMTP_HOST not set.*NOTIFICATIONS_ADAPTERS=fake"):
        build_runtime(NotificationsSettings(database_url="", data_dir=tmp_path, log_json=False),
                      broker=InMemoryBroker())
    real = build_runtime(NotificationsSettings(database_url="", data_dir=tmp_path, log_json=False,
                                               smtp_host="smtp.example.fi"), broker=InMemoryBroker())
    assert isinstance(real.extras["sender"].deliver, SmtpDelivery)
    fake = build_runtime(NotificationsSettings(database_url="", data_dir=tmp_path, log_json=False, adapters="fake"),
                         broker=InMemoryBroker())
    assert isinstance(fake.extras["sender"].deliver, FileDelivery)
