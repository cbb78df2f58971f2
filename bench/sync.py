"""Sync benchmark: a node's backlog over a 64 kbit/s, 300 ms link with cuts, then the
same link losing 5 % of its TCP segments; the hub's ingest rate (SQLite, PostgreSQL)
beside a bare Ed25519 verify loop, xAPI for comparison.

    .venv/bin/python bench/sync.py [--quick]

Ends with one JSON line of the figures. Goals (issue 5): <= 250 bytes on the wire per
issued credential (its learner registration and sitting included), total time <= 1.3x
the link-limited time, also at 5 % loss (100 k records in <= 30 min), a cut costs at
most the batch in flight, nothing lost or duplicated, a replay adds nothing, hub ingest
>= 5,000 credentials/s on one core (SQLite), flat as the hub grows.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import random
import secrets
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import cbor2
import httpx
import zstandard
from sqlite_utils import Database

# The link emulator lives with the tests; this folder's own scripts must not shadow packages.
sys.path.remove(str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from credentials.cose import decode_sign1, verify_sign1
from hub.app import create_app
from hub.ingest import Hub, answer
from hub.server import BackgroundServer
from hub.simulate import enrol, simulated_hub
from hub.store import SqliteStore, Store, open_store
from hub.xapi import statement_for
from sync.bundles import export_bundle, import_bundle
from sync.client import batch_message, next_batch, sync_once
from sync.protocol import open_envelope
from sync.simulate import ScriptedNode
from tests.helpers.links import LinkEmulator

LINK_BITS_S = 64_000
ONE_WAY_DELAY_S = 0.150
LOSS = 0.05
RECORDS_GOAL = 100_000
PG_URL = "postgresql://127.0.0.1:5432/test"
BASE_URL = "https://hub.example.org"


def say(text: str) -> None:
    print(text, flush=True)


def build_node(node_id: str, credentials: int, seed: int, path: Path) -> ScriptedNode:
    db = Database(path)
    db.execute("PRAGMA synchronous=OFF")  # building the backlog is not what is measured
    node = ScriptedNode.create(node_id, seed=seed, db=db)
    for _ in range(credentials):
        node.sit_and_issue(node.register())
    return node


def node_hashes(node: ScriptedNode) -> set[tuple[int, bytes]]:
    return {(int(s), bytes(h)) for s, h in node.db.execute("SELECT seq, hash FROM events")}


def hub_hashes(store: Store, node_id: str) -> list[tuple[int, bytes]]:
    return [
        (int(s), bytes(h))
        for s, h in store.query(
            "SELECT seq, hash FROM events WHERE node_id = ? AND branch = 0", [node_id]
        )
    ]


def sync_until_done(
    node: ScriptedNode,
    hub: Hub,
    url: str,
    transport: Callable[[], httpx.BaseTransport] | None = None,
) -> tuple[float, int]:
    """Sync as a node's loop would, retrying after each cut until it succeeds; returns
    (seconds, attempts)."""
    started = time.monotonic()
    for attempt in range(1, 101):
        report = sync_once(
            db=node.db,
            node_key=node.key,
            node_id=node.node_id,
            hub_url=url,
            hub_key=hub.root_key.public_key,
            transport=transport() if transport else None,
            timeout_s=60,
        )
        if report.ok:
            return time.monotonic() - started, attempt
    raise AssertionError(f"no successful sync in 100 attempts: {report}")


def link_sync(node: ScriptedNode, hub: Hub, credentials: int, cuts: int) -> dict[str, Any]:
    server = BackgroundServer(create_app(hub)).start()
    rng = random.Random(5)
    estimate = 170 * credentials
    link = LinkEmulator(
        server.port,
        rate_bits_s=LINK_BITS_S,
        delay_s=ONE_WAY_DELAY_S,
        cuts=sorted(rng.randint(2_000, max(estimate, 4_000)) for _ in range(cuts)),
    ).start()
    elapsed, attempts = sync_until_done(node, hub, link.url)
    stats = link.stats
    link_limited = max(stats.bytes_up, stats.bytes_down) / (LINK_BITS_S / 8)
    # A replay: the node forgets its acks; its hello learns the hub holds everything.
    node.db.execute("UPDATE sync_state SET value = '0' WHERE key = 'acked_seq'")
    before = stats.total
    replay_started = time.monotonic()
    replay = sync_once(
        db=node.db,
        node_key=node.key,
        node_id=node.node_id,
        hub_url=link.url,
        hub_key=hub.root_key.public_key,
    )
    replay_s = time.monotonic() - replay_started
    link.stop()
    server.stop()
    return {
        "elapsed_s": elapsed,
        "attempts": attempts,
        "bytes_up": stats.bytes_up,
        "bytes_down": stats.bytes_down,
        "link_limited_s": link_limited,
        "cuts": stats.cuts_done,
        "replay_s": replay_s,
        "replay_events_sent": replay.events_sent,
        "replay_bytes": stats.total - before,
    }


class _Posted:
    """The batches a node posted, and those cut before their answer arrived."""

    def __init__(self) -> None:
        self.batches = 0
        self.events = 0
        self.cut_batches = 0
        self.cut_events = 0

    def transport(self) -> httpx.HTTPTransport:
        posted = self

        class Counting(httpx.HTTPTransport):
            def handle_request(self, request: httpx.Request) -> httpx.Response:
                if not request.url.path.endswith("/push"):
                    return super().handle_request(request)
                _, envelope = open_envelope(request.content)
                events = len(cbor2.loads(envelope.payload)["events"])
                posted.batches += 1
                posted.events += events
                try:
                    response = super().handle_request(request)
                    response.read()
                except httpx.TransportError:
                    posted.cut_batches += 1
                    posted.cut_events += events
                    raise
                return response

        return Counting()


def lossy_sync(credentials: int, cuts: int, path: Path) -> dict[str, Any]:
    """A new node's backlog over the same link losing ``LOSS`` of its TCP segments, cut
    ``cuts`` times; a resumed sync re-sends what the hub had not acknowledged, counted in
    batches."""
    node = build_node(f"node-lossy-{cuts}", credentials, 3, path / f"lossy-{cuts}.db")
    store = SqliteStore(path / f"lossy-hub-{cuts}.db")
    hub = simulated_hub(store)
    enrol(hub, node)
    server = BackgroundServer(create_app(hub)).start()
    rng = random.Random(6)
    estimate = 170 * credentials
    link = LinkEmulator(
        server.port,
        rate_bits_s=LINK_BITS_S,
        delay_s=ONE_WAY_DELAY_S,
        loss=LOSS,
        seed=7,
        cuts=sorted(rng.randint(2_000, max(estimate, 4_000)) for _ in range(cuts)),
    ).start()
    posted = _Posted()
    elapsed, _ = sync_until_done(node, hub, link.url, posted.transport)
    link.stop()
    server.stop()
    stats = link.stats
    total = int(node.db.execute("SELECT count(*) FROM events").fetchone()[0])
    held = hub_hashes(store, node.node_id)
    store.close()
    assert sorted(held) == sorted(node_hashes(node)), "lost or duplicated over the lossy link"
    # A cut costs the events re-sent because of it, counted in batches the size of those
    # the cuts hit (cuts fall more often on big batches).
    cut_batch = posted.cut_events / posted.cut_batches if posted.cut_batches else 1
    return {
        "elapsed_s": elapsed,
        "link_limited_s": max(stats.bytes_up, stats.bytes_down) / (LINK_BITS_S / 8),
        "events": total,
        "cuts": stats.cuts_done,
        "segments_lost": stats.segments_lost,
        "batches": posted.batches,
        "resent_events": posted.events - total,
        "resume_batches_per_cut": (
            None if not stats.cuts_done else (posted.events - total) / cut_batch / stats.cuts_done
        ),
    }


def batches(node: ScriptedNode, raw_bytes: int) -> list[bytes]:
    wires = []
    after = 0
    while events := next_batch(node.db, after, raw_bytes):
        wires.append(batch_message(node.db, node.key, node.node_id, events, os.urandom(8)))
        after = events[-1].seq
    return wires


INGEST_TABLES = (
    "events",
    "credentials",
    "sittings",
    "learners",
    "learner_links",
    "xapi_outbox",
    "branches",
    "anchors",
)
REPEATS = 3


def ingest_rate(store: Store, node: ScriptedNode, credentials: int) -> tuple[float, float]:
    """Credentials verified and stored per second of wall time and per second of this
    process's CPU time (steadier on a shared machine; SQLite runs in the process, fsync
    waits are not CPU time): the best of a few runs, each ingesting the node's whole
    backlog after forgetting the previous run."""
    hub = simulated_hub(store)
    enrol(hub, node)
    wires = batches(node, 96 * 1024)
    best = best_cpu = 0.0
    for _ in range(REPEATS):
        with store.transaction():
            for table in INGEST_TABLES:
                column = "node_b" if table == "learner_links" else "node_id"
                store.execute(f"DELETE FROM {table} WHERE {column} = ?", [node.node_id])
        # Steady state: the first batch (imports, cold caches) is not timed.
        answer(hub, wires[0])
        first = int(
            store.scalar("SELECT count(*) FROM credentials WHERE node_id = ?", [node.node_id])
        )
        started, started_cpu = time.perf_counter(), time.process_time()
        for wire in wires[1:]:
            answer(hub, wire)
        best = max(best, (credentials - first) / (time.perf_counter() - started))
        best_cpu = max(best_cpu, (credentials - first) / (time.process_time() - started_cpu))
        count = store.scalar("SELECT count(*) FROM credentials WHERE node_id = ?", [node.node_id])
        assert count == credentials, count
    return best, best_cpu


def grow(store: Store, rows: int) -> None:
    """Fill the hub with another node's synthetic history (registry, sittings, events)."""
    chunk = 20_000
    for start in range(0, rows, chunk):
        ids = range(start, min(rows, start + chunk))
        with store.transaction():
            store.executemany(
                "INSERT INTO credentials (credential_id, node_id, seq, learner_id, subject, "
                "module_id, module_version, pathway, score_percent, issued_at, received_at, "
                "time_flag, status_index, status, cose) VALUES (?, 'node-old', ?, ?, ?, "
                "'soil-health', '1.0.0', 0, 80, 1780000000, 1780000000, 0, ?, 'active', ?)",
                [(f"{i:032x}", i, f"L{i}", f"L{i}", i, b"\xd2" * 180) for i in ids],
            )
            store.executemany(
                "INSERT INTO events (node_id, branch, seq, type, at, clock_quality, body, hash, "
                "received_at, time_flag, held) VALUES ('node-old', 0, ?, 'credential.issued', "
                "1780000000, 'hub', ?, ?, 1780000000, 0, 0)",
                [(i + 1, b"\xa0" * 200, secrets.token_bytes(32)) for i in ids],
            )
            store.executemany(
                "INSERT INTO sittings (node_id, sitting_id, learner_id, module_id, "
                "module_version, route, score_percent, passed, submitted_at) VALUES "
                "('node-old', ?, ?, 'soil-health', '1.0.0', 'course', 80, 1, 1780000000)",
                [(f"S{i}", f"L{i}") for i in ids],
            )
            store.executemany(
                "INSERT INTO learners (node_id, learner_id, code, name, match_key, "
                "registered_at, language) VALUES ('node-old', ?, ?, ?, ?, 1780000000, 'sw')",
                [
                    (f"L{i}", f"{i:06d}", f"Learner {i}", f"learner {i}|{1960 + i % 40}")
                    for i in ids
                ],
            )


def bare_verify_rate(node: ScriptedNode, count: int) -> tuple[float, float]:
    """Signatures verified per second of wall time and of CPU time."""
    envelopes = [
        decode_sign1(cbor2.loads(body)["cose"])
        for (body,) in node.db.execute(
            "SELECT body FROM events WHERE type = 'credential.issued' LIMIT ?", [count]
        )
    ]
    started, started_cpu = time.perf_counter(), time.process_time()
    for envelope in envelopes:
        assert verify_sign1(envelope, node.key.public_key)
    return (
        len(envelopes) / (time.perf_counter() - started),
        len(envelopes) / (time.process_time() - started_cpu),
    )


def postgres_store() -> tuple[Store, str] | None:
    try:
        import psycopg

        with psycopg.connect(PG_URL, connect_timeout=2, autocommit=True) as admin:
            schema = f"bench_{secrets.token_hex(4)}"
            admin.execute(f"CREATE SCHEMA {schema}")
    except Exception as error:  # no PostgreSQL here: report null
        say(f"PostgreSQL: none at 127.0.0.1:5432 ({type(error).__name__}); skipped")
        return None
    return open_store(f"{PG_URL}?options=-csearch_path%3D{schema}"), schema


def drop_schema(schema: str) -> None:
    import psycopg

    with psycopg.connect(PG_URL, autocommit=True) as admin:
        admin.execute(f"DROP SCHEMA {schema} CASCADE")


def xapi_figures(store: Store) -> dict[str, float]:
    statements = [
        json.dumps(statement_for(store, BASE_URL, node, kind, ref), separators=(",", ":"))
        for node, kind, ref in store.query("SELECT node_id, kind, ref FROM xapi_outbox")
    ]
    joined = ("[" + ",".join(statements) + "]").encode()
    count = len(statements)
    return {
        "xapi_statements": count,
        "xapi_bytes_per_statement": round(sum(map(len, statements)) / count, 1),
        "xapi_gzip_bytes_per_statement": round(len(gzip.compress(joined, 9)) / count, 1),
        "xapi_zstd_bytes_per_statement": round(
            len(zstandard.ZstdCompressor(level=9).compress(joined)) / count, 1
        ),
    }


def dictionary_figures(node: ScriptedNode) -> dict[str, float]:
    """Small batches (5 credentials): plain zstd against a dictionary trained on others."""
    rows = node.db.execute("SELECT type, at, clock_quality, body FROM events ORDER BY seq")
    raw = [bytes(r[3]) for r in rows]
    groups = [b"".join(raw[i : i + 15]) for i in range(0, len(raw) - 15, 15)]
    half = len(groups) // 2
    if half < 10:
        return {}
    dictionary = zstandard.train_dictionary(8 * 1024, groups[:half])
    plain = zstandard.ZstdCompressor(level=9)
    trained = zstandard.ZstdCompressor(level=9, dict_data=dictionary)
    tests = groups[half:]
    return {
        "small_batch_bytes_per_credential": round(
            sum(len(plain.compress(g)) for g in tests) / (5 * len(tests)), 1
        ),
        "small_batch_bytes_per_credential_dict": round(
            sum(len(trained.compress(g)) for g in tests) / (5 * len(tests)), 1
        ),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="Fewer credentials: under a minute.")
    args = parser.parse_args()
    credentials = 300 if args.quick else 10_000
    ingest_credentials = 1_500 if args.quick else 10_000
    grown = 100_000 if args.quick else 1_000_000
    lossy_credentials = 150 if args.quick else 3_000
    cut_credentials = 60 if args.quick else 600
    cuts = 2 if args.quick else 5
    work = Path(tempfile.mkdtemp(prefix="fieldcred-bench-"))

    say(f"Building a node with {credentials} credentials (registration, sitting, credential)")
    node = build_node("node-link", credentials, 1, work / "node.db")
    store = SqliteStore(work / "hub.db")
    hub = simulated_hub(store)
    enrol(hub, node)
    say(
        f"Syncing over {LINK_BITS_S // 1000} kbit/s, {2 * ONE_WAY_DELAY_S * 1000:.0f} ms RTT, "
        f"{cuts} cuts"
    )
    link = link_sync(node, hub, credentials, cuts)
    wire_bytes = link["bytes_up"] + link["bytes_down"]
    held = hub_hashes(store, "node-link")
    expected = node_hashes(node)
    lost = len(expected - set(held))
    duplicated = (len(held) - len(set(held))) + max(
        0, int(store.scalar("SELECT count(*) FROM credentials")) - credentials
    )
    say(
        f"  {wire_bytes} bytes on the wire ({wire_bytes / credentials:.0f} B/credential), "
        f"{link['elapsed_s']:.1f} s against {link['link_limited_s']:.1f} s link-limited, "
        f"{link['cuts']} cuts, {link['attempts']} attempts, lost {lost}, duplicated {duplicated}"
    )
    say(
        f"  replay: {link['replay_events_sent']} events re-sent, {link['replay_bytes']} bytes, "
        f"{link['replay_s']:.2f} s"
    )
    xapi = xapi_figures(store)
    say(
        f"  the same as xAPI: {xapi['xapi_bytes_per_statement']} B/statement JSON, "
        f"{xapi['xapi_gzip_bytes_per_statement']} gzip, {xapi['xapi_zstd_bytes_per_statement']}"
        " zstd"
    )
    # A full replay of the synced backlog on a USB stick: every batch again, adds nothing.
    node.db.execute("UPDATE sync_state SET value = '0' WHERE key = 'acked_seq'")
    bundle = export_bundle(db=node.db, node_key=node.key, node_id=node.node_id)
    events_before = store.scalar("SELECT count(*) FROM events")
    started = time.perf_counter()
    import_bundle(lambda wire: answer(hub, wire), bundle)
    bundle_replay_s = time.perf_counter() - started
    bundle_replay_added = int(store.scalar("SELECT count(*) FROM events")) - int(events_before)
    say(
        f"  full replay from a USB bundle ({len(bundle)} bytes): {bundle_replay_added} added, "
        f"{bundle_replay_s:.2f} s at the hub"
    )
    store.close()

    say(
        f"Syncing {lossy_credentials} credentials over the same link losing {LOSS:.0%} of its "
        f"TCP segments; then {cut_credentials} with {cuts} cuts"
    )
    lossy = lossy_sync(lossy_credentials, 0, work)
    # Extrapolated from this run (a 100 k backlog would take half an hour to run here).
    records_minutes = lossy["elapsed_s"] / lossy["events"] * RECORDS_GOAL / 60
    say(
        f"  {lossy['elapsed_s']:.1f} s against {lossy['link_limited_s']:.1f} s link-limited, "
        f"{lossy['segments_lost']} segments lost; {RECORDS_GOAL} records (events) would take "
        f"{records_minutes:.1f} min"
    )
    cut = lossy_sync(cut_credentials, cuts, work)
    resume = cut["resume_batches_per_cut"]
    say(
        f"  with cuts: {cut['elapsed_s']:.1f} s against {cut['link_limited_s']:.1f} s "
        f"link-limited, {cut['segments_lost']} segments lost, {cut['cuts']} cuts, "
        f"{cut['resent_events']} events re-sent "
        f"({'-' if resume is None else f'{resume:.2f}'} batches per cut)"
    )

    say(f"Hub ingest of {ingest_credentials} credentials, one core, best of {REPEATS}")
    ingest_node = build_node("node-ingest", ingest_credentials, 2, work / "ingest.db")
    bare, bare_cpu = bare_verify_rate(ingest_node, ingest_credentials)
    sqlite_rate, sqlite_cpu_rate = ingest_rate(
        SqliteStore(work / "ingest-hub.db"), ingest_node, ingest_credentials
    )
    say(
        f"  SQLite {sqlite_rate:.0f} credentials/s ({sqlite_cpu_rate:.0f} per CPU second); "
        f"bare Ed25519 verify {bare:.0f}/s ({bare_cpu:.0f} per CPU second)"
    )
    pg_rate = None
    pg = postgres_store()
    if pg is not None:
        pg_store, schema = pg
        try:
            pg_rate, _ = ingest_rate(pg_store, ingest_node, ingest_credentials)
        finally:
            pg_store.close()
            drop_schema(schema)
        say(f"  PostgreSQL {pg_rate:.0f} credentials/s")
    say(f"Growing a hub to {grown} credentials, then ingesting again")
    big = SqliteStore(work / "big-hub.db")
    simulated_hub(big)
    grow(big, grown)
    ingest_node.db.execute("DELETE FROM sync_state")
    grown_rate, _ = ingest_rate(big, ingest_node, ingest_credentials)
    say(f"  SQLite at {grown} credentials: {grown_rate:.0f} credentials/s")
    dictionary = dictionary_figures(ingest_node)

    figures: dict[str, Any] = {
        "credentials": credentials,
        "bytes_per_credential": round(wire_bytes / credentials, 1),
        "bytes_up": link["bytes_up"],
        "bytes_down": link["bytes_down"],
        "sync_seconds": round(link["elapsed_s"], 2),
        "link_limited_seconds": round(link["link_limited_s"], 2),
        "time_vs_link_limit": round(link["elapsed_s"] / link["link_limited_s"], 3),
        "cuts": link["cuts"],
        "attempts": link["attempts"],
        "lost": lost,
        "duplicated": duplicated,
        "replay_events_sent": link["replay_events_sent"],
        "replay_vs_first_sync": round(link["replay_s"] / link["elapsed_s"], 4),
        "bundle_replay_seconds": round(bundle_replay_s, 3),
        "bundle_replay_added": bundle_replay_added,
        "lossy_credentials": lossy_credentials,
        "lossy_loss": LOSS,
        "lossy_sync_seconds": round(lossy["elapsed_s"], 2),
        "lossy_link_limited_seconds": round(lossy["link_limited_s"], 2),
        "time_vs_link_limit_lossy": round(lossy["elapsed_s"] / lossy["link_limited_s"], 3),
        "lossy_segments_lost": lossy["segments_lost"],
        "lossy_cut_credentials": cut_credentials,
        "lossy_cuts": cut["cuts"],
        "time_vs_link_limit_lossy_cut": round(cut["elapsed_s"] / cut["link_limited_s"], 3),
        "resume_batches_per_cut": None if resume is None else round(resume, 3),
        "lossy_100k_records_minutes": round(records_minutes, 1),
        **xapi,
        "hub_ingest_per_s": round(sqlite_rate),
        "hub_ingest_pg_per_s": None if pg_rate is None else round(pg_rate),
        "bare_verify_per_s": round(bare),
        "hub_ingest_per_cpu_s": round(sqlite_cpu_rate),
        "bare_verify_per_cpu_s": round(bare_cpu),
        "hub_ingest_grown_per_s": round(grown_rate),
        "hub_grown_to": grown,
        "ingest_grown_vs_fresh": round(grown_rate / sqlite_rate, 3),
        **dictionary,
    }
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
