"""A change of a service after it is defined tells the providers with an approved application in it what
changed (applications.service.changed); a change that changes nothing tells no one."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from seteli_applications.models import applications
from sqlalchemy import insert

from .conftest import PROVIDER_ID, Api, Flow


async def test_the_providers_approved_in_a_service_hear_what_changed(api: Api, flow: Flow) -> None:
    service, _ = await flow.approved_app()
    base = f"/v1/tenants/kouvola/services/{service['id']}"
    hour, meals = service["contents"][0], service["contents"][1]
    keep = ("id", "name_fi", "name_sv", "unit", "client_pays")
    changed = await api.client.patch(base, headers=api.admin, json={
        "name_fi": "Kotihoito 2027",
        "contents": [{**{k: hour[k] for k in keep}, "name_fi": "Kotihoito / tunti"},
                     {**{k: meals[k] for k in keep}, "client_pays": not meals["client_pays"]},
                     {"name_fi": "Turvapuhelin / kpl", "name_sv": "Trygghetstelefon / st", "unit": "piece"}],
        "required_attachments": {"site": ["medication_plan"]},
        "interruption_rule": {"valid_from": "2027-01-01", "reasons": {"hospital": {
            "bands": [{"from_day": 0, "to_day": None, "percentage": 50}], "return_day_percentage": 100}}},
        "calendar": {"provider_deadline_day": 3, "approval_deadline_day": 5, "transfer_day": 6}})
    assert changed.status_code == 200, changed.text
    rulebook = await api.client.post(f"{base}/rulebook-versions", headers=api.admin,
                                     json={"effective_from": "2027-02-01", "text": "Sääntökirja 2027"})
    assert rulebook.status_code == 201

    told = [e["payload"] for e in await api.published("applications.service.changed")]
    assert [t["provider_ids"] for t in told] == [[PROVIDER_ID], [PROVIDER_ID]]
    first = {c["kind"]: c for c in told[0]["changes"]}
    assert list(first) == ["names", "content_renamed", "content_payer", "content_added", "attachment_required",
                           "interruption_rule", "calendar"]
    assert (first["names"]["name_fi"], first["names"]["old_name_fi"]) == ("Kotihoito 2027", service["name_fi"])
    assert first["content_added"]["name_sv"] == "Trygghetstelefon / st"
    assert first["interruption_rule"]["effective_from"] == "2027-01-01"
    assert (first["attachment_required"]["level"], first["attachment_required"]["name_fi"]) == (
        "site", "medication_plan")  # sent as a bare type: named by it (the portal sends the fi/sv names)
    assert [{k: v for k, v in c.items() if v is not None} for c in told[1]["changes"]] == [
        {"kind": "rulebook", "version": 1, "effective_from": "2027-02-01"}]

    same = await api.client.patch(base, headers=api.admin, json={"name_fi": "Kotihoito 2027"})
    assert same.status_code == 200
    assert len(await api.published("applications.service.changed")) == 2  # nothing changed: no news


async def test_a_service_without_approved_providers_tells_no_provider(api: Api, flow: Flow) -> None:
    service = await flow.service()
    await flow.application(service["id"])  # a draft is not an approved application
    changed = await api.client.patch(f"/v1/tenants/kouvola/services/{service['id']}", headers=api.admin,
                                     json={"name_sv": "Hemvård 2027"})
    assert changed.status_code == 200
    [told] = [e["payload"] for e in await api.published("applications.service.changed")]
    assert told["provider_ids"] == [] and [c["kind"] for c in told["changes"]] == ["names"]


async def test_every_approved_provider_hears_of_a_change_however_many_changes_were_approved_before(
        api: Api, flow: Flow) -> None:
    """Years of approved changes (each new price list is one) pile up as approved rows of the service: a change
    of the service is still told to every approved company, the first one approved too."""
    service, _ = await flow.approved_app()
    later = datetime(2016, 3, 15, 11, 0, tzinfo=UTC)
    rows = [{"tenant_id": "kouvola", "id": str(uuid.uuid4()), "service_id": service["id"],
             "provider_id": f"prov-{i % 50}", "state": "approved", "amends_id": None if i < 50 else "x",
             "steps": {}, "approved_site_ids": [], "created_by": "user", "created_at": later + timedelta(seconds=i),
             "updated_at": later} for i in range(1000)]
    async with api.runtime.db.transaction(tenant_id="kouvola") as session:
        await session.execute(insert(applications), rows)
    r = await api.client.patch(f"/v1/tenants/kouvola/services/{service['id']}", headers=api.admin,
                               json={"name_fi": "Kotihoito 2016"})
    assert r.status_code == 200, r.text
    [told] = [e["payload"] for e in await api.published("applications.service.changed")]
    assert told["provider_ids"] == sorted([PROVIDER_ID, *(f"prov-{i}" for i in range(50))])
