"""A staff login with an unknown username takes as long as one with a wrong password, so
the time taken does not tell which usernames exist."""

from __future__ import annotations

import statistics
import time

import pytest

from hub.ingest import Hub
from hub.staff import NotAuthenticated, add_staff, check_login


def median_s(hub: Hub, username: str) -> float:
    times = []
    for _ in range(5):
        started = time.perf_counter()
        with pytest.raises(NotAuthenticated, match="wrong username or password"):
            check_login(hub.store, username, "not the password")
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def test_an_unknown_username_costs_what_a_wrong_password_costs(hub: Hub) -> None:
    add_staff(hub.store, "wanjiru", "correct horse", "university")
    known = median_s(hub, "wanjiru")
    unknown = median_s(hub, "nobody-by-this-name")
    assert unknown > known / 3, (unknown, known)
    assert check_login(hub.store, "wanjiru", "correct horse") == "university"
