"""The languages the software speaks, for every package: the interface's words (the
catalogues in ``credentials/locale``) and the content's own per-field translations."""

from __future__ import annotations

LANGUAGES: tuple[str, ...] = ("en", "sw", "fr")
"""English first: the message ids are English, and English is the fallback."""

LANGUAGE_NAMES: dict[str, str] = {"en": "English", "sw": "Kiswahili", "fr": "Français"}
"""Each language in its own words, for a language switch."""


def from_accept_language(header: str, default: str = "en") -> str:
    """The browser's first language among ours (``Accept-Language``), else ``default``."""
    for part in header.split(",")[:8]:
        code = part.split(";")[0].strip().lower()[:2]
        if code in LANGUAGES:
            return code
    return default
