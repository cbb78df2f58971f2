"""The exception tree of ``content``; each class carries the HTTP status an app answers with."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, order=True)
class Problem:
    """One mistake in a content file, located precisely enough for an author to fix it."""

    file: Path
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.field}: {self.message}"


class ContentError(Exception):
    """Base of every error raised by ``content``."""

    status = 422


class InvalidContent(ContentError, ValueError):
    """Modules or pathways that do not validate; ``problems`` lists every mistake found."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = tuple(problems)
        lines = "\n".join(str(problem) for problem in self.problems)
        super().__init__(f"{len(self.problems)} problem(s) in the content:\n{lines}")


class GradingError(ContentError, ValueError):
    """An attempt that cannot be graded: an unknown item or criterion, a malformed answer."""

    status = 400


class PackError(ContentError, ValueError):
    """A content pack that cannot be read: malformed, unsigned, tampered or untrusted."""

    status = 400


class MalformedPack(PackError):
    """Bytes that are not a well-formed content pack."""


class UntrustedPack(PackError):
    """A pack, or the trust list in it, not signed by a pinned university key."""

    status = 403


class TamperedPack(PackError):
    """A pack whose signature does not verify, or whose modules do not match the trust list."""

    status = 422
