"""Page-by-page lists: `?page=N` in the portal's URL becomes the APIs' limit/offset, and `pager()`
gives the `m.pager` macro its links (previous, numbered pages around the current one, next). A second list
on the same page pages by a parameter of its own (`param`), and its links keep the first list's page."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from fastapi import Request

PAGE_SIZE = 25
WINDOW = 2  # numbered links on each side of the current page


@dataclass(frozen=True)
class Paging:
    number: int  # 1-based
    size: int = PAGE_SIZE
    param: str = "page"  # the URL's parameter naming the page

    @property
    def offset(self) -> int:
        return (self.number - 1) * self.size

    @property
    def kept(self) -> int | None:
        """The page to keep on another list's links: none for the first."""
        return self.number if self.number > 1 else None

    @property
    def params(self) -> dict[str, int]:
        return {"limit": self.size, "offset": self.offset}


def count_limit(service: str) -> int:
    """The `limit` that asks a list for its number alone: the events service's lists take 0 (no rows: a count
    names no client, so no client's access log gets a read for it); the others list no client data, one row."""
    return 0 if service == "events" else 1


def paging(request: Request, size: int = PAGE_SIZE, param: str = "page") -> Paging:
    try:
        number = int(request.query_params.get(param, "1"))
    except ValueError:
        number = 1
    return Paging(max(1, min(number, 10_000)), size, param)


def pager(paging: Paging, total: int, path: str, query: dict[str, Any] | None = None,
          anchor: str = "") -> dict[str, Any]:
    """What the macro shows; `query` is the list's other filters (and another list's page), kept on every
    link; `anchor`: the id the links go to (a list lower on the page)."""
    pages = max(1, -(-int(total) // paging.size))
    kept = {k: v for k, v in (query or {}).items() if v not in (None, "") and k != paging.param}
    fragment = f"#{anchor}" if anchor else ""

    def link(number: int) -> str:
        return f"{path}?{urlencode({**kept, paging.param: number})}{fragment}"

    current = min(paging.number, pages)
    numbers = range(max(1, current - WINDOW), min(pages, current + WINDOW) + 1)
    beyond = paging.number > pages  # a stale link past the end: the list is empty, point back into it
    return {
        "page": current, "pages": pages, "total": int(total), "beyond": beyond,
        "first": min((current - 1) * paging.size + 1, int(total)), "last": min(current * paging.size, int(total)),
        "prev": link(current if beyond else current - 1) if current > 1 or beyond else None,
        "next": link(current + 1) if current < pages else None,
        "links": [{"number": n, "href": link(n), "current": n == current} for n in numbers],
    }
