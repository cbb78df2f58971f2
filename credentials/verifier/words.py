"""The browser verifier's own words: its buttons, what it says about the list it checked
against, and the one verdict only a phone can reach (a list older than the centre). The
English is the message id of the project's catalogues (:mod:`credentials.i18n`); the
verdicts themselves come from :mod:`credentials.verdicts`, the same sentences the CLI and
the ``/verify`` pages say.
"""

from __future__ import annotations

from credentials.i18n import N_

NEWER_THAN_LIST = "newer_than_list"

VERDICTS: dict[str, tuple[str, str]] = {
    NEWER_THAN_LIST: (
        N_("Cannot check yet"),
        N_(
            "This centre may have joined after the university's list on this phone was made. "
            "Connect to the internet once to refresh the list, then check again."
        ),
    ),
}
"""Headline and sentence of the verdicts only the browser gives."""

WORDS: tuple[str, ...] = (
    N_("Check a credential"),
    N_("Scan with the camera"),
    N_("Stop the camera"),
    N_("Take or choose a photo"),
    N_("Paste the text of the QR code"),
    N_("Check"),
    N_("Point the camera at the QR code."),
    N_("The camera could not be opened. Take or choose a photo instead."),
    N_("Checked against the university's list of {date}, made today."),
    N_("Checked against the university's list of {date} (1 day old)."),
    N_("Checked against the university's list of {date} ({days} days old)."),
    N_("List from the university on this phone: {date}."),
    N_("Looking for a newer list…"),
    N_("Offline: using the list kept on this phone."),
    N_("Connect to the internet once to get the university's list."),
    N_("Name"),
    N_("Module"),
    N_("Outcomes achieved"),
    N_("Date"),
    N_("Valid until"),
)
"""Every other phrase of the page (``index.html`` and ``app.js``)."""
