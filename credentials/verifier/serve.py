"""Serving the verifier: a plain ASGI application, no web framework, that a hub or a
centre mounts at ``/verifier``.

It serves the bundle's static files (gzipped when the browser takes it, with an ETag and
``Cache-Control: no-cache`` so a revisit costs a 304), and three documents made here:
``setup.json`` (the pinned roots, and the verdicts and words in every language from
:mod:`credentials.verdicts` and :mod:`credentials.verifier.words`), ``trust-list`` (the
latest signed list the server holds, gzipped too) and ``sw.js`` (the service worker,
told the bundle's version and the files to keep). Reading the roots and the list is the caller's (a
database read): it runs in a worker thread, never on the event loop.
"""

from __future__ import annotations

import asyncio
import gzip
import hashlib
import html
import json
import logging
import re
from collections.abc import Awaitable, Callable, MutableMapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from credentials import verdicts
from credentials.i18n import gettext
from credentials.languages import LANGUAGE_NAMES, LANGUAGES
from credentials.verifier import words

BUNDLE = Path(__file__).resolve().parent
TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".webmanifest": "application/manifest+json",
    ".json": "application/json",
}
PAGE_POLICY = (
    "default-src 'self'; img-src 'self' blob: data:; object-src 'none'; base-uri 'none'; "
    "form-action 'none'; frame-ancestors 'none'"
)
LINK_POLICY = PAGE_POLICY.replace("base-uri 'none'", "base-uri 'self'")
"""The link page names the verifier's folder as its base, so its files load from there."""
MAX_LINK_DIGITS = 8192
MIN_GZIP_BYTES = 512

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]


@dataclass(frozen=True)
class Asset:
    body: bytes
    content_type: str
    gzipped: bytes | None
    etag: str


def _asset(body: bytes, content_type: str) -> Asset:
    """A file as served: its gzip form where that is smaller, its ETag (made here, not on
    the event loop)."""
    compress = content_type.startswith(("text/", "application/", "image/svg"))
    packed = gzip.compress(body, 9, mtime=0) if compress and len(body) >= MIN_GZIP_BYTES else None
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    return Asset(body, content_type, packed if packed and len(packed) < len(body) else None, etag)


def static_assets() -> dict[str, Asset]:
    """Every file of the bundle a browser may ask for, by its path under ``/verifier/``."""
    assets = {}
    for path in sorted(BUNDLE.rglob("*")):
        content_type = TYPES.get(path.suffix)
        if content_type is None or not path.is_file() or path.name == "sw.js":
            continue
        assets[path.relative_to(BUNDLE).as_posix()] = _asset(path.read_bytes(), content_type)
    return assets


def setup_document(roots: Sequence[bytes]) -> dict[str, Any]:
    """What the page needs besides code: roots, verdicts, words, languages."""
    headlines = {str(key): list(text) for key, text in verdicts.VERDICTS.items()}
    headlines.update({key: list(text) for key, text in words.VERDICTS.items()})
    return {
        "roots": [root.hex() for root in roots],
        "languages": LANGUAGE_NAMES,
        "verdicts": headlines,
        "words": {
            english: {lang: gettext(lang, english) for lang in LANGUAGES if lang != "en"}
            for english in page_messages()
        },
    }


def page_messages() -> list[str]:
    """Every message the page may show, as the catalogues hold it: the verdicts, the
    details of a credential, the notes on the list and the page's own words."""
    found = [text for pair in verdicts.VERDICTS.values() for text in pair]
    found += [text for pair in words.VERDICTS.values() for text in pair]
    found += [verdicts.TRUST_LIST_DATE, verdicts.JOINED_LATER, *verdicts.DETAIL_LABELS]
    found += words.WORDS
    return list(dict.fromkeys(found))


def service_worker(assets: dict[str, Asset], setup: bytes) -> bytes:
    """sw.js with the bundle's version (a hash of every file it keeps) and their list."""
    digest = hashlib.sha256(setup)
    for name, asset in sorted(assets.items()):
        digest.update(name.encode() + b"\0" + asset.body)
    kept = ["./", "link", "setup.json", *(name for name in assets if name != "index.html")]
    head = f"const VERSION = {json.dumps(digest.hexdigest()[:16])};\n"
    head += f"const ASSETS = {json.dumps(kept)};\n"
    return head.encode() + (BUNDLE / "sw.js").read_bytes()


def link_page(assets: dict[str, Asset], base: str) -> Asset:
    """The page a link ``/V/<digits>`` opens: index.html whose files load from ``base``,
    the verifier's folder (the page reads the credential from its own address)."""
    tag = f'<base href="{html.escape(base)}">\n'.encode()
    page = assets["index.html"].body.replace(b"<head>\n", b"<head>\n" + tag, 1)
    return _asset(page, TYPES[".html"])


_LINK_PATH = re.compile(r"/[Vv]/[0-9]+")


class HideLinks(logging.Filter):
    """Writes ``/V/…`` for a link's path in uvicorn's access log: the digits are a
    credential, a name and all, and a server's log is no place for them."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) >= 3 and isinstance(args[2], str):
            path = _LINK_PATH.sub(lambda found: found[0][:3] + "…", args[2])
            record.args = (*args[:2], path, *args[3:])
        return True


def hide_links_from_access_log() -> None:
    """Installs :class:`HideLinks` on uvicorn's access log, once."""
    access = logging.getLogger("uvicorn.access")
    if not any(isinstance(kept, HideLinks) for kept in access.filters):
        access.addFilter(HideLinks())


async def _get_path(scope: Scope, send: Send) -> tuple[str, str] | None:
    """The mount's root and the path below it, of a GET or HEAD; None once anything else
    is answered (a method other than those: 405)."""
    if scope["type"] != "http":
        return None
    root = scope.get("root_path", "")
    path = scope["path"]
    if root and path.startswith(root):
        path = path[len(root) :]
    if scope["method"] not in ("GET", "HEAD"):
        await _send(scope, send, 405, b"Only GET and HEAD here.\n", "text/plain", allow="GET")
        return None
    return root, path


class LinkApp:
    """The ASGI app of ``/V`` and ``/v``: the verifier's page for ``/<digits>``, which checks
    the credential in the phone; the digits never go further than this answer."""

    def __init__(self, verifier: VerifierApp) -> None:
        self.verifier = verifier
        hide_links_from_access_log()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        found = await _get_path(scope, send)
        if found is None:
            return
        root, path = found
        digits = path.removeprefix("/")
        if not (digits.isascii() and digits.isdigit()) or len(digits) > MAX_LINK_DIGITS:
            await _send(scope, send, 404, b"Not found.\n", "text/plain; charset=utf-8")
            return
        page = await self.verifier.link_page(root[: -len("/V")] + "/verifier/")  # beside it
        await _send_asset(scope, send, page, {"content-security-policy": LINK_POLICY})


class VerifierApp:
    """The ASGI app of ``/verifier/``: ``roots()`` gives the pinned university root keys,
    ``trust_list()`` the latest signed trust list (or None); both may block."""

    def __init__(
        self, *, roots: Callable[[], Sequence[bytes]], trust_list: Callable[[], bytes | None]
    ) -> None:
        self.roots = roots
        self.trust_list = trust_list
        self._assets: dict[str, Asset] | None = None
        self._list: Asset | None = None
        self._links: dict[str, Asset] = {}

    async def link_page(self, base: str) -> Asset:
        """:func:`link_page` for the verifier at ``base``, made once."""
        if base not in self._links:
            self._links[base] = link_page(await self.assets(), base)
        return self._links[base]

    async def assets(self) -> dict[str, Asset]:
        """The bundle's files, read and compressed at the first request (in a thread), so a
        server's start-up does not wait for them."""
        if self._assets is None:
            self._assets = await asyncio.to_thread(static_assets)
        return self._assets

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        found = await _get_path(scope, send)
        if found is None:
            return
        root, path = found
        if path == "":
            await _send(scope, send, 308, b"", "text/plain", location=root + "/")
            return
        name = path.removeprefix("/") or "index.html"
        asset = await self._asset(name, root)
        if asset is None:
            await _send(scope, send, 404, b"Not found.\n", "text/plain; charset=utf-8")
            return
        extra = {"content-security-policy": PAGE_POLICY} if name == "index.html" else {}
        if name == "link":
            extra = {"content-security-policy": LINK_POLICY}
        if name == "sw.js":
            extra = {"service-worker-allowed": "/"}  # it may also answer the links, /V/...
        await _send_asset(scope, send, asset, extra)

    async def _asset(self, name: str, root: str) -> Asset | None:
        assets = await self.assets()
        if name in ("setup.json", "sw.js"):
            return await asyncio.to_thread(self._made, name, assets)
        if name == "link":
            return await self.link_page(root + "/")
        if name == "trust-list":
            return await asyncio.to_thread(self._trust_list)
        return assets.get(name)

    def _made(self, name: str, assets: dict[str, Asset]) -> Asset:
        setup = json.dumps(setup_document(self.roots()), ensure_ascii=False).encode()
        if name == "setup.json":
            return _asset(setup, TYPES[".json"])
        return _asset(service_worker(assets, setup), TYPES[".js"])

    def _trust_list(self) -> Asset | None:
        """The latest list, gzipped once per publication (its catalogue is mostly text)."""
        data = self.trust_list()
        if data is None:
            return None
        kept = self._list
        if kept is None or kept.body != data:
            kept = self._list = _asset(data, "application/cose")
        return kept


async def _send_asset(scope: Scope, send: Send, asset: Asset, extra: dict[str, str]) -> None:
    headers = {key.decode().lower(): value.decode() for key, value in scope.get("headers", [])}
    common = {"etag": asset.etag, "cache-control": "no-cache", "vary": "Accept-Encoding", **extra}
    if asset.etag in headers.get("if-none-match", ""):
        await _send(scope, send, 304, b"", asset.content_type, **common)
        return
    body = asset.body
    if asset.gzipped is not None and "gzip" in headers.get("accept-encoding", ""):
        body = asset.gzipped
        common["content-encoding"] = "gzip"
    await _send(scope, send, 200, body, asset.content_type, **common)


async def _send(
    scope: Scope, send: Send, status: int, body: bytes, content_type: str, **headers: str
) -> None:
    fields = {
        "content-type": content_type,
        "content-length": str(len(body)),
        "x-content-type-options": "nosniff",
        **{key.replace("_", "-"): value for key, value in headers.items()},
    }
    if status == 304:
        del fields["content-length"]
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(key.encode(), value.encode()) for key, value in fields.items()],
        }
    )
    await send({"type": "http.response.body", "body": b"" if scope["method"] == "HEAD" else body})
