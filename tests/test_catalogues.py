"""The catalogues hold every message the sources mark, each translated, none fuzzy, and the
compiled .mo files say what the .po files say (``make translations`` writes both)."""

from __future__ import annotations

import gettext
import re
from io import BytesIO
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from credentials.i18n import DOMAIN, LOCALE_DIR
from credentials.languages import LANGUAGES

ROOT = Path(__file__).resolve().parent.parent
TRANSLATED = [lang for lang in LANGUAGES if lang != "en"]
"""English is the message ids themselves."""


def _catalogue(lang: str):  # type: ignore[no-untyped-def]
    with (LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po").open("rb") as po:
        return read_po(po, locale=lang, domain=DOMAIN)


def _key(message_id: str | tuple[str, ...], context: str | None) -> tuple[str | None, str]:
    return context, message_id if isinstance(message_id, str) else message_id[0]


@pytest.fixture(scope="module")
def extracted() -> set[tuple[str | None, str]]:
    """What ``make translations`` extracts, run in-process with the same mapping."""
    with (ROOT / "babel.cfg").open() as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    found = {
        _key(message, context)
        for _file, _line, message, _comments, context in extract_from_dir(
            str(ROOT), method_map, options_map
        )
    }
    assert (None, "Check a credential") in found and ("result", "Passed") in found
    assert (None, "{n} learner") in found
    assert len(found) > 400
    # A lang-first call (``gettext("en", ...)``) read as a message by mistake.
    assert not found & {(None, lang) for lang in LANGUAGES}
    return found


@pytest.mark.parametrize("lang", TRANSLATED)
def test_every_message_the_sources_mark_is_in_the_catalogue(
    lang: str, extracted: set[tuple[str | None, str]]
) -> None:
    held = {_key(m.id, m.context) for m in _catalogue(lang) if m.id}
    missing = sorted(extracted - held, key=str)
    assert not missing, f"run `make translations`: {missing}"


@pytest.mark.parametrize("lang", TRANSLATED)
def test_every_entry_of_the_catalogue_is_still_marked_in_the_sources(
    lang: str, extracted: set[tuple[str | None, str]]
) -> None:
    """An entry the extraction no longer finds would be dropped by ``make translations``,
    and the page that shows it would lose its translation: the sources must still mark it
    (a call the extraction does not know, such as a moved page title, shows up here)."""
    held = {_key(m.id, m.context) for m in _catalogue(lang) if m.id}
    unmarked = sorted(held - extracted, key=str)
    assert not unmarked, f"no longer extracted: {unmarked}"


@pytest.mark.parametrize("lang", TRANSLATED)
def test_every_entry_is_translated_not_fuzzy_and_keeps_its_placeholders(lang: str) -> None:
    catalogue = _catalogue(lang)
    for message in catalogue:
        if not message.id:
            continue
        assert not message.fuzzy, message.id
        ids = [message.id] if isinstance(message.id, str) else list(message.id)
        strings = [message.string] if isinstance(message.string, str) else list(message.string)
        assert all(s.strip() for s in strings), (lang, message.id)
        assert len(strings) == (1 if len(ids) == 1 else catalogue.num_plurals), message.id
        wanted = set(re.findall(r"\{\w+\}", ids[-1]))
        for text in strings:
            assert set(re.findall(r"\{\w+\}", text)) <= wanted, (lang, message.id)
            assert set(re.findall(r"\{\w+\}", text)) >= wanted - {"{n}"}, (lang, message.id)


@pytest.mark.parametrize("lang", TRANSLATED)
def test_the_compiled_catalogue_is_up_to_date(lang: str) -> None:
    fresh = BytesIO()
    write_mo(fresh, _catalogue(lang))
    fresh.seek(0)
    expected = gettext.GNUTranslations(fresh)
    path = LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.mo"
    with path.open("rb") as mo:
        shipped = gettext.GNUTranslations(mo)
    assert shipped._catalog == expected._catalog, "run `make translations`"  # type: ignore[attr-defined]


def test_a_count_and_a_context_take_the_language_s_forms() -> None:
    from credentials.i18n import gettext as translate
    from credentials.i18n import ngettext, pgettext

    assert ngettext("fr", "{n} learner", "{n} learners", 1) == "1 apprenant"
    assert ngettext("fr", "{n} learner", "{n} learners", 0) == "0 apprenant"
    assert ngettext("sw", "{n} learner", "{n} learners", 3) == "wanafunzi 3"
    assert ngettext("en", "{n} learner", "{n} learners", 2) == "2 learners"
    assert pgettext("sw", "result", "Passed") == "Amefaulu"
    assert translate("sw", "Passed") == "Waliofaulu"
    assert translate("xx", "Passed") == "Passed"
    locked = "Too many failed log-ins. Try again in {n} minutes."
    assert translate("en", locked, n=1) == "Too many failed log-ins. Try again in 1 minute."
    assert translate("fr", locked, n=2).endswith("Réessayez dans 2 minutes.")
    assert translate("fr", locked, n=1).endswith("Réessayez dans 1 minute.")
