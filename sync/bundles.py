"""USB bundles: the same signed messages as online sync, carried in one file each way.

A node's bundle holds a ``hello``, the batches of every event the hub has not
acknowledged and a ``pull``; the hub answers each exactly as it would online and
writes the answers to a file taken back. Online sync and bundles mix freely: a batch
the hub already holds is a no-op, whichever way it came first.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlite_utils import Database

from credentials.cbor import dumps_canonical, loads_untrusted
from credentials.errors import CredentialError
from credentials.keys import SigningKey
from sync.client import (
    START_BATCH_BYTES,
    ApplyItem,
    SyncReport,
    acked_seq,
    apply_ack,
    apply_items,
    apply_welcome,
    batch_message,
    hello_message,
    next_batch,
    pending_count,
    pull_message,
    read_answer,
)
from sync.errors import MalformedBatch, SyncError, TooLarge
from sync.protocol import VERSIONS, new_nonce

BUNDLE_KIND = "fieldcred-sync-bundle"
ANSWER_KIND = "fieldcred-sync-answer"
MAX_BUNDLE_BYTES = 256 * 1024 * 1024
MAX_BUNDLE_MESSAGES = 100_000


def export_bundle(*, db: Database, node_key: SigningKey, node_id: str) -> bytes:
    """Every event the hub has not acknowledged, as one file's bytes."""
    nonces: list[bytes] = []

    def nonce() -> bytes:
        nonces.append(new_nonce())
        return nonces[-1]

    messages = [hello_message(db, node_key, node_id, nonce())]
    after = acked_seq(db)
    while events := next_batch(db, after, START_BATCH_BYTES * 2):
        messages.append(batch_message(db, node_key, node_id, events, nonce()))
        after = events[-1].seq
    row = db.execute("SELECT value FROM sync_state WHERE key = 'pull_cursor'").fetchone()
    messages.append(pull_message(node_key, node_id, nonce(), int(row[0]) if row else 0))
    with db.atomic():
        db.execute(
            "INSERT INTO sync_state (key, value) VALUES ('bundle_nonces', ?) "
            "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            [",".join(n.hex() for n in nonces)],
        )
    return dumps_canonical(
        {"kind": BUNDLE_KIND, "v": list(VERSIONS), "node": node_id, "messages": messages}
    )


def _read(data: bytes, kind: str) -> dict[str, Any]:
    if len(data) > MAX_BUNDLE_BYTES:
        raise TooLarge(f"the file is over {MAX_BUNDLE_BYTES} bytes")
    try:
        content = loads_untrusted(data, max_bytes=MAX_BUNDLE_BYTES, max_depth=3)
    except CredentialError as error:
        raise MalformedBatch(f"the file is not a sync bundle ({error})") from None
    if not isinstance(content, dict) or content.get("kind") != kind:
        raise MalformedBatch(f"the file is not a {kind}")
    messages = content.get("messages")
    if not isinstance(messages, list) or len(messages) > MAX_BUNDLE_MESSAGES:
        raise MalformedBatch("the bundle's message list is missing or too long")
    return content


def import_bundle(answer: Callable[[bytes], bytes], data: bytes) -> tuple[bytes, list[str]]:
    """Hub side: answer every message of a node's bundle; (answer file, errors in words).

    ``answer`` is the hub's message handler. A refused message is recorded with its
    reason and the rest still answered, as online.
    """
    content = _read(data, BUNDLE_KIND)
    answers: list[Any] = []
    errors: list[str] = []
    for index, message in enumerate(content["messages"]):
        if not isinstance(message, bytes):
            raise MalformedBatch(f"message {index} of the bundle is not bytes")
        try:
            answers.append(answer(message))
        except SyncError as error:
            answers.append({"error": error.reason, "message": str(error)})
            errors.append(f"message {index}: {error}")
    node = content.get("node")
    return (
        dumps_canonical({"kind": ANSWER_KIND, "node": node, "messages": answers}),
        errors,
    )


def import_answer(
    *,
    db: Database,
    data: bytes,
    node_id: str,
    hub_key: bytes,
    apply_item: ApplyItem | None = None,
) -> SyncReport:
    """Node side: apply the hub's answer file (acks, quarantine, pulled items, hub time)."""
    report = SyncReport(ok=False, pending=pending_count(db), last_ack=acked_seq(db))
    row = db.execute("SELECT value FROM sync_state WHERE key = 'bundle_nonces'").fetchone()
    nonces = {bytes.fromhex(n) for n in str(row[0]).split(",") if n} if row else set()
    try:
        content = _read(data, ANSWER_KIND)
        for message in content["messages"]:
            if isinstance(message, dict):
                report.last_error = f"the hub refused part of the bundle: {message.get('message')}"
                continue
            if not isinstance(message, bytes):
                raise MalformedBatch("an answer in the file is neither signed bytes nor an error")
            fields = read_answer(message, hub_key, node_id, nonces)
            kind = fields.get("m")
            if kind == "welcome":
                apply_welcome(db, node_id, fields, report)
            elif kind == "ack":
                apply_ack(db, fields, report)
            elif kind == "items":
                apply_items(db, fields, apply_item, report)
    except SyncError as error:
        report.last_error = str(error)
    report.pending = pending_count(db)
    report.last_ack = acked_seq(db)
    report.last_error = report.last_error or report.alert
    report.ok = report.last_error is None
    return report
