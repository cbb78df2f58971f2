"""Whether the node's clock can be trusted to date a credential.

A Raspberry Pi has no real-time clock: after a power cut it may boot in 1970,
or at the time it last shut down. The node keeps

* a correction (offset from the system clock) set by the hub or by an admin's
  browser clock, valid only for the boot it was set in (Linux ``boot_id``), and
* the last good time it has seen, persisted, which time never goes back past.

The clock is trusted when the corrected time is after both the software's
release floor and the last good time. A credential is dated only by a trusted
clock; otherwise issuance stops with :class:`ClockUntrusted`.

An admin's time is taken only within what the node knows for sure: not before its
last recorded event or the hub's last time (minus ``BACKWARD_TOLERANCE``), and not more
than ``ADMIN_AHEAD_LIMIT`` past the later of them. The hub's signed time is taken as it
comes. Whatever the clock says, the node's certificate bounds what it may issue
(``issuance.withheld_reason``).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from pathlib import Path

from sqlite_utils import Database

from edge_node.errors import BadRequest, ClockUntrusted
from edge_node.storage import first, get_state, set_state, transaction

RELEASE_FLOOR = datetime(2026, 1, 1, tzinfo=UTC)
"""No credential can be dated before this software existed."""
LATEST_PLAUSIBLE = datetime(2100, 1, 1, tzinfo=UTC)
BACKWARD_TOLERANCE = timedelta(minutes=5)
ADMIN_AHEAD_LIMIT = timedelta(days=180)
"""How far past the latest time it knows for sure (its last event, the hub's last time)
an admin may set the node's clock: a node offline half a year still gets its time set
on site, and a mistyped year does not date the log."""
BEFORE_KNOWN = (
    "This time is before {known} UTC, which this centre has already recorded (its latest "
    "activity, or the university's time at the last sync). Check the date; only a sync "
    "with the university can set the clock further back."
)
TOO_FAR_AHEAD = (
    "This time is more than {days} days after {known} UTC, the latest time this centre "
    "knows for sure. Check the date; a time further ahead comes only from a sync with the "
    "university."
)
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

    def known_for_sure(self) -> datetime | None:
        """The latest time the node knows has passed: its last event, or the hub's time at
        the last sync, whichever is later (None on a node that has neither)."""
        raw = get_state(self._db, "clock.hub_time")
        known = [datetime.fromisoformat(raw)] if raw else []
        try:
            row = first(self._db, "SELECT max(at) AS last FROM events")
        except sqlite3.OperationalError:  # a node database before the event log
            row = None
        if row is not None and row["last"] is not None:
            known.append(datetime.fromtimestamp(int(row["last"]), UTC))
        return max(known, default=None)

    def _check_admin_time(self, true_now: datetime) -> None:
        known = self.known_for_sure()
        if known is None:
            return
        shown = known.strftime("%Y-%m-%d %H:%M")
        if true_now < known - BACKWARD_TOLERANCE:
            raise BadRequest(BEFORE_KNOWN, params={"known": shown})
        if true_now > known + ADMIN_AHEAD_LIMIT:
            raise BadRequest(TOO_FAR_AHEAD, params={"days": ADMIN_AHEAD_LIMIT.days, "known": shown})

    def set_time(self, true_now: datetime, source: ClockSource) -> ClockStatus:
        """Record the true time (from the hub or an admin's browser) for this boot; an
        admin's only within what the node knows for sure (see the module's doc)."""
        if true_now.tzinfo is None:
            raise BadRequest("The time must carry a time zone")
        if not RELEASE_FLOOR <= true_now <= LATEST_PLAUSIBLE:
            raise BadRequest("That time is not plausible")
        if source is ClockSource.admin:
            self._check_admin_time(true_now)
        offset = (true_now - self._system_now()).total_seconds()
        with transaction(self._db):
            if source is ClockSource.hub:
                set_state(self._db, "clock.hub_time", true_now.astimezone(UTC).isoformat())
            set_state(
                self._db,
                "clock.correction",
                json.dumps({"boot": self._boot, "offset_s": offset, "source": source.value}),
            )
            # An explicit setting is the new reference, even if earlier than a bad last-good.
            set_state(self._db, "clock.last_good", true_now.astimezone(UTC).isoformat())
        return self.status()
