"""The interface's words in English, Kiswahili and French.

Messages are keyed by their English text (gettext style); ``translations.py`` holds
the Kiswahili and French. A test checks that every message used in a template or
page has both.
"""

from __future__ import annotations

from edge_node.translations import MESSAGES

LANGUAGES = ("en", "sw", "fr")


def gettext(lang: str, msgid: str) -> str:
    if lang == "en":
        return msgid
    return MESSAGES.get(msgid, {}).get(lang, msgid)
