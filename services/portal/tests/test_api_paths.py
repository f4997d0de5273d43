"""A value the user typed (a voucher number, an id in a form) goes into an API path as one segment, whatever it
holds: never a way to call another API operation than the page meant."""

from __future__ import annotations

import httpx
import pytest
from seteli_portal.web import seg


@pytest.mark.parametrize("typed", ["..", ".", "a/..", "../clients", "x?limit=1", "x#y", "a b", "ä"])
def test_a_typed_value_stays_one_segment_of_the_api_path(typed: str) -> None:
    """A provider typing ".." as a voucher number had the portal ask /vouchers (the officer's voucher list) instead
    of /vouchers/by-number/..: the HTTP client resolves "." and ".." segments before sending. Now each value
    arrives as one segment at the operation the page calls."""
    url = httpx.URL(f"http://vouchers/v1/tenants/kouvola/vouchers/by-number/{seg(typed)}")
    assert url.path == f"/v1/tenants/kouvola/vouchers/by-number/{typed}"
    assert url.query == b"" and url.fragment == ""
