"""What any page of the hub or a centre carries: the CSRF token of its forms."""

from __future__ import annotations

import re


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, html[:500]
    return found.group(1)
