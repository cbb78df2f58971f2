"""Guessing at the join form: wrong PINs are counted per learner, wrong codes per address.

A learner's wrong PINs are counted whoever makes them and from wherever: after the first
three, each makes the next try wait longer (one minute, then twice as long each time, at
most ``login_lockout_s``), and after ten the PIN is locked until a worker unlocks it
(recorded: who, when). Only the learner's own join clears their count. Codes and session
codes that match nothing are counted per address, forgotten an hour after the first, and
no one's join clears them.
"""

from __future__ import annotations

from dataclasses import dataclass

from edge_node import learners, pin_hashes
from edge_node.accounts import (
    Throttle,
    check_not_locked,
    clear_failures,
    record_failure,
)
from edge_node.config import EdgeSettings
from edge_node.errors import Conflict, Unauthorized
from edge_node.learners import CodeHolder, LearnerPublic
from edge_node.node import Node
from edge_node.storage import first, rows, transaction

FREE_PIN_GUESSES = 3
PIN_LOCK_AT = 10


def pin_throttle(settings: EdgeSettings) -> Throttle:
    return Throttle(
        max_failures=FREE_PIN_GUESSES,
        lockout_s=settings.login_lockout_s,
        window_s=None,
        lock_at=PIN_LOCK_AT,
    )


def address_throttle(settings: EdgeSettings) -> Throttle:
    """A centre's tablet is one address: an hour's typos of all its learners are free."""
    return Throttle(
        max_failures=settings.login_max_failures * 4,
        lockout_s=settings.login_lockout_s,
        window_s=3600,
    )


def _pin_key(learner_id: str) -> str:
    return f"pin:{learner_id}"


def _address_key(client: str) -> str:
    return f"join:{client[:64]}"


def _now_s(node: Node) -> float:
    return node.clock.now().timestamp()


def check_address(node: Node, client: str) -> None:
    check_not_locked(node.db, [_address_key(client)], _now_s(node), address_throttle(node.settings))


def count_address_failure(node: Node, client: str) -> None:
    throttle = address_throttle(node.settings)
    record_failure(node.db, [_address_key(client)], _now_s(node), throttle)


def sign_in(node: Node, *, code: str, pin: str | None, client: str) -> LearnerPublic:
    """The learner whose printed code (and PIN, when the card has one) this is; a wrong
    one is counted (:class:`Unauthorized`), a try while waiting or locked refused."""
    try:
        holder = learners.holder_of(node, code)
    except Unauthorized:
        count_address_failure(node, client)
        raise
    if holder.pin_hash is not None:
        _check_pin(node, holder, pin, client, code=learners.normalise_code(code))
    return learners.get(node, holder.learner_id)


def _check_pin(node: Node, holder: CodeHolder, pin: str | None, client: str, *, code: str) -> None:
    key, throttle, now = _pin_key(holder.learner_id), pin_throttle(node.settings), _now_s(node)
    check_not_locked(node.db, [key], now, throttle)
    if not pin_hashes.check_and_upgrade(
        node.db, node.pin_secret, code, holder.pin_hash or "", pin or ""
    ):
        with transaction(node.db):
            record_failure(node.db, [key], now, throttle)
            record_failure(node.db, [_address_key(client)], now, address_throttle(node.settings))
        raise Unauthorized("Wrong PIN")
    clear_failures(node.db, [key])


@dataclass(frozen=True)
class Unlocked:
    at: str
    by: str


@dataclass(frozen=True)
class PinState:
    locked: bool
    """Refused until a worker unlocks it."""
    waiting: bool
    """The next try must wait (a worker may lift that too)."""
    wrong_guesses: int
    unlocked: list[Unlocked]
    """The latest unlocks first."""


def state(node: Node, learner_id: str) -> PinState:
    learners.get(node, learner_id)  # a 404 for no such learner
    row = first(
        node.db,
        "SELECT failures, locked_until FROM login_failures WHERE key = ?",
        [_pin_key(learner_id)],
    )
    wrong = 0 if row is None else int(row["failures"])
    until = 0.0 if row is None else float(row["locked_until"] or 0)
    unlocks = rows(
        node.db,
        "SELECT u.at, coalesce(a.username, u.by) AS by_name FROM pin_unlocks u "
        "LEFT JOIN accounts a ON a.id = u.by WHERE u.learner_id = ? ORDER BY u.id DESC LIMIT 10",
        [learner_id],
    )
    return PinState(
        locked=wrong >= PIN_LOCK_AT,
        waiting=wrong < PIN_LOCK_AT and until > _now_s(node),
        wrong_guesses=wrong,
        unlocked=[Unlocked(at=r["at"], by=r["by_name"]) for r in unlocks],
    )


def locked_ids(node: Node) -> set[str]:
    """The learners whose PIN is locked (few: one query for a whole list page)."""
    locked = node.db.query(
        "SELECT substr(key, 5) AS learner_id FROM login_failures "
        "WHERE substr(key, 1, 4) = 'pin:' AND failures >= ?",
        [PIN_LOCK_AT],
    )
    return {r["learner_id"] for r in locked}


def unlock(node: Node, learner_id: str, *, by: str) -> PinState:
    """A worker unlocks a learner's PIN (locked, or making each try wait), once the
    learner has shown them who they are: the count starts again from nothing, and the
    unlock is recorded."""
    current = state(node, learner_id)
    if not (current.locked or current.waiting):
        raise Conflict("This learner's PIN is not locked")
    with transaction(node.db):
        node.db.execute("DELETE FROM login_failures WHERE key = ?", [_pin_key(learner_id)])
        node.db.execute(
            "INSERT INTO pin_unlocks (at, by, learner_id) VALUES (?, ?, ?)",
            [node.clock.now().isoformat(timespec="seconds"), by, learner_id],
        )
    return state(node, learner_id)
