"""What the hub shows: results per module, centre and learner, the credential registry,
equity figures, nodes and their alerts. Every query is scoped to one organisation."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hub.store import Store

AGE_BANDS = ((0, 17, "under 18"), (18, 24, "18-24"), (25, 34, "25-34"), (35, 49, "35-49"))
OLDEST_BAND = "50 and over"


def nodes(store: Store, organisation: str) -> list[dict[str, Any]]:
    return store.records(
        "SELECT n.node_id AS node_id, n.name AS name, n.revoked_at AS revoked_at, "
        "n.alert AS alert, n.alert_detail AS alert_detail, (SELECT max(b.tip_seq) "
        "FROM branches b WHERE b.node_id = n.node_id "
        "AND b.branch = 0) AS acked FROM nodes n WHERE n.organisation = ? ORDER BY n.name",
        [organisation],
    )


def results_by_module(store: Store, organisation: str) -> list[dict[str, Any]]:
    return store.records(
        "SELECT s.module_id AS module_id, count(*) AS sittings, sum(s.passed) AS passed, "
        "count(DISTINCT s.node_id) AS centres FROM sittings s JOIN nodes n "
        "ON n.node_id = s.node_id WHERE n.organisation = ? GROUP BY s.module_id "
        "ORDER BY s.module_id",
        [organisation],
    )


def results_by_centre(store: Store, organisation: str) -> list[dict[str, Any]]:
    return store.records(
        "SELECT n.name AS centre, count(*) AS sittings, sum(s.passed) AS passed "
        "FROM sittings s JOIN nodes n ON n.node_id = s.node_id WHERE n.organisation = ? "
        "GROUP BY n.name ORDER BY n.name",
        [organisation],
    )


def module_results(
    store: Store,
    organisation: str,
    module_id: str,
    *,
    limit: int | None = None,
    offset: int = 0,
) -> list[dict[str, Any]]:
    """Every sitting of a module with its credential, if any (the LMS plugin reads this):
    a passed sitting shows the learner's credential of the module (its replacement, once
    reissued on a slot of its own); a failed one shows none. All of them, or a page of
    ``limit`` from ``offset``. ``credential_expires_at`` is for
    :func:`hub.standing.with_states`, which tells an expired credential from an active one
    and drops it."""
    return store.records(
        "SELECT s.node_id AS node_id, n.name AS centre, s.learner_id AS learner_id, "
        "s.sitting_id AS sitting_id, s.module_version AS module_version, s.route AS route, "
        "s.score_percent AS score_percent, s.passed AS passed, s.submitted_at AS submitted_at, "
        "c.credential_id AS credential_id, c.status AS credential_status, "
        "c.expires_at AS credential_expires_at "
        "FROM sittings s JOIN nodes n ON n.node_id = s.node_id "
        "LEFT JOIN credentials c ON s.passed = 1 AND c.node_id = s.node_id "
        "AND c.learner_id = s.learner_id AND c.module_id = s.module_id "
        "AND c.status <> 'replaced' "
        "WHERE n.organisation = ? AND s.module_id = ? "
        "ORDER BY s.submitted_at, s.node_id, s.sitting_id"
        + ("" if limit is None else " LIMIT ? OFFSET ?"),
        [organisation, module_id, *(() if limit is None else (limit, offset))],
    )


def learner_results(
    store: Store, organisation: str, node_id: str, learner_id: str
) -> list[dict[str, Any]]:
    return store.records(
        "SELECT s.module_id AS module_id, s.score_percent AS score_percent, s.passed AS passed, "
        "s.submitted_at AS submitted_at FROM sittings s JOIN nodes n ON n.node_id = s.node_id "
        "WHERE n.organisation = ? AND s.node_id = ? AND s.learner_id = ? "
        "ORDER BY s.submitted_at",
        [organisation, node_id, learner_id],
    )


def registry(
    store: Store, organisation: str, *, limit: int = 100, offset: int = 0
) -> list[dict[str, Any]]:
    return store.records(
        "SELECT c.credential_id AS credential_id, c.node_id AS node_id, n.name AS centre, "
        "c.module_id AS module_id, c.issued_at AS issued_at, c.not_before AS not_before, "
        "c.received_at AS received_at, c.time_flag AS time_flag, c.status AS status "
        "FROM credentials c JOIN nodes n ON n.node_id = c.node_id WHERE n.organisation = ? "
        "ORDER BY c.received_at, c.credential_id, c.node_id LIMIT ? OFFSET ?",
        [organisation, limit, offset],
    )


def credential(
    store: Store, organisation: str, node_id: str, credential_id: str
) -> dict[str, Any] | None:
    """The registry entry of ``credential_id`` as issued by ``node_id``: a credential's
    address at the hub. Ids are unique per node only (a node chooses them), so an id alone
    may name credentials of several centres (:func:`holders`)."""
    rows = store.records(
        "SELECT c.credential_id AS credential_id, c.node_id AS node_id, n.name AS centre, "
        "c.learner_id AS learner_id, c.module_id AS module_id, "
        "c.module_version AS module_version, c.score_percent AS score_percent, "
        "c.issued_at AS issued_at, c.not_before AS not_before, c.received_at AS received_at, "
        "c.time_flag AS time_flag, c.status AS status, c.revocation_reason AS revocation_reason, "
        "c.revoked_at AS revoked_at, c.revoked_by AS revoked_by, "
        "c.expires_at AS expires_at, c.cose AS cose "
        "FROM credentials c JOIN nodes n ON n.node_id = c.node_id "
        "WHERE n.organisation = ? AND c.node_id = ? AND c.credential_id = ?",
        [organisation, node_id, credential_id],
    )
    return rows[0] if rows else None


def holders(store: Store, organisation: str, credential_id: str) -> list[dict[str, Any]]:
    """Every centre of the organisation holding a credential with this id (node, centre,
    status), in node order: one for an id used once, several when centres collide."""
    return store.records(
        "SELECT c.node_id AS node_id, n.name AS centre, c.credential_id AS credential_id, "
        "c.module_id AS module_id, c.status AS status FROM credentials c JOIN nodes n "
        "ON n.node_id = c.node_id WHERE n.organisation = ? AND c.credential_id = ? "
        "ORDER BY c.node_id",
        [organisation, credential_id],
    )


MAX_COLLISIONS = 50
"""Colliding credential ids the overview lists (each links to its centres)."""


def collisions(store: Store, organisation: str) -> list[dict[str, Any]]:
    """Credential ids two or more centres of the organisation issued: an id is chosen by
    its node, so a second one is a fault or a centre shadowing another's credential."""
    return store.records(
        "SELECT c.credential_id AS credential_id, count(*) AS centres FROM credentials c "
        "JOIN nodes n ON n.node_id = c.node_id WHERE n.organisation = ? "
        "GROUP BY c.credential_id HAVING count(*) > 1 ORDER BY c.credential_id LIMIT ?",
        [organisation, MAX_COLLISIONS],
    )


def age_band(birth_year: int | None, year: int) -> str:
    if birth_year is None:
        return "unknown"
    age = year - birth_year
    for low, high, label in AGE_BANDS:
        if low <= age <= high:
            return label
    return OLDEST_BAND


@dataclass(frozen=True)
class EquityRow:
    dimension: str
    group: str
    learners: int
    sittings: int
    passed: int
    credentials: int


def equity(store: Store, organisation: str, *, year: int) -> list[EquityRow]:
    """Learners, sittings, passes and credentials by gender, age band and centre."""
    learners = store.query(
        "SELECT l.node_id, l.learner_id, coalesce(l.gender, 'unknown'), l.birth_year, n.name, "
        "(SELECT count(*) FROM sittings s WHERE s.node_id = l.node_id "
        "AND s.learner_id = l.learner_id), "
        "(SELECT coalesce(sum(s.passed), 0) FROM sittings s WHERE s.node_id = l.node_id "
        "AND s.learner_id = l.learner_id), "
        "(SELECT count(*) FROM credentials c WHERE c.node_id = l.node_id "
        "AND c.learner_id = l.learner_id AND c.status = 'active') "
        "FROM learners l JOIN nodes n ON n.node_id = l.node_id "
        "WHERE n.organisation = ? AND l.merged_into IS NULL",
        [organisation],
    )
    totals: dict[tuple[str, str], list[int]] = {}
    for _, _, gender, birth_year, centre, sittings, passed, credentials in learners:
        for key in (
            ("gender", str(gender)),
            ("age band", age_band(birth_year, year)),
            ("centre", str(centre)),
        ):
            bucket = totals.setdefault(key, [0, 0, 0, 0])
            bucket[0] += 1
            bucket[1] += int(sittings)
            bucket[2] += int(passed)
            bucket[3] += int(credentials)
    return [EquityRow(d, g, *values) for (d, g), values in sorted(totals.items())]


def links(store: Store, organisation: str, *, limit: int, offset: int = 0) -> list[dict[str, Any]]:
    """Possible duplicates across centres: linked for staff to review, never merged
    (``limit`` of them from ``offset``). Never one to another organisation's centre: it
    would show these staff that organisation's learners."""
    return store.records(
        "SELECT k.node_a AS node_a, k.learner_a AS learner_a, k.node_b AS node_b, "
        "k.learner_b AS learner_b, k.basis AS basis, k.status AS status "
        "FROM learner_links k JOIN nodes n ON n.node_id = k.node_a WHERE n.organisation = ? "
        "AND NOT EXISTS (SELECT 1 FROM nodes m WHERE m.node_id = k.node_b "
        "AND m.organisation <> ?) "
        "ORDER BY k.node_a, k.learner_a, k.node_b, k.learner_b LIMIT ? OFFSET ?",
        [organisation, organisation, limit, offset],
    )


def quarantined(store: Store, organisation: str) -> list[dict[str, Any]]:
    """Events the hub set aside (poison, or on a held fork branch): they need a person."""
    return store.records(
        "SELECT e.node_id AS node_id, e.branch AS branch, e.seq AS seq, e.type AS type, "
        "coalesce(e.quarantine, 'held: on a forked branch') AS reason, "
        "e.received_at AS received_at FROM events e JOIN nodes n ON n.node_id = e.node_id "
        "WHERE n.organisation = ? AND (e.quarantine IS NOT NULL OR e.held = 1) "
        "ORDER BY e.node_id, e.branch, e.seq LIMIT 500",
        [organisation],
    )
