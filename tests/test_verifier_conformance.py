"""The browser verifier (credentials/verifier/verify.js, in Chromium) and
``credentials.verification`` give the same reason on every shared vector: credentials of
every kind, every single-bit flip of a reference credential, hostile CBOR, trust
lists (accepted, or refused for the same reason), and bare CBOR items read as
``credentials.cbor.loads_deterministic`` reads them. Ed25519 both through WebCrypto and
through the vendored fallback."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.routing import Mount

from credentials.cbor import loads_deterministic
from credentials.errors import CredentialError
from credentials.qr import to_qr_text
from credentials.trust import TrustList, read_trust_list
from credentials.verification import verify
from credentials.verifier import VerifierApp
from hub.server import BackgroundServer
from tests.helpers.browsers import chromium

VECTORS = Path(__file__).parent / "vectors" / "verifier"


def _vectors() -> dict[str, Any]:
    data: dict[str, Any] = json.loads((VECTORS / "vectors.json").read_text())
    return data


def _flips(cose_hex: str) -> list[str]:
    cose = bytes.fromhex(cose_hex)
    texts = []
    for bit in range(len(cose) * 8):
        flipped = bytearray(cose)
        flipped[bit // 8] ^= 0x80 >> (bit % 8)
        texts.append(to_qr_text(bytes(flipped)))
    return texts


def _python(vectors: dict[str, Any]) -> dict[str, list[str]]:
    """Python's reasons, computed now."""
    pinned = bytes.fromhex(vectors["pinned_root"])
    trust = read_trust_list(bytes.fromhex(vectors["trust_list"]), pinned_roots=[pinned])
    now = datetime.fromtimestamp(vectors["now"], UTC)

    def reason(text: str, trust: TrustList) -> str:
        return str(verify(text, trust, now=now).reason)

    def outcome(case: dict[str, str]) -> str:
        try:
            read_trust_list(
                bytes.fromhex(case["data"]), pinned_roots=[bytes.fromhex(case["pinned"])]
            )
        except CredentialError as error:
            return type(error).__name__
        return "ok"

    def deterministic(case: dict[str, str]) -> str:
        try:
            loads_deterministic(bytes.fromhex(case["data"]))
        except CredentialError as error:
            return type(error).__name__
        return "ok"

    return {
        "credentials": [reason(case["text"], trust) for case in vectors["credentials"]],
        "flips": [reason(text, trust) for text in _flips(vectors["flips"]["cose"])],
        "trust_lists": [outcome(case) for case in vectors["trust_lists"]],
        "cbor": [deterministic(case) for case in vectors["cbor"]],
    }


def test_the_vectors_are_what_the_script_writes() -> None:
    from tests.vectors.verifier.make_vectors import build

    assert build() == _vectors(), "run tests/vectors/verifier/make_vectors.py"


def test_python_gives_the_recorded_reasons() -> None:
    vectors = _vectors()
    python = _python(vectors)
    assert python["credentials"] == [case["reason"] for case in vectors["credentials"]]
    assert python["flips"] == vectors["flips"]["reasons"]
    assert python["trust_lists"] == [case["outcome"] for case in vectors["trust_lists"]]
    assert python["cbor"] == [case["outcome"] for case in vectors["cbor"]]
    # The set reaches every reason and every refusal of a list.
    reasons = set(python["credentials"]) | set(python["flips"])
    assert len(reasons) == 13, reasons
    assert set(python["trust_lists"]) == {
        "ok",
        "MalformedInput",
        "NotDeterministic",
        "InvalidSignature",
        "UntrustedSigner",
    }
    assert set(python["cbor"]) == {"ok", "MalformedInput", "NotDeterministic"}


RUN = """async ({ vectors, flips, engine }) => {
  const v = await import("./verify.js");
  v.useEd25519(engine);
  const root = v.fromHex(vectors.pinned_root);
  const trust = await v.readTrustList(v.fromHex(vectors.trust_list), [root]);
  const now = vectors.now;
  const credentials = [];
  for (const c of vectors.credentials) {
    credentials.push((await v.verify(c.text, trust, { now })).reason);
  }
  const flipped = [];
  for (const text of flips) flipped.push((await v.verify(text, trust, { now })).reason);
  const lists = [];
  for (const t of vectors.trust_lists) {
    try {
      await v.readTrustList(v.fromHex(t.data), [v.fromHex(t.pinned)]);
      lists.push("ok");
    } catch (error) {
      lists.push(error.kind);
    }
  }
  const cbor = [];
  for (const c of vectors.cbor) {
    try {
      v.decodeDeterministic(v.fromHex(c.data));
      cbor.push("ok");
    } catch (error) {
      cbor.push(error.kind);
    }
  }
  return { credentials, flips: flipped, trust_lists: lists, cbor, nacl: Boolean(globalThis.nacl) };
}"""


@pytest.fixture(scope="module")
def page() -> Iterator[Any]:
    verifier = VerifierApp(roots=lambda: (), trust_list=lambda: None)
    server = BackgroundServer(Starlette(routes=[Mount("/verifier", verifier)])).start()
    try:
        with chromium() as browser:
            page = browser.new_page()
            page.goto(f"{server.url}/verifier/")
            yield page
    finally:
        server.stop()


@pytest.mark.browser
@pytest.mark.parametrize("engine", ["webcrypto", "fallback"])
def test_the_browser_gives_python_s_reason_on_every_vector(page: Any, engine: str) -> None:
    vectors = _vectors()
    python = _python(vectors)
    flips = _flips(vectors["flips"]["cose"])
    # The fallback is slow on a shared test machine: it takes every eighth flip (the
    # decoding paths are the engine's either way, only the signature check differs).
    step = 1 if engine == "webcrypto" else 8
    python["flips"] = python["flips"][::step]
    flips = flips[::step]
    browser = page.evaluate(RUN, {"vectors": vectors, "flips": flips, "engine": engine})
    assert browser["nacl"] is (engine == "fallback")
    names = {
        "credentials": [case["name"] for case in vectors["credentials"]],
        "flips": [f"bit {bit}" for bit in range(0, len(flips) * step, step)],
        "trust_lists": [case["name"] for case in vectors["trust_lists"]],
        "cbor": [case["name"] for case in vectors["cbor"]],
    }
    differ = [
        (kind, name, want, got)
        for kind, reasons in python.items()
        for name, want, got in zip(names[kind], reasons, browser[kind], strict=True)
        if want != got
    ]
    assert not differ, differ
    count = sum(len(reasons) for reasons in python.values())
    assert count > (1600 if engine == "webcrypto" else 300), count
