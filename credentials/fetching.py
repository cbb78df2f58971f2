"""Fetch a trust list from a hub, check it against pinned roots, and only then keep it.

The standard library's HTTP client keeps the base install (no web stack) able to do this.
A list that does not verify, or that is older than the one already kept, never replaces it;
the file is replaced in one rename, so a crash leaves either the old list or the new one.
"""

from __future__ import annotations

import os
import tempfile
import urllib.error
import urllib.request
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import urlsplit

from credentials.errors import CredentialError, MalformedInput, Unreachable
from credentials.trust import MAX_TRUST_LIST_BYTES, TrustList, read_trust_list

TRUST_LIST_PATH = "/trust-list"
TIMEOUT_S = 30.0


def trust_list_url(hub_url: str) -> str:
    """The hub's public trust-list address; only http and https addresses are accepted."""
    parts = urlsplit(hub_url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise MalformedInput(f"{hub_url!r} is not an http:// or https:// address")
    path = parts.path.rstrip("/")
    if not path.endswith(TRUST_LIST_PATH):
        path += TRUST_LIST_PATH
    return f"{parts.scheme}://{parts.netloc}{path}"


def download(url: str, *, timeout_s: float = TIMEOUT_S) -> bytes:
    """The body of a GET of ``url``, at most ``MAX_TRUST_LIST_BYTES``."""
    request = urllib.request.Request(url, headers={"Accept": "application/cose"})
    try:
        with urllib.request.urlopen(request, timeout=timeout_s) as response:
            data: bytes = response.read(MAX_TRUST_LIST_BYTES + 1)
    except urllib.error.HTTPError as exc:
        raise Unreachable(f"the hub answered {exc.code} {exc.reason} for {url}") from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", None) or exc
        raise Unreachable(f"could not reach {url}: {reason}") from None
    if len(data) > MAX_TRUST_LIST_BYTES:
        raise MalformedInput(f"the answer from {url} is larger than any trust list")
    return data


def fetch_trust_list(
    hub_url: str, pinned_roots: Iterable[bytes], *, timeout_s: float = TIMEOUT_S
) -> tuple[bytes, TrustList]:
    """The hub's signed trust list, checked against ``pinned_roots``, and its bytes."""
    data = download(trust_list_url(hub_url), timeout_s=timeout_s)
    return data, read_trust_list(data, pinned_roots=tuple(pinned_roots))


def keep_trust_list(
    path: Path, data: bytes, fetched: TrustList, pinned_roots: Iterable[bytes]
) -> None:
    """Write ``data`` to ``path`` in one rename, unless ``path`` holds a newer list under the
    same roots (a replayed old list must not undo revocations)."""
    roots = tuple(pinned_roots)
    if path.exists():
        try:
            kept = read_trust_list(
                path.read_bytes()[: MAX_TRUST_LIST_BYTES + 1], pinned_roots=roots
            )
        except (OSError, CredentialError):
            kept = None  # unreadable or from other roots: the verified new list replaces it
        if kept is not None and kept.newer_than(fetched):
            raise MalformedInput(
                f"{path} holds a newer list (version {kept.version}, "
                f"{kept.issued_at:%Y-%m-%d}) than the hub's (version {fetched.version}, "
                f"{fetched.issued_at:%Y-%m-%d}); it was kept"
            )
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent or ".")
    try:
        with os.fdopen(handle, "wb") as out:
            os.fchmod(out.fileno(), 0o644)  # a public document, unlike mkstemp's default
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
