"""The interface's words in English, Kiswahili and French: the project's gettext
catalogues (:mod:`credentials.i18n`), keyed by the English text."""

from __future__ import annotations

from credentials.i18n import N_, Translator, gettext, ngettext, pgettext
from credentials.languages import LANGUAGES

__all__ = ["LANGUAGES", "N_", "Translator", "gettext", "ngettext", "pgettext"]
