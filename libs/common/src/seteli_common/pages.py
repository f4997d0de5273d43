"""The page of a list every API returns: the items of this page and how many there are in all."""

from __future__ import annotations

from typing import Generic, TypeVar

from pydantic import BaseModel

__all__ = ["Page"]

T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    """``items`` of one page (limit/offset) and ``total``, the count of all matching rows.

    Use it as ``Page[ItemOut]``; a named subclass (``class EventPage(Page[EventOut])``) keeps an
    OpenAPI schema name that clients already know.
    """

    items: list[T]
    total: int
