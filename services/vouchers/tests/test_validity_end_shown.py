"""A voucher whose validity ended yesterday (Helsinki date) is shown closed as expired from the first minute of the
next day in Finland, before the hourly job closes it: in the officer's view and list (and its state filter), the
provider's view by number and the resident's look-up. The clock is fixed, so the machine's zone plays no part."""

from __future__ import annotations

from datetime import UTC, datetime

from .conftest import Harness, new_client, new_voucher

# 31 March 2016 23:59 and 1 April 00:01 in Helsinki (UTC+3 from 27 March): still 31 March in UTC
LAST_MINUTE = datetime(2016, 3, 31, 20, 59, tzinfo=UTC)
NEXT_DAY = datetime(2016, 3, 31, 21, 1, tzinfo=UTC)


async def _shown(h: Harness, voucher: dict[str, str]) -> dict[str, tuple[str, str | None]]:
    officer = (await h.http.get(f"/v1/tenants/kouvola/vouchers/{voucher['id']}", headers=h.officer())).json()
    [listed] = [v for v in (await h.http.get("/v1/tenants/kouvola/vouchers", headers=h.officer())).json()["items"]
                if v["id"] == voucher["id"]]
    provider = (await h.http.get(f"/v1/tenants/kouvola/vouchers/by-number/{voucher['number']}",
                                 headers=h.provider())).json()
    resident = (await h.http.post("/v1/tenants/kouvola/vouchers/lookup", json={
        "number": voucher["number"], "verification_code": voucher["verification_code"]})).json()
    filtered = {}
    for state in ("granted", "open", "closed"):
        items = (await h.http.get("/v1/tenants/kouvola/vouchers", params={"state": state},
                                  headers=h.officer())).json()["items"]
        if any(v["id"] == voucher["id"] for v in items):
            filtered[state] = state
    [in_filter] = filtered  # listed under exactly one state
    return {"officer": (officer["state"], officer["closed_reason"]), "list": (listed["state"], listed["closed_reason"]),
            "provider": (provider["state"], provider.get("closed_reason")),
            "resident": (resident["state"], resident["closed_reason"]), "filter": (in_filter, None)}


async def test_a_voucher_past_its_validity_is_shown_expired_from_midnight_in_helsinki(h: Harness) -> None:
    voucher = await new_voucher(h, (await new_client(h))["id"], valid_until="2016-03-31")
    h.clock.set(LAST_MINUTE)
    assert await _shown(h, voucher) == {"officer": ("granted", None), "list": ("granted", None),
                                        "provider": ("granted", None), "resident": ("granted", None),
                                        "filter": ("granted", None)}
    h.clock.set(NEXT_DAY)  # the hourly job has not run yet
    assert await _shown(h, voucher) == {"officer": ("closed", "expired"), "list": ("closed", "expired"),
                                        "provider": ("closed", None), "resident": ("closed", "expired"),
                                        "filter": ("closed", None)}
    officer = (await h.http.get(f"/v1/tenants/kouvola/vouchers/{voucher['id']}", headers=h.officer())).json()
    assert officer["contents"][0]["amount_left"] == "0.00"
