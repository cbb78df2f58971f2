"""Finding the software's messages for the catalogues (``make translations``, and the test
that the catalogues are complete): Babel's own Python extractor, plus what the project's
conventions make a message without a call to ``_()``.

Calls to ``counted(singular, plural)`` (:mod:`credentials.i18n`) are plural messages.
A section of ``babel.cfg`` using this extractor may name, besides Babel's keywords:

``calls``
    callables whose argument is a message, ``name`` (the first) or ``name:N`` (the
    N-th): the errors whose words a page shows, a hub page's title;
``factories``
    callables returning a translator, called at once (``_tr(request)("...")``);
``constants``
    module-level names bound to a message, or to a tuple or dict of messages;
``dict_keys``
    keys of dict literals whose value (a string or a list of strings) is a message;
``kwargs``
    keyword arguments whose string value is a message (``error="..."``).

:func:`extract_verifier` reads the browser verifier's bundle: the ``data-t`` attributes
of its HTML and the ``t("...")`` and ``detail(details, "...")`` calls of its script.

Only Babel and the tests import this module; the software itself never does.
"""

from __future__ import annotations

import ast
from collections.abc import Collection, Iterator
from html.parser import HTMLParser
from typing import IO, Any

from babel.messages.extract import extract_javascript, extract_python

Found = tuple[Any, ...]
"""(line, function, message or messages, comments[, context]): Babel's own shape."""


def extract(
    fileobj: IO[bytes],
    keywords: Collection[str],
    comment_tags: Collection[str],
    options: dict[str, Any],
) -> Iterator[Found]:
    source = fileobj.read()
    fileobj.seek(0)
    names = {name: None for name in [*keywords, "counted"]}
    for lineno, funcname, messages, comments in extract_python(
        fileobj,
        names,
        comment_tags,
        options,  # type: ignore[arg-type]
    ):
        # credentials.i18n.counted(singular, plural) is a plural message, as ngettext's.
        yield lineno, "ngettext" if funcname == "counted" else funcname, messages, comments
    conventions = {key: str(options.get(key, "")).split() for key in _CONVENTIONS}
    if any(conventions.values()):
        for lineno, message in _conventional(ast.parse(source), **conventions):
            yield lineno, "_", message, []


_CONVENTIONS = ("calls", "factories", "constants", "dict_keys", "kwargs")


def _conventional(
    tree: ast.AST,
    calls: list[str],
    factories: list[str],
    constants: list[str],
    dict_keys: list[str],
    kwargs: list[str],
) -> Iterator[tuple[int, str]]:
    positions = dict(_call(spec) for spec in calls)
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            name = _name(node.func)
            if name in positions and positions[name] < len(node.args):
                yield from _strings(node.args[positions[name]])
            if isinstance(node.func, ast.Call) and _name(node.func.func) in factories:
                yield from _strings(node.args[0] if node.args else None)
            for keyword in node.keywords:
                if keyword.arg in kwargs:
                    yield from _strings(keyword.value)
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(isinstance(t, ast.Name) and t.id in constants for t in targets):
                yield from _strings(node.value)
        elif isinstance(node, ast.Dict):
            for key, value in zip(node.keys, node.values, strict=True):
                if isinstance(key, ast.Constant) and key.value in dict_keys:
                    yield from _strings(value)


def _strings(node: ast.expr | None) -> Iterator[tuple[int, str]]:
    """The message strings of a string, or of a list, tuple or dict's values."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value:
        yield node.lineno, node.value
    elif isinstance(node, ast.List | ast.Tuple):
        for item in node.elts:
            yield from _strings(item)
    elif isinstance(node, ast.Dict):
        for value in node.values:
            yield from _strings(value)


def _name(func: ast.expr) -> str:
    if isinstance(func, ast.Name):
        return func.id
    return func.attr if isinstance(func, ast.Attribute) else ""


def _call(spec: str) -> tuple[str, int]:
    """``name`` (its first argument is the message) or ``name:N`` (its N-th)."""
    name, _, position = spec.partition(":")
    return name, int(position or 1) - 1


_SCRIPT_CALLS = {"t": 0, "detail": 1}
"""The verifier script's translating calls, with the position of their message."""


def extract_verifier(
    fileobj: IO[bytes],
    keywords: Collection[str],
    comment_tags: Collection[str],
    options: dict[str, Any],
) -> Iterator[Found]:
    """The messages of the verifier's ``index.html`` (``data-t``) or ``app.js``."""
    if str(options.get("kind", "script")) == "html":
        parser = _Marked()
        parser.feed(fileobj.read().decode("utf-8"))
        for lineno, message in parser.found:
            yield lineno, "_", message, []
        return
    names = dict.fromkeys(_SCRIPT_CALLS)
    found: Iterator[Any] = extract_javascript(fileobj, names, comment_tags, options)  # type: ignore[arg-type]
    for lineno, funcname, messages, comments in found:
        arguments = messages if isinstance(messages, tuple | list) else (messages,)
        position = _SCRIPT_CALLS[str(funcname)]
        text = arguments[position] if position < len(arguments) else None
        if isinstance(text, str) and text:
            yield lineno, "_", text, list(comments or [])


class _Marked(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[int, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name == "data-t" and value:
                self.found.append((self.getpos()[0], value))
