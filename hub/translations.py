"""The hub's pages in English, Kiswahili and French: the project's gettext catalogues
(:mod:`credentials.i18n`), keyed by the English text. Placeholders in braces
(``{node}``) are filled after translation. Words that come from elsewhere (centre names,
catalogue titles) are shown as they are; a node's alert is translated by its code
(``sync.alerts``).
"""

from __future__ import annotations

from credentials.i18n import N_, Translator, gettext
from credentials.languages import LANGUAGE_NAMES, LANGUAGES, from_accept_language

__all__ = [
    "LANGUAGES",
    "LANGUAGE_NAMES",
    "LANG_COOKIE",
    "gettext",
    "pick_language",
    "translator",
]

LANG_COOKIE = "fieldcred_hub_lang"

STORED_WORDS = (
    # A credential's status and an equity table's groups, as the store holds them.
    N_("active"),
    N_("revoked"),
    N_("replaced"),
    N_("expired"),
    N_("gender"),
    N_("age band"),
    N_("centre"),
    N_("female"),
    N_("male"),
    N_("other"),
    N_("unstated"),
    N_("unknown"),
    N_("under 18"),
    N_("50 and over"),
    # Why an event is held, and why two learners are linked (``hub.projection``).
    N_("held: on a forked branch"),
    N_("same name and birth year"),
    N_("presented a credential issued at {node}"),
)
"""Words the hub's store holds and its pages show translated (``t(value)``)."""


def translator(lang: str) -> Translator:
    """``_`` of a page in ``lang``: call it, or its ``ngettext`` and ``pgettext``."""
    return Translator(lang)


def pick_language(query: str | None, cookie: str | None, accept_language: str) -> str:
    """``?lang=``, else the language cookie, else the browser's first of ours, else English."""
    for chosen in (query, cookie):
        if chosen in LANGUAGES:
            return str(chosen)
    return from_accept_language(accept_language)
