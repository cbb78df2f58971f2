"""The one door for CBOR: bounded decoding of untrusted bytes, deterministic encoding.

Untrusted input is size-checked before any parsing, decoded with a nesting cap,
without indefinite lengths or duplicate map keys, and with every CBOR tag
refused except those the caller names. Map keys are integers or text only: Python
takes ``true`` and ``1.0`` for the key ``1``, which would give a document a second
byte form. Trailing bytes after the first item are an error, so one encoding has one
meaning; signed documents are further read with
:func:`loads_deterministic`, so one meaning has one encoding.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Collection
from typing import Any

import cbor2

from credentials.errors import MalformedInput, NotDeterministic

DEFAULT_MAX_BYTES = 4096
DEFAULT_MAX_DEPTH = 8

# Tags cbor2 decodes itself (dates, bignums, shared references, sets, ...):
# shared references can build cyclic objects, so all of them are refused.
_BUILTIN_TAGS = (0, 1, 2, 3, 4, 5, 24, 25, 28, 29, 30, 35, 36, 37, 100, 256, 258, 260, 261, 1004)


def _refuse(*_: Any) -> Any:
    raise cbor2.CBORDecodeError("CBOR tag not allowed here")


_REFUSE_BUILTINS: dict[int, Callable[..., Any]] = {tag: _refuse for tag in (*_BUILTIN_TAGS, 55799)}


def _no_tags(tag: cbor2.CBORTag, immutable: bool) -> cbor2.CBORTag:
    raise cbor2.CBORDecodeError(f"CBOR tag {tag.tag} not allowed here")


def loads_untrusted(
    data: bytes,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_depth: int = DEFAULT_MAX_DEPTH,
    allowed_tags: Collection[int] = (),
) -> Any:
    """Decode one CBOR item from untrusted ``data``; raise ``MalformedInput`` on anything odd."""
    if not isinstance(data, bytes | bytearray | memoryview):
        raise MalformedInput("CBOR input must be bytes")
    if len(data) > max_bytes:
        raise MalformedInput(f"input is {len(data)} bytes, more than the {max_bytes} allowed")
    if not data:
        raise MalformedInput("input is empty")

    def tag_hook(tag: cbor2.CBORTag, immutable: bool) -> cbor2.CBORTag:
        if tag.tag not in allowed_tags:
            raise cbor2.CBORDecodeError(f"CBOR tag {tag.tag} not allowed here")
        return tag

    hook = tag_hook if allowed_tags else _no_tags

    stream = io.BytesIO(bytes(data))
    try:
        decoder = cbor2.CBORDecoder(
            stream,
            tag_hook=hook,
            semantic_decoders=_REFUSE_BUILTINS,
            max_depth=max_depth,
            allow_indefinite=False,
            allow_duplicate_keys=False,
        )
        item = decoder.decode()
    except (cbor2.CBORError, ValueError, TypeError, OverflowError, RecursionError) as exc:
        raise MalformedInput(f"not well-formed CBOR: {exc}") from None
    except MemoryError:
        raise MalformedInput("not well-formed CBOR: declared length too large") from None
    if stream.tell() != len(data):
        raise MalformedInput("trailing bytes after the CBOR item")
    _check_keys(item)
    return item


def _check_keys(item: Any) -> None:
    """Refuse a map key that is not an integer or text (depth is bounded by the decoder)."""
    if isinstance(item, dict):
        for key, value in item.items():
            if type(key) not in (int, str):
                raise MalformedInput("CBOR map keys must be integers or text")
            _check_keys(value)
    elif isinstance(item, list | tuple):
        for value in item:
            _check_keys(value)
    elif isinstance(item, cbor2.CBORTag):
        _check_keys(item.value)


def dumps_canonical(obj: Any) -> bytes:
    """Deterministic encoding (RFC 8949 §4.2): shortest heads and floats, sorted map keys.

    cbor2 sorts map keys length-first (RFC 7049 canonical). That equals the
    bytewise order of RFC 8949 §4.2.1 whenever a map's keys share one major
    type or all encode in one byte, which holds for every map in our formats.
    """
    return cbor2.dumps(obj, canonical=True)


def loads_deterministic(
    data: bytes,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_depth: int = DEFAULT_MAX_DEPTH,
    allowed_tags: Collection[int] = (),
) -> Any:
    """Decode like :func:`loads_untrusted`, then refuse the item unless ``data`` is its
    deterministic encoding (:func:`dumps_canonical` gives back the same bytes): a credential,
    certificate, trust list, pack or event body has one byte form, so two forms of one
    document can never both pass as genuine."""
    item = loads_untrusted(
        data, max_bytes=max_bytes, max_depth=max_depth, allowed_tags=allowed_tags
    )
    try:
        again = dumps_canonical(item)
    except (cbor2.CBORError, ValueError, TypeError) as exc:
        raise NotDeterministic(f"not in deterministic encoding: {exc}") from None
    if again != bytes(data):
        raise NotDeterministic(
            "not in deterministic encoding (RFC 8949 §4.2.1: shortest heads and floats, "
            "sorted map keys)"
        )
    return item
