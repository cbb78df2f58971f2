"""A node's settings: ``settings.json`` in the data directory, overridden by the environment."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from edge_node.config import SETTINGS_FILE, load_settings
from edge_node.errors import NodeNotReady
from edge_node.node import init_node


@pytest.fixture
def data(tmp_path: Path) -> Path:
    init_node(tmp_path, name="Kisumu CLC", admin_user="admin", admin_password="correct horse")
    return tmp_path


def test_environment_values_take_the_settings_types(
    data: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FIELDCRED_EDGE_SYNC_INTERVAL_S", "60")
    monkeypatch.setenv("FIELDCRED_EDGE_SECURE_COOKIES", "true")
    monkeypatch.setenv("FIELDCRED_EDGE_HUB_URL", "http://hub.example:8000")
    settings = load_settings(data)
    assert settings.sync_interval_s == 60
    assert settings.secure_cookies is True
    assert settings.hub_url == "http://hub.example:8000"
    assert settings.node_name == "Kisumu CLC"


def test_a_bad_environment_value_is_a_clear_error(
    data: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FIELDCRED_EDGE_PORT", "eighty")
    with pytest.raises(NodeNotReady, match="port"):
        load_settings(data)


def test_init_keeps_the_environment_out_of_the_settings_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FIELDCRED_EDGE_PORT", "9191")
    init_node(tmp_path, name="Kisumu CLC", admin_user="admin", admin_password="correct horse")
    assert json.loads((tmp_path / SETTINGS_FILE).read_text())["port"] == 8080
    assert load_settings(tmp_path).port == 9191
