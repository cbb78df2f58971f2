"""Read content YAML files keeping, for every field path, the line it is written on.

The file is composed into PyYAML's node tree first (``yaml.compose``), so each
mapping key and sequence entry still knows its ``start_mark``; the same nodes are
then constructed into plain data with the safe constructor. Aliases are followed
while mapping lines, within a budget, so an alias bomb is reported, not expanded.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from content.errors import Problem

FieldPath = tuple[str | int, ...]

MAX_FILE_BYTES = 2_000_000
"""Largest content file read; a module with a hundred items is about 100 kB."""

MAX_NODES = 200_000
"""Most YAML nodes visited in one file, counting each alias at every place it is used."""

MAX_DEPTH = 32
"""Deepest nesting accepted; a module is about six levels deep."""

SUFFIXES = (".yaml", ".yml")

_Loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""libyaml's loader when PyYAML was built with it (about ten times faster), else pure Python."""


@dataclass(frozen=True)
class Document:
    """One YAML file: its data and the line (1-based) of every field path."""

    file: Path
    data: Any
    lines: dict[FieldPath, int] = field(default_factory=dict)

    def line(self, path: FieldPath) -> int:
        """The line of ``path``, or of its nearest ancestor written in the file."""
        for end in range(len(path), 0, -1):
            found = self.lines.get(path[:end])
            if found is not None:
                return found
        return self.lines.get((), 1)


def format_path(path: FieldPath) -> str:
    """``("items", 3, "prompt", "sw")`` as ``items[3].prompt.sw``."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else part
    return text


def content_files(root: Path) -> list[Path]:
    """Every YAML file under ``root`` (or ``root`` itself), in a stable order."""
    if root.is_file():
        return [root]
    return sorted(
        path
        for path in root.rglob("*")
        if path.suffix in SUFFIXES
        and path.is_file()
        and not any(part.startswith(".") for part in path.relative_to(root).parts)
    )


def read_document(file: Path) -> tuple[Document | None, list[Problem]]:
    """Parse one file; on a syntax error return no document and the problem where it is."""
    try:
        size = file.stat().st_size
        if size > MAX_FILE_BYTES:
            return None, [_whole(file, f"file is {size} bytes, above {MAX_FILE_BYTES}")]
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return None, [_whole(file, f"cannot read the file: {exc}")]
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None, [_whole(file, "the file is empty")]
        lines: dict[FieldPath, int] = {(): node.start_mark.line + 1}
        problems = _map_lines(file, node, lines)
        if problems:
            return None, problems
        data = loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 1
        message = " ".join(str(part) for part in (exc.context, exc.problem) if part)
        return None, [Problem(file, line, "(syntax)", f"YAML syntax error: {message}")]
    except (yaml.YAMLError, RecursionError) as exc:
        return None, [_whole(file, f"YAML error: {exc.__class__.__name__}")]
    finally:
        loader.dispose()
    return Document(file, data, lines), []


def _whole(file: Path, message: str) -> Problem:
    return Problem(file, 1, "(file)", message)


def _map_lines(file: Path, root: yaml.Node, lines: dict[FieldPath, int]) -> list[Problem]:
    problems: list[Problem] = []
    visited = 0
    stack: list[tuple[yaml.Node, FieldPath]] = [(root, ())]
    while stack:
        node, path = stack.pop()
        visited += 1
        if visited > MAX_NODES:
            return [_whole(file, f"more than {MAX_NODES} YAML nodes (aliases count each use)")]
        if len(path) > MAX_DEPTH:
            line = node.start_mark.line + 1
            return [
                Problem(file, line, format_path(path), f"nested deeper than {MAX_DEPTH} levels")
            ]
        for child_path, child, line in _children(node, path):
            if child_path in lines:
                problems.append(
                    Problem(file, line, format_path(child_path), "duplicate key in the mapping")
                )
                continue
            lines[child_path] = line
            stack.append((child, child_path))
    return problems


def _children(node: yaml.Node, path: FieldPath) -> Iterator[tuple[FieldPath, yaml.Node, int]]:
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            name = key.value if isinstance(key, yaml.ScalarNode) else str(key.start_mark)
            yield (*path, str(name)), value, key.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for index, value in enumerate(node.value):
            yield (*path, index), value, value.start_mark.line + 1
