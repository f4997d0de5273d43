"""The portal's "unfinished units" (Keskeneräiset / Oavslutade enheter) are settlement's units awaiting approval
(the API's `units_awaiting_approval`, the one kind settlement knows) plus the drafts the events service tells."""

from __future__ import annotations

from typing import Any

from seteli_portal.routes_officer import _with_drafts


class _Events:
    async def call(self, method: str, service: str, path: str, params: dict[str, Any]) -> dict[str, Any]:
        draft = {"provider_id": "p-1", "client_ref": "A-1", "content_id": "hoito", "start": "2016-03-05",
                 "units": "3"}
        mine = params.get("client_ref") in (None, draft["client_ref"])
        return {"items": [draft] if mine and params["offset"] == 0 else [], "total": int(mine)}

    def tpath(self, path: str) -> str:
        return path


async def test_unfinished_units_are_those_awaiting_approval_and_the_drafts() -> None:
    settled = {"provider_id": "p-1", "client_ref": "A-1", "content_id": "hoito", "units_settled": "1",
               "amount_settled": "90.00", "co_payment": "0.00", "amount_unsettled": "180.00",
               "units_awaiting_approval": "2"}
    [row] = await _with_drafts(_Events(), [settled], "2016-03", "2016-03", {})  # type: ignore[arg-type]
    assert row["units_unfinished"] == "5"
    again = await _with_drafts(_Events(), [row], "2016-03", "2016-03", {}, {"client_ref": "A-2"})  # type: ignore
    assert again[0]["units_unfinished"] == "5"  # another client's drafts asked: this row keeps its count
