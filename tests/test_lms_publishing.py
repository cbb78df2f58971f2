"""`fieldcred lms list|validate|export-pack`, and the hub client behind the staff view."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from content.packs import read_pack
from credentials.certificates import NodeCertificate, issue_node_certificate
from credentials.keys import SigningKey, save_private_key
from credentials.trust import read_trust_list
from fieldcred.cli import app
from lms_plugin.cli import app as lms_app
from lms_plugin.errors import HubUnavailable, NotConfigured
from lms_plugin.hub_results import fetch_offline_results, parse_results

CONTENT = Path(__file__).parent / "fixtures" / "content" / "valid"
ROOT = SigningKey.from_seed(b"\x05" * 32)
NODE = SigningKey.from_seed(b"\x06" * 32)
runner = CliRunner()


@pytest.fixture
def keys(tmp_path: Path) -> Path:
    save_private_key(ROOT, tmp_path / "root.key")
    now = datetime.now(UTC).replace(microsecond=0)
    cert = NodeCertificate("ke-01", "Centre", NODE.public_key, ("*",), now, now + timedelta(days=9))
    (tmp_path / "node.cert").write_bytes(issue_node_certificate(ROOT, cert))
    return tmp_path


def lms(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["lms", *args], env={"COLUMNS": "1000"})  # no wrapped paths
    return result.exit_code, result.output


def test_export_pack_writes_a_pack_edge_nodes_accept(keys: Path) -> None:
    out = keys / "course.pack"
    code, output = lms(
        "export-pack", "--module", "mulching", "--module", "cover-crops", "--key",
        str(keys / "root.key"), "--out", str(out), "--node-cert", str(keys / "node.cert"),
        "--content", str(CONTENT),
    )  # fmt: skip
    assert code == 0, output
    assert "mulching 1.0.0" in output and "soil-cover" in output
    pack = read_pack(out.read_bytes(), pinned_roots=[ROOT.public_key])
    assert sorted(m.id for m in pack.modules) == ["cover-crops", "mulching"]
    assert [p.id for p in pack.pathways] == ["soil-cover"]
    assert pack.media["mulching"]
    trust = pack.trust_list
    assert trust.entry("mulching", "1.0.0") is not None
    assert trust.entry("soil-cover", pack.pathways[0].version) is not None
    assert trust.nodes_for(NODE.kid)[0].node_id == "ke-01"
    with pytest.raises(ValueError):
        read_pack(out.read_bytes(), pinned_roots=[NODE.public_key])

    (keys / "trust.cose").write_bytes(pack.trust)
    again = keys / "next.pack"
    code, output = lms(
        "export-pack", "--module", "cover-crops", "--key", str(keys / "root.key"),
        "--out", str(again), "--trust-list", str(keys / "trust.cose"), "--content", str(CONTENT),
    )  # fmt: skip
    assert code == 0, output
    carried = read_trust_list(
        read_pack(again.read_bytes(), pinned_roots=[ROOT.public_key]).trust,
        pinned_roots=[ROOT.public_key],
    )
    assert carried.version == trust.version + 1
    assert carried.nodes_for(NODE.kid) and carried.entry("mulching", "1.0.0") is not None


def test_export_pack_carries_the_course_thresholds_to_centres(keys: Path) -> None:
    course = keys / "course.xml"
    course.write_text(
        '<course><green_skills_module module="mulching" pass_threshold="0.9"/>'
        '<green_skills_module module="cover-crops"/></course>'
    )
    out = keys / "course.pack"
    code, output = lms(
        "export-pack", "--module", "mulching", "--module", "cover-crops", "--key",
        str(keys / "root.key"), "--out", str(out), "--olx", str(course), "--content", str(CONTENT),
    )  # fmt: skip
    assert code == 0, output
    pack = read_pack(out.read_bytes(), pinned_roots=[ROOT.public_key])
    rules = {module.id: module.pass_rule.overall_threshold for module in pack.modules}
    assert rules == {"mulching": 0.9, "cover-crops": 0.5}
    packed = next(module for module in pack.modules if module.id == "mulching")
    entry = pack.trust_list.entry("mulching", "1.0.0")
    assert entry is not None and entry.content_hash == packed.content_hash
    course.write_text(
        '<course><green_skills_module module="mulching" pass_threshold="0.9"/>'
        '<green_skills_module module="mulching" pass_threshold="0.8"/></course>'
    )
    code, output = lms(
        "export-pack", "--module", "mulching", "--key", str(keys / "root.key"),
        "--out", str(keys / "other.pack"), "--olx", str(course), "--content", str(CONTENT),
    )  # fmt: skip
    assert code == 1 and "different pass thresholds for mulching" in output
    course.write_text('<course><green_skills_module module="mulching" pass_threshold="0.2"/>')
    code, output = lms(
        "export-pack", "--module", "mulching", "--key", str(keys / "root.key"),
        "--out", str(keys / "other.pack"), "--olx", str(course), "--content", str(CONTENT),
    )  # fmt: skip
    assert code == 1 and "course OLX has problems" in output
    assert not (keys / "other.pack").exists()


@pytest.mark.parametrize(
    ("args", "message", "exit_code"),
    [
        (["--module", "nope"], "not in the catalogue", 1),
        (["--module", "mulching", "--olx", "/no/such.xml"], "does not exist", 2),
        ([], "name at least one --module", 2),
        (["--module", "mulching", "--node-cert", "/no/such.cert"], "cannot read", 2),
        (["--module", "mulching", "--content", "/no/such/folder"], "is not a folder", 2),
    ],
)
def test_export_pack_refuses_bad_input_without_a_traceback(
    keys: Path, args: list[str], message: str, exit_code: int
) -> None:
    code, output = lms(
        "export-pack", "--key", str(keys / "root.key"), "--out", str(keys / "x.pack"),
        *(args if "--content" in args else [*args, "--content", str(CONTENT)]),
    )  # fmt: skip
    assert code == exit_code and message in output and "Traceback" not in output
    assert not (keys / "x.pack").exists()


def test_export_pack_refuses_an_unprotected_or_missing_key(keys: Path) -> None:
    (keys / "root.key").chmod(0o644)
    code, output = lms("export-pack", "--module", "mulching", "--key", str(keys / "root.key"),
                       "--out", str(keys / "x.pack"))  # fmt: skip
    assert code == 2 and "chmod 600" in output
    code, output = lms("export-pack", "--module", "mulching", "--out", str(keys / "x.pack"))
    assert code == 2 and "--key" in output


def test_list_shows_each_module_with_its_olx() -> None:
    code, output = lms("list", "--content", str(CONTENT), "--json")
    assert code == 0
    rows = json.loads(output)
    assert [row["id"] for row in rows] == ["cover-crops", "mulching"]
    assert rows[1]["olx"] == '<green_skills_module module="mulching"/>'
    code, output = lms("list", "--content", str(CONTENT))
    assert code == 0 and "mulching 1.0.0" in output


def test_validate_checks_every_block_of_a_course(tmp_path: Path) -> None:
    course = tmp_path / "course"
    (course / "vertical").mkdir(parents=True)
    (course / "vertical" / "good.xml").write_text(
        '<vertical><green_skills_module module="mulching" pass_threshold="0.8"'
        ' languages="en sw"/><green_skills_module module="cover-crops"/></vertical>'
    )
    code, output = lms("validate", str(course), "--content", str(CONTENT))
    assert code == 0 and "2 green_skills_module block(s)" in output
    (course / "vertical" / "bad.xml").write_text(
        '<!DOCTYPE v [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n<vertical>&x;\n'
        '<green_skills_module module="nope"/>\n'
        '<green_skills_module module="mulching" pass_threshold="0.1"/>\n'
        '<green_skills_module module="mulching" languages="de"/>\n'
        '<green_skills_module module="mulching" weight="-2"/>\n</vertical>'
    )
    (course / "vertical" / "broken.xml").write_text("<vertical>")
    code, output = lms("validate", str(course), "--content", str(CONTENT))
    assert code == 1
    assert "bad.xml:3: module 'nope' is not in the catalogue" in output
    assert "bad.xml:4: mulching: pass_threshold '0.1'" in output
    assert "bad.xml:5: mulching: languages" in output
    assert "bad.xml:6: mulching: weight must be a number of 0 or more, not '-2'" in output
    assert "broken.xml:0: not readable OLX" in output
    assert "root:" not in output
    code, output = lms("validate", str(tmp_path / "missing"), "--content", str(CONTENT))
    assert code == 2 and "Invalid value for OLX" in output


def test_every_lms_command_has_help() -> None:
    for command in lms_app.registered_commands:
        assert command.callback is not None and command.callback.__doc__
        code, output = lms(str(command.name), "--help")
        assert code == 0 and "Usage" in output


class _Hub(BaseHTTPRequestHandler):
    answers: ClassVar[dict[str, tuple[int, bytes]]] = {}
    seen: ClassVar[list[tuple[str, str]]] = []

    def do_GET(self) -> None:
        self.seen.append((self.path, self.headers.get("Authorization", "")))
        status, body = self.answers.get(self.path.split("?")[0], (404, b"{}"))
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def fake_hub_url() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Hub)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


ROW = {
    "node_id": "ke-01", "centre": "Kisumu centre", "learner_id": "ke-01-L1", "sitting_id": "S1",
    "module_version": "1.0.0", "route": "course", "score_percent": 80, "passed": 1,
    "submitted_at": 1763900000, "credential_id": "ab12", "credential_status": "active",
}  # fmt: skip


def test_offline_results_come_from_the_hub_with_the_token(fake_hub_url: str) -> None:
    _Hub.answers = {
        "/api/v1/modules/mulching/results": (200, json.dumps({"results": [ROW]}).encode()),
        "/api/v1/modules/broken/results": (200, b'{"results": [{"node_id": 5}]}'),
    }
    rows = fetch_offline_results(fake_hub_url, "secret", "mulching")
    assert rows[0].centre == "Kisumu centre" and rows[0].learner == "ke-01-L1" and rows[0].passed
    assert rows[0].credential_status == "active"
    assert _Hub.seen[-1] == ("/api/v1/modules/mulching/results", "Bearer secret")
    with pytest.raises(HubUnavailable, match="not a results list"):
        fetch_offline_results(fake_hub_url, "secret", "broken")
    with pytest.raises(HubUnavailable, match="404"):
        fetch_offline_results(fake_hub_url, "secret", "other")
    with pytest.raises(NotConfigured):
        fetch_offline_results(None, None, "mulching")
    with pytest.raises(HubUnavailable, match="cannot be reached"):
        fetch_offline_results("http://127.0.0.1:9", "secret", "mulching")


_VALUES = st.none() | st.integers() | st.text(max_size=5) | st.booleans()
_ROWS = st.lists(st.dictionaries(st.sampled_from(sorted(ROW)), _VALUES), max_size=3)


@given(st.binary(max_size=300) | _ROWS.map(lambda rows: json.dumps({"results": rows}).encode()))
def test_any_hub_answer_parses_or_is_refused_cleanly(body: bytes) -> None:
    try:
        rows = parse_results(body)
    except HubUnavailable:
        return
    assert all(0 <= row.score_percent <= 100 for row in rows)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--root-key", "a.key", "--issuer-key", "b.key"], "not both"),
        (["--issuer-key", "/no/such.key"], "does not exist"),
        (["--content", "/no/such/folder"], "is not a folder"),
        (["--port", "0"], "--port"),
    ],
)
def test_workbench_refuses_bad_options(tmp_path: Path, args: list[str], message: str) -> None:
    code, output = lms("workbench", "--dir", str(tmp_path / "wb"), *args)
    assert code == 2 and message in output and "Traceback" not in output
    assert not (tmp_path / "wb").exists()


def test_a_demo_online_issuer_is_certified_by_the_root(tmp_path: Path) -> None:
    from credentials.certificates import check_node_certificate
    from lms_plugin.config import PluginSettings
    from lms_plugin.online_issuance import certify_online_issuer, load_issuer

    key_path, cert_path = certify_online_issuer(ROOT, tmp_path / "issuer", modules=("mulching",))
    assert key_path.stat().st_mode & 0o077 == 0
    certificate = check_node_certificate(cert_path.read_bytes(), (ROOT.public_key,))
    assert certificate.modules == ("mulching",) and certificate.node_id == "lms-online"
    issuer = load_issuer(PluginSettings(issuer_key=key_path, issuer_certificate=cert_path))
    assert issuer.key.public_key == certificate.public_key
    other_key, _ = certify_online_issuer(ROOT, tmp_path / "other")
    with pytest.raises(NotConfigured, match="certifies another key"):
        load_issuer(PluginSettings(issuer_key=other_key, issuer_certificate=cert_path))
    with pytest.raises(NotConfigured, match="no online issuer"):
        load_issuer(PluginSettings())


@settings(max_examples=80, deadline=None)
@given(
    st.binary(max_size=400)
    | st.text(max_size=200).map(lambda t: f"<v><green_skills_module {t}/></v>".encode())
)
def test_any_olx_file_is_checked_or_reported_never_crashes(
    tmp_path_factory: Any, data: bytes
) -> None:
    from content.loading import load_catalogue
    from lms_plugin.publishing import check_olx

    file = tmp_path_factory.mktemp("olx") / "course.xml"
    file.write_bytes(data)
    found, problems = check_olx([file], load_catalogue(CONTENT))
    assert found >= 0 and all(problem.file == file for problem in problems)
