"""`fieldcred credentials sample`, `keys` and `verify`: exit codes, files, reasons in words."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
from typer.testing import CliRunner

from credentials.certificates import read_node_certificate
from credentials.cli import credentials_app, keys_app
from credentials.keys import load_private_key
from fieldcred.cli import app

runner = CliRunner()
SAMPLE_FILES = {
    "root.jwk",
    "node.jwk",
    "node-cert.cose",
    "trust.cbor",
    "credential.cose",
    "credential.txt",
    "credential.png",
    "credential.ob3.json",
}


def flat(output: str) -> str:
    return " ".join(output.replace("│", " ").split())


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("sample")
    result = runner.invoke(app, ["credentials", "sample", "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out


def test_sample_set_is_complete(sample: Path) -> None:
    assert {path.name for path in sample.iterdir()} == SAMPLE_FILES
    assert json.loads((sample / "root.jwk").read_text())["crv"] == "Ed25519"
    badge = json.loads((sample / "credential.ob3.json").read_text())
    assert "AchievementCredential" in badge["type"]


@pytest.mark.parametrize("name", ["credential.txt", "credential.cose", "credential.png"])
def test_sample_verifies(sample: Path, name: str) -> None:
    trust = str(sample / "trust.cbor")
    result = runner.invoke(app, ["verify", "--trust", trust, str(sample / name)])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("GENUINE")
    assert "Achieng Wanjiru Otieno-K" in result.stdout


def test_qr_text_saved_by_a_windows_editor_verifies(sample: Path, tmp_path: Path) -> None:
    # Notepad writes a byte order mark and CRLF line ends.
    text = (sample / "credential.txt").read_text().strip()
    saved = tmp_path / "credential.txt"
    saved.write_bytes(b"\xef\xbb\xbf" + text.encode("ascii") + b"\r\n")
    result = runner.invoke(app, ["verify", "--trust", str(sample / "trust.cbor"), str(saved)])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("GENUINE")


def test_verify_qr_text_argument_with_pinned_root_as_json(sample: Path) -> None:
    text = (sample / "credential.txt").read_text().strip()
    args = ["verify", "--trust", str(sample / "trust.cbor"), "--root", str(sample / "root.jwk")]
    result = runner.invoke(app, [*args, "--json", text])
    assert result.exit_code == 0, result.output
    verdict = json.loads(result.stdout)
    assert (verdict["genuine"], verdict["reason"]) == (True, "genuine")
    assert verdict["module"]["title"]["en"] == "Soil health basics"


def test_not_genuine_exits_1_with_reason_in_words(sample: Path, tmp_path: Path) -> None:
    data = bytearray((sample / "credential.cose").read_bytes())
    data[-1] ^= 1
    forged = tmp_path / "forged.cose"
    forged.write_bytes(bytes(data))
    result = runner.invoke(app, ["verify", "--trust", str(sample / "trust.cbor"), str(forged)])
    assert result.exit_code == 1
    assert "NOT GENUINE" in result.stdout
    assert "altered or forged" in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["verify", "FC1:X"], "--trust"),
        (["verify", "--trust", "{trust}", "no-such-file"], "neither QR text"),
        (["verify", "--trust", "{dir}/credential.cose", "{dir}/credential.txt"], "not a trust"),
        (["verify", "--trust", "{trust}", "--root", "{dir}/node.jwk", "FC1:"], "trusted root"),
        (["verify", "--trust", "{trust}", "{dir}/root.jwk"], "Not a readable"),
    ],
)
def test_usage_errors_exit_2(sample: Path, args: list[str], message: str) -> None:
    filled = [arg.format(trust=sample / "trust.cbor", dir=sample) for arg in args]
    result = runner.invoke(app, filled)
    expected = 1 if message == "Not a readable" else 2
    assert result.exit_code == expected, result.output
    assert message in flat(result.output)
    assert "Traceback" not in result.output


def test_verify_reads_no_qr_from_a_blank_photo(sample: Path, tmp_path: Path) -> None:
    from PIL import Image

    photo = tmp_path / "photo.jpg"
    Image.new("RGB", (100, 100), (255, 255, 255)).save(photo)
    result = runner.invoke(app, ["verify", "--trust", str(sample / "trust.cbor"), str(photo)])
    assert result.exit_code == 2
    assert "no QR code" in flat(result.output)


def test_verify_says_a_photo_too_costly_to_read_is_too_large(sample: Path, tmp_path: Path) -> None:
    from tests.helpers import photos

    photo = tmp_path / "photo.png"
    photo.write_bytes(photos.made("16-bit RGBA PNG"))
    result = runner.invoke(app, ["verify", "--trust", str(sample / "trust.cbor"), str(photo)])
    assert result.exit_code == 2
    assert "would take over 48 MB to read" in flat(result.output)


def test_keys_new_request_node_cert(tmp_path: Path) -> None:
    for name in ("root", "node"):
        result = runner.invoke(app, ["keys", "new", "--out", str(tmp_path), "--name", name])
        assert result.exit_code == 0, result.output
        assert stat.S_IMODE((tmp_path / f"{name}.key").stat().st_mode) == 0o600
    again = runner.invoke(app, ["keys", "new", "--out", str(tmp_path), "--name", "root"])
    assert again.exit_code == 2
    request = tmp_path / "node.request"
    result = runner.invoke(
        app,
        [
            "keys",
            "request",
            "--key",
            str(tmp_path / "node.key"),
            "--node-id",
            "ke-ksm-01",
            "--node-name",
            "Kisumu centre",
            "--out",
            str(request),
        ],
    )
    assert result.exit_code == 0, result.output
    cert_path = tmp_path / "node-cert.cose"
    result = runner.invoke(
        app,
        [
            "keys",
            "node-cert",
            "--root-key",
            str(tmp_path / "root.key"),
            "--request",
            str(request),
            "--module",
            "soil-health-basics",
            "--days",
            "30",
            "--out",
            str(cert_path),
        ],
    )
    assert result.exit_code == 0, result.output
    cert, envelope = read_node_certificate(cert_path.read_bytes())
    assert cert.public_key == load_private_key(tmp_path / "node.key").public_key
    assert envelope.kid == load_private_key(tmp_path / "root.key").kid
    assert cert.modules == ("soil-health-basics",)


def test_keys_node_cert_from_public_key(tmp_path: Path) -> None:
    runner.invoke(app, ["keys", "new", "--out", str(tmp_path), "--name", "root"])
    runner.invoke(app, ["keys", "new", "--out", str(tmp_path), "--name", "node"])
    out = tmp_path / "cert.cose"
    base = ["keys", "node-cert", "--root-key", str(tmp_path / "root.key"), "--out", str(out)]
    result = runner.invoke(
        app,
        [
            *base,
            "--public-key",
            str(tmp_path / "node.jwk"),
            "--node-id",
            "n1",
            "--node-name",
            "Centre",
            "--module",
            "*",
            "--not-before",
            "2026-01-01",
        ],
    )
    assert result.exit_code == 0, result.output
    assert read_node_certificate(out.read_bytes())[0].not_before.year == 2026
    missing = runner.invoke(app, [*base, "--public-key", str(tmp_path / "node.jwk")])
    assert missing.exit_code == 2


def test_world_readable_root_key_is_refused(tmp_path: Path) -> None:
    runner.invoke(app, ["keys", "new", "--out", str(tmp_path), "--name", "root"])
    (tmp_path / "root.key").chmod(0o644)
    result = runner.invoke(
        app,
        [
            "keys",
            "node-cert",
            "--root-key",
            str(tmp_path / "root.key"),
            "--out",
            "x.cose",
            "--public-key",
            str(tmp_path / "root.jwk"),
            "--node-id",
            "n1",
            "--node-name",
            "C",
            "--module",
            "*",
        ],
    )
    assert result.exit_code == 2
    assert "chmod 600" in flat(result.output)


def test_every_command_is_documented() -> None:
    doc = (Path(__file__).parents[1] / "docs" / "credential-format.md").read_text()
    for group, typer_app in (("keys", keys_app), ("credentials", credentials_app)):
        for command in typer_app.registered_commands:
            assert f"`fieldcred {group} {command.name}" in doc, command.name
    assert "`fieldcred verify " in doc
