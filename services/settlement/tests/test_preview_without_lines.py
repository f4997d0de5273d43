"""A preview asked without its lines (`?lines=false`, what the portal's load mix and a quick look ask) is planned
from the open-lines queue alone: it must show what a preview with its lines shows, and what the run then pays
(payees, totals, carry-overs, set-offs, the events paid and the changes since the previous preview)."""

from __future__ import annotations

from typing import Any

from .test_provider_set_off import COMPANY, SITE, carried, credit, march_paid_to_kuusela
from .test_site_payees import MAY_5, T, lock


async def preview(h: Any, month: str, *, lines: bool) -> dict[str, Any]:
    response = await h.client.post(f"/v1/tenants/{T}/runs", params={"lines": str(lines).lower()},
                                   json={"month": month, "dry_run": True}, headers=h.admin)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def shown(view: dict[str, Any]) -> dict[str, Any]:
    """The preview but its lines (absent without them), its time and its changes (since the previous preview)."""
    groups = {key: [{k: v for k, v in g.items() if k != "lines"} for g in view[key]]
              for key in ("payments", "carried_over")}
    return {k: v for k, v in view.items() if k not in ("created_at", "changes", "payments", "carried_over")} | groups


def nothing_changed(view: dict[str, Any]) -> bool:
    changes = view["changes"]
    return not (changes["first_preview"] or changes["payees"] or changes["added_lines"] or changes["removed_lines"])


async def test_a_preview_without_its_lines_shows_what_one_with_them_shows_and_the_run_pays(harness: Any) -> None:
    h = harness
    await march_paid_to_kuusela(h)  # 900.00 paid to the site Kuusela in March
    await credit(h, "c-1", "e-1", "-900.00", "site:s-kuusela")  # credited in April: set off against the company
    await h.event("e-2", "2016-04-01", "2016-04-12")  # 1080.00, the company's
    await h.event("e-3", "2016-04-01", "2016-04-02", producer_part="site:s-kuusela")  # 180.00
    await h.event("e-4", "2016-04-03", "2016-04-04", producer_part="site:s-uusi")  # a site not known: carried
    h.clock.set(MAY_5)
    whole = await preview(h, "2016-04", lines=True)
    bare = await preview(h, "2016-04", lines=False)
    assert all(g["lines"] for g in whole["payments"] + whole["carried_over"])
    assert not any(g["lines"] for g in bare["payments"] + bare["carried_over"])
    assert shown(bare) == shown(whole)
    assert h.payees(bare) == {COMPANY: "360.00", SITE: "0.00"} and bare["total"] == "360.00"  # 720.00 set off
    assert carried(bare) == [("s-uusi", "180.00", "site_not_known")]
    assert sorted(e for p in bare["payments"] for e in p["event_ids"]) == ["e-2", "e-3"]
    assert nothing_changed(bare)  # the same lines, payees and amounts as the preview with lines just before
    # A correction between two previews without lines: its old line removed, its new one added.
    await h.event("e-2", "2016-04-01", "2016-04-10", revision=2, corrected=True)  # 900.00
    again = await preview(h, "2016-04", lines=False)
    assert again["total"] == "180.00"
    assert [ln["event_id"] for ln in again["changes"]["removed_lines"]] == ["e-2"]
    assert [(ln["event_id"], ln["amount"], ln["payee"]) for ln in again["changes"]["added_lines"]] == [
        ("e-2", "900.00", COMPANY)]
    assert nothing_changed(await preview(h, "2016-04", lines=True))
    april = await lock(h, "2016-04", MAY_5)
    assert h.payees(april) == h.payees(again) == {COMPANY: "180.00", SITE: "0.00"}
    assert april["total"] == again["total"] and carried(april) == carried(again)
