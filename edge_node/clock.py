"""Whether the node's clock can be trusted to date a credential.

A Raspberry Pi has no real-time clock: after a power cut it may boot in 1970,
or at the time it last shut down. The node keeps

* a correction (offset from the system clock) set by the hub or by an admin's
  browser clock, valid only for the boot it was set in (Linux ``boot_id``), and
* the last good time it has seen, persisted, which time never goes back past.

The clock is trusted when the corrected time is after both the software's
release floor and the last good time. A credential is dated only by a trusted
clock; otherwise issuance stops with :class:`ClockUntrusted`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from pathlib import Path

from sqlite_utils import Database

from edge_node.errors import BadRequest, ClockUntrusted
from edge_node.storage import get_state, set_state, transaction

RELEASE_FLOOR = datetime(2026, 1, 1, tzinfo=UTC)
"""No credential can be dated before this software existed."""
LATEST_PLAUSIBLE = datetime(2100, 1, 1, tzinfo=UTC)
BACKWARD_TOLERANCE = timedelta(minutes=5)
_BOOT_ID = Path("/proc/sys/kernel/random/boot_id")


class ClockSource(StrEnum):
    """Where the node's notion of time comes from, best first."""

    hub = "hub"
    admin = "admin"
    system = "system"


@dataclass(frozen=True)
class ClockStatus:
    now: datetime
    trusted: bool
    source: ClockSource
    last_good: datetime | None
    reason: str


def boot_id() -> str:
    try:
        return _BOOT_ID.read_text().strip()
    except OSError:
        return "unknown-boot"


def _system_now() -> datetime:
    return datetime.now(UTC)


class Clock:
    """The node's clock; ``system_now`` is injectable for tests."""

    def __init__(
        self,
        db: Database,
        *,
        system_now: Callable[[], datetime] = _system_now,
        boot: str | None = None,
    ) -> None:
        self._db = db
        self._system_now = system_now
        self._boot = boot or boot_id()

    def over(self, db: Database) -> Clock:
        """The same clock read through another connection to the node's database."""
        return Clock(db, system_now=self._system_now, boot=self._boot)

    def _correction(self) -> tuple[timedelta, ClockSource]:
        raw = get_state(self._db, "clock.correction")
        if raw:
            data = json.loads(raw)
            if data.get("boot") == self._boot:
                return timedelta(seconds=float(data["offset_s"])), ClockSource(data["source"])
        return timedelta(0), ClockSource.system

    def last_good(self) -> datetime | None:
        raw = get_state(self._db, "clock.last_good")
        return datetime.fromisoformat(raw) if raw else None

    def status(self) -> ClockStatus:
        offset, source = self._correction()
        now = self._system_now() + offset
        last_good = self.last_good()
        if now < RELEASE_FLOOR:
            reason = "The clock is before this software was released (did the node just boot?)"
            trusted = False
        elif now > LATEST_PLAUSIBLE:
            reason = "The clock is impossibly far in the future"
            trusted = False
        elif last_good is not None and now < last_good - BACKWARD_TOLERANCE:
            reason = f"The clock is behind the last good time seen ({last_good:%Y-%m-%d %H:%M} UTC)"
            trusted = False
        else:
            reason = "ok"
            trusted = True
        return ClockStatus(
            now=now, trusted=trusted, source=source, last_good=last_good, reason=reason
        )

    def now(self) -> datetime:
        """The corrected time, trusted or not (for logs and display)."""
        offset, _ = self._correction()
        now: datetime = self._system_now() + offset
        return now

    def trusted_now(self) -> ClockStatus:
        """The current time if it may date a credential, else :class:`ClockUntrusted`.

        Call inside the issuing transaction: it also records the time as the last good one.
        """
        status = self.status()
        if not status.trusted:
            raise ClockUntrusted(
                f"{status.reason}. An admin must set the time before credentials can be issued."
            )
        if status.last_good is None or status.now > status.last_good:
            set_state(self._db, "clock.last_good", status.now.isoformat())
        return status

    def set_time(self, true_now: datetime, source: ClockSource) -> ClockStatus:
        """Record the true time (from the hub or an admin's browser) for this boot."""
        if true_now.tzinfo is None:
            raise BadRequest("The time must carry a time zone")
        if not RELEASE_FLOOR <= true_now <= LATEST_PLAUSIBLE:
            raise BadRequest("That time is not plausible")
        offset = (true_now - self._system_now()).total_seconds()
        with transaction(self._db):
            set_state(
                self._db,
                "clock.correction",
                json.dumps({"boot": self._boot, "offset_s": offset, "source": source.value}),
            )
            # An explicit setting is the new reference, even if earlier than a bad last-good.
            set_state(self._db, "clock.last_good", true_now.astimezone(UTC).isoformat())
        return self.status()
