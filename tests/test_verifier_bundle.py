"""The offline verifier's bundle as the hub and a centre serve it at ``/verifier/``: the
verdict sentences and words are credentials.verdicts' own, every word the page shows is in
Kiswahili and French, the files are only the bundle's, compressed and revalidated, and the
vendored libraries carry their licence and version."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

import pytest
from babel.messages.extract import extract_from_file
from fastapi.testclient import TestClient

from credentials import verdicts
from credentials.extract import extract_verifier
from credentials.i18n import gettext
from credentials.keys import SigningKey
from credentials.trust import TrustList, sign_trust_list
from credentials.verifier import serve, words
from edge_node.node import Node
from edge_node.trust import install_trust_list, pin_root, pinned_roots
from edge_node.web.app import create_app
from hub.settings import HubSettings
from hub.simulate import ROOT_SEED, enrol, simulated_hub
from hub.store import SqliteStore
from hub.web.app import create_web_app
from sync.simulate import ScriptedNode

BUNDLE = serve.BUNDLE


def simulated_hub_root() -> SigningKey:
    return SigningKey.from_seed(ROOT_SEED)


@pytest.fixture(scope="module")
def hub_client(tmp_path_factory: pytest.TempPathFactory) -> TestClient:
    store = SqliteStore(tmp_path_factory.mktemp("hub") / "hub.db")
    hub = simulated_hub(store)
    enrol(hub, ScriptedNode.create("node-b"))
    return TestClient(create_web_app(hub, HubSettings(name="Hub", session_secret="s" * 32)))


def test_the_verdicts_and_words_are_credentials_verdicts_own(hub_client: TestClient) -> None:
    setup = hub_client.get("/verifier/setup.json").json()
    assert setup["roots"] == [simulated_hub_root().public_key.hex()]
    for key, (headline, sentence) in verdicts.VERDICTS.items():
        assert setup["verdicts"][str(key)] == [headline, sentence]
    for english in serve.page_messages():
        assert setup["words"][english] == {
            "sw": gettext("sw", english),
            "fr": gettext("fr", english),
        }
    assert setup["verdicts"][words.NEWER_THAN_LIST] == list(words.VERDICTS[words.NEWER_THAN_LIST])


def _page_messages() -> set[str]:
    """Every English message the page may show: marked in the HTML, passed to t() or to
    detail() in app.js (as ``make translations`` extracts them), and every verdict's
    headline and sentence."""
    found = set()
    for name, options in (("index.html", {"kind": "html"}), ("app.js", {})):
        for _line, message, _comments, _context in extract_from_file(
            extract_verifier, str(BUNDLE / name), options=options
        ):
            found.add(message)
    for headline, sentence in [*verdicts.VERDICTS.values(), *words.VERDICTS.values()]:
        found |= {headline, sentence}
    return found


def test_every_word_the_page_shows_is_in_kiswahili_and_french(hub_client: TestClient) -> None:
    messages = _page_messages()
    assert "Check a credential" in messages and "Outcomes achieved" in messages
    assert len(messages) > 40
    known = hub_client.get("/verifier/setup.json").json()["words"]
    missing = sorted(message for message in messages if message not in known)
    assert not missing, missing
    for message in messages:
        assert all(known[message][lang].strip() for lang in ("sw", "fr")), message


def test_only_the_bundle_s_files_are_served(hub_client: TestClient) -> None:
    moved = hub_client.get("/verifier", follow_redirects=False)
    assert moved.status_code == 307 and moved.headers["location"].endswith("/verifier/")
    page = hub_client.get("/verifier/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "script-src" not in page.headers["content-security-policy"]  # 'self' by default
    assert "default-src 'self'" in page.headers["content-security-policy"]
    for hidden in (
        "serve.py",
        "words.py",
        "__init__.py",
        "README.md",
        "vendor/qr/LICENSE",
        "../verdicts.py",
        "%2e%2e/verdicts.py",
        "nothing.js",
    ):
        assert hub_client.get(f"/verifier/{hidden}").status_code == 404, hidden
    assert hub_client.post("/verifier/", content=b"x").status_code == 405
    head = hub_client.head("/verifier/verify.js")
    assert head.status_code == 200 and head.content == b""


def test_files_are_compressed_and_revalidated(hub_client: TestClient) -> None:
    plain = hub_client.get("/verifier/verify.js", headers={"accept-encoding": "identity"})
    assert "content-encoding" not in plain.headers
    assert plain.content == (BUNDLE / "verify.js").read_bytes()
    packed = hub_client.get("/verifier/verify.js", headers={"accept-encoding": "gzip"})
    assert packed.headers["content-encoding"] == "gzip"
    assert int(packed.headers["content-length"]) < len(plain.content) / 2
    assert packed.content == plain.content  # httpx inflates it
    again = hub_client.get("/verifier/verify.js", headers={"if-none-match": plain.headers["etag"]})
    assert again.status_code == 304 and again.content == b""
    assert plain.headers["cache-control"] == "no-cache"


def test_the_service_worker_keeps_every_file_it_names(hub_client: TestClient) -> None:
    worker = hub_client.get("/verifier/sw.js")
    assert worker.status_code == 200
    kept = json.loads(re.search(r"const ASSETS = (\[.*\]);", worker.text).group(1))  # type: ignore[union-attr]
    assert {"./", "verify.js", "app.js", "setup.json", "vendor/qr/decode.js"} <= set(kept)
    assert "vendor/tweetnacl/nacl-fast.min.js" in kept
    for name in kept:
        assert hub_client.get(f"/verifier/{name}").status_code == 200, name
    assert hub_client.get("/verifier/trust-list").content == hub_client.get("/trust-list").content


def test_a_centre_serves_the_same_bundle_with_its_own_root_and_list(node: Node) -> None:
    client = TestClient(create_app(node))
    assert client.get("/verifier/trust-list").status_code == 404  # none installed yet
    root = SigningKey.from_seed(b"r" * 32)
    pin_root(node, root.public_key)
    listing = sign_trust_list(
        root, TrustList(version=4, issued_at=datetime.now(UTC), roots=(root.public_key,))
    )
    install_trust_list(node, listing)
    roots = client.get("/verifier/setup.json").json()["roots"]
    assert roots == [key.hex() for key in pinned_roots(node)] and root.public_key.hex() in roots
    assert client.get("/verifier/trust-list").content == listing
    assert client.get("/verifier/").text == (BUNDLE / "index.html").read_text()


def test_vendored_libraries_carry_licence_and_version() -> None:
    readme = (BUNDLE / "README.md").read_text()
    for folder in sorted((BUNDLE / "vendor").iterdir()):
        assert (folder / "LICENSE").exists(), folder
        row = next(line for line in readme.splitlines() if f"`vendor/{folder.name}/`" in line)
        assert re.search(r"\| \d+\.\d+\.\d+ \|", row), row
        for script in folder.glob("*.js"):
            assert f"`{script.name}`" in row, script
    own = [path for path in BUNDLE.glob("*.*") if path.suffix in (".js", ".html", ".css")]
    for path in own:
        assert not re.search(r"https?://", path.read_text()), path  # nothing from elsewhere


def test_the_first_load_stays_small(hub_client: TestClient) -> None:
    """Everything the service worker keeps, gzipped as served: the bench measures the
    browser's real transfer; this keeps the bundle from growing past the goal unnoticed."""
    worker = hub_client.get("/verifier/sw.js")
    kept = json.loads(re.search(r"const ASSETS = (\[.*\]);", worker.text).group(1))  # type: ignore[union-attr]
    total = len(worker.content)
    for name in [*kept, "trust-list"]:
        served = hub_client.get(f"/verifier/{name}", headers={"accept-encoding": "gzip"})
        total += int(served.headers["content-length"])
    assert total < 150 * 1024, total


def test_both_verify_pages_offer_the_offline_checker(hub_client: TestClient, node: Node) -> None:
    """Someone checking one credential online learns they can keep a checker for no signal."""
    for client in (hub_client, TestClient(create_app(node))):
        page = client.get("/verify", headers={"Accept-Language": "sw"}).text
        assert 'href="/verifier/"' in page and "bila mtandao" in page
        assert client.get("/verifier/").status_code == 200
