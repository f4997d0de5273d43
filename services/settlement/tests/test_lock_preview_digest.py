"""A lock sent with the preview's digest locks only what that preview showed: a provider's account changed or
care added after it is answered 409 `preview_changed` with the new digest, and nothing is locked or paid; the
same digest locks. Any API client, not only the portal, is held to the preview it was shown."""

from __future__ import annotations

from typing import Any

from .conftest import BILLING2, P1, Harness, T

NEW_ACCOUNT = {**BILLING2, "email": "uusi@paivansade.fi"}  # a valid account (Kotiapu's numbers will do)


async def lock(h: Harness, month: str, **body: Any) -> Any:
    h.month_ended(month)
    return await h.client.post(f"/v1/tenants/{T}/runs", json={"month": month, **body}, headers=h.admin)


async def nothing_locked(h: Harness) -> None:
    runs = (await h.client.get(f"/v1/tenants/{T}/runs", headers=h.admin)).json()
    assert runs["total"] == 0, runs
    payments = (await h.client.get(f"/v1/tenants/{T}/payments", headers=h.admin)).json()
    assert payments["items"] == [], payments  # no payment, so no payment file either


def refused_as_changed(answer: Any, seen: str) -> str:
    assert answer.status_code == 409, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    problem = answer.json()
    assert problem["reason"] == "preview_changed", problem
    assert [e["field"] for e in problem["errors"]] == ["preview_digest"]
    assert problem["preview_digest"] != seen
    digest: str = problem["preview_digest"]
    return digest


async def test_an_account_changed_after_the_preview_refuses_the_lock_of_the_old_preview(harness: Harness) -> None:
    h = harness
    await h.seed()
    await h.event("e-1", "2016-03-01", "2016-03-10")  # 900.00 to Päivänsäde's account
    h.month_ended("2016-03")
    preview = await h.run("2016-03", dry_run=True)
    seen = preview["preview_digest"]
    # the portal previews without lines: the digest is of who is paid what where, the same either way
    without_lines = await h.client.post(f"/v1/tenants/{T}/runs", params={"lines": "false"},
                                        json={"month": "2016-03", "dry_run": True}, headers=h.admin)
    assert without_lines.json()["preview_digest"] == seen

    await h.publish("registry.provider.billing_changed", {"provider_id": P1, "site_id": None, "billing": NEW_ACCOUNT},
                    tenant_id=None)
    new_digest = refused_as_changed(await lock(h, "2016-03", preview_digest=seen), seen)
    await nothing_locked(h)

    again = await h.run("2016-03", dry_run=True)
    assert again["preview_digest"] == new_digest and again["total"] == preview["total"] == "900.00"
    locked = await lock(h, "2016-03", preview_digest=new_digest)
    assert locked.status_code == 201, locked.text
    assert [(p["iban"], p["amount"]) for p in locked.json()["payments"]] == [(NEW_ACCOUNT["iban"], "900.00")]


async def test_care_added_after_the_preview_refuses_the_lock_and_the_same_preview_locks(harness: Harness) -> None:
    h = harness
    await h.seed()
    await h.event("e-1", "2016-03-01", "2016-03-10")
    h.month_ended("2016-03")
    seen = (await h.run("2016-03", dry_run=True))["preview_digest"]
    await h.event("e-2", "2016-03-11", "2016-03-12")  # 180.00 more, recorded after the officer looked

    refused_as_changed(await lock(h, "2016-03", preview_digest=seen), seen)
    await nothing_locked(h)

    current = (await h.run("2016-03", dry_run=True))["preview_digest"]
    locked = await lock(h, "2016-03", preview_digest=current)
    assert locked.status_code == 201, locked.text
    assert h.payees(locked.json()) == {f"{P1}/-": "1080.00"}


async def test_a_malformed_digest_is_refused_as_invalid_input(harness: Harness) -> None:
    h = harness
    await h.seed()
    await h.event("e-1", "2016-03-01", "2016-03-10")
    answer = await lock(h, "2016-03", preview_digest="not a digest")
    assert answer.status_code == 422, answer.text
    assert [e["field"] for e in answer.json()["errors"]][-1].endswith("preview_digest")
    await nothing_locked(h)
