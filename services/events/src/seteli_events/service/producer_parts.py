"""Which producer part a care event or an interruption may name: the company ("" or none), or one of the
booking's company's sites, units and employees as the registry has told them (repository/producer_parts.py).

Through the API any string was taken: a mistyped site or another company's was sent to settlement, which holds
a site it does not know ("site not known") and never pays it; a unit or employee not the company's got the
company's price silently. Such a part is now refused (422, field `producer_part`). Decided:
- the booking's own part is always taken: vouchers checked it when booking, and a booking made a second after
  the site was added must not be refused while the registry's news of the site is still on its way here;
- auto-recording's drafts (and their confirmation) take the part of the latest entry: never refused here;
- an employee removed or a unit no longer listed takes no new entry and no entry is moved to it, but the
  entries made while it was the company's keep it (their part is taken as it is on any other change).
- a site, unit or employee added a moment ago and named at once (the request sends the addition's token) is
  answered not-yet-known until the registry's news of it arrives here; a unit, known only by its name, waits
  whenever news of a list of units the request follows has not arrived, and is refused once it has.
The usual event names no part or its booking's: no read at all; otherwise one primary-key read."""

from __future__ import annotations

from seteli_common.errors import invalid, not_yet_known

from ..context import EventsContext
from ..repository import producer_parts as parts_repo

PART_NOT_KNOWN = "producer_part_not_known"
# The registry's news of a part added, which a request may follow (`Seteli-After`): a company's whole list of
# units is news of each unit on it.
ADDED = {"site": "registry.site.added", "unit": "registry.provider.units_changed",
         "employee": "registry.employee.added"}
COMING_REASON = {"site": "site_not_known_yet", "unit": "unit_not_known_yet", "employee": "employee_not_known_yet"}


async def check_part_named(ctx: EventsContext, provider_id: str, part: str | None, *taken: str | None) -> None:
    """Refuse `part` unless it is the company, one of `taken` (the booking's part, the entry's part as it is) or
    one of the company's parts listed now. A site or employee not heard of at all, while the request follows
    its addition, is on its way from the registry: not yet known (409), not "not the company's". A unit has a
    name, not an id of its own: another company's unit of that name, or this company's unit removed and added
    again, says nothing of this company's list on its way, so it waits for that list and is judged by it."""
    if not part or part in taken:
        return
    kind = part.partition(":")[0]
    coming = kind in ADDED and await ctx.after.pending(ctx.session, ctx.tenant_id, ADDED[kind])  # before the read
    if await parts_repo.part_listed(ctx.session, provider_id, part):
        return
    # another company's site or employee (an id heard of) is refused at once
    if coming and (kind == "unit" or not await parts_repo.part_heard(ctx.session, part)):
        raise not_yet_known(f"The {kind} was added a moment ago and has not reached the events service yet",
                            reason=COMING_REASON[kind])
    raise invalid("producer_part", "not a site, unit or employee of the booking's company (or one removed)",
                  code=PART_NOT_KNOWN)
