"""A session the registry ended is refused here at once, on PostgreSQL as deployed (row-level-security roles)."""

from __future__ import annotations

from seteli_common.auth import Role

from .conftest import PROVIDER, Harness, T


async def test_a_token_of_a_revoked_session_is_refused_as_soon_as_the_revocation_is_delivered(h: Harness) -> None:
    ended = h.token_for(Role.PROVIDER_USER, subject="u-maija", provider_id=PROVIDER, session_id="s-ended")
    other = h.token_for(Role.PROVIDER_USER, subject="u-maija", provider_id=PROVIDER, session_id="s-other")
    events = f"/v1/tenants/{T}/events"
    assert (await h.client.get(events, headers=ended)).status_code == 200
    revocation = {"user_id": "u-maija", "session_ids": ["s-ended"], "reason": "passivated",
                  "revoked_at": "2016-03-15T10:00:00+00:00", "until": "2016-03-15T10:02:00+00:00"}
    await h.feed("registry.session.revoked", revocation, tenant_id=None)  # type: ignore[arg-type]
    refused = await h.client.get(events, headers=ended)
    assert refused.status_code == 401 and refused.json()["detail"] == "Session ended"
    written = await h.post_event({"booking_id": "b-1", "start": "2016-03-01"}, headers=ended)
    assert written.status_code == 401
    assert (await h.client.get(events, headers=other)).status_code == 200  # only that session ended
    # a later revocation forgets the entries whose tokens have expired by then (the table stays small)
    later = {**revocation, "session_ids": ["s-later"], "revoked_at": "2016-03-15T11:00:00+00:00",
             "until": "2016-03-15T11:02:00+00:00"}
    await h.feed("registry.session.revoked", later, tenant_id=None)  # type: ignore[arg-type]
    table = h.runtime.table("revoked_sessions")
    async with h.runtime.db.system_transaction() as session:
        kept = (await session.execute(table.select())).mappings().all()
    assert [r["session_id"] for r in kept] == ["s-later"]
