"""The software's words in every language, from gettext catalogues.

One catalogue (domain ``fieldcred``) per language holds the words of every package: the
centre's and the hub's pages, the verdicts of a verification, the hub's alerts about a
node and the browser verifier share many sentences, and a translator should meet each
once. The ``.po`` files in ``credentials/locale/<lang>/LC_MESSAGES/`` are what
translators edit; ``make translations`` extracts the messages from the sources
(``babel.cfg``), merges them into the ``.po`` files and compiles the ``.mo`` files read
here with the standard library's :mod:`gettext`.

Message ids are the English text; placeholders are in braces (``{n}``) and are filled
after translation. A message the catalogue lacks is shown in English.
"""

from __future__ import annotations

import functools
import gettext as _gettext
from pathlib import Path

from credentials.languages import LANGUAGES

LOCALE_DIR = Path(__file__).resolve().parent / "locale"
DOMAIN = "fieldcred"


_SINGULARS: dict[str, str] = {}
"""The singular of each message made by :func:`counted`, by its plural."""


def counted(singular: str, plural: str) -> str:
    """A message that counts ``{n}`` and travels as one id (an error's template): its
    plural is the id; :func:`gettext` and a page's ``_`` pick the form ``n`` takes.
    ``make translations`` extracts it as a plural message."""
    _SINGULARS[plural] = singular
    return plural


def N_(msgid: str) -> str:
    """Mark ``msgid`` as a message where it is defined; it is translated where shown."""
    return msgid


@functools.lru_cache(maxsize=len(LANGUAGES))
def catalogue(lang: str) -> _gettext.NullTranslations:
    if lang not in LANGUAGES or lang == "en":
        return _gettext.NullTranslations()
    return _gettext.translation(DOMAIN, LOCALE_DIR, languages=[lang], fallback=True)


def _fill(text: str, values: dict[str, object]) -> str:
    return text.format(**values) if values else text


def gettext(lang: str, msgid: str, **values: object) -> str:
    """``msgid`` in ``lang``, placeholders filled when values are given; a message made by
    :func:`counted` takes the form its ``n`` needs."""
    singular = _SINGULARS.get(msgid)
    count = values.get("n")
    if singular is not None and isinstance(count, int):
        return _fill(catalogue(lang).ngettext(singular, msgid, count), values)
    return _fill(catalogue(lang).gettext(msgid), values)


def english(msgid: str, **values: object) -> str:
    """``msgid`` as English text (an API's message, a log line), its count's form chosen."""
    return gettext(_ENGLISH, msgid, **values)


_ENGLISH = "en"


def ngettext(lang: str, singular: str, plural: str, n: int, **values: object) -> str:
    """The form of a count's message ``n`` takes in ``lang``; ``{n}`` is filled with it."""
    return _fill(catalogue(lang).ngettext(singular, plural, n), {"n": n, **values})


def pgettext(lang: str, context: str, msgid: str, **values: object) -> str:
    """``msgid`` as meant in ``context`` (a word two places translate differently)."""
    return _fill(catalogue(lang).pgettext(context, msgid), values)


class Translator:
    """The three functions a page's template calls, bound to the reader's language:
    ``_("...")``, ``ngettext("1 ...", "{n} ...", n)``, ``pgettext("context", "...")``."""

    def __init__(self, lang: str) -> None:
        self.lang = lang

    def __call__(self, msgid: str, **values: object) -> str:
        return gettext(self.lang, msgid, **values)

    def gettext(self, msgid: str, **values: object) -> str:
        return gettext(self.lang, msgid, **values)

    def ngettext(self, singular: str, plural: str, n: int, **values: object) -> str:
        return ngettext(self.lang, singular, plural, n, **values)

    def pgettext(self, context: str, msgid: str, **values: object) -> str:
        return pgettext(self.lang, context, msgid, **values)

    def template_values(self) -> dict[str, object]:
        """What ``jinja2.ext.i18n`` and a template's ``_()`` call."""
        return {
            "_": self,
            "gettext": self.gettext,
            "ngettext": self.ngettext,
            "pgettext": self.pgettext,
        }
