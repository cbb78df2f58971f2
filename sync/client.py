"""The node's side of ``/sync/v1``: push the log, pull what the hub has for the node.

``sync_once`` says hello (learning what the hub durably holds, from the hub, never
from its own notes), pushes the rest in batches sized by bytes, records each ack as
soon as it arrives (so a cut costs at most the batch in flight), then pulls. Its
bookkeeping lives in the ``sync_state`` and ``sync_quarantine`` tables, each write
committed at once. It never raises for a network or hub failure: the report says
what happened in plain words.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlite_utils import Database

from credentials.claims import MicroCredential, decode_claims
from credentials.cose import decode_sign1, verify_sign1
from credentials.keys import SigningKey
from sync import alerts
from sync.alerts import Alert
from sync.errors import (
    BadRequest,
    MalformedBatch,
    SyncError,
    TooLarge,
    Unauthenticated,
    Unreachable,
)
from sync.eventlog import Event, hash_at, head, read_events
from sync.protocol import MAX_ANSWER_BYTES, MEDIA_TYPE, VERSIONS, new_nonce, read_signed, seal

if TYPE_CHECKING:
    import httpx

MIN_BATCH_BYTES = 2 * 1024
MAX_BATCH_BYTES = 48 * 1024
START_BATCH_BYTES = 16 * 1024
TARGET_REQUEST_S = 4.0
"""Aim for requests that finish in a few seconds, far inside any proxy's timeout."""
MAX_EVENTS_PER_BATCH = 5000
EVENT_OVERHEAD_BYTES = 24

Progress = Callable[[int, int, int], None]
"""Called after each acknowledged batch with (events sent, events pending at start, bytes)."""
ApplyItem = Callable[[str, bytes], None]
"""Installs one pulled item (``trust``, ``pack``, ``certificate``); raise to refuse it."""


@dataclass
class SyncReport:
    """The truth after one attempt, for the dashboard and ``fieldcred edge sync``."""

    ok: bool
    pending: int
    last_ack: int
    events_sent: int = 0
    batches: int = 0
    bytes_sent: int = 0
    bytes_received: int = 0
    items_pulled: int = 0
    hub_time: datetime | None = None
    last_success: datetime | None = None
    last_error: str | None = None
    alert: str | None = None
    """The hub's alert about this node, in English (any hub sends it)."""
    alert_detail: Alert | None = None
    """The same alert as its code and parameters, when the hub sends one this node knows:
    the dashboard renders it in the worker's language."""
    quarantined: list[tuple[int, str]] = field(default_factory=list)


# -- bookkeeping ------------------------------------------------------------------------


def _get(db: Database, key: str, default: str | None = None) -> str | None:
    row = db.execute("SELECT value FROM sync_state WHERE key = ?", [key]).fetchone()
    return default if row is None else str(row[0])


def _set(db: Database, **values: object) -> None:
    with db.atomic():
        for key, value in values.items():
            if value is None:
                db.execute("DELETE FROM sync_state WHERE key = ?", [key])
            else:
                db.execute(
                    "INSERT INTO sync_state (key, value) VALUES (?, ?) "
                    "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                    [key, str(value)],
                )


def acked_seq(db: Database) -> int:
    return int(_get(db, "acked_seq", "0") or 0)


def slot_floor(db: Database) -> int | None:
    """The highest status index the hub has seen from this node (its last welcome said),
    or None: a node restored from a backup hands out revocation slots above it only."""
    value = _get(db, "slot_floor")
    return None if value is None else int(value)


@dataclass(frozen=True)
class ReissueRequest:
    """The hub's staff ask this node to issue one of its credentials again, with the same
    claims, on a revocation slot of its own (it shares its slot with another credential,
    so neither could be revoked alone). The node signs the replacement with a new id and
    its next slot and records it as a ``credential.issued`` event whose body adds
    ``replaces`` (this id); the holder is given the new paper."""

    credential_id: bytes
    cose: bytes
    learner: str

    def replacement(
        self, node_key: SigningKey, *, credential_id: bytes, status_index: int
    ) -> MicroCredential:
        """The claims to sign: the old credential's, with a new id and slot. Refuses a
        request naming a credential this node's key did not sign."""
        envelope = decode_sign1(self.cose)
        if not verify_sign1(envelope, node_key.public_key):
            raise BadRequest("the hub asks to reissue a credential this node did not sign")
        old = decode_claims(envelope.payload)
        if old.credential_id != self.credential_id:
            raise BadRequest("the hub's reissue request names another credential than it holds")
        return replace(old, credential_id=credential_id, status_index=status_index)


def reissue_requests(db: Database) -> list[ReissueRequest]:
    """What the hub's last welcome asked this node to reissue (until its replacement
    reaches the hub). A node skips a request whose replacement it has issued already."""
    value = _get(db, "reissue")
    return [
        ReissueRequest(bytes.fromhex(r["id"]), bytes.fromhex(r["cose"]), r["learner"])
        for r in (json.loads(value) if value else [])
    ]


def _note_reissue(db: Database, fields: dict[str, Any]) -> None:
    """Keep the welcome's ``reissue`` list (optional within version 1: an older hub sends
    none, and its absence changes nothing)."""
    entries = fields.get("reissue")
    if not isinstance(entries, list):
        return
    kept = [
        {"id": e["id"].hex(), "cose": e["cose"].hex(), "learner": e["learner"]}
        for e in entries
        if isinstance(e, dict)
        and isinstance(e.get("id"), bytes)
        and isinstance(e.get("cose"), bytes)
        and isinstance(e.get("learner"), str)
    ]
    _set(db, reissue=json.dumps(kept) if kept else None)


def pending_count(db: Database) -> int:
    """Events the hub has not acknowledged (all of them before the first sync)."""
    return max(0, head(db)[0] - acked_seq(db))


def status(db: Database) -> SyncReport:
    """The last known state without contacting the hub (for the dashboard)."""
    last_success = _get(db, "last_success_at")
    quarantined = db.execute("SELECT seq, message FROM sync_quarantine ORDER BY seq").fetchall()
    return SyncReport(
        ok=_get(db, "last_error") is None,
        pending=pending_count(db),
        last_ack=acked_seq(db),
        last_success=None if last_success is None else datetime.fromisoformat(last_success),
        last_error=_get(db, "last_error"),
        alert=_get(db, "alert"),
        alert_detail=alerts.from_json(_get(db, "alert_detail")),
        quarantined=[(int(seq), str(message)) for seq, message in quarantined],
    )


def _now() -> datetime:
    return datetime.now(UTC)


# -- message handling shared with USB bundles -------------------------------------------


def hello_message(db: Database, node_key: SigningKey, node_id: str, nonce: bytes) -> bytes:
    last, _ = head(db)
    return seal(
        node_key,
        {
            "m": "hello",
            "v": list(VERSIONS),
            "node": node_id,
            "nonce": nonce,
            "time": int(time.time()),
            "head": last,
            "loc": locator(db, node_id, last),
        },
    )


def locator(db: Database, node_id: str, last: int) -> list[list[Any]]:
    """The node's hashes at its head, the few before, then exponentially sparser seqs."""
    entries: list[list[Any]] = []
    seq, step = last, 1
    while seq > 0 and len(entries) < 40:
        entries.append([seq, hash_at(db, seq, node_id)])
        if len(entries) >= 4:
            step *= 2
        seq -= step
    return entries


def batch_message(
    db: Database, node_key: SigningKey, node_id: str, events: list[Event], nonce: bytes
) -> bytes:
    prev_seq = events[0].seq - 1
    return seal(
        node_key,
        {
            "m": "batch",
            "v": VERSIONS[-1],
            "node": node_id,
            "nonce": nonce,
            "time": int(time.time()),
            "prev": hash_at(db, prev_seq, node_id),
            "events": [[e.seq, e.type, e.at, e.clock_quality, e.body] for e in events],
        },
    )


def pull_message(node_key: SigningKey, node_id: str, nonce: bytes, after: int) -> bytes:
    return seal(
        node_key,
        {"m": "pull", "v": VERSIONS[-1], "node": node_id, "nonce": nonce, "after": after},
    )


def read_answer(wire: bytes, hub_key: bytes, node_id: str, nonces: set[bytes]) -> dict[str, Any]:
    """A hub answer, signed by the university root and answering one of our requests."""
    fields = read_signed(wire, hub_key, "hub").fields
    if fields.get("node") != node_id or fields.get("nonce") not in nonces:
        raise Unauthenticated("the hub's answer is not an answer to this node's request")
    return fields


def apply_welcome(db: Database, node_id: str, fields: dict[str, Any], report: SyncReport) -> int:
    """Where pushing resumes: after the hub's tip if the node's own chain agrees."""
    last, _ = head(db)
    ack = fields.get("ack")
    tip = fields.get("tip")
    if not isinstance(ack, int) or not isinstance(tip, list) or len(tip) != 2:
        raise MalformedBatch("the hub's welcome lacks its cursor")
    tip_seq, tip_hash = tip
    start = ack
    if (
        isinstance(tip_seq, int)
        and ack <= tip_seq <= last
        and hash_at(db, tip_seq, node_id) == tip_hash
    ):
        start = tip_seq
    start = min(start, last)
    _note_alert(db, fields, report)
    _note_hub_time(fields, report)
    _note_reissue(db, fields)
    # A hub older than the field sends none; a slot once seen stays used, so the floor
    # only rises (an answer file brought back late cannot lower it).
    floor = fields.get("slot_floor")
    with db.atomic():
        _set(db, acked_seq=start)
        if isinstance(floor, int) and not isinstance(floor, bool):
            # One statement, so two syncs at once (the loop and an answer file) cannot lower it.
            db.execute(
                "INSERT INTO sync_state (key, value) VALUES ('slot_floor', ?) "
                "ON CONFLICT(key) DO UPDATE SET value = excluded.value "
                "WHERE CAST(sync_state.value AS INTEGER) < CAST(excluded.value AS INTEGER)",
                [str(floor)],
            )
    return start


def apply_ack(db: Database, fields: dict[str, Any], report: SyncReport) -> int:
    ack = fields.get("ack")
    if not isinstance(ack, int):
        raise MalformedBatch("the hub's ack lacks its cursor")
    last, _ = head(db)
    ack = min(ack, last)
    quarantined = fields.get("quarantined") or []
    with db.atomic():
        for entry in quarantined:
            if isinstance(entry, list) and len(entry) == 2:
                db.execute(
                    "INSERT INTO sync_quarantine (seq, reason, message, reported_at) "
                    "VALUES (?, 'poison', ?, ?) ON CONFLICT(seq) DO NOTHING",
                    [int(entry[0]), str(entry[1]), _now().isoformat()],
                )
                report.quarantined.append((int(entry[0]), str(entry[1])))
        if ack > acked_seq(db):
            _set(db, acked_seq=ack)
    _note_alert(db, fields, report)
    _note_hub_time(fields, report)
    return ack


def apply_items(
    db: Database, fields: dict[str, Any], apply_item: ApplyItem | None, report: SyncReport
) -> bool:
    """Install pulled items in order, advancing the pull cursor past each; True if more."""
    for entry in fields.get("items") or []:
        if not isinstance(entry, list) or len(entry) != 3:
            raise MalformedBatch("an item in the hub's answer is not [id, kind, data]")
        item_id, kind, data = entry
        if apply_item is not None:
            try:
                apply_item(str(kind), bytes(data))
            except Exception as error:  # the node's own refusal, in its own words
                raise SyncError(
                    f"this node could not install the {kind} from the hub: {error}"
                ) from error
        _set(db, pull_cursor=int(item_id))
        report.items_pulled += 1
    cursor = fields.get("cursor")
    if isinstance(cursor, int) and cursor > int(_get(db, "pull_cursor", "0") or 0):
        _set(db, pull_cursor=cursor)
    _note_hub_time(fields, report)
    return bool(fields.get("more"))


def _note_alert(db: Database, fields: dict[str, Any], report: SyncReport) -> None:
    """Keep the answer's alert: its English text, and its code and parameters when the hub
    sends them (``alert_detail``, optional within version 1: an older hub sends text only)."""
    text = fields.get("alert")
    report.alert = text if isinstance(text, str) else None
    detail = alerts.read(fields.get("alert_detail")) if report.alert is not None else None
    report.alert_detail = detail
    _set(db, alert=report.alert, alert_detail=None if detail is None else detail.to_json())


def _note_hub_time(fields: dict[str, Any], report: SyncReport) -> None:
    hub_time = fields.get("time")
    if isinstance(hub_time, int):
        report.hub_time = datetime.fromtimestamp(hub_time, UTC)


def next_batch(db: Database, after: int, target_raw_bytes: int) -> list[Event]:
    """Events after ``after`` up to roughly ``target_raw_bytes`` of records (at least one)."""
    events: list[Event] = []
    size = 0
    while size < target_raw_bytes and len(events) < MAX_EVENTS_PER_BATCH:
        page = read_events(db, after=after, limit=200)
        for event in page:
            events.append(event)
            size += len(event.body) + EVENT_OVERHEAD_BYTES
            if size >= target_raw_bytes:
                break
        if len(page) < 200:
            break
        after = events[-1].seq
    return events


# -- online sync ------------------------------------------------------------------------


class _Link:
    def __init__(self, client: httpx.Client, report: SyncReport) -> None:
        self.client = client
        self.report = report

    def post(self, path: str, wire: bytes) -> bytes:
        import httpx

        request = self.client.build_request(
            "POST", f"/sync/v1/{path}", content=wire, headers={"content-type": MEDIA_TYPE}
        )
        try:
            response = self.client.send(request, stream=True)
            try:
                # Read no more than an answer may hold: whoever answers could send no end.
                body = bytearray()
                for chunk in response.iter_bytes():
                    body += chunk
                    if len(body) > MAX_ANSWER_BYTES:
                        raise TooLarge(
                            f"the hub's answer is too large (over {MAX_ANSWER_BYTES} bytes)"
                        )
            finally:
                response.close()
        except httpx.HTTPError as error:
            raise Unreachable(f"the hub could not be reached or the link broke ({error})") from None
        self.report.bytes_sent += len(wire)
        self.report.bytes_received += len(body)
        if response.status_code != 200:
            raise _hub_error(response.status_code, bytes(body))
        return bytes(body)


def _hub_error(status: int, content: bytes) -> SyncError:
    from credentials.cbor import loads_untrusted
    from credentials.errors import CredentialError

    message = f"the hub answered HTTP {status}"
    try:
        body = loads_untrusted(content, max_bytes=64 * 1024, max_depth=2)
        if isinstance(body, dict) and isinstance(body.get("message"), str):
            message = f"the hub refused: {body['message']}"
    except CredentialError:
        pass
    error = SyncError(message)
    error.status = status
    return error


def sync_once(
    *,
    db: Database,
    node_key: SigningKey,
    node_id: str,
    hub_url: str,
    hub_key: bytes,
    transport: httpx.BaseTransport | None = None,
    timeout_s: float = 30.0,
    progress: Progress | None = None,
    apply_item: ApplyItem | None = None,
    max_batch_bytes: int = MAX_BATCH_BYTES,
) -> SyncReport:
    """One full attempt: hello, push everything pending, pull. Never raises for a fault."""
    import httpx  # with its command line (rich, pygments): only a sync attempt loads it

    report = SyncReport(ok=False, pending=pending_count(db), last_ack=acked_seq(db))
    _set(db, last_attempt_at=_now().isoformat())
    try:
        with httpx.Client(base_url=hub_url, transport=transport, timeout=timeout_s) as client:
            _run(
                db,
                node_key,
                node_id,
                hub_key,
                _Link(client, report),
                report,
                progress,
                apply_item,
                max_batch_bytes,
            )
    except SyncError as error:
        report.last_error = str(error)
    except Exception as error:  # a bug must not stop the background loop; say what it was
        report.last_error = f"sync failed unexpectedly ({type(error).__name__}: {error})"
    report.pending = pending_count(db)
    report.last_ack = acked_seq(db)
    if report.last_error is None:
        report.ok = True
        report.last_success = _now()
        _set(db, last_success_at=report.last_success.isoformat(), last_error=None)
    else:
        _set(db, last_error=report.last_error)
        last_success = _get(db, "last_success_at")
        report.last_success = None if last_success is None else datetime.fromisoformat(last_success)
    return report


def _run(
    db: Database,
    node_key: SigningKey,
    node_id: str,
    hub_key: bytes,
    link: _Link,
    report: SyncReport,
    progress: Progress | None,
    apply_item: ApplyItem | None,
    max_batch_bytes: int,
) -> None:
    nonce = new_nonce()
    welcome = read_answer(
        link.post("hello", hello_message(db, node_key, node_id, nonce)), hub_key, node_id, {nonce}
    )
    after = apply_welcome(db, node_id, welcome, report)
    total = pending_count(db)
    target = min(int(_get(db, "batch_bytes", str(START_BATCH_BYTES)) or 0), max_batch_bytes)
    ratio = float(_get(db, "compression_ratio", "0.5") or 0.5)
    while True:
        events = next_batch(db, after, int(max(target, MIN_BATCH_BYTES) / ratio))
        if not events:
            break
        nonce = new_nonce()
        wire = batch_message(db, node_key, node_id, events, nonce)
        raw = sum(len(e.body) + EVENT_OVERHEAD_BYTES for e in events)
        started = time.monotonic()
        fields = read_answer(link.post("push", wire), hub_key, node_id, {nonce})
        elapsed = max(time.monotonic() - started, 1e-3)
        ack = apply_ack(db, fields, report)
        report.events_sent += len(events)
        report.batches += 1
        if progress is not None:
            progress(report.events_sent, total, report.bytes_sent)
        if ack <= after:
            raise SyncError(f"the hub did not advance past seq {after}; will retry later")
        after = ack
        # Adapt: size the next batch to what the link moved in TARGET_REQUEST_S.
        ratio = min(1.0, max(0.05, len(wire) / raw))
        target = int(
            min(max_batch_bytes, max(MIN_BATCH_BYTES, len(wire) / elapsed * TARGET_REQUEST_S))
        )
        _set(db, batch_bytes=target, compression_ratio=f"{ratio:.3f}")
    more = True
    while more:
        nonce = new_nonce()
        after_item = int(_get(db, "pull_cursor", "0") or 0)
        fields = read_answer(
            link.post("pull", pull_message(node_key, node_id, nonce, after_item)),
            hub_key,
            node_id,
            {nonce},
        )
        more = apply_items(db, fields, apply_item, report)
    if report.alert is not None:
        raise SyncError(report.alert)
