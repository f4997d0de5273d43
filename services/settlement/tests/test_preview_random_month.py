"""A preview without its lines is planned from the open lines' sums per producer part, and remembers only its lines'
ids and each part's payee (perf-preview); a preview with its lines plans every line, as every preview did before.
On random months (events of the company and of sites with and without billing, corrections, credits, a site's
billing arriving between two previews) both must show the same payees, totals, carry-overs and events, and the
changes a preview shows must be what the two previews' lines say: the lines added and removed, each with the payee
it went to in its own preview, and the payees whose total or account moved."""

from __future__ import annotations

import random
from typing import Any

import pytest

from .test_preview_without_lines import preview, shown
from .test_provider_set_off import credit
from .test_site_payees import KOIVULA, KUUSELA, MAY_5, billing_changed, lock, site_added

PARTS = [None, None, "site:s-kuusela", "site:s-koivula", "site:s-uusi", "unit:u-1"]


def lines_of(view: dict[str, Any]) -> dict[int, dict[str, Any]]:
    """Every line a preview with its lines shows, as the changes show a line."""
    return {
        line["line_id"]: {"line_id": line["line_id"], "payee": f"{group['provider_id']}/{group['site_id'] or '-'}",
                          "amount": line["amount"], "event_id": line["event_id"], "source_id": line["source_id"],
                          "kind": line["kind"]}
        for group in view["payments"] + view["carried_over"] for line in group["lines"]
    }


def payees_of(view: dict[str, Any]) -> dict[str, tuple[str, str | None, str | None]]:
    return {f"{g['provider_id']}/{g['site_id'] or '-'}": (g["amount"], g["iban"], g.get("reason"))
            for g in view["payments"] + view["carried_over"]}


def expected_changes(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    old, new = lines_of(before), lines_of(after)
    old_payees, new_payees = payees_of(before), payees_of(after)
    nowhere = ("0.00", None, None)
    return {
        "added": [new[k] for k in sorted(set(new) - set(old))],
        "removed": [old[k] for k in sorted(set(old) - set(new))],
        "payees": sorted(k for k in set(old_payees) | set(new_payees)
                         if old_payees.get(k, nowhere) != new_payees.get(k, nowhere)),
    }


def changes_shown(view: dict[str, Any]) -> dict[str, Any]:
    changes = view["changes"]
    return {"added": changes["added_lines"], "removed": changes["removed_lines"],
            "payees": sorted(f"{p['provider_id']}/{p['site_id'] or '-'}" for p in changes["payees"])}


async def some_care(h: Any, rng: random.Random, n: int, made: list[tuple[str, str, str, str | None]]) -> None:
    for _ in range(n):
        choice = rng.random()
        if made and choice < 0.25:  # a correction: the event's line replaced by its new revision's
            index = rng.randrange(len(made))
            event_id, start, _, part = made[index]
            end = f"2016-04-{rng.randint(int(start[-2:]), 28):02d}"
            revision = 1 + sum(1 for m in made if m[0] == event_id)
            await h.event(event_id, start, end, revision=revision, corrected=True, producer_part=part)
            made.append((event_id, start, end, part))
        elif made and choice < 0.35:  # a credit of a past event
            event_id, *_, part = rng.choice(made)
            await credit(h, f"c-{len(made)}-{rng.randrange(10**6)}", event_id, f"-{rng.randint(1, 40) * 10}.00", part)
        else:
            day = rng.randint(1, 25)
            start, end = f"2016-04-{day:02d}", f"2016-04-{rng.randint(day, 28):02d}"
            part = rng.choice(PARTS)
            event_id = f"e-{len(made)}-{rng.randrange(10**6)}"
            await h.event(event_id, start, end, producer_part=part)
            made.append((event_id, start, end, part))


@pytest.mark.parametrize("seed", [1, 2, 3])
async def test_a_preview_without_lines_answers_as_one_planned_line_by_line_on_a_random_month(
    harness: Any, seed: int
) -> None:
    await random_month(harness, random.Random(seed))


async def test_a_preview_without_lines_answers_as_one_planned_line_by_line_embedded(harness_factory: Any) -> None:
    async with harness_factory(sqlite=True) as h:  # SQLite sums the parts in Python
        await random_month(h, random.Random(4))


async def random_month(h: Any, rng: random.Random) -> None:
    await h.seed()
    await site_added(h, "s-kuusela", "Kuusela", KUUSELA)
    await site_added(h, "s-koivula", "Koivula", None)  # no billing of its own yet: its lines are the company's
    h.clock.set(MAY_5)
    await h.event("e-koivula", "2016-04-02", "2016-04-06", producer_part="site:s-koivula")  # the company's for now
    made: list[tuple[str, str, str, str | None]] = [("e-koivula", "2016-04-02", "2016-04-06", "site:s-koivula")]
    await some_care(h, rng, 12, made)
    whole = await preview(h, "2016-04", lines=True)
    for step in range(4):
        await some_care(h, rng, rng.randint(1, 5), made)
        if step == 1:  # Koivula's own account: its lines go to it from now on (the company's before)
            await billing_changed(h, "s-koivula", KOIVULA)
            # its first event corrected: the line removed went to the company, the one added goes to Koivula
            await h.event("e-koivula", "2016-04-02", "2016-04-05", revision=9, corrected=True,
                          producer_part="site:s-koivula")
        bare = await preview(h, "2016-04", lines=False)
        again = await preview(h, "2016-04", lines=True)
        assert shown(bare) == shown(again)
        assert changes_shown(bare) == expected_changes(whole, again), step
        assert changes_shown(again) == {"added": [], "removed": [], "payees": []}
        whole = again
    run = await lock(h, "2016-04", MAY_5)
    assert h.payees(run) == h.payees(bare) and run["total"] == bare["total"]
