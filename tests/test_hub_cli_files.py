"""`fieldcred hub enrol-node` and `import-bundle` with an output path that cannot be
written: a plain error saying what already happened and that running again is safe."""

from __future__ import annotations

from pathlib import Path

from sync.bundles import export_bundle
from sync.simulate import ScriptedNode
from tests.helpers.cli import hub_cli


def test_an_unwritable_output_is_a_plain_error(hub_data: Path, tmp_path: Path) -> None:
    node = ScriptedNode.create("node-w")
    request = tmp_path / "node.request"
    request.write_bytes(node.request())
    nowhere = tmp_path / "missing" / "node.cert"
    args = ("--data", str(hub_data), "--modules", "soil-health")
    code, out = hub_cli("enrol-node", str(request), *args, "--out", str(nowhere))
    assert code == 1 and "cannot be written" in out and "--out elsewhere" in out
    assert "Traceback" not in out
    code, out = hub_cli("enrol-node", str(request), *args, "--out", str(tmp_path / "node.cert"))
    assert code == 0, out

    node.sit_and_issue(node.register())
    bundle = tmp_path / "stick.bundle"
    bundle.write_bytes(export_bundle(db=node.db, node_key=node.key, node_id="node-w"))
    code, out = hub_cli(
        "import-bundle", str(bundle), "--data", str(hub_data), "--answer", str(hub_data)
    )
    assert code == 1 and "cannot be written" in out and "applied" in out
    assert "Traceback" not in out
    code, out = hub_cli("import-bundle", str(bundle), "--data", str(hub_data))
    assert code == 0 and (tmp_path / "stick.answer").exists()
