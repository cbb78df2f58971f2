"""The block's interface strings in English, Kiswahili and French.

XBlock convention: catalogues live in the package's ``translations/<lang>/LC_MESSAGES/``
as ``text.po`` / ``text.mo`` (gettext domain ``text``). The learner's interface follows
the language the learner picks among those the course offers, so module text and
interface always agree; strings are marked with ``_`` for extraction
(``xgettext -L Python -k_ -o text.pot lms_plugin/i18n.py``).
"""

from __future__ import annotations

import functools
import gettext
from collections.abc import Callable
from pathlib import Path

from credentials.languages import LANGUAGE_NAMES as LANGUAGE_NAMES

LOCALE_DIR = Path(__file__).resolve().parent / "translations"
DOMAIN = "text"


@functools.lru_cache(maxsize=8)
def translations(language: str) -> gettext.NullTranslations:
    return gettext.translation(DOMAIN, LOCALE_DIR, languages=[language], fallback=True)


def labels(language: str) -> dict[str, str]:
    """Every interface string of the learner, studio and staff views, in ``language``."""
    _: Callable[[str], str] = translations(language).gettext
    return {
        "language": _("Language"),
        "level": _("Level"),
        "eqf_level": _("EQF level"),
        "workload": _("Workload"),
        "hours": _("hours"),
        "awarded_by": _("Awarded by"),
        "outcomes": _("Learning outcomes"),
        "prerequisites": _("Prerequisites"),
        "assessment": _("Assessment"),
        "grading": _("Grading"),
        "quality": _("Quality assurance"),
        "knowledge_assessment": _("Knowledge assessment"),
        "items_drawn": _("questions drawn for you"),
        "true": _("True"),
        "false": _("False"),
        "your_answer": _("Your answer"),
        "submit": _("Submit my answers"),
        "result": _("Your result"),
        "score": _("Score"),
        "passed": _("Passed"),
        "not_passed": _("Not passed"),
        "retake": _("Sit the assessment again"),
        "achieved": _("achieved"),
        "not_achieved": _("not yet achieved"),
        "practical": _("Practical assessment"),
        "practical_at_centre": _(
            "This module also has a practical assessment, observed at a community "
            "learning centre or scored by course staff. Your knowledge result is kept; "
            "the credential is issued once the practical part is scored."
        ),
        "credential": _("Your credential"),
        "credential_help": _(
            "Scan or show this QR code: anyone can check it offline against the university's key."
        ),
        "download_cose": _("Download the signed credential (.cose)"),
        "download_ob3": _("Download as Open Badge 3.0 (JSON)"),
        "credential_pending": _(
            "You passed. Your credential will be issued as soon as the site's issuer is "
            "configured; come back to this page later."
        ),
        "error": _("Something went wrong"),
        "staff": _("Staff view: results from centres and online"),
        "centre": _("Centre"),
        "all_centres": _("All centres"),
        "learner": _("Learner"),
        "route": _("Where"),
        "version": _("Version"),
        "date": _("Date"),
        "download_csv": _("Download CSV"),
        "credential_column": _("Credential"),
        "state_active": _("Valid"),
        "state_revoked": _("Revoked"),
        "state_replaced": _("Replaced"),
        "state_expired": _("Expired"),
        "awaiting_practical": _("Online learners awaiting the practical assessment"),
        "score_practical": _("Save practical scores"),
        "module": _("Module"),
        "pass_threshold": _("Pass threshold"),
        "threshold_help": _(
            "Leave empty for the module's own rule; a course may be stricter, never laxer."
        ),
        "languages_offered": _("Languages offered"),
        "display_name": _("Display name"),
        "save": _("Save"),
        "cancel": _("Cancel"),
    }


STATE_ICONS = {"active": "✓", "revoked": "✗", "replaced": "↻", "expired": "⌛"}


def credential_state(status: str, language: str) -> str:
    """A credential's status at the hub as the staff view shows it: its icon and word
    (empty for a result without a credential; an unknown status as the hub spelt it)."""
    if not status:
        return ""
    word = labels(language).get(f"state_{status}", status)
    return f"{STATE_ICONS.get(status, '')} {word}".strip()
