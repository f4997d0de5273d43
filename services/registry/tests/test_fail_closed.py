"""Fakes only when chosen: without REGISTRY_ADAPTERS=fake a missing endpoint stops the start, naming it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from seteli_common.config import NotConfigured
from seteli_common.messaging.memory import InMemoryBroker
from seteli_common.testing import running_app
from seteli_registry.adapters.liability import UnconnectedLiabilityChecker
from seteli_registry.bootstrap import build_app, build_runtime
from seteli_registry.config import RegistrySettings

REAL = {"prh_base_url": "https://avoindata.prh.fi/opendata-ytj-api/v3",
        "identity_base_url": "https://tunnistus.suomi.fi", "identity_client_id": "seteli",
        "identity_client_secret": "s3cret", "mandates_base_url": "https://asiointivaltuudet.suomi.fi",
        "mandates_client_id": "seteli", "mandates_api_key": "k", "mandates_oauth_password": "p"}


def _settings(tmp_path: Path, **values: Any) -> RegistrySettings:
    return RegistrySettings(database_url="", data_dir=tmp_path, signing_key_path=tmp_path / "key.json",
                            log_json=False, **values)


def test_without_fakes_chosen_a_missing_endpoint_or_secret_refuses_the_start(tmp_path: Path) -> None:
    with pytest.raises(NotConfigured) as refused:
        build_runtime(_settings(tmp_path), broker=InMemoryBroker())
    message = str(refused.value)
    assert "REGISTRY_IDENTITY_BASE_URL" in message and "REGISTRY_MANDATES_BASE_URL" in message
    assert "REGISTRY_PRH_BASE_URL" in message and "REGISTRY_ADAPTERS=fake" in message
    with pytest.raises(NotConfigured, match="REGISTRY_IDENTITY_CLIENT_SECRET not set"):
        build_runtime(_settings(tmp_path, **{**REAL, "identity_client_secret": ""}), broker=InMemoryBroker())


async def test_real_adapters_mount_no_fake_page_and_never_report_a_fake_all_clear(tmp_path: Path) -> None:
    runtime = build_runtime(_settings(tmp_path, **REAL), broker=InMemoryBroker())
    assert isinstance(runtime.extras["adapters"].liability, UnconnectedLiabilityChecker)
    report = await runtime.extras["adapters"].liability.report("7019376-8", None)
    assert report.overall_state == "unavailable" and {c.state for c in report.checks} == {"unavailable"}
    params = {"state": "s", "redirect_uri": runtime.settings.resident_redirect_uri}
    async with running_app(build_app(runtime)) as client:
        assert (await client.get("/v1/fake-identity", params=params)).status_code == 404
    fake = build_runtime(_settings(tmp_path / "fake", adapters="fake"), broker=InMemoryBroker())
    async with running_app(build_app(fake)) as client:
        assert (await client.get("/v1/fake-identity", params=params)).status_code == 200
